/**
 * Isotonic (monotone non-decreasing) regression by pool-adjacent-violators, fitted and predicted
 * as scikit-learn's IsotonicRegression(increasing=True, out_of_bounds='clip') does: equal inputs
 * are merged first (their targets averaged), the fitted steps are kept only at the ends of each
 * constant run, and a prediction interpolates linearly between those points and clips outside them.
 */

/** The fitted function: ascending knots `x` and their values `y` (at least one knot). */
export interface IsotonicKnots {
  x: Float64Array;
  y: Float64Array;
}

/** Inputs closer than this to the first of a run count as equal (numpy's float64 resolution, as scikit-learn). */
const RESOLUTION = 1e-15;

/**
 * Fits on `xs` (ascending) with targets `ys`; with `only`, just the positions where
 * `only[i] === onlyValue` (the rows a split trains on), so one sort serves many fits. Returns null
 * when no row is left. `work`: scratch space to reuse across fits (sized to the rows).
 */
export function fitIsotonicSorted(
  xs: Float64Array,
  ys: ArrayLike<number>,
  only?: Uint8Array,
  onlyValue = 1,
  work: IsotonicWork = new IsotonicWork(xs.length),
): IsotonicKnots | null {
  const n = xs.length;
  if (work.capacity < n) throw new RangeError('fitIsotonicSorted: the scratch space is smaller than the input');
  // A stack of blocks (target sum, weight, first and last distinct input), their means strictly
  // increasing: each distinct input (its targets pooled) is pushed, then merged with the blocks
  // before it while they are not below it (pool adjacent violators; scikit-learn pools ties too).
  const { sum: bSum, weight: bW, first, last } = work;
  let top = -1;
  let runStart = 0;
  let runSum = 0;
  let runW = 0;
  for (let i = 0; i <= n; i++) {
    if (i < n && only !== undefined && only[i] !== onlyValue) continue;
    const x = i < n ? xs[i]! : Infinity;
    if (runW > 0 && (i === n || x - runStart >= RESOLUTION)) {
      // Push the finished run of equal inputs, then pool while the block before is not below it.
      top++;
      bSum[top] = runSum;
      bW[top] = runW;
      first[top] = runStart;
      last[top] = runStart;
      while (top > 0 && bSum[top - 1]! * bW[top]! >= bSum[top]! * bW[top - 1]!) {
        bSum[top - 1]! += bSum[top]!;
        bW[top - 1]! += bW[top]!;
        last[top - 1] = last[top]!;
        top--;
      }
      runW = 0;
    }
    if (i === n) break;
    if (runW === 0) {
      runStart = x;
      runSum = 0;
    }
    runSum += ys[i]!;
    runW++;
  }
  if (top < 0) return null;
  // Each block is one constant run: its first and last input are the knots (one when they coincide).
  let kept = 0;
  for (let b = 0; b <= top; b++) kept += first[b] === last[b] ? 1 : 2;
  const x = new Float64Array(kept);
  const y = new Float64Array(kept);
  let j = 0;
  for (let b = 0; b <= top; b++) {
    const v = bSum[b]! / bW[b]!;
    x[j] = first[b]!;
    y[j++] = v;
    if (first[b] !== last[b]) {
      x[j] = last[b]!;
      y[j++] = v;
    }
  }
  return { x, y };
}

/** Scratch space for fitIsotonicSorted, reused across the fits of one calibration. */
export class IsotonicWork {
  readonly sum: Float64Array;
  readonly weight: Float64Array;
  readonly first: Float64Array;
  readonly last: Float64Array;
  constructor(readonly capacity: number) {
    this.sum = new Float64Array(capacity);
    this.weight = new Float64Array(capacity);
    this.first = new Float64Array(capacity);
    this.last = new Float64Array(capacity);
  }
}

/** The fitted function at `v`: linear between knots, clipped to the first and last knot's values outside them. */
export function predictIsotonic(x: ArrayLike<number>, y: ArrayLike<number>, v: number): number {
  const m = x.length;
  if (m === 1 || v <= x[0]!) return y[0]!;
  if (v >= x[m - 1]!) return y[m - 1]!;
  // The last knot at or below v.
  let lo = 0;
  let hi = m - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (x[mid]! <= v) lo = mid;
    else hi = mid;
  }
  const x0 = x[lo]!;
  if (v === x0) return y[lo]!;
  const y0 = y[lo]!;
  return ((y[hi]! - y0) / (x[hi]! - x0)) * (v - x0) + y0;
}
