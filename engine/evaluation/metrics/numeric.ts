/** Small numeric helpers of the metrics. */
import { CompensatedSum } from '../../math/sum.js';

export function compensatedMean(values: readonly number[]): number {
  const s = new CompensatedSum();
  for (const v of values) s.add(v);
  return s.value() / values.length;
}

export function allFinite(a: Float64Array | Float32Array): boolean {
  for (let i = 0; i < a.length; i++) {
    // NaN and ±Infinity both fail this test.
    if (!((a[i] as number) - (a[i] as number) === 0)) return false;
  }
  return true;
}
