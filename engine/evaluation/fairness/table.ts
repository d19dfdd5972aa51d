/**
 * The fairness report as table rows of plain text (not escaped): the report's Markdown, its HTML
 * page, the model card and the web model page all show the same rows, each escaping for its sink.
 */
import { FAIRNESS_GAPS } from '../../../domain/fairness-config.js';
import type { FairnessDeclaredValue, FairnessFamily, FairnessReport } from '../../../domain/fairness.js';

const num = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(4));
const range = (low: number | null | undefined, high: number | null | undefined): string =>
  typeof low === 'number' && typeof high === 'number' ? `[${num(low)}, ${num(high)}]` : '—';

export const GAP_HEAD = ['groups of', 'gap', 'value', 'interval', 'between', 'note'];

/** One row per gap of each column and intersection. */
export function gapRows(r: FairnessReport): string[][] {
  const rows: string[][] = [];
  for (const f of r.families) {
    for (const gap of FAIRNESS_GAPS) {
      const v = f.gaps[gap];
      if (!v) continue;
      rows.push([f.name, gap, num(v.value), range(v.low, v.high), v.between ? `${v.between[0]} / ${v.between[1]}` : '—', v.why ?? '']);
    }
    // Declared metrics' gaps: reported, not gated (no interval: each group's values have theirs).
    r.declared?.forEach((d, i) => {
      const v = f.declaredGaps?.[i];
      if (!v) return;
      const why = [d.perRow ? 'per row' : '', v.why ?? ''].filter(Boolean).join('; ');
      rows.push([f.name, `${d.name} gap`, num(v.value), '—', v.between ? `${v.between[0]} / ${v.between[1]}` : '—', why]);
    });
  }
  return rows;
}

export function groupHead(r: FairnessReport, binary: boolean): string[] {
  return [
    'group',
    'rows',
    r.metric,
    'interval',
    ...(binary ? ['selection rate', 'true positive rate', 'false positive rate'] : []),
    ...(r.declared ?? []).map((d) => (d.perRow ? `${d.name} (per row)` : d.name)),
  ];
}

/** A declared metric's cell: the value and its interval, or why it has none ("—" for a small group). */
function declaredCell(v: FairnessDeclaredValue | undefined): string {
  if (!v) return '—';
  if (v.value === null) return `— (${v.why ?? 'undefined'})`;
  return typeof v.low === 'number' && typeof v.high === 'number' ? `${num(v.value)} ${range(v.low, v.high)}` : num(v.value);
}

/** One row per group of a column or intersection; a small group says so. */
export function groupRows(f: FairnessFamily, r: Pick<FairnessReport, 'declared'>): string[][] {
  const declared = r.declared ?? [];
  return f.groups.map((g) => [
    g.small ? `${g.value} (small)` : g.value,
    String(g.rows),
    num(g.metric),
    range(g.metricLow, g.metricHigh),
    ...(g.selectionRate !== undefined ? [num(g.selectionRate), num(g.truePositiveRate), num(g.falsePositiveRate)] : []),
    ...declared.map((_, i) => declaredCell(g.declared?.[i])),
  ]);
}

/** The sentence above the tables: what is compared, what is left out, what is not defined. */
export function fairnessIntro(r: FairnessReport): string {
  const large = r.families.some((f) => f.groups.some((g) => g.interval?.startsWith('normal')));
  const ci =
    r.resamples > 0
      ? `${Math.round(r.confidence * 100)}% percentile bootstrap intervals (${r.resamples} resamples within each group, seed ${r.seed}${large ? '; a group of 20,000 rows or more contributes draws from its closed-form standard errors instead of resampled rows' : ''})`
      : 'no intervals (significance.resamples is 0)';
  const declared = r.declared?.length
    ? ` Declared metrics per group (${r.declared.map((d) => d.name).join(', ')}${r.omittedDeclared ? `; ${r.omittedDeclared} more not shown per group` : ''}): each with its interval from the same settings on the group's rows; a window total is shown per row; their gaps are reported, not gated.`
    : '';
  return `Groups compared on ${r.metric}; gaps are between groups of at least ${r.min_group_rows} rows (smaller ones are shown as small and never judged); ${ci}.${r.notDefined ? ` ${r.notDefined}.` : ''}${declared}`;
}
