/**
 * The groups of one sensitive column or intersection: each row's group, the largest groups first
 * (at most MAX_FAIRNESS_GROUPS), and each group's rows.
 */
import { MAX_FAIRNESS_GROUPS } from '../../../domain/fairness.js';

export interface GroupColumn {
  codes: Int32Array;
  values: readonly string[];
}

export interface FamilyGroups {
  /** Group values (an intersection's joined by " & "), largest group first. */
  values: string[];
  /** Each group's row indices, ascending. */
  rows: Int32Array[];
  /** Groups beyond the cap, left out. */
  omitted: number;
}

/** Groups of the rows by the combined values of `columns` (each a code per row). */
export function familyGroups(columns: readonly GroupColumn[], rows: number, cap = MAX_FAIRNESS_GROUPS): FamilyGroups {
  // A row's combined code: the codes in mixed radix (exact in a double for any realistic number of values).
  const combined = new Float64Array(rows);
  for (const col of columns) {
    const radix = Math.max(1, col.values.length);
    for (let i = 0; i < rows; i++) combined[i] = combined[i]! * radix + col.codes[i]!;
  }
  const counts = new Map<number, number>();
  const total = columns.reduce((p, c) => p * Math.max(1, c.values.length), 1);
  // Few combinations (the usual case): counted in an array, not a map.
  const dense = total <= 1 << 20 ? new Int32Array(total) : undefined;
  if (dense) {
    for (let i = 0; i < rows; i++) dense[combined[i]!]!++;
    dense.forEach((n, code) => {
      if (n > 0) counts.set(code, n);
    });
  } else for (let i = 0; i < rows; i++) counts.set(combined[i]!, (counts.get(combined[i]!) ?? 0) + 1);
  const label = (code: number): string => {
    const parts: string[] = [];
    for (let c = columns.length - 1; c >= 0; c--) {
      const radix = Math.max(1, columns[c]!.values.length);
      parts.unshift(columns[c]!.values[code % radix] ?? '(missing)');
      code = Math.floor(code / radix);
    }
    return parts.join(' & ');
  };
  const order = [...counts.entries()]
    .map(([code, n]) => ({ code, n, value: label(code) }))
    .sort((a, b) => b.n - a.n || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  const kept = order.slice(0, cap);
  const slot = new Map(kept.map((g, i) => [g.code, i]));
  const denseSlot = dense ? new Int32Array(total).fill(-1) : undefined;
  if (denseSlot) kept.forEach((g, i) => (denseSlot[g.code] = i));
  const out = kept.map((g) => new Int32Array(g.n));
  const fill = new Int32Array(kept.length);
  for (let i = 0; i < rows; i++) {
    const s = denseSlot ? denseSlot[combined[i]!]! : (slot.get(combined[i]!) ?? -1);
    if (s >= 0) out[s]![fill[s]!++] = i;
  }
  return { values: kept.map((g) => g.value), rows: out, omitted: order.length - kept.length };
}
