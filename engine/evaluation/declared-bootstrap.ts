/**
 * The bootstrap of the declared business metrics (declared-metrics.ts), by resample ranges: each
 * metric is a cell per row and a rule that reads the metric off the cells' summed draws. Resample b
 * draws the same rows whatever range it falls in (the stream is skipped to the range's first
 * resample, as the primary metric's ranges are), so a large window's resamples can be spread over
 * the evaluation threads and give the interval one thread gives, bit for bit.
 */
import type { FairnessReport } from '../../domain/fairness.js';
import type { GatedValue } from '../../domain/gates.js';
import { quantileLinear } from './significance/quantile.js';
import { drawResample, drawResampleCells, skipDraws, Xoshiro128StarStar } from './significance/random.js';

/** How a metric is read off its cells' sums: plain data, so that it can be sent to another thread. */
export type CellRule =
  /** Σ entry × count over the matrix's cells (actual × k + predicted), divided by `divide` (n for a per-row average, else 1). */
  | { kind: 'matrix'; flat: number[]; divide: number }
  /** The precision-recall curve over score groups, highest first: cell 2·group + (positive ? 1 : 0). */
  | { kind: 'curve'; groups: number; recallAtPrecision: boolean; target: number }
  /** [true negative, false positive, false negative, true positive] at a threshold; scikit-learn's 0 where undefined. */
  | { kind: 'threshold'; metric: 'precision' | 'recall' | 'f1' | 'accuracy' }
  /** [outside, within] the error band, over n rows. */
  | { kind: 'band'; n: number };

/** One metric as its resamples need it: each row's cell, the number of cells, and the rule. */
export interface ResampledCells {
  of: Int32Array | Uint16Array;
  count: number;
  rule: CellRule;
}

/** A metric at a decision threshold from its confusion counts (realized, resampled or expected); scikit-learn's 0 where undefined. */
export function thresholdMetric(metric: 'precision' | 'recall' | 'f1' | 'accuracy', tn: number, fp: number, fn: number, tp: number): number {
  if (metric === 'precision') return tp + fp === 0 ? 0 : tp / (tp + fp);
  if (metric === 'recall') return tp + fn === 0 ? 0 : tp / (tp + fn);
  if (metric === 'f1') return 2 * tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  return (tp + tn) / (tn + fp + fn + tp);
}

/** The metric of one resample from its cells' sums (null: undefined on it). */
export function cellEvaluator(rule: CellRule): (sums: Float64Array) => number | null {
  switch (rule.kind) {
    case 'matrix': {
      const { flat, divide } = rule;
      return (sums) => {
        let s = 0;
        for (let j = 0; j < flat.length; j++) if (sums[j] !== 0) s += flat[j]! * sums[j]!;
        return s / divide;
      };
    }
    case 'threshold':
      return (w) => thresholdMetric(rule.metric, w[0]!, w[1]!, w[2]!, w[3]!);
    case 'band':
      return (w) => w[1]! / rule.n;
    case 'curve': {
      const { groups, recallAtPrecision: recallTarget, target } = rule;
      return (sums) => {
        let p = 0;
        for (let g = 0; g < groups; g++) p += sums[2 * g + 1]!;
        if (p === 0) return null;
        let tp = 0;
        let fp = 0;
        let best = recallTarget ? 0 : -1;
        for (let g = 0; g < groups; g++) {
          fp += sums[2 * g]!;
          tp += sums[2 * g + 1]!;
          if (tp + fp === 0) continue;
          const precision = tp / (tp + fp);
          if (recallTarget) {
            if (precision >= target && tp / p > best) best = tp / p;
          } else if (tp / p >= target && precision > best) best = precision;
        }
        return best;
      };
    }
  }
}

/**
 * Each metric's defined values on resamples [from, to) of n rows, from the stream seeded `seed`
 * (in resample order). One metric: each draw added straight to its cell's sum; several: the draws
 * counted per row once, then summed per metric.
 */
export function declaredSamples(cells: readonly ResampledCells[], n: number, seed: number, range: { from: number; to: number }): number[][] {
  const samples = cells.map(() => [] as number[]);
  const sums = cells.map((c) => new Float64Array(c.count));
  const evaluate = cells.map((c) => cellEvaluator(c.rule));
  const rng = Xoshiro128StarStar.fromSeed(seed);
  if (range.from > 0) skipDraws(rng, n, range.from * n);
  const direct = cells.length === 1 ? cells[0]! : undefined;
  const counts = new Int32Array(direct ? 0 : n);
  for (let b = range.from; b < range.to; b++) {
    if (direct) {
      const into = sums[0]!;
      into.fill(0);
      drawResampleCells(rng, n, direct.of, into);
      const v = evaluate[0]!(into);
      if (v !== null && Number.isFinite(v)) samples[0]!.push(v);
      continue;
    }
    counts.fill(0);
    drawResample(rng, n, counts);
    cells.forEach(({ of }, j) => {
      const into = sums[j]!;
      into.fill(0);
      for (let r = 0; r < n; r++) into[of[r]!]! += counts[r]!;
      const v = evaluate[j]!(into);
      if (v !== null && Number.isFinite(v)) samples[j]!.push(v);
    });
  }
  return samples;
}

type Interval = NonNullable<GatedValue['interval']>;

/** The percentile interval of a metric's defined resample values (undefined when none is). */
export function percentileOf(values: readonly number[], confidence: number): Interval | undefined {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return undefined;
  return { low: quantileLinear(sorted, (1 - confidence) / 2), high: quantileLinear(sorted, (1 + confidence) / 2), level: confidence, method: 'bootstrap' };
}

/** The worsening from the baseline of a value and of its interval's ends (positive = worse). */
export function dropOf(lower: boolean, baseline: number, value: number, iv: Interval): NonNullable<GatedValue['drop']> {
  return lower
    ? { value: value - baseline, low: iv.low - baseline, high: iv.high - baseline }
    : { value: baseline - value, low: baseline - iv.high, high: baseline - iv.low };
}

/** Declared metrics whose bootstrap is left for the engine to spread over the evaluation threads (large windows). */
export interface PendingDeclared {
  /** The gated values' names, in the order of `cells`. */
  names: string[];
  /** Each row's cell in shared memory: every thread reads them without a copy. */
  cells: ResampledCells[];
  rows: number;
  resamples: number;
  confidence: number;
  seed: number;
  /** A fairness group's (the report's family and group index); absent: the window's, in its gated values. */
  at?: { family: number; group: number };
}

/** Below this many rows the resamples are quick: they run whole where the metrics are computed. */
export const PARALLEL_DECLARED_ROWS = 20_000;

/** The cells in shared memory, for a pending bootstrap. */
export function sharedCells(c: ResampledCells): ResampledCells {
  if (c.of.buffer instanceof SharedArrayBuffer) return c;
  const of = c.of instanceof Uint16Array ? new Uint16Array(new SharedArrayBuffer(c.of.byteLength)) : new Int32Array(new SharedArrayBuffer(c.of.byteLength));
  of.set(c.of);
  return { ...c, of };
}

/**
 * The intervals (and drops) of the pending metrics from the samples of each range, in range order:
 * the gated values of the window's declared metrics get what one thread would have given them. A
 * value no longer there (the window was judged on the estimate instead) is left alone.
 */
export function completeDeclared(gated: GatedValue[] | undefined, pending: PendingDeclared, chunks: readonly number[][][]): void {
  if (pending.at) return;
  pending.names.forEach((name, j) => {
    const g = gated?.find((v) => v.name === name && v.kind === 'business' && !v.estimated);
    if (!g || g.value === null) return;
    const iv = percentileOf(
      chunks.flatMap((c) => c[j]!),
      pending.confidence,
    );
    if (!iv) return;
    g.interval = iv;
    if (g.baseline !== undefined) g.drop = dropOf(g.lowerIsBetter, g.baseline, g.value, iv);
  });
}

/** A fairness group's pending declared metrics: their intervals, as declaredGated on the group's rows gives them. */
export function completeGroupDeclared(report: FairnessReport | undefined, pending: PendingDeclared, chunks: readonly number[][][]): void {
  const at = pending.at;
  const group = at ? report?.families[at.family]?.groups[at.group] : undefined;
  if (!group) return;
  pending.names.forEach((name, j) => {
    const v = group.declared?.[report!.declared?.findIndex((d) => d.name === name) ?? -1];
    if (!v || v.value === null) return;
    const iv = percentileOf(
      chunks.flatMap((c) => c[j]!),
      pending.confidence,
    );
    if (!iv) return;
    v.low = iv.low;
    v.high = iv.high;
    v.method = iv.method;
  });
}
