/**
 * The test of one segment against the rest of the window, and the multiple-testing correction
 * over every segment tested (docs/statistics/segments.md).
 *
 * The test is the two-sample z-test of means with separate variances (statsmodels'
 * `CompareMeans.ztest_ind(usevar='unequal', alternative='larger')`): the per-row loss's mean on the
 * segment against its mean on the rest, each variance with ddof = 1. Segments have at least
 * `min_rows` (≥ 30, 200 by default) rows, so the mean difference is normal to a good approximation.
 */
import { normalQuantile, normalSf } from '../../math/special/normal.js';

/** Count, sum and sum of squares of the loss over some rows. */
export interface Moments {
  n: number;
  sum: number;
  sumSq: number;
}

export interface MeanTest {
  /** Mean loss on the segment and on the rest. */
  mean: number;
  restMean: number;
  /** Segment minus rest, and its two-sided interval at `confidence`. */
  diff: number;
  low: number;
  high: number;
  z: number;
  /** One-sided: the segment's mean loss is larger. */
  p: number;
}

/** A segment's gap (its mean minus the rest's) measured elsewhere, with the variance of that estimate. */
export interface Gap {
  diff: number;
  variance: number;
}

/** The gap of `seg` against the rest of `all` and its variance (what a reference stores per segment). */
export function segmentGap(seg: Moments, all: Moments): Gap {
  const rest: Moments = { n: all.n - seg.n, sum: all.sum - seg.sum, sumSq: all.sumSq - seg.sumSq };
  const mean = seg.sum / seg.n;
  const restMean = rest.sum / rest.n;
  return { diff: mean - restMean, variance: variance(seg, mean) / seg.n + variance(rest, restMean) / rest.n };
}

/** Sample variance (ddof = 1) from moments, never negative. */
function variance(m: Moments, mean: number): number {
  if (m.n < 2) return 0;
  return Math.max(0, (m.sumSq - m.n * mean * mean) / (m.n - 1));
}

/**
 * The segment `seg` against the rest (`all` minus `seg`). `shift` was subtracted from every loss
 * before the moments were summed (the window's mean, so that sums of squares keep their precision);
 * the means returned have it added back.
 */
export function segmentTest(seg: Moments, all: Moments, confidence: number, shift = 0, base?: Gap): MeanTest {
  const rest: Moments = { n: all.n - seg.n, sum: all.sum - seg.sum, sumSq: all.sumSq - seg.sumSq };
  const mean = seg.sum / seg.n;
  const restMean = rest.n > 0 ? rest.sum / rest.n : NaN;
  // Against a baseline: how much the gap grew since (a difference in differences, independent samples).
  const diff = mean - restMean - (base?.diff ?? 0);
  const se = Math.sqrt(variance(seg, mean) / seg.n + (rest.n > 0 ? variance(rest, restMean) / rest.n : 0) + (base?.variance ?? 0));
  const q = normalQuantile(1 - (1 - confidence) / 2);
  if (!(rest.n >= 2) || !(se > 0)) {
    // No spread: the difference is what it is (worse for sure if positive, never significant otherwise).
    const p = rest.n >= 2 && diff > 0 ? 0 : 1;
    return { mean: mean + shift, restMean: restMean + shift, diff, low: diff, high: diff, z: diff > 0 ? Infinity : diff < 0 ? -Infinity : 0, p };
  }
  const z = diff / se;
  return { mean: mean + shift, restMean: restMean + shift, diff, low: diff - q * se, high: diff + q * se, z, p: normalSf(z) };
}

/**
 * Holm's step-down adjusted p-values (statsmodels' `multipletests(method='holm')`): sorted
 * ascending, p₍ᵢ₎ × (m − i + 1), made non-decreasing, capped at 1. `m` may exceed `p.length`
 * (candidates counted but not computed are p = 1 and do not change the others).
 */
export function holm(p: ArrayLike<number>, m: number = p.length): Float64Array {
  const order = Array.from({ length: p.length }, (_, i) => i).sort((a, b) => p[a]! - p[b]! || a - b);
  const out = new Float64Array(p.length);
  let running = 0;
  order.forEach((i, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p[i]!));
    out[i] = running;
  });
  return out;
}
