/**
 * The alarm band of the data reconstruction error (reconstruction.ts) for a window of any size,
 * from the reference's held-out row errors (docs/statistics/multivariate-drift.md).
 */
import { Mulberry32 } from '../math/random.js';

/** Standard deviations either side of the reference's mean error (NannyML's default threshold), as normal tails. */
export const THRESHOLD_STDS = 3;

/** What the band is computed from (fields of ReconstructionState). */
export interface HeldOut {
  rows: number;
  mean: number;
  sd: number;
  sizes: number[];
  lowerQuantile: number[];
  upperQuantile: number[];
}

interface Banded {
  chunkSize: number;
  chunkErrors: number[];
  lower: number | null;
  upper: number;
  heldOut?: HeldOut;
}

/** The mean of xs[from..to). */
export function meanOf(xs: ArrayLike<number>, from = 0, to = xs.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += xs[i]!;
  return s / (to - from);
}

/** Window sizes the mean's quantiles are bootstrapped at (those up to the chunk size, and the chunk size itself up to the last). */
const BOOTSTRAP_SIZES = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
/** Resamples per size: the 0.135% tails are then about the 7th most extreme of them. */
const BOOTSTRAP_RESAMPLES = 5000;
const BOOTSTRAP_SEED = 20;
/** The normal's tail beyond 3 standard deviations, each side (what ±3 SD means for a normal mean). */
const TAIL = 0.0013498980316301; // Φ(−THRESHOLD_STDS)

/**
 * The held-out errors' mean and standard deviation, and the quantiles of the mean of `size` of them
 * (drawn with replacement, a seeded stream: the same reference gives the same band) at each size.
 * Row errors can be very skewed (a rare value of a nearly constant column is many of its tiny
 * standard deviations away), so the mean of a few dozen of them is far from normal: the bootstrap
 * gives its real tails, where ±3 SD of a normal would alarm on several percent of unchanged windows.
 */
export function heldOutBand(errors: Float64Array, chunkSize: number): HeldOut {
  const n = errors.length;
  const mean = meanOf(errors);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (errors[i]! - mean) ** 2;
  const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  const last = Math.min(chunkSize, BOOTSTRAP_SIZES[BOOTSTRAP_SIZES.length - 1]!);
  const sizes = [...BOOTSTRAP_SIZES.filter((r) => r < last), last];
  const rng = new Mulberry32(BOOTSTRAP_SEED);
  const means = new Float64Array(BOOTSTRAP_RESAMPLES);
  const lowerQuantile: number[] = [];
  const upperQuantile: number[] = [];
  const lo = Math.floor(TAIL * BOOTSTRAP_RESAMPLES);
  const hi = BOOTSTRAP_RESAMPLES - 1 - lo;
  for (const r of sizes) {
    for (let b = 0; b < BOOTSTRAP_RESAMPLES; b++) {
      let s = 0;
      for (let i = 0; i < r; i++) s += errors[rng.below(n)]!;
      means[b] = s / r;
    }
    means.sort();
    const unit = sd > 0 ? sd / Math.sqrt(r) : 1;
    lowerQuantile.push((means[lo]! - mean) / unit);
    upperQuantile.push((means[hi]! - mean) / unit);
  }
  return { rows: n, mean, sd, sizes, lowerQuantile, upperQuantile };
}

/** Linear interpolation of ys over xs in log size; beyond the ends, the end values. */
function atSize(xs: number[], ys: number[], r: number): number {
  if (r <= xs[0]!) return ys[0]!;
  for (let i = 1; i < xs.length; i++) {
    if (r <= xs[i]!) {
      const t = Math.log(r / xs[i - 1]!) / Math.log(xs[i]! / xs[i - 1]!);
      return ys[i - 1]! + t * (ys[i]! - ys[i - 1]!);
    }
  }
  return ys[ys.length - 1]!;
}

/**
 * The band a window of `rows` rows is judged on. Under no change a window's error is the mean of
 * `rows` row errors drawn like the reference's held-out ones, compared with their mean over the
 * reference's n rows: its standard error is sd·√(1/rows + 1/n). The bounds are the mean plus that
 * standard error times the bootstrapped quantiles of a mean of `rows` errors (heldOutBand) at the
 * tails of ±3 standard deviations of a normal (0.135% each side). A window longer than the
 * reference chunks is judged as one of chunkSize rows: the band never narrows below the one of the
 * chunk size the reference was fitted for.
 */
export function band(state: Banded, rows: number): { lower: number | null; upper: number } {
  const h = state.heldOut;
  if (!h) {
    const widen = Math.max(1, Math.sqrt(state.chunkSize / rows));
    const centre = meanOf(state.chunkErrors);
    const upper = widen === 1 ? state.upper : centre + (state.upper - centre) * widen;
    const low = state.lower === null ? null : widen === 1 ? state.lower : centre - (centre - state.lower) * widen;
    return { lower: low !== null && low > 0 ? low : null, upper };
  }
  const r = Math.max(1, Math.min(rows, state.chunkSize));
  const se = h.sd * Math.sqrt(1 / r + 1 / h.rows);
  const upper = h.mean + atSize(h.sizes, h.upperQuantile, r) * se;
  const lower = h.mean + atSize(h.sizes, h.lowerQuantile, r) * se;
  return { lower: lower > 0 ? lower : null, upper };
}
