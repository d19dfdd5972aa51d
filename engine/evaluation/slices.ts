/**
 * Metrics per slice: the window's rows grouped by the value of each configured segment column.
 * The worst slices (by how much worse than the whole window the primary metric is) are reported
 * with their sizes.
 */
import type { MonitorSpec } from '../../domain/config.js';
import type { Collected } from './evaluator.js';
import type { SliceEntry, SlicesReport } from '../../domain/reports.js';
import { lowerIsBetter } from '../../domain/metrics.js';
import { metricsOf } from './collected-metrics.js';
import { subset } from './subset.js';

export type { SliceEntry, SlicesReport };

const MAX_VALUES = 50;

export function computeSlices(
  c: Collected,
  opts: { metric: string; overall: number | null; nClasses: number; positiveIndex?: number; settings: MonitorSpec['slices']; columns?: string[] },
): SlicesReport | undefined {
  // The rows may carry more columns than the declared slices (the segment search's): only `columns` are sliced.
  const declared = Object.entries(c.segments ?? {}).filter(([name]) => !opts.columns || opts.columns.includes(name));
  if (declared.length === 0) return undefined;
  const lower = lowerIsBetter(opts.metric);
  const entries: SliceEntry[] = [];
  const columns: SlicesReport['columns'] = {};
  for (const [column, seg] of declared) {
    const counts = new Int32Array(seg.values.length);
    for (let i = 0; i < seg.codes.length; i++) counts[seg.codes[i]!]!++;
    const order = [...counts.keys()].sort((a, b) => counts[b]! - counts[a]!).slice(0, MAX_VALUES);
    columns[column] = { values: seg.values.length, evaluated: order.length };
    const members = new Map(order.map((code) => [code, new Int32Array(counts[code]!)]));
    const fill = new Int32Array(seg.values.length);
    for (let i = 0; i < seg.codes.length; i++) {
      const m = members.get(seg.codes[i]!);
      if (m) m[fill[seg.codes[i]!]!++] = i;
    }
    for (const code of order) {
      const idx = members.get(code)!;
      const score = metricsOf(subset(c, idx, opts.nClasses), opts.nClasses, opts.positiveIndex).metrics[opts.metric] ?? null;
      const worse = score === null || opts.overall === null ? null : lower ? score - opts.overall : opts.overall - score;
      entries.push({
        column,
        value: seg.values[code]!,
        rows: idx.length,
        metric: opts.metric,
        score,
        worse_by: worse,
        small: idx.length < opts.settings.min_rows,
      });
    }
  }
  entries.sort((a, b) => (b.worse_by ?? -Infinity) - (a.worse_by ?? -Infinity));
  return {
    metric: opts.metric,
    overall: opts.overall,
    min_rows: opts.settings.min_rows,
    ...(opts.settings.max_drop !== undefined ? { max_drop: opts.settings.max_drop } : {}),
    worst: entries.slice(0, 10),
    columns,
  };
}
