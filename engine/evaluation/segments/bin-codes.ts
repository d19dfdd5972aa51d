/**
 * A numeric column kept per row by its quantile bin (segments/plan.ts gives the edges): what the
 * evaluator stores for the segment search instead of every distinct value.
 */
import type { Column } from '../../data/table.js';
import type { Interned } from '../intern.js';

/** Codes rows of `col` by their bin, interned as "0", "1", … (the count of edges ≤ the value); missing and NaN rows as "(missing)". */
export function binCodes(
  col: Extract<Column, { kind: 'number' }>,
  edges: readonly number[],
  values: Interned,
  rows: Int32Array | undefined,
  out: Int32Array,
): void {
  const bin = edges.map((_, j) => values.code(String(j)));
  bin.push(values.code(String(edges.length)));
  const x64 = col.values;
  for (let i = 0; i < out.length; i++) {
    const r = rows ? rows[i]! : i;
    const x = x64[r]!;
    if (col.nulls?.[r] || x !== x) {
      out[i] = values.code('(missing)');
      continue;
    }
    let j = 0;
    while (j < edges.length && edges[j]! <= x) j++;
    out[i] = bin[j]!;
  }
}

/** A column's interned values, with its numbers' codes by number (and booleans' apart). */
export interface ValueCoder {
  values: Interned;
  byValue?: Map<number, number>;
  byBool?: Map<number, number>;
  /** Codes of the whole numbers 0 … 255 seen so far (-1: not yet). */
  small?: Int32Array;
}

/** Codes rows of `col` (absent: every row missing) by their value, as String() names it ("(missing)" for none). */
export function valueCodes(col: Column | undefined, seg: ValueCoder, rows: Int32Array | undefined, out: Int32Array): void {
  const n = out.length;
  if (!col) out.fill(seg.values.code('(missing)'));
  else if (col.kind === 'string') {
    const v = col.values;
    for (let i = 0; i < n; i++) out[i] = seg.values.code(v[rows ? rows[i]! : i] ?? '(missing)');
  } else {
    // A number's code looked up by the number (as String() would name it: −0 is 0, NaN one value), not by a string made per row.
    const boolean = col.kind === 'boolean';
    const byValue = boolean ? (seg.byBool ??= new Map<number, number>()) : (seg.byValue ??= new Map<number, number>());
    const v = col.values;
    // Small whole numbers (counts, flags, levels) by an array rather than the map.
    const small = (seg.small ??= new Int32Array(256).fill(-1));
    for (let i = 0; i < n; i++) {
      const r = rows ? rows[i]! : i;
      if (col.nulls?.[r]) {
        out[i] = seg.values.code('(missing)');
        continue;
      }
      const x = v[r]!;
      const at = !boolean && x >= 0 && x < 256 && (x | 0) === x && !Object.is(x, -0) ? x : -1;
      if (at >= 0 && small[at]! >= 0) {
        out[i] = small[at]!;
        continue;
      }
      let code = byValue.get(x);
      if (code === undefined) {
        code = seg.values.code(boolean ? String(x === 1) : String(x));
        byValue.set(x, code);
      }
      if (at >= 0) small[at] = code;
      out[i] = code;
    }
  }
}
