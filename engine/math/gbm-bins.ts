/**
 * Histogram bins for the gradient-boosted trees (engine/math/gbm.ts): per feature, at most
 * `maxBins` (≤ 255) bins of the non-missing values, plus one bin for NaN. A feature with few
 * distinct values gets one bin per value (split points half-way between neighbours); otherwise the
 * bins are quantiles of the values of up to `sampleRows` rows. ±Infinity are ordinary (extreme)
 * values; only NaN is missing.
 */
import { lowerBound } from './sort.js';
import { Mulberry32, sampleIndices } from './random.js';

export interface Bins {
  rows: number;
  features: number;
  /** Per feature: the number of non-missing bins; the missing bin's code is this number. */
  count: Uint16Array;
  /** Per feature: the upper edge of each non-missing bin (a value goes to the first bin whose edge is ≥ it); the last is +Infinity. */
  upper: Float64Array[];
  /** Row-major codes: feature j of row r at r·features + j (a histogram reads each row's codes together). */
  codes: Uint8Array;
  /** Offset of feature j's first bin in a histogram of all features' bins (count + 1 each). */
  offset: Uint32Array;
  totalBins: number;
}

/** Bin edges of one feature from its sorted finite values. */
function edgesOf(sorted: Float64Array, maxBins: number): Float64Array {
  const m = sorted.length;
  if (m === 0) return Float64Array.of(Infinity);
  let distinct = 1;
  for (let i = 1; i < m; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
  if (distinct <= maxBins) {
    const out = new Float64Array(distinct);
    let k = 0;
    for (let i = 0; i < m; i++) {
      if (i > 0 && sorted[i] === sorted[i - 1]) continue;
      if (k > 0) out[k - 1] = midpoint(out[k - 1]!, sorted[i]!);
      out[k++] = sorted[i]!;
    }
    out[distinct - 1] = Infinity;
    return out;
  }
  const edges: number[] = [];
  for (let b = 1; b < maxBins; b++) {
    const v = sorted[Math.floor((b * m) / maxBins) - 1]!;
    if (edges.length === 0 || v > edges[edges.length - 1]!) edges.push(v);
  }
  if (edges[edges.length - 1] === sorted[m - 1]) edges.pop();
  edges.push(Infinity);
  return Float64Array.from(edges);
}

/** A split value strictly below b and at least a (a < b). */
function midpoint(a: number, b: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a;
  const m = a + (b - a) / 2;
  return m < b ? m : a;
}

/** Bins of a row-major matrix `x` (rows × features). */
export function makeBins(x: Float64Array, rows: number, features: number, opts: { maxBins: number; sampleRows: number; seed: number }): Bins {
  if (!(opts.maxBins >= 2 && opts.maxBins <= 255)) throw new RangeError(`maxBins must be in [2, 255], got ${opts.maxBins}`);
  const sample = rows > opts.sampleRows ? sampleIndices(rows, opts.sampleRows, new Mulberry32(opts.seed)) : null;
  const m = sample ? sample.length : rows;
  const buf = new Float64Array(m);
  const count = new Uint16Array(features);
  const upper: Float64Array[] = [];
  const codes = new Uint8Array(rows * features);
  const offset = new Uint32Array(features);
  let total = 0;
  for (let j = 0; j < features; j++) {
    let k = 0;
    for (let i = 0; i < m; i++) {
      const v = x[(sample ? sample[i]! : i) * features + j]!;
      if (v === v) buf[k++] = v;
    }
    const sorted = buf.subarray(0, k).sort();
    const edges = edgesOf(sorted, opts.maxBins);
    upper.push(edges);
    count[j] = edges.length;
    offset[j] = total;
    total += edges.length + 1;
    const missing = edges.length;
    for (let r = 0; r < rows; r++) {
      const v = x[r * features + j]!;
      codes[r * features + j] = v === v ? Math.min(lowerBound(edges, v), missing - 1) : missing;
    }
  }
  return { rows, features, count, upper, codes, offset, totalBins: total };
}
