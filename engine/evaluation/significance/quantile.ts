/** Sample quantiles as numpy computes them. */

/** numpy.quantile(sorted, q) with the default method='linear', for ascending finite `sorted`. */
export function quantileLinear(sorted: ArrayLike<number>, q: number): number {
  const m = sorted.length;
  if (m === 0) throw new RangeError('quantile of an empty sample');
  const h = (m - 1) * q;
  if (h >= m - 1) return sorted[m - 1]!;
  if (h < 0) return sorted[0]!;
  const j = Math.floor(h);
  const g = h - j;
  const a = sorted[j]!;
  const b = sorted[j + 1]!;
  const diff = b - a;
  return g >= 0.5 ? b - diff * (1 - g) : a + diff * g;
}
