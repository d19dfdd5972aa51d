/** Sorting of float64 values, shared by the metrics, the drift statistics and the profiles. */

/**
 * Sorts float64 values ascending, in place, by the order-preserving 64-bit key of each value (the
 * sign bit flipped for positives, every bit for negatives): −0 before +0, ties adjacent, the same
 * result bit for bit as any sort by that key. (NaN, which callers drop first, lands by its key:
 * first when its sign bit is set, last otherwise.) An LSD radix sort on the key's high 32 bits
 * alone, carrying the low 32, in two 16-bit digits (three 11-bit ones below 65,536 values; a digit
 * shared by every value is skipped); values whose high words tie are then ordered by their low
 * words, run by run (insertion up to 64, a check that is enough for runs of equal values, a radix
 * sort of the low words for longer runs). Half the scatter passes of a radix sort on the whole key, for data whose
 * high words spread (almost any measured column). With `into`, the input is left as it is and the
 * sorted values are written there. Below 512 values, TypedArray#sort.
 */
export function sortFloat64(values: Float64Array, into: Float64Array = values): void {
  const n = values.length;
  if (into !== values) {
    if (into.length !== n) throw new RangeError('sortFloat64: the output must have the length of the input');
    if (n < 512) {
      into.set(values);
      into.sort();
      return;
    }
  } else if (n < 512) {
    values.sort();
    return;
  }
  const words = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  let hk = new Uint32Array(n);
  let lk = new Uint32Array(n);
  const wide = n >= 1 << 16;
  const BITS = wide ? 16 : 11;
  const PASSES = wide ? 2 : 3;
  const RADIX = 1 << BITS;
  const MASK = RADIX - 1;
  const counts = new Uint32Array(RADIX * PASSES);
  // The key of every value and the histograms of its high word's digits, in one pass.
  if (wide) {
    for (let i = 0; i < n; i++) {
      const h = words[2 * i + 1]!;
      // All ones for negative values, zero otherwise: the key's words are h ^ (m | sign bit), l ^ m.
      const m = h >> 31;
      const k = (h ^ (m | 0x80000000)) >>> 0;
      hk[i] = k;
      lk[i] = (words[2 * i]! ^ m) >>> 0;
      counts[k & 0xffff]!++;
      counts[RADIX + (k >>> 16)]!++;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const h = words[2 * i + 1]!;
      const m = h >> 31;
      const k = (h ^ (m | 0x80000000)) >>> 0;
      hk[i] = k;
      lk[i] = (words[2 * i]! ^ m) >>> 0;
      counts[k & 0x7ff]!++;
      counts[RADIX + ((k >>> 11) & 0x7ff)]!++;
      counts[2 * RADIX + (k >>> 22)]!++;
    }
  }
  let hkTmp = new Uint32Array(n);
  let lkTmp = new Uint32Array(n);
  for (let pass = 0; pass < PASSES; pass++) {
    const base = pass * RADIX;
    const shift = pass * BITS;
    if (counts[base + ((hk[0]! >>> shift) & MASK)] === n) continue; // every value has this digit
    let sum = 0;
    for (let d = 0; d < RADIX; d++) {
      const c = counts[base + d]!;
      counts[base + d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = hk[i]!;
      const pos = counts[base + ((k >>> shift) & MASK)]!++;
      hkTmp[pos] = k;
      lkTmp[pos] = lk[i]!;
    }
    [hk, hkTmp] = [hkTmp, hk];
    [lk, lkTmp] = [lkTmp, lk];
  }
  // Runs of equal high words, ordered by their low words (hkTmp is free: the scratch of long runs).
  for (let start = 0; start < n;) {
    const k = hk[start]!;
    let end = start + 1;
    while (end < n && hk[end] === k) end++;
    if (end - start > 1) sortRun(lk, start, end, hkTmp);
    start = end;
  }
  const out = new Uint32Array(into.buffer, into.byteOffset, n * 2);
  for (let i = 0; i < n; i++) {
    const k = hk[i]!;
    const m = ~k >> 31; // all ones where the key's top bit is clear: a negative value
    out[2 * i + 1] = k ^ (m | 0x80000000);
    out[2 * i] = lk[i]! ^ m;
  }
}

/** Sorts a[start, end) ascending: insertion when short, nothing when already in order, else a radix sort. */
function sortRun(a: Uint32Array, start: number, end: number, scratch: Uint32Array): void {
  if (end - start <= 64) {
    for (let i = start + 1; i < end; i++) {
      const x = a[i]!;
      let j = i - 1;
      while (j >= start && a[j]! > x) {
        a[j + 1] = a[j]!;
        j--;
      }
      a[j + 1] = x;
    }
    return;
  }
  let sorted = true;
  for (let i = start + 1; i < end && sorted; i++) sorted = a[i - 1]! <= a[i]!;
  if (!sorted) radixUint32(a.subarray(start, end), scratch.subarray(start, end));
}

/** LSD radix sort of 32-bit words in four 8-bit digits (a digit shared by every word is skipped); `tmp` is as long as `a`. */
function radixUint32(a: Uint32Array, tmp: Uint32Array): void {
  const n = a.length;
  const counts = new Uint32Array(4 << 8);
  for (let i = 0; i < n; i++) {
    const k = a[i]!;
    counts[k & 0xff]!++;
    counts[256 + ((k >>> 8) & 0xff)]!++;
    counts[512 + ((k >>> 16) & 0xff)]!++;
    counts[768 + (k >>> 24)]!++;
  }
  let src = a;
  let dst = tmp;
  for (let pass = 0; pass < 4; pass++) {
    const base = pass << 8;
    const shift = pass * 8;
    if (counts[base + ((src[0]! >>> shift) & 0xff)] === n) continue;
    let sum = 0;
    for (let d = 0; d < 256; d++) {
      const c = counts[base + d]!;
      counts[base + d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = src[i]!;
      dst[counts[base + ((k >>> shift) & 0xff)]!++] = k;
    }
    [src, dst] = [dst, src];
  }
  if (src !== a) a.set(src);
}

/**
 * Sorts finite float32 values ascending, in place: an LSD radix sort on the order-preserving
 * 32-bit key of each value, in three 11-bit digits (a digit shared by every value is skipped, as
 * the exponent's is for probabilities). The scores of a model's float outputs: half the bytes of
 * sortFloat64's keys and three passes at most, with the same order for finite input.
 */
export function sortFloat32(values: Float32Array): void {
  const n = values.length;
  if (n < 512) {
    values.sort();
    return;
  }
  const words = new Uint32Array(values.buffer, values.byteOffset, n);
  let keys = new Uint32Array(n);
  let tmp = new Uint32Array(n);
  const BITS = 11;
  const RADIX = 1 << BITS;
  const MASK = RADIX - 1;
  const counts = new Uint32Array(RADIX * 3);
  for (let i = 0; i < n; i++) {
    const w = words[i]!;
    // Negative values: all bits flipped (larger magnitude first); others: the sign bit set.
    const k = w & 0x80000000 ? ~w >>> 0 : (w | 0x80000000) >>> 0;
    keys[i] = k;
    counts[k & MASK]!++;
    counts[RADIX + ((k >>> 11) & MASK)]!++;
    counts[2 * RADIX + (k >>> 22)]!++;
  }
  for (let pass = 0; pass < 3; pass++) {
    const base = pass * RADIX;
    const shift = pass * BITS;
    if (counts[base + ((keys[0]! >>> shift) & MASK)] === n) continue; // every value has this digit
    let sum = 0;
    for (let d = 0; d < RADIX; d++) {
      const c = counts[base + d]!;
      counts[base + d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = keys[i]!;
      tmp[counts[base + ((k >>> shift) & MASK)]!++] = k;
    }
    [keys, tmp] = [tmp, keys];
  }
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    words[i] = k & 0x80000000 ? (k & 0x7fffffff) >>> 0 : ~k >>> 0;
  }
}

/** The first index of ascending `a` whose value is at least `x` (a.length when there is none). */
export function lowerBound(a: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
