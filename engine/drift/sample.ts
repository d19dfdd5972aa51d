/**
 * Numeric samples as the drift tests take them: finite values in ascending order (NaN and ±inf
 * dropped and counted), plus the per-array summaries (distinct count, population standard
 * deviation) that a reused reference profile pays for once. See docs/statistics/drift.md.
 */
import { sortFloat64 } from '../math/sort.js';

/** Finite values in ascending order (build with `sortedSample`); `dropped` counts removed NaN/±inf. */
export interface SortedSample {
  readonly sorted: Float64Array;
  readonly dropped: number;
}

/** Raw values (any order, NaN/±inf allowed) or an already sorted finite sample. */
export type NumericInput = Float64Array | SortedSample;

/** Finite values of `values`, ascending, in a new array; counts the NaN/±inf left out. */
export function sortedSample(values: Float64Array): SortedSample {
  const n = values.length;
  let finite = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v - v === 0) finite++;
  }
  let out: Float64Array;
  if (finite === n) {
    out = new Float64Array(n);
    sortFloat64(values, out);
    return { sorted: out, dropped: 0 };
  } else {
    out = new Float64Array(finite);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (v - v === 0) out[k++] = v;
    }
  }
  sortFloat64(out);
  return { sorted: out, dropped: n - finite };
}

/** The sorted finite sample of an input (sorted here when it is raw). */
export function toSorted(input: NumericInput): SortedSample {
  return input instanceof Float64Array ? sortedSample(input) : input;
}

/** Throws a RangeError when a side has no finite value. */
export function requireNonEmpty(a: Float64Array, what: string, side: string): void {
  if (a.length === 0) throw new RangeError(`${what} needs at least one finite ${side} value`);
}

/** Number of distinct values in a sorted array. */
export function countDistinct(sorted: Float64Array): number {
  const n = sorted.length;
  if (n === 0) return 0;
  let c = 1;
  for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) c++;
  return c;
}

/** Number of distinct values in the union of two sorted arrays. */
export function countDistinctUnion(a: Float64Array, b: Float64Array): number {
  let i = 0;
  let j = 0;
  let c = 0;
  let last = NaN;
  const na = a.length;
  const nb = b.length;
  while (i < na || j < nb) {
    const va = i < na ? a[i]! : Infinity;
    const vb = j < nb ? b[j]! : Infinity;
    const v = va <= vb ? va : vb;
    if (i < na && va === v) i++;
    else j++;
    if (v !== last) {
      c++;
      last = v;
    }
  }
  return c;
}

export interface SampleSummary {
  distinct: number;
  std: number;
}

/** Distinct count and standard deviation per sorted array, computed once (a reference profile is reused across runs). */
const sampleSummaries = new WeakMap<Float64Array, SampleSummary>();

/** The cached summary of a sorted sample (treat the array as immutable). */
export function summaryOf(sorted: Float64Array): SampleSummary {
  let s = sampleSummaries.get(sorted);
  if (!s) {
    s = { distinct: countDistinct(sorted), std: populationStd(sorted) };
    sampleSummaries.set(sorted, s);
  }
  return s;
}

/** Population standard deviation (np.std, ddof = 0), two compensated passes. */
export function populationStd(values: Float64Array): number {
  const n = values.length;
  if (n === 0) return NaN;
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  const mean = (s + c) / n;
  s = 0;
  c = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    const v = d * d;
    const t = s + v;
    c += s >= v ? s - t + v : v - t + s;
    s = t;
  }
  return Math.sqrt((s + c) / n);
}
