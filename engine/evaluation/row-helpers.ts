/** Per-row helpers of the evaluator (evaluator.ts): the predicted class, and which labels are missing. */
import type { Column } from '../data/table.js';

/** Index of each row's highest probability (the first one on ties; a NaN never wins). */
export function argmaxRows(probs: Float32Array | Float64Array, count: number, k: number, pred: Int32Array): void {
  if (k === 2) {
    for (let i = 0; i < count; i++) pred[i] = probs[2 * i + 1]! > probs[2 * i]! ? 1 : 0;
    return;
  }
  for (let i = 0, o = 0; i < count; i++, o += k) {
    let best = 0;
    let hi = probs[o]!;
    for (let j = 1; j < k; j++) {
      const v = probs[o + j]!;
      if (v > hi) {
        hi = v;
        best = j;
      }
    }
    pred[i] = best;
  }
}

/** Per row, 1 where the label is missing (null, or empty text); undefined when no label is. */
export function missingLabels(col: Column, n: number): Uint8Array | undefined {
  let out: Uint8Array | undefined;
  if (col.kind === 'string') {
    const v = col.values;
    for (let r = 0; r < n; r++) {
      const x = v[r];
      if (x === null || x === '') (out ??= new Uint8Array(n))[r] = 1;
    }
  } else if (col.nulls) {
    const nulls = col.nulls;
    for (let r = 0; r < n; r++) if (nulls[r]) (out ??= new Uint8Array(n))[r] = 1;
  }
  return out;
}

/** A column with no value at all (a label column left empty: read as text). */
export function allMissing(col: Column): boolean {
  return col.kind === 'string' ? col.values.every((v) => v === null || v === '') : false;
}

/** Labels of a table some of whose labels are missing: -1 (classes) or NaN (values) marks those rows. */
export function someTruth(
  regression: boolean,
  col: Column,
  n: number,
  at: (i: number) => number,
  missing: Uint8Array,
  classIndex: (label: string) => number,
  lookup: (x: number) => number,
): Float64Array | Int32Array {
  if (regression) {
    const v = col.kind === 'string' ? undefined : col.values;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const r = at(i);
      out[i] = missing[r] || !v ? NaN : v[r]!;
    }
    return out;
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = at(i);
    if (missing[r]) out[i] = -1;
    else out[i] = col.kind === 'string' ? classIndex(col.values[r]!) : lookup(col.values[r]!);
  }
  return out;
}

/** Whether the first `n` values are all finite: x·0 is 0 for a finite x and NaN otherwise, summed in four lanes. */
export function allFinite(v: ArrayLike<number>, n: number): boolean {
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let r = 0;
  for (; r + 3 < n; r += 4) {
    a += v[r]! * 0;
    b += v[r + 1]! * 0;
    c += v[r + 2]! * 0;
    d += v[r + 3]! * 0;
  }
  for (; r < n; r++) a += v[r]! * 0;
  return a + b + c + d === 0;
}

/**
 * The buffer of a numeric input tensor of `size` values: `spare` (a scored batch's) when it has
 * the type and the size, else a new one. Every element is then written: a spare needs no clearing.
 */
export function tensorBuffer(
  type: 'float32' | 'float64' | 'int64',
  size: number,
  spare: Float32Array | Float64Array | BigInt64Array | undefined,
): Float32Array | Float64Array | BigInt64Array {
  if (type === 'float32') return spare instanceof Float32Array && spare.length === size ? spare : new Float32Array(size);
  if (type === 'float64') return spare instanceof Float64Array && spare.length === size ? spare : new Float64Array(size);
  return spare instanceof BigInt64Array && spare.length === size ? spare : new BigInt64Array(size);
}
