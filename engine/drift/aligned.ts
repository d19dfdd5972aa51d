/**
 * Counts aligned by position — bins of a numeric column or categories — as PSI, Jensen-Shannon,
 * chi-square and the z-test take them.
 */

/** Counts aligned by position (same categories / bins in the same order on both sides). */
export type AlignedCounts = ArrayLike<number>;

/** Checks two aligned count arrays and returns their totals; throws a RangeError naming `what`. */
export function checkAligned(ref: AlignedCounts, cur: AlignedCounts, what: string): { total1: number; total2: number } {
  if (ref.length !== cur.length) {
    throw new RangeError(`${what}: reference has ${ref.length} bins but current has ${cur.length}`);
  }
  let total1 = 0;
  let total2 = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i]!;
    const c = cur[i]!;
    if (!(r >= 0) || !(c >= 0) || !Number.isFinite(r) || !Number.isFinite(c)) {
      throw new RangeError(`${what}: counts must be finite and non-negative (bin ${i}: ${r}, ${c})`);
    }
    total1 += r;
    total2 += c;
  }
  if (total1 === 0) throw new RangeError(`${what} needs at least one reference value`);
  if (total2 === 0) throw new RangeError(`${what} needs at least one current value`);
  return { total1, total2 };
}
