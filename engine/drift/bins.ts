/**
 * Evidently's binning of a numeric column (utils.get_binned_data), shared by PSI and
 * Jensen-Shannon: numpy's Sturges histogram over reference ∪ current when the reference has more
 * than 20 distinct values, otherwise one bin per distinct value. See docs/statistics/drift.md.
 */
import { countDistinctUnion, requireNonEmpty, summaryOf, toSorted, type NumericInput } from './sample.js';
import { lowerBound } from '../math/sort.js';

export interface HistogramBins {
  kind: 'histogram';
  /** n_bins + 1 edges (numpy 'sturges' over reference ∪ current). */
  edges: Float64Array;
  reference: Float64Array;
  current: Float64Array;
}

export interface ValueBins {
  kind: 'values';
  /** Distinct values of reference ∪ current, ascending. */
  values: Float64Array;
  reference: Float64Array;
  current: Float64Array;
}

export type NumericBins = HistogramBins | ValueBins;

/** Value counts over the distinct values of a ∪ b (both sorted). */
export function valueCounts(a: Float64Array, b: Float64Array): ValueBins {
  const k = countDistinctUnion(a, b);
  const values = new Float64Array(k);
  const ra = new Float64Array(k);
  const rb = new Float64Array(k);
  let i = 0;
  let j = 0;
  const na = a.length;
  const nb = b.length;
  for (let s = 0; s < k; s++) {
    const va = i < na ? a[i]! : Infinity;
    const vb = j < nb ? b[j]! : Infinity;
    const v = va <= vb ? va : vb;
    values[s] = v;
    let c = 0;
    while (i < na && a[i] === v) {
      i++;
      c++;
    }
    ra[s] = c;
    c = 0;
    while (j < nb && b[j] === v) {
      j++;
      c++;
    }
    rb[s] = c;
  }
  return { kind: 'values', values, reference: ra, current: rb };
}

/** The first index of ascending `a` whose value is above `x`. */
function upperBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** np.histogram_bin_edges(values, bins='sturges') given min, max and size. */
export function sturgesEdges(min: number, max: number, size: number, integer = false): Float64Array {
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  let nBins = 1;
  if (size > 0) {
    let width = (max - min) / (Math.log2(size) + 1.0);
    if (width) {
      if (integer && width < 1) width = 1;
      nBins = Math.ceil((last - first) / width);
    }
  }
  const num = nBins + 1;
  const edges = new Float64Array(num);
  const delta = last - first;
  const step = delta / nBins;
  for (let i = 0; i < num; i++) edges[i] = step === 0 ? (i / nBins) * delta + first : i * step + first;
  edges[num - 1] = last;
  return edges;
}

/** np.histogram(sorted, edges)[0] for sorted data. */
export function histogramSorted(sorted: Float64Array, edges: Float64Array): Float64Array {
  const k = edges.length - 1;
  const counts = new Float64Array(k);
  let prev = lowerBound(sorted, edges[0]!);
  for (let i = 1; i <= k; i++) {
    const c = i < k ? lowerBound(sorted, edges[i]!) : upperBound(sorted, edges[i]!);
    counts[i - 1] = c - prev;
    prev = c;
  }
  return counts;
}

/**
 * The bins Evidently's PSI and Jensen-Shannon use for a numeric column: a Sturges histogram over
 * reference ∪ current when the reference has more than 20 distinct values, otherwise one bin per
 * distinct value of reference ∪ current. Counts, not percents.
 */
export function numericBins(ref: NumericInput, cur: NumericInput, opts: { integer?: boolean } = {}): NumericBins {
  const a = toSorted(ref).sorted;
  const b = toSorted(cur).sorted;
  requireNonEmpty(a, 'numericBins', 'reference');
  requireNonEmpty(b, 'numericBins', 'current');
  return binsSorted(a, b, opts.integer ?? false);
}

/** Whether ascending `a` has at most `k` distinct values: stops at the (k + 1)-th, so a continuous column costs k + 1 steps. */
export function atMostDistinct(a: Float64Array, k: number): boolean {
  let distinct = 0;
  for (let i = 0; i < a.length; i++) if ((i === 0 || a[i] !== a[i - 1]) && ++distinct > k) return false;
  return true;
}

/** `fewValues`: whether the reference has at most 20 distinct values (computed when not given). */
export function binsSorted(a: Float64Array, b: Float64Array, integer: boolean, fewValues = summaryOf(a).distinct <= 20): NumericBins {
  if (fewValues) return valueCounts(a, b);
  const min = Math.min(a[0]!, b[0]!);
  const max = Math.max(a[a.length - 1]!, b[b.length - 1]!);
  const edges = sturgesEdges(min, max, a.length + b.length, integer);
  return { kind: 'histogram', edges, reference: histogramSorted(a, edges), current: histogramSorted(b, edges) };
}
