/**
 * A window's labelled rows: the realized metrics, slices, the interval and the label's drift are
 * computed on them alone, while estimation takes every scored row (evaluate.ts).
 */
import type { Collected } from './evaluator.js';

/** The labelled rows of `c`, in order (`c` itself when every row is labelled; new arrays otherwise, `c` is left whole). */
export function labelledPart(c: Collected): Collected {
  const unlabelled = c.unlabelled ?? 0;
  if (unlabelled === 0) return c;
  const n = c.rows - unlabelled;
  const keep = new Int32Array(n);
  if (c.task === 'regression') {
    const y = c.yTrueValue!;
    for (let i = 0, j = 0; i < c.rows; i++) if (y[i] === y[i]) keep[j++] = i;
  } else {
    const y = c.yTrueClass!;
    for (let i = 0, j = 0; i < c.rows; i++) if (y[i]! >= 0) keep[j++] = i;
  }
  const pick = <T extends Float64Array | Float32Array | Int32Array>(a: T, make: (m: number) => T): T => {
    const out = make(n);
    for (let j = 0; j < n; j++) out[j] = a[keep[j]!]!;
    return out;
  };
  // The search's rows stay with the scored rows they index (`c`).
  const { unlabelled: _u, labelAbsent: _a, segments, search: _s, ...rest } = c;
  const out: Collected = { ...rest, rows: n };
  if (segments)
    out.segments = Object.fromEntries(Object.entries(segments).map(([k, s]) => [k, { codes: pick(s.codes, (m) => new Int32Array(m)), values: s.values }]));
  if (c.task === 'regression') {
    out.yTrueValue = pick(c.yTrueValue!, (m) => new Float64Array(m));
    out.yPredValue = pick(c.yPredValue!, (m) => new Float64Array(m));
    return out;
  }
  out.yTrueClass = pick(c.yTrueClass!, (m) => new Int32Array(m));
  out.yPredClass = pick(c.yPredClass!, (m) => new Int32Array(m));
  const p = c.proba!;
  const k = n > 0 ? p.length / c.rows : 0;
  const proba = p instanceof Float32Array ? new Float32Array(n * k) : new Float64Array(n * k);
  for (let j = 0; j < n; j++) proba.set(p.subarray(keep[j]! * k, keep[j]! * k + k), j * k);
  out.proba = proba;
  // Sorted scores (sortScores, shard-handler.ts) already leave unlabelled rows out.
  return out;
}
