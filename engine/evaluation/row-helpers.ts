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
