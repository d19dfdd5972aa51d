/**
 * Data reconstruction error (docs/statistics/multivariate-drift.md), the method of NannyML's
 * DataReconstructionDriftCalculator: missing values imputed (numbers: the reference mean;
 * categories: the most frequent), categories encoded as their share of the reference rows, every
 * column standardised, PCA fitted on the reference keeping the smallest number of components that
 * explain more than 65% of its variance. A row's error is the euclidean distance between its
 * standardised values and their reconstruction from those components; a window's error is the
 * mean over its rows (the same numbers as NannyML's). The alarm band is ours: NannyML's is the
 * mean ± 3 standard deviations of the errors of the reference's own chunks, measured on the rows
 * the PCA was fitted to; here each reference row's error comes from a PCA (and standardisation)
 * fitted on the other folds of the reference, and the band of a window of `rows` rows is the
 * bootstrapped tails of a mean of that many such errors (reconstruction-band.ts).
 */
import type { MultivariateDrift } from '../../domain/estimation.js';
import { symmetricEigen } from '../math/eigen.js';
import { FLOAT64_EPS } from '../math/sum.js';
import { UpkeepError } from '../errors.js';
import { band, heldOutBand, meanOf, type HeldOut } from './reconstruction-band.js';
import type { RowMatrix } from './types.js';

/** Share of the reference's variance the kept components must exceed (NannyML's default n_components). */
export const DEFAULT_VARIANCE_KEPT = 0.65;
/** Without a chunk size the reference is cut into this many chunks (NannyML's default chunker). */
export const DEFAULT_REFERENCE_CHUNKS = 10;
/** Standard deviations either side of the reference chunks' mean error (NannyML's default threshold). */
export { THRESHOLD_STDS } from './reconstruction-band.js';
/** The reference is cut into this many folds; each fold's row errors come from a PCA fitted on the others. */
export const FOLDS = 10;

/** Fitted on the reference; JSON-serialisable (stored in the reference profile). */
export interface ReconstructionState {
  method: 'pca-reconstruction';
  /** The columns the error is computed on, in this order (a window's matrix is matched by name). */
  columns: string[];
  /** Per column: category codes (count-encoded) rather than quantities. */
  categorical: boolean[];
  /** Columns of the reference with no value at all: left out, they carry nothing to reconstruct. */
  dropped: string[];
  /** Per column: the encoded value a missing entry takes (numbers: the reference mean; categories: the most frequent's share). */
  fill: number[];
  /** Per categorical column: [code, share of reference rows] pairs; a code the reference never saw encodes as 0. Null for numbers. */
  shares: ([number, number][] | null)[];
  /** Standardisation of the encoded columns (population standard deviation; 1 for a constant column). */
  mean: number[];
  scale: number[];
  /** The PCA's centre in standardised units (about 0) and its kept components, k × columns, unit rows. */
  centre: number[];
  components: number[][];
  /**
   * The components left out, stored only when they are fewer than the kept ones: a row's error is
   * then the length of its projection on them (fewer products than subtracting the kept part).
   */
  residual?: number[][];
  /** The variance share asked for, and the share the kept components explain. */
  varianceKept: number;
  explained: number;
  /** Rows of the reference, the chunk size the band was measured with, each chunk's mean held-out error. */
  rows: number;
  chunkSize: number;
  chunkErrors: number[];
  /** The band for a window of chunkSize rows (band()); a lower bound at or below 0 is null (never alarms). */
  lower: number | null;
  upper: number;
  /**
   * The held-out row errors: their count, mean and sample standard deviation, and at window sizes
   * `sizes` the quantiles of the mean of that many of them (bootstrapped) at the tails of ±3
   * standard deviations of a normal, standardised as (quantile − mean) / (sd / √size). The band of
   * a window of any size comes from them (band()). Absent in states fitted before they were kept:
   * judged then on mean ± 3 SD of chunkErrors, widened for smaller windows.
   */
  heldOut?: HeldOut;
}

function fail(message: string): never {
  throw new UpkeepError('InvalidData', `reconstruction error: ${message}`);
}

/** sklearn's test for a constant column: a variance within rounding of 0 is 0 (the column is then only centred). */
function isConstant(variance: number, mean: number, n: number): boolean {
  return variance <= n * FLOAT64_EPS * variance + (n * mean * FLOAT64_EPS) ** 2;
}

/**
 * A column whose variance over the other folds is below this share of its whole-reference variance
 * is constant there (only centred). Its variance is the difference of whole sums, so a column
 * constant in those folds leaves rounding noise, not 0; a real value differing in one row of n
 * leaves about 1/n.
 */
const CONSTANT_REST = 1e-9;

/** Rows are encoded and reduced a block at a time (column-major within the block, so loops run over contiguous rows). */
const BLOCK = 512;

/** Per column, how a raw value becomes its standardised, centred coordinate, in flat arrays (one shape for every column). */
interface Encoder {
  p: number;
  /** 0: a number, z = a·x + b; 1: a small whole code looked up in `table`; 2: a code looked up in `sparse`. */
  kind: Uint8Array;
  a: Float64Array;
  b: Float64Array;
  /** The coordinate of a missing value, and of a code the reference never saw. */
  missing: Float64Array;
  unseen: Float64Array;
  offset: Int32Array;
  size: Int32Array;
  table: Float64Array;
  sparse: (Map<number, number> | undefined)[];
}

function encoder(state: ReconstructionState): Encoder {
  const p = state.columns.length;
  const enc: Encoder = {
    p,
    kind: new Uint8Array(p),
    a: new Float64Array(p),
    b: new Float64Array(p),
    missing: new Float64Array(p),
    unseen: new Float64Array(p),
    offset: new Int32Array(p),
    size: new Int32Array(p),
    table: new Float64Array(0),
    sparse: new Array<Map<number, number> | undefined>(p),
  };
  const tables: Float64Array[] = [];
  let used = 0;
  for (let j = 0; j < p; j++) {
    const mean = state.mean[j]!;
    const scale = state.scale[j]!;
    const centre = state.centre[j]!;
    const z = (v: number): number => (v - mean) / scale - centre;
    enc.missing[j] = z(state.fill[j]!);
    const shares = state.shares[j];
    if (!state.categorical[j] || !shares) {
      enc.a[j] = 1 / scale;
      enc.b[j] = -mean / scale - centre;
      continue;
    }
    enc.unseen[j] = z(0);
    let maxCode = -1;
    let dense = true;
    for (const [code] of shares) {
      if (Number.isInteger(code) && code >= 0 && code < MAX_DENSE_CODE) maxCode = Math.max(maxCode, code);
      else dense = false;
    }
    if (dense) {
      const t = new Float64Array(maxCode + 1).fill(enc.unseen[j]!);
      for (const [code, share] of shares) t[code] = z(share);
      enc.kind[j] = 1;
      enc.offset[j] = used;
      enc.size[j] = t.length;
      used += t.length;
      tables.push(t);
    } else {
      enc.kind[j] = 2;
      enc.sparse[j] = new Map(shares.map(([code, share]) => [code, z(share)]));
    }
  }
  enc.table = new Float64Array(used);
  let at = 0;
  for (const t of tables) {
    enc.table.set(t, at);
    at += t.length;
  }
  return enc;
}

/** Codes below this are looked up in an array; others (negative, fractional, huge) in a map. */
const MAX_DENSE_CODE = 1 << 20;

/** Encodes rows start..start+rows of `m` into `out` (column j at out[j·BLOCK ..]). */
function encodeBlock(enc: Encoder, m: RowMatrix, index: ArrayLike<number>, start: number, rows: number, out: Float64Array): void {
  const width = m.columns.length;
  const { values } = m;
  const { table } = enc;
  for (let j = 0; j < enc.p; j++) {
    const src = index[j]!;
    const o = j * BLOCK;
    const missing = enc.missing[j]!;
    const kind = enc.kind[j];
    if (kind === 0) {
      const a = enc.a[j]!;
      const b = enc.b[j]!;
      for (let r = 0, at = start * width + src; r < rows; r++, at += width) {
        const x = values[at]!;
        out[o + r] = x - x === 0 ? a * x + b : missing;
      }
    } else if (kind === 1) {
      const off = enc.offset[j]!;
      const size = enc.size[j]!;
      const unseen = enc.unseen[j]!;
      for (let r = 0, at = start * width + src; r < rows; r++, at += width) {
        const x = values[at]!;
        const code = x | 0;
        out[o + r] = code === x && code >= 0 && code < size ? table[off + code]! : x - x === 0 ? unseen : missing;
      }
    } else {
      const map = enc.sparse[j]!;
      const unseen = enc.unseen[j]!;
      for (let r = 0, at = start * width + src; r < rows; r++, at += width) {
        const x = values[at]!;
        out[o + r] = x - x === 0 ? (map.get(x) ?? unseen) : missing;
      }
    }
  }
}

/** Where each of the state's columns is in `m`; a missing column is an error naming it. */
function columnIndex(state: ReconstructionState, m: RowMatrix, what: string): number[] {
  const at = new Map(m.columns.map((c, i) => [c, i]));
  return state.columns.map((c) => {
    const i = at.get(c);
    if (i === undefined) fail(`column ${c} of the reference is missing from the ${what}`);
    return i;
  });
}

function checkMatrix(m: RowMatrix, what: string): void {
  if (!Number.isInteger(m.rows) || m.rows < 0 || m.values.length !== m.rows * m.columns.length) {
    fail(`the ${what} holds ${m.values.length} values, not ${m.rows} rows × ${m.columns.length} columns`);
  }
}

/**
 * Each row's reconstruction error, written into `out` (length rows): with W the kept components
 * (orthonormal rows), err² = |z|² − |Wz|², or, when fewer components were left out than kept,
 * the squared length of z's projection on those left out (the same number, fewer products).
 */
function rowErrors(state: ReconstructionState, m: RowMatrix, index: ArrayLike<number>, out: Float64Array): void {
  const p = state.columns.length;
  const residual = state.residual !== undefined;
  const basis = state.residual ?? state.components;
  const k = basis.length;
  if (!residual && k >= p) {
    out.fill(0);
    return;
  }
  const enc = encoder(state);
  const { kind, a, b, missing, unseen, offset, size, table, sparse } = enc;
  const w = new Float64Array(k * p);
  basis.forEach((row, i) => w.set(row, i * p));
  const z = new Float64Array(p);
  const src = Int32Array.from(index);
  const width = m.columns.length;
  const { values } = m;
  for (let r = 0; r < m.rows; r++) {
    const base = r * width;
    let norm2 = 0;
    for (let j = 0; j < p; j++) {
      const x = values[base + src[j]!]!;
      let v: number;
      if (kind[j] === 0) v = x - x === 0 ? a[j]! * x + b[j]! : missing[j]!;
      else if (kind[j] === 1) {
        const code = x | 0;
        v = code === x && code >= 0 && code < size[j]! ? table[offset[j]! + code]! : x - x === 0 ? unseen[j]! : missing[j]!;
      } else v = x - x === 0 ? (sparse[j]!.get(x) ?? unseen[j]!) : missing[j]!;
      z[j] = v;
      norm2 += v * v;
    }
    let projected = 0;
    for (let i = 0, o = 0; i < k; i++, o += p) {
      let dot = 0;
      for (let j = 0; j < p; j++) dot += w[o + j]! * z[j]!;
      projected += dot * dot;
    }
    const e2 = residual ? projected : norm2 - projected;
    out[r] = e2 > 0 ? Math.sqrt(e2) : 0;
  }
}

/** Counts of category codes: an array for small whole codes, a map for the rest. */
class CodeCounts {
  private dense = new Float64Array(16);
  private other = new Map<number, number>();

  add(code: number): void {
    const c = code | 0;
    if (c === code && c >= 0 && c < MAX_DENSE_CODE) {
      if (c >= this.dense.length) {
        const grown = new Float64Array(Math.min(MAX_DENSE_CODE, Math.max(c + 1, this.dense.length * 2)));
        grown.set(this.dense);
        this.dense = grown;
      }
      this.dense[c] = this.dense[c]! + 1;
    } else {
      this.other.set(code, (this.other.get(code) ?? 0) + 1);
    }
  }

  /** [code, count] for every code seen, smallest code first. */
  entries(): [number, number][] {
    const out: [number, number][] = [...this.other];
    this.dense.forEach((count, code) => {
      if (count > 0) out.push([code, count]);
    });
    return out.sort((a, b) => a[0] - b[0]);
  }
}

/** Fits the imputation, encoding, standardisation and PCA on the reference, and the alarm band on its held-out row errors. */
export function fitReconstruction(reference: RowMatrix, opts?: { chunkSize?: number; varianceKept?: number }): ReconstructionState {
  checkMatrix(reference, 'reference');
  const n = reference.rows;
  const width = reference.columns.length;
  const varianceKept = opts?.varianceKept ?? DEFAULT_VARIANCE_KEPT;
  if (!(varianceKept > 0 && varianceKept < 1)) fail(`varianceKept ${varianceKept} is not a share between 0 and 1`);
  if (n < 2) fail(`the reference has ${n} row${n === 1 ? '' : 's'}; at least 2 are needed to measure variance`);
  const chunkSize = opts?.chunkSize ?? Math.max(1, Math.floor(n / DEFAULT_REFERENCE_CHUNKS));
  if (!Number.isInteger(chunkSize) || chunkSize < 1) fail(`chunk size ${chunkSize} is not a whole number of rows`);
  if (Math.ceil(n / chunkSize) < 2)
    fail(`the reference has ${n} rows: fewer than 2 chunks of ${chunkSize}, so its chunk-to-chunk variability cannot be measured`);
  if (width === 0) fail('the reference has no columns');
  const { values } = reference;

  // Pass 1, by blocks of rows: per column, observed count and sum (numbers) or code counts (categories).
  const isCat = Array.from({ length: width }, (_, j) => reference.categorical?.[j] === true);
  const seen = new Float64Array(width);
  const sums = new Float64Array(width);
  const counts = isCat.map((c) => (c ? new CodeCounts() : undefined));
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    for (let j = 0; j < width; j++) {
      const cc = counts[j];
      let s = 0;
      let c = 0;
      for (let at = start * width + j, r = start; r < end; r++, at += width) {
        const x = values[at]!;
        if (x - x !== 0) continue;
        c++;
        if (cc) cc.add(x);
        else s += x;
      }
      seen[j] = seen[j]! + c;
      sums[j] = sums[j]! + s;
    }
  }
  const means = Array.from(sums, (s, j) => s / seen[j]!);
  // Pass 2: numbers' squared deviations from their mean (the imputed rows sit at the mean).
  const squares = new Float64Array(width);
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    for (let j = 0; j < width; j++) {
      if (isCat[j] || seen[j] === 0) continue;
      const m = means[j]!;
      let ss = 0;
      for (let at = start * width + j, r = start; r < end; r++, at += width) {
        const x = values[at]!;
        if (x - x === 0) ss += (x - m) * (x - m);
      }
      squares[j] = squares[j]! + ss;
    }
  }

  const columns: string[] = [];
  const categorical: boolean[] = [];
  const dropped: string[] = [];
  const fill: number[] = [];
  const shares: ([number, number][] | null)[] = [];
  const mean: number[] = [];
  const scale: number[] = [];
  const source: number[] = [];
  for (let j = 0; j < width; j++) {
    const name = reference.columns[j]!;
    if (seen[j] === 0) {
      dropped.push(name);
      continue;
    }
    columns.push(name);
    categorical.push(isCat[j]!);
    source.push(j);
    if (isCat[j]) {
      // The most frequent code fills the missing (the smallest among ties), and is counted with them.
      const pairs = counts[j]!.entries();
      let mode = 0;
      for (let i = 1; i < pairs.length; i++) if (pairs[i]![1] > pairs[mode]![1]) mode = i;
      pairs[mode]![1] += n - seen[j]!;
      const fractions = pairs.map(([code, count]): [number, number] => [code, count / n]);
      const m = fractions.reduce((s, [, f]) => s + f * f, 0);
      const v = fractions.reduce((s, [, f]) => s + f * (f - m) ** 2, 0);
      shares.push(fractions);
      fill.push(fractions[mode]![1]);
      mean.push(m);
      scale.push(isConstant(v, m, n) ? 1 : Math.sqrt(v));
    } else {
      const m = means[j]!;
      const v = squares[j]! / n;
      shares.push(null);
      fill.push(m);
      mean.push(m);
      scale.push(isConstant(v, m, n) ? 1 : Math.sqrt(v));
    }
  }
  if (columns.length === 0) fail(`every column of the reference is empty (${dropped.join(', ')})`);
  const p = columns.length;

  // Pass 3: the standardised rows' sums and cross products (upper triangle), per fold of rows, so
  // that the PCA of every fold's complement is the totals minus the fold's own part.
  const folds = foldBounds(n);
  const partial: ReconstructionState = {
    method: 'pca-reconstruction',
    columns,
    categorical,
    dropped,
    fill,
    shares,
    mean,
    scale,
    centre: new Array<number>(p).fill(0),
    components: [],
    varianceKept,
    explained: 0,
    rows: n,
    chunkSize,
    chunkErrors: [],
    lower: null,
    upper: 0,
  };
  const enc = encoder(partial);
  const z = new Float64Array(p * BLOCK);
  const foldSums: Float64Array[] = [];
  const foldCross: Float64Array[] = [];
  for (let f = 0; f + 1 < folds.length; f++) {
    const zsum = new Float64Array(p);
    const cross = new Float64Array(p * p);
    for (let start = folds[f]!; start < folds[f + 1]!; start += BLOCK) {
      const rows = Math.min(BLOCK, folds[f + 1]! - start);
      encodeBlock(enc, reference, source, start, rows, z);
      for (let i = 0; i < p; i++) {
        const oi = i * BLOCK;
        let s = 0;
        for (let r = 0; r < rows; r++) s += z[oi + r]!;
        zsum[i] = zsum[i]! + s;
        for (let j = i; j < p; j++) {
          const oj = j * BLOCK;
          let dot = 0;
          for (let r = 0; r < rows; r++) dot += z[oi + r]! * z[oj + r]!;
          cross[i * p + j] = cross[i * p + j]! + dot;
        }
      }
    }
    foldSums.push(zsum);
    foldCross.push(cross);
  }
  const zsum = new Float64Array(p);
  const cross = new Float64Array(p * p);
  for (let f = 0; f < foldSums.length; f++) {
    for (let i = 0; i < p; i++) zsum[i] = zsum[i]! + foldSums[f]![i]!;
    for (let i = 0; i < p * p; i++) cross[i] = cross[i]! + foldCross[f]![i]!;
  }
  const full = pca(zsum, cross, n, p, varianceKept);
  const { k, centre } = full;
  const state: ReconstructionState = {
    ...partial,
    centre,
    components: full.components,
    ...(full.residual ? { residual: full.residual } : {}),
    explained: full.explained,
  };

  // Each row's error measured by a PCA fitted without its fold (the same number of components):
  // the error new rows get, not the smaller one of rows the components were fitted to.
  const errors = new Float64Array(n);
  if (folds.length < 3) {
    rowErrors(state, reference, source, errors);
  } else {
    const restSum = new Float64Array(p);
    const restCross = new Float64Array(p * p);
    for (let f = 0; f + 1 < folds.length; f++) {
      for (let i = 0; i < p; i++) restSum[i] = zsum[i]! - foldSums[f]![i]!;
      for (let i = 0; i < p * p; i++) restCross[i] = cross[i]! - foldCross[f]![i]!;
      const from = folds[f]!;
      const to = folds[f + 1]!;
      const rows = n - (to - from);
      // The standardisation refitted on the other folds too (imputation and category shares stay
      // whole-reference): a column nearly constant in the reference has a tiny standard deviation,
      // and a new row's rare value is many of them away; fitted on the rows themselves it is not.
      // With c the other folds' mean and a the ratio of standard deviations, z' = a·(z − c).
      const c = Array.from(restSum, (v) => v / rows);
      const a = c.map((ci, j) => {
        const variance = restCross[j * p + j]! / rows - ci * ci;
        return variance > CONSTANT_REST ? 1 / Math.sqrt(variance) : scale[j]!;
      });
      for (let i = 0; i < p; i++) {
        restSum[i] = 0;
        for (let j = i; j < p; j++) restCross[i * p + j] = a[i]! * a[j]! * (restCross[i * p + j]! - rows * c[i]! * c[j]!);
      }
      const rest = pca(restSum, restCross, rows, p, varianceKept, k);
      // The encoder computes (v − mean)/scale − centre: these make it a·(z − c) − the other folds' centre.
      const foldState: ReconstructionState = {
        ...partial,
        mean: mean.map((m, j) => m + scale[j]! * c[j]!),
        scale: scale.map((sc, j) => sc / a[j]!),
        centre: rest.centre,
        components: rest.components,
        ...(rest.residual ? { residual: rest.residual } : {}),
      };
      const view: RowMatrix = { columns: reference.columns, rows: to - from, values: values.subarray(from * width, to * width) };
      rowErrors(foldState, view, source, errors.subarray(from, to));
    }
  }
  const chunkErrors: number[] = [];
  for (let start = 0; start < n; start += chunkSize) chunkErrors.push(meanOf(errors, start, Math.min(n, start + chunkSize)));
  const heldOut = heldOutBand(errors, chunkSize);
  const withBand: ReconstructionState = { ...state, chunkErrors, heldOut };
  const b = band(withBand, chunkSize);
  return { ...withBand, lower: b.lower, upper: b.upper };
}

/** Row boundaries of the folds the held-out errors are measured on: up to FOLDS contiguous parts, each leaving at least 2 rows outside. */
function foldBounds(n: number): number[] {
  const k = Math.min(FOLDS, Math.floor(n / 2));
  if (k < 2) return [0, n];
  return Array.from({ length: k + 1 }, (_, f) => Math.floor((f * n) / k));
}

/**
 * PCA of `rows` standardised rows given their sums and cross products (upper triangle): the centre,
 * and the fewest components whose cumulative share of the variance exceeds varianceKept (as
 * sklearn reads a float n_components), or exactly `keep` components.
 */
function pca(
  zsum: Float64Array,
  cross: Float64Array,
  rows: number,
  p: number,
  varianceKept: number,
  keep?: number,
): { k: number; centre: number[]; components: number[][]; residual?: number[][]; explained: number } {
  const centre = Array.from(zsum, (s) => s / rows);
  const cov = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = i; j < p; j++) {
      const c = (cross[i * p + j]! - rows * centre[i]! * centre[j]!) / (rows - 1);
      cov[i * p + j] = c;
      cov[j * p + i] = c;
    }
  }
  const { values: lambda, vectors } = symmetricEigen(cov, p);
  let total = 0;
  for (const l of lambda) total += Math.max(0, l);
  let k = 0;
  let cumulative = 0;
  if (keep !== undefined) {
    k = keep;
    for (let i = 0; i < k; i++) cumulative += total > 0 ? Math.max(0, lambda[i]!) / total : 0;
  } else if (total > 0) {
    while (k < p) {
      cumulative += Math.max(0, lambda[k]!) / total;
      k++;
      if (cumulative > varianceKept) break;
    }
  }
  const components: number[][] = [];
  for (let i = 0; i < k; i++) components.push(Array.from(vectors.subarray(i * p, i * p + p)));
  if (p - k >= k) return { k, centre, components, explained: total > 0 ? cumulative : 0 };
  const residual: number[][] = [];
  for (let i = k; i < p; i++) residual.push(Array.from(vectors.subarray(i * p, i * p + p)));
  return { k, centre, components, residual, explained: total > 0 ? cumulative : 0 };
}

/**
 * The window's mean reconstruction error against the reference's band for a window of its size
 * (band()).
 */
export function reconstructionDrift(state: ReconstructionState, current: RowMatrix): NonNullable<MultivariateDrift['reconstruction']> {
  checkMatrix(current, 'window');
  if (current.rows === 0) fail('the window has no rows');
  const index = columnIndex(state, current, 'window');
  const errors = new Float64Array(current.rows);
  rowErrors(state, current, index, errors);
  const error = meanOf(errors);
  const { lower, upper } = band(state, current.rows);
  return {
    error,
    lower: lower ?? 0,
    upper,
    alert: error > upper || (lower !== null && error < lower),
    components: state.components.length,
    rows: current.rows,
  };
}
