/**
 * Bias drift on the model card: each fairness gap (models[].fairness) per window, newest first, and
 * whether it grew — the slow-decline test of the primary metric (trend.ts: Theil–Sen slope,
 * Mann–Kendall test, monitor.trend's window, min_points and alpha) run on the gap, where growing is
 * the bad direction (shrinking, for the parity ratio). One series per model version, as the metric's.
 */
import { FAIRNESS_GAPS, type FairnessGap } from '../../domain/fairness-config.js';
import { gapLowerIsBetter } from '../../domain/fairness.js';
import { detectDecline, windowSeries } from './trend.js';
import { MAX_TREND_POINTS, type CardFairness, type CardFairnessGap, type CardReportPoint, type ModelCardInput } from './types.js';

/** A gated gap (`demographic_parity_difference[sex]`), a declared metric's gap (`cost:gap[sex]`, reported, never gated), or neither. */
function gapOf(name: string): FairnessGap | 'declared' | undefined {
  const base = name.slice(0, name.indexOf('['));
  if ((FAIRNESS_GAPS as readonly string[]).includes(base)) return base as FairnessGap;
  return base.endsWith(':gap') ? 'declared' : undefined;
}

export type { CardFairness, CardFairnessGap };

export function buildFairness(input: ModelCardInput): CardFairness | undefined {
  const spec = input.spec.fairness;
  const withGaps = input.reports.filter((r) => r.fairness && Object.keys(r.fairness).length > 0);
  if (!spec || withGaps.length === 0) return undefined;
  const newest = [...withGaps].sort((a, b) => Date.parse(b.windowEnd) - Date.parse(a.windowEnd))[0]!;
  const version = newest.version ?? null;
  const series = windowSeries(
    withGaps.map((r) => ({ ...r, value: null, ...(r.version ? { model: r.version } : {}) })),
    version ? { model: version } : {},
  ) as (CardReportPoint & { value: null })[];
  const names = [...new Set(series.flatMap((r) => Object.keys(r.fairness ?? {})))].sort();
  const gaps: CardFairnessGap[] = [];
  for (const name of names) {
    const gap = gapOf(name);
    if (!gap) continue;
    const points = series.map((r) => ({ windowEnd: r.windowEnd, value: r.fairness?.[name] ?? null }));
    const t = detectDecline(points, {
      metric: name,
      higherIsBetter: gap !== 'declared' && !gapLowerIsBetter(gap),
      minPoints: input.spec.monitor.trend.min_points,
      window: input.spec.monitor.trend.window,
      alpha: input.spec.monitor.trend.alpha,
    });
    const bound = gap === 'declared' ? undefined : spec.gates[gap];
    const gate = bound
      ? Object.entries(bound)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')
      : null;
    const message = t.declining ? t.message!.replace(/ (rising|falling) /, gap === 'demographic_parity_ratio' ? ' shrinking ' : ' growing ') : t.message!;
    gaps.push({
      name,
      gate,
      points: points.slice(-MAX_TREND_POINTS).reverse(),
      grew: t.declining,
      pValue: t.points >= 2 ? t.pValue : null,
      slopePerWeek: t.points >= 2 ? t.slopePerWeek : null,
      message,
    });
  }
  return { version, gaps };
}

const value = (v: number | null): string => (v === null ? '—' : v.toFixed(4));

/** The card's Markdown section: per gap its latest value, the gate, whether it grew, and the last windows. */
export function renderFairnessMarkdown(f: CardFairness | undefined, esc: (s: string) => string): string[] {
  if (!f) return [];
  const lines = ['## Fairness across groups (bias drift)', ''];
  lines.push(
    esc(
      `Each gap between groups per evaluated window of version ${f.version ?? '(unknown)'}, newest first; "grew" is the slow-decline test of the primary metric run on the gap (growing is worse; for the parity ratio, shrinking).`,
    ),
    '',
  );
  lines.push('| gap | gate | latest | grew | trend | last windows (newest first) |', '|---|---|---:|---|---|---|');
  for (const g of f.gaps) {
    const recent = g.points
      .slice(0, 6)
      .map((p) => value(p.value))
      .join(', ');
    const cells = [esc(g.name), esc(g.gate ?? '—'), value(g.points[0]?.value ?? null), g.grew ? '**yes**' : 'no', esc(g.message), esc(recent)];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  lines.push('');
  return lines;
}
