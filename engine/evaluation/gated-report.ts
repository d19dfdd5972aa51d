/**
 * The declared business metrics of an evaluation (EvaluationSummary.gated, kind `business`) as the
 * report shows them: one row per metric with its value, interval, gate, baseline, drop and how
 * each bound of its gate was judged (domain/gates.ts, the verdict's own judge). Pure.
 */
import { markdownText as t } from '../../domain/escape.js';
import { judgeGates, type GatedValue } from '../../domain/gates.js';

export const GATED_HEAD = ['metric', 'value', 'interval', 'gate', 'baseline', 'worsening', 'judged'];

const num = (v: number | null | undefined): string =>
  v === null || v === undefined ? '—' : Number.isInteger(v) ? String(v) : Number(v.toPrecision(6)).toString();

function gateCell(g: GatedValue['gate']): string {
  const parts = [
    g.min !== undefined ? `min ${g.min}` : '',
    g.max !== undefined ? `max ${g.max}` : '',
    g.max_drop !== undefined ? `max_drop ${g.max_drop}` : '',
  ];
  return parts.filter(Boolean).join(', ') || '—';
}

/** The business values of an evaluation, as table rows of plain text (each renderer escapes them). */
export function businessRows(gated: readonly GatedValue[] | undefined): string[][] {
  const values = (gated ?? []).filter((g) => g.kind === 'business');
  const outcomes = judgeGates(values);
  return values.map((g) => {
    const judged = outcomes.filter((o) => o.name === g.name).map((o) => `${o.bound}: ${o.status}`);
    const iv = g.interval;
    return [
      g.name + (g.estimated ? ' (estimated)' : ''),
      g.value === null ? `— (${g.why ?? 'undefined'})` : num(g.value),
      iv ? `${Math.round(iv.level * 100)}% ${iv.method} [${num(iv.low)}, ${num(iv.high)}]` : '—',
      gateCell(g.gate),
      num(g.baseline),
      g.drop ? `${num(g.drop.value)} [${num(g.drop.low)}, ${num(g.drop.high)}]` : '—',
      judged.join('; ') || 'no gate',
    ];
  });
}

/** The Markdown section; none when no business metric is declared. */
export function businessMarkdown(gated: readonly GatedValue[] | undefined, failed: readonly string[] | undefined): string[] {
  const rows = businessRows(gated);
  if (rows.length === 0) return [];
  const lines = ['## Business metrics', ''];
  const mine = new Set((gated ?? []).filter((g) => g.kind === 'business').map((g) => g.name));
  const failing = (failed ?? []).filter((n) => mine.has(n));
  lines.push(
    failing.length > 0 ? `Failed gates: ${failing.map((n) => `**${t(n)}**`).join(', ')}.` : 'No declared gate failed.',
    '',
    `| ${GATED_HEAD.join(' | ')} |`,
    '|---|---:|---|---|---:|---|---|',
  );
  for (const r of rows) lines.push(`| ${r.map(t).join(' | ')} |`);
  lines.push('');
  return lines;
}
