/** The order that sorts float64 values, without comparing pairs: for the walks that need a value and its row together. */

/** Below this many values a comparison sort is used. */
const SMALL = 4096;

/** Ascending order with −0 equal to +0 (finite and infinite values only). */
function cmp(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The indices that sort `values` ascending, ties in index order (a stable sort): an LSD radix sort
 * on the order-preserving 64-bit key of each value, in four 16-bit digits, skipping a digit every
 * value shares (common for probabilities that were float32). Values must be finite or ±Infinity
 * (NaN has no place in the order: check before). With `into`, the indices are written there.
 */
export function argsortFloat64(values: Float64Array, into: Uint32Array = new Uint32Array(values.length)): Uint32Array {
  const n = values.length;
  if (into.length !== n) throw new RangeError('argsortFloat64: the output must have the length of the input');
  if (n < SMALL) {
    // A comparison sort is quicker than clearing the digit counts for a few values (Array#sort is stable).
    const idx = Array.from({ length: n }, (_, i) => i);
    idx.sort((a, b) => cmp(values[a]!, values[b]!));
    for (let i = 0; i < n; i++) into[i] = idx[i]!;
    return into;
  }
  const words = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  let hi = new Uint32Array(n);
  let lo = new Uint32Array(n);
  const RADIX = 1 << 16;
  const counts = new Uint32Array(RADIX * 4);
  for (let i = 0; i < n; i++) {
    let h = words[2 * i + 1]!;
    let l = words[2 * i]!;
    if (h & 0x80000000) {
      h = ~h >>> 0;
      l = ~l >>> 0;
    } else {
      h = (h | 0x80000000) >>> 0;
    }
    // −0 and +0 are one value: both take the key of +0.
    if (h === 0x7fffffff && l === 0xffffffff) {
      h = 0x80000000;
      l = 0;
    }
    hi[i] = h;
    lo[i] = l;
    counts[l & 0xffff]!++;
    counts[RADIX + (l >>> 16)]!++;
    counts[2 * RADIX + (h & 0xffff)]!++;
    counts[3 * RADIX + (h >>> 16)]!++;
  }
  let idx: Uint32Array = into;
  for (let i = 0; i < n; i++) idx[i] = i;
  if (n < 2) return into;
  let idxTmp: Uint32Array = new Uint32Array(n);
  let hiTmp = new Uint32Array(n);
  let loTmp = new Uint32Array(n);
  for (let pass = 0; pass < 4; pass++) {
    const base = pass * RADIX;
    // A digit every value shares leaves the order as it is.
    let skip = false;
    for (let d = 0; d < RADIX; d++) {
      const c = counts[base + d]!;
      if (c === n) skip = true;
      if (c !== 0) break;
    }
    if (skip) continue;
    let sum = 0;
    for (let d = 0; d < RADIX; d++) {
      const c = counts[base + d]!;
      counts[base + d] = sum;
      sum += c;
    }
    const word = pass < 2 ? lo : hi;
    const shift = pass % 2 === 0 ? 0 : 16;
    for (let i = 0; i < n; i++) {
      const digit = (word[i]! >>> shift) & 0xffff;
      const at = counts[base + digit]!++;
      idxTmp[at] = idx[i]!;
      hiTmp[at] = hi[i]!;
      loTmp[at] = lo[i]!;
    }
    const t = idx;
    idx = idxTmp;
    idxTmp = t;
    [hi, hiTmp] = [hiTmp, hi];
    [lo, loTmp] = [loTmp, lo];
  }
  if (idx !== into) into.set(idx);
  return into;
}
