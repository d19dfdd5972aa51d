/**
 * `models[].fairness` in upkeep.yaml: the sensitive columns a model is compared across, their
 * intersections, the smallest group that is judged, and gates on the gaps between groups
 * (docs/statistics/fairness.md). Validated with the rest of the model (domain/config.ts).
 */
import * as z from 'zod';

const column = z.string().min(1).max(200);

/** The gaps between groups that can carry a gate, and which bound each takes. */
export const FAIRNESS_GAPS = ['demographic_parity_difference', 'demographic_parity_ratio', 'equalized_odds_difference', 'metric_gap'] as const;
export type FairnessGap = (typeof FAIRNESS_GAPS)[number];

/** Gaps defined only for a binary classifier (they rest on the positive class). */
export const BINARY_ONLY_GAPS: readonly FairnessGap[] = ['demographic_parity_difference', 'demographic_parity_ratio', 'equalized_odds_difference'];

const maxGate = z.strictObject({ max: z.number().min(0) });

export const fairnessSpec = z.strictObject({
  /** Sensitive columns: each value of each is a group. They need not be model inputs (read from the window like segments). */
  columns: z.array(column).min(1, 'name at least one sensitive column').max(10),
  /** Pairs (or more) of columns whose combined values are groups, e.g. [[sex, age_band]]. */
  intersections: z.array(z.array(column).min(2, 'an intersection needs at least two columns').max(3)).max(5).default([]),
  /** Groups with fewer labelled rows are reported as small and left out of the gaps that are judged. */
  min_group_rows: z.number().int().min(1).default(100),
  /** Gates on the gaps, applied to every column and intersection. */
  gates: z
    .strictObject({
      demographic_parity_difference: maxGate.optional(),
      demographic_parity_ratio: z.strictObject({ min: z.number().min(0).max(1) }).optional(),
      equalized_odds_difference: maxGate.optional(),
      /** The primary metric's best group minus its worst. */
      metric_gap: maxGate.optional(),
    })
    .default({}),
});
export type FairnessSpec = z.infer<typeof fairnessSpec>;

/** Problems a model's fairness settings have given its task: [path under fairness, message]. */
export function fairnessProblems(f: FairnessSpec, task: string): [(string | number)[], string][] {
  const out: [(string | number)[], string][] = [];
  const seen = new Set<string>();
  f.columns.forEach((c, i) => {
    if (seen.has(c)) out.push([['columns', i], `duplicate column ${c}`]);
    seen.add(c);
  });
  f.intersections.forEach((cols, i) => {
    if (new Set(cols).size !== cols.length) out.push([['intersections', i], `an intersection names each column once (got ${cols.join(', ')})`]);
  });
  if (task !== 'binary') {
    for (const gap of BINARY_ONLY_GAPS) {
      if (f.gates[gap] !== undefined) out.push([['gates', gap], `${gap} needs a binary model (it rests on the positive class); this model is ${task}`]);
    }
  }
  return out;
}

/** The columns an evaluation reads for groups: the slice columns and the sensitive ones, each once. */
export function groupColumns(spec: { monitor: { segments: string[] }; fairness?: FairnessSpec | undefined }): string[] {
  const f = spec.fairness;
  return [...new Set([...spec.monitor.segments, ...(f ? [...f.columns, ...f.intersections.flat()] : [])])];
}
