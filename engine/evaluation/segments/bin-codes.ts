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
