/** Small columns and deterministic data for tests of profiles and quality checks. */
import type { BooleanColumn, NumberColumn, StringColumn } from '../../engine/data/table.js';

export function num(values: ArrayLike<number | null>, sourceType: 'int' | 'float' = 'float'): NumberColumn {
  const v = new Float64Array(values.length);
  const nulls = new Uint8Array(values.length);
  let any = false;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (x === null || x === undefined) {
      v[i] = NaN;
      nulls[i] = 1;
      any = true;
    } else v[i] = x;
  }
  return any ? { kind: 'number', sourceType, values: v, nulls } : { kind: 'number', sourceType, values: v };
}
export const str = (values: (string | null)[]): StringColumn => ({ kind: 'string', values });
export function bool(values: (boolean | null)[]): BooleanColumn {
  const nulls = Uint8Array.from(values, (v) => (v === null ? 1 : 0));
  return { kind: 'boolean', values: Uint8Array.from(values, (v) => (v ? 1 : 0)), nulls };
}

/** Deterministic pseudo-random numbers in [0, 1) for test data. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}
