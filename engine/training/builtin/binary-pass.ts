/**
 * One pass of the logistic loss and its gradient over a chunk of rows of a column-major design
 * (docs/training.md "How the fit is made fast"). Pure arithmetic on typed arrays, shared by the
 * objective and its helper thread (pass-thread.ts), so either can take any chunk.
 */

/** Rows per chunk: the unit of work, and of the fixed-order reduction that makes the sum the same whoever computed each chunk. */
export const CHUNK_ROWS = 1 << 16;

/** Rows per block: a block's margins/residuals and its stretch of four columns stay in cache between the forward and backward halves. */
const BLOCK_ROWS = 1024;

/** 1 + e is multiplied into a product (one log per group) while e ≥ this; smaller e are added as log1p(e) ≈ e − e²/2. */
const TINY = 2 ** -20;
/** Factors of at most 2 each: a product of 32 stays far from overflow. */
const GROUP = 32;

export interface BinaryData {
  /** The design's columns (views). */
  cols: Float64Array[];
  /** 1 for the positive class, 0 otherwise. */
  y: Int32Array;
  n: number;
  d: number;
}

/** Slot layout of a chunk's partial sums: [loss, gradient 0 .. d − 1, intercept gradient]. */
export const slotSize = (d: number): number => d + 2;

export const chunkCount = (n: number, chunkRows = CHUNK_ROWS): number => Math.ceil(n / chunkRows);

/** Scratch of one thread: a block's margins, then its residuals. */
export const scratch = (): Float64Array => new Float64Array(BLOCK_ROWS);

/**
 * Rows [start, end) at θ = [w (d), b]: their summed loss log(1 + e^z) − y·z into out[at] and (with
 * `gradient`) their summed Σ r·x and Σ r, r = sigmoid(z) − y, into out[at + 1 ..]. Fixed order
 * within the chunk, so a chunk's partial sums are the same bits on any thread.
 */
export function binaryChunk(
  data: BinaryData,
  theta: Float64Array,
  start: number,
  end: number,
  out: Float64Array,
  at: number,
  gradient: boolean,
  z: Float64Array,
): void {
  const d = data.d;
  out.fill(0, at, at + slotSize(d));
  for (let s = start; s < end; s += BLOCK_ROWS) {
    const e = Math.min(s + BLOCK_ROWS, end);
    margins(data.cols, theta, d, s, e, z);
    out[at] = out[at]! + residuals(data.y, s, e - s, z, out, at + 1 + d);
    if (gradient) backward(data.cols, d, s, e, z, out, at + 1);
  }
}

/** z[k] = b + Σ_j w_j x_j[s + k], four columns at a time (a quarter of the loads and stores of z). */
function margins(cols: Float64Array[], theta: Float64Array, d: number, s: number, e: number, z: Float64Array): void {
  z.fill(theta[d]!, 0, e - s);
  let j = 0;
  for (; j + 4 <= d; j += 4) {
    const w0 = theta[j]!;
    const w1 = theta[j + 1]!;
    const w2 = theta[j + 2]!;
    const w3 = theta[j + 3]!;
    const c0 = cols[j]!;
    const c1 = cols[j + 1]!;
    const c2 = cols[j + 2]!;
    const c3 = cols[j + 3]!;
    for (let i = s, k = 0; i < e; i++, k++) z[k] = z[k]! + w0 * c0[i]! + w1 * c1[i]! + w2 * c2[i]! + w3 * c3[i]!;
  }
  for (; j < d; j++) {
    const w = theta[j]!;
    const c = cols[j]!;
    for (let i = s, k = 0; i < e; i++, k++) z[k] = z[k]! + w * c[i]!;
  }
}

/**
 * The block's loss, returned, and its residuals written over the margins in z (their sum added
 * to out[sumAt]). One exp per row serves both, stably: e = exp(−|z|) never overflows, and
 * log(1 + e^z) = max(z, 0) + log(1 + e). The logs of a group of rows are taken as the log of
 * their product (1 + e ≤ 2 each): one log per 32 rows instead of one log1p per row.
 */
function residuals(y: Int32Array, s: number, m: number, z: Float64Array, out: Float64Array, sumAt: number): number {
  let f = 0;
  let rs = 0;
  let prod = 1;
  let count = 0;
  for (let k = 0; k < m; k++) {
    const v = z[k]!;
    const e = Math.exp(-Math.abs(v));
    const q = 1 + e;
    const positive = y[s + k] === 1;
    f += (v > 0 ? v : 0) - (positive ? v : 0);
    if (e >= TINY) {
      prod *= q;
      if (++count === GROUP) {
        f += Math.log(prod);
        prod = 1;
        count = 0;
      }
    } else {
      f += e - 0.5 * e * e;
    }
    const r = (v >= 0 ? 1 : e) / q - (positive ? 1 : 0);
    z[k] = r;
    rs += r;
  }
  out[sumAt] = out[sumAt]! + rs;
  return f + Math.log(prod);
}

/** out[at + j] += Σ_k r_k x_j[s + k], four columns at a time (r loaded once for four). */
function backward(cols: Float64Array[], d: number, s: number, e: number, r: Float64Array, out: Float64Array, at: number): void {
  let j = 0;
  for (; j + 4 <= d; j += 4) {
    const c0 = cols[j]!;
    const c1 = cols[j + 1]!;
    const c2 = cols[j + 2]!;
    const c3 = cols[j + 3]!;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let i = s, k = 0; i < e; i++, k++) {
      const v = r[k]!;
      a0 += v * c0[i]!;
      a1 += v * c1[i]!;
      a2 += v * c2[i]!;
      a3 += v * c3[i]!;
    }
    out[at + j] = out[at + j]! + a0;
    out[at + j + 1] = out[at + j + 1]! + a1;
    out[at + j + 2] = out[at + j + 2]! + a2;
    out[at + j + 3] = out[at + j + 3]! + a3;
  }
  for (; j < d; j++) {
    const c = cols[j]!;
    let a = 0;
    for (let i = s, k = 0; i < e; i++, k++) a += r[k]! * c[i]!;
    out[at + j] = out[at + j]! + a;
  }
}
