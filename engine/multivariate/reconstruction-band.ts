/**
 * The alarm band of the data reconstruction error (reconstruction.ts) for a window of any size,
 * from the reference's held-out row errors (docs/statistics/multivariate-drift.md).
 */
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
const BOOTSTRAP_SIZES = [1, 2, 5, 10, 20, 50, 100, 200];
/** Resamples per size: the 0.135% tails are then about the 7th most extreme of them. */
const BOOTSTRAP_RESAMPLES = 5000;
const BOOTSTRAP_SEED = 20;
/** Errors the bootstrap draws from (a reference profile's row sample is at most 20,000 rows). */
const BOOTSTRAP_POOL = 20_000;
/** The normal's tail beyond 3 standard deviations, each side (what ±3 SD means for a normal mean). */
const TAIL = 0.0013498980316301; // Φ(−THRESHOLD_STDS)

/**
 * The held-out errors' mean and standard deviation, and the quantiles of the mean of `size` of them
 * (drawn with replacement, a seeded stream: the same reference gives the same band) at each size.
 * Row errors can be very skewed (a rare value of a nearly constant column is many of its tiny
 * standard deviations away), so the mean of a few dozen of them is far from normal: the bootstrap
 * gives its real tails, where a normal's would be too short on the long side.
 */
export function heldOutBand(errors: Float64Array, chunkSize: number): HeldOut {
  const n = errors.length;
  const mean = meanOf(errors);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (errors[i]! - mean) ** 2;
  const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  const last = Math.min(chunkSize, BOOTSTRAP_SIZES[BOOTSTRAP_SIZES.length - 1]!);
  const sizes = [...BOOTSTRAP_SIZES.filter((r) => r < last), last];
  let state = (BOOTSTRAP_SEED ^ 0x9e3779b9) | 0;
  const means = new Float64Array(BOOTSTRAP_RESAMPLES);
  const lowerQuantile: number[] = [];
  const upperQuantile: number[] = [];
  const lo = Math.floor(TAIL * BOOTSTRAP_RESAMPLES);
  const hi = BOOTSTRAP_RESAMPLES - 1 - lo;
  // Drawn from at most BOOTSTRAP_POOL of the errors, evenly spaced (a reference's rows come in
  // random order): a pool that fits in cache, where a million errors would cost a miss per draw.
  const m = Math.min(n, BOOTSTRAP_POOL);
  const pool = new Float64Array(m);
  for (let i = 0; i < m; i++) pool[i] = errors[Math.floor((i * n) / m)]!;
  for (const r of sizes) {
    for (let b = 0; b < BOOTSTRAP_RESAMPLES; b++) {
      let s = 0;
      for (let i = 0; i < r; i++) {
        // Mulberry32 (engine/math/random.ts) inlined: this loop is the fit's largest cost.
        state = (state + 0x6d2b79f5) | 0;
        let t = Math.imul(state ^ (state >>> 15), state | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        s += pool[Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * m)]!;
      }
      means[b] = s / r;
    }
    means.sort();
    const unit = sd > 0 ? sd / Math.sqrt(r) : 1;
    lowerQuantile.push((means[lo]! - mean) / unit);
    upperQuantile.push((means[hi]! - mean) / unit);
  }
  return { rows: n, mean, sd, sizes, lowerQuantile, upperQuantile };
}

/**
 * The standardised quantile of a mean of r errors: interpolated linearly in log size between the
 * bootstrapped sizes; beyond the last one its departure from the normal's ±THRESHOLD_STDS shrinks
 * as 1/√r (the skewness of a mean of r draws, the leading term of its Edgeworth expansion).
 */
function atSize(xs: number[], ys: number[], r: number, normal: number): number {
  if (r <= xs[0]!) return ys[0]!;
  for (let i = 1; i < xs.length; i++) {
    if (r <= xs[i]!) {
      const t = Math.log(r / xs[i - 1]!) / Math.log(xs[i]! / xs[i - 1]!);
      return ys[i - 1]! + t * (ys[i]! - ys[i - 1]!);
    }
  }
  const last = xs[xs.length - 1]!;
  return normal + (ys[ys.length - 1]! - normal) * Math.sqrt(last / r);
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
  const upper = h.mean + atSize(h.sizes, h.upperQuantile, r, THRESHOLD_STDS) * se;
  const lower = h.mean + atSize(h.sizes, h.lowerQuantile, r, -THRESHOLD_STDS) * se;
  return { lower: lower > 0 ? lower : null, upper };
}
