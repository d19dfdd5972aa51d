/**
 * Input checks shared by the business metrics (docs/statistics/business-metrics.md). A user's
 * mistake — no rows, a NaN, a target out of range — is a BusinessMetricError whose one-line
 * message starts with the metric's name.
 */
import type { Floats } from './types.js';

export class BusinessMetricError extends Error {
  override name = 'BusinessMetricError';
  constructor(
    readonly metric: string,
    message: string,
  ) {
    super(`${metric}: ${message}`);
  }
}

export function requireRows(metric: string, n: number, what = 'rows'): void {
  if (n === 0) throw new BusinessMetricError(metric, `no ${what} to evaluate`);
}

export function requireSameLength(metric: string, a: { length: number }, aName: string, b: { length: number }, bName: string): void {
  if (a.length !== b.length) {
    throw new BusinessMetricError(metric, `${aName} has ${a.length} rows but ${bName} has ${b.length}`);
  }
}

/** Throws naming the first row whose value is NaN or infinite. */
export function requireFinite(metric: string, values: Floats, what: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!(v - v === 0)) throw new BusinessMetricError(metric, `${what} holds ${String(v)} at row ${i}; every value must be finite`);
  }
}

export function requireFiniteNumber(metric: string, v: number, what: string): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new BusinessMetricError(metric, `${what} must be a finite number, got ${String(v)}`);
  }
}

/** A target precision or recall: a number in (0, 1]. */
export function requireTarget(metric: string, v: number, what: string): void {
  if (typeof v !== 'number' || !(v > 0 && v <= 1)) {
    throw new BusinessMetricError(metric, `${what} must be in (0, 1], got ${String(v)}`);
  }
}

/** Every true class must be one of the k classes of the matrix. */
export function requireClasses(metric: string, labels: Int32Array, k: number, what: string): void {
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i] as number;
    if (c < 0 || c >= k) {
      throw new BusinessMetricError(metric, `${what} holds class ${c} at row ${i}, outside the ${k} classes 0..${k - 1}`);
    }
  }
}
