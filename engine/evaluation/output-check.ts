/**
 * What a model's outputs must be before any metric is computed from them: probabilities that are
 * finite, within [0, 1] and, per row, sum to 1; regression values that are finite. The evaluator
 * checks each batch in the same pass that reads it (evaluator.ts) and keeps only a count and the
 * first row of each problem; the window then fails with `ModelOutputInvalid` (evaluate.ts), like
 * any failing window, instead of a NaN metric read as "insufficient data".
 */

/** How far a probability may stray outside [0, 1] (float32 rounding of a softmax or a sigmoid). */
export const PROBABILITY_RANGE_TOLERANCE = 1e-4;
/** How far a row of class probabilities may sum from 1. */
export const PROBABILITY_SUM_TOLERANCE = 1e-3;

/** A row counts once, under its worst problem: not finite, then out of range, then not normalised. */
export type OutputProblem = 'not-finite' | 'out-of-range' | 'not-normalised';

export interface OutputIssue {
  /** Rows with this problem. */
  rows: number;
  /** The first such row: its file, its row in the file (1-based, as other messages count) and the value. */
  file: string;
  row: number;
  /** The offending value (not-normalised: the row's sum). */
  value: number;
}

export type OutputIssues = Partial<Record<OutputProblem, OutputIssue>>;

/** Adds `more` (later rows of the window) to `into`: counts summed, the earlier first row kept. */
export function mergeOutputIssues(into: OutputIssues | undefined, more: OutputIssues | undefined): OutputIssues | undefined {
  if (!more) return into;
  const out: OutputIssues = { ...into };
  for (const [problem, issue] of Object.entries(more) as [OutputProblem, OutputIssue][]) {
    const seen = out[problem];
    out[problem] = seen ? { ...seen, rows: seen.rows + issue.rows } : { ...issue };
  }
  return out;
}

const WHAT: Record<OutputProblem, string> = {
  'not-finite': 'are not finite',
  'out-of-range': 'hold a probability outside [0, 1]',
  'not-normalised': 'do not sum to 1',
};

const show = (v: number): string => (Number.isFinite(v) ? String(Number(v.toPrecision(6))) : String(v));

/**
 * One line naming the model, the output, how many rows of the window have each problem and the
 * first of them, e.g. `model churn: output probabilities: 120 of 5000 rows are not finite (first:
 * 2026-11-20.csv row 17, NaN)`.
 */
export function outputIssuesMessage(modelId: string, output: string, rows: number, issues: OutputIssues): string {
  const parts = (Object.keys(WHAT) as OutputProblem[])
    .filter((p) => issues[p])
    .map((p) => {
      const i = issues[p]!;
      const value = p === 'not-normalised' ? `sum ${show(i.value)}` : show(i.value);
      return `${i.rows} of ${rows} rows ${WHAT[p]} (first: ${i.file} row ${i.row}, ${value})`;
    });
  return `model ${modelId}: output ${output}: ${parts.join('; ')}`;
}

/**
 * Probabilities finite, within [0, 1] and summing to 1 per row, over `count` rows of `k` classes.
 * A quick pass flags the rows that break any of the three (rare, so its branches are predicted); a
 * flagged row is then looked at in full and given to `note` once, under its worst problem, with
 * its batch row and the offending value (not-normalised: the row's sum).
 */
export function checkProbabilityRows(
  probs: Float32Array | Float64Array,
  count: number,
  k: number,
  note: (problem: OutputProblem, row: number, value: number) => void,
): void {
  const lowest = -PROBABILITY_RANGE_TOLERANCE;
  const highest = 1 + PROBABILITY_RANGE_TOLERANCE;
  for (let i = 0, o = 0; i < count; i++, o += k) {
    let sum = 0;
    let outside = false;
    for (let j = 0; j < k; j++) {
      const v = probs[o + j]!;
      sum += v;
      if (v < lowest || v > highest) outside = true;
    }
    // NaN or ±Infinity anywhere in the row makes its sum non-finite.
    if (!outside && sum - sum === 0 && Math.abs(sum - 1) <= PROBABILITY_SUM_TOLERANCE) continue;
    let hi = probs[o]!;
    let lo = hi;
    for (let j = 1; j < k; j++) {
      const v = probs[o + j]!;
      if (v > hi) hi = v;
      else if (v < lo) lo = v;
    }
    if (sum - sum !== 0) {
      let bad = o;
      while (bad < o + k && probs[bad]! - probs[bad]! === 0) bad++;
      note('not-finite', i, probs[bad]!);
    } else if (lo < lowest || hi > highest) note('out-of-range', i, lo < lowest ? lo : hi);
    else note('not-normalised', i, sum);
  }
}
