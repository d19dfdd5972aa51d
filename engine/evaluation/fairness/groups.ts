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
  /** Each group's number of rows. */
  sizes: number[];
  /** Each group's row indices, ascending (listed when first asked for). */
  readonly rows: Int32Array[];
  /** Groups beyond the cap, left out. */
  omitted: number;
  /** Each row's group (its index in `values`), −1 for a row of a group left out. */
  slot: Int32Array;
}

/** Each row's combined code: the codes in mixed radix (exact in a double for any realistic number of values). */
function combinedCodes<A extends Int32Array | Float64Array>(columns: readonly GroupColumn[], out: A): A {
  for (const col of columns) {
    const radix = Math.max(1, col.values.length);
    const codes = col.codes;
    for (let i = 0; i < out.length; i++) out[i] = out[i]! * radix + codes[i]!;
  }
  return out;
}

/** Few combinations (the usual case): int codes, counted in an array, and each row's group looked up in one. */
function denseSlots(columns: readonly GroupColumn[], rows: number, total: number): { counts: Map<number, number>; slots: (kept: number[]) => Int32Array } {
  const combined = combinedCodes(columns, new Int32Array(rows));
  const dense = new Int32Array(total);
  for (let i = 0; i < rows; i++) dense[combined[i]!]!++;
  const counts = new Map<number, number>();
  dense.forEach((n, code) => {
    if (n > 0) counts.set(code, n);
  });
  const slots = (kept: number[]): Int32Array => {
    const denseSlot = new Int32Array(total).fill(-1);
    kept.forEach((code, i) => (denseSlot[code] = i));
    const slot = new Int32Array(rows);
    for (let i = 0; i < rows; i++) slot[i] = denseSlot[combined[i]!]!;
    return slot;
  };
  return { counts, slots };
}

/** Many combinations: codes as doubles, counted in a map. */
function sparseSlots(columns: readonly GroupColumn[], rows: number): { counts: Map<number, number>; slots: (kept: number[]) => Int32Array } {
  const combined = combinedCodes(columns, new Float64Array(rows));
  const counts = new Map<number, number>();
  for (let i = 0; i < rows; i++) counts.set(combined[i]!, (counts.get(combined[i]!) ?? 0) + 1);
  const slots = (kept: number[]): Int32Array => {
    const at = new Map(kept.map((code, i) => [code, i]));
    const slot = new Int32Array(rows);
    for (let i = 0; i < rows; i++) slot[i] = at.get(combined[i]!) ?? -1;
    return slot;
  };
  return { counts, slots };
}

/** Groups of the rows by the combined values of `columns` (each a code per row). */
export function familyGroups(columns: readonly GroupColumn[], rows: number, cap = MAX_FAIRNESS_GROUPS): FamilyGroups {
  const total = columns.reduce((p, c) => p * Math.max(1, c.values.length), 1);
  const { counts, slots } = total <= 1 << 20 ? denseSlots(columns, rows, total) : sparseSlots(columns, rows);
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
  const slot = slots(kept.map((g) => g.code));
  let listed: Int32Array[] | undefined;
  const list = (): Int32Array[] => {
    const out = kept.map((g) => new Int32Array(g.n));
    const fill = new Int32Array(kept.length);
    for (let i = 0; i < rows; i++) {
      const s = slot[i]!;
      if (s >= 0) out[s]![fill[s]!++] = i;
    }
    return out;
  };
  return {
    values: kept.map((g) => g.value),
    sizes: kept.map((g) => g.n),
    get rows() {
      return (listed ??= list());
    },
    omitted: order.length - kept.length,
    slot,
  };
}
