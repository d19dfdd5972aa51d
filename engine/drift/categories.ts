/**
 * Category counting, in one place: the counts of a column as profiles, sketches and the quality
 * checks key them, and the alignment of two count maps that the categorical drift tests take.
 *
 * Category keys: strings as they are; booleans 'true' / 'false'; numbers String(value) (3 → '3',
 * ±Infinity → 'Infinity' / '-Infinity'). Missing: a null string, a flagged null, and NaN in a
 * number column.
 */
import type { Column } from '../data/table.js';

/** Counts of non-missing categories: a map, or parallel arrays. */
export type CategoryCounts = ReadonlyMap<string, number> | { readonly categories: readonly string[]; readonly counts: ArrayLike<number> };

export interface CategoryTally {
  counts: Map<string, number>;
  missing: number;
}

/** Counts of the non-missing values of a string column, in first-seen order. */
export function countCategories(values: Iterable<string | null | undefined>): {
  counts: Map<string, number>;
  missing: number;
} {
  const counts = new Map<string, number>();
  let missing = 0;
  for (const v of values) {
    if (v === null || v === undefined) missing++;
    else counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return { counts, missing };
}

/**
 * Category counts of a column (see the module comment for the keys), in order of first appearance
 * — except that with `booleans: 'false-first'` (the default, the order profiles store) a boolean
 * column lists 'false' before 'true'. `rows` (default: every value) bounds the rows counted.
 */
export function countColumnCategories(column: Column, opts: { rows?: number; booleans?: 'false-first' | 'first-seen' } = {}): CategoryTally {
  const n = opts.rows ?? column.values.length;
  if (column.kind === 'string') {
    const counts = new Map<string, number>();
    let missing = 0;
    const values = column.values;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v === null || v === undefined) missing++;
      else counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    return { counts, missing };
  }
  if (column.kind === 'boolean') {
    let t = 0;
    let f = 0;
    let missing = 0;
    let trueFirst = false;
    const flags = column.nulls;
    const values = column.values;
    for (let i = 0; i < n; i++) {
      if (flags !== undefined && flags[i] === 1) missing++;
      else if (values[i] === 1) {
        if (t === 0 && f === 0) trueFirst = true;
        t++;
      } else f++;
    }
    const counts = new Map<string, number>();
    if (trueFirst && opts.booleans === 'first-seen') counts.set('true', t);
    if (f > 0) counts.set('false', f);
    if (t > 0) counts.set('true', t);
    return { counts, missing };
  }
  // Number column: count by value first (no string per row), then key by String(value).
  const byValue = new Map<number, number>();
  let missing = 0;
  const flags = column.nulls;
  const values = column.values;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if ((flags !== undefined && flags[i] === 1) || v !== v) missing++;
    else byValue.set(v, (byValue.get(v) ?? 0) + 1);
  }
  const counts = new Map<string, number>();
  for (const [v, cnt] of byValue) counts.set(String(v), cnt);
  return { counts, missing };
}

/** Counts of the values of a sorted array keyed by String(value), ascending. */
export function countSortedValues(sorted: Float64Array): Map<string, number> {
  const counts = new Map<string, number>();
  const n = sorted.length;
  let i = 0;
  while (i < n) {
    const v = sorted[i]!;
    let j = i + 1;
    while (j < n && sorted[j] === v) j++;
    counts.set(String(v), j - i);
    i = j;
  }
  return counts;
}

function countsToMap(c: CategoryCounts, side: string): Map<string, number> {
  if (c instanceof Map) return new Map(c);
  const { categories, counts } = c as { categories: readonly string[]; counts: ArrayLike<number> };
  if (categories.length !== counts.length) {
    throw new RangeError(`${side}: ${categories.length} categories but ${counts.length} counts`);
  }
  const m = new Map<string, number>();
  for (let i = 0; i < categories.length; i++) m.set(categories[i]!, (m.get(categories[i]!) ?? 0) + counts[i]!);
  return m;
}

/** Code-point order, like Python's sorted() on str. */
function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx - cy;
  }
}

/**
 * Aligns two category count maps on the sorted union of categories present on either side
 * (zero counts are dropped first, like value_counts would never report them).
 */
export function alignCategories(ref: CategoryCounts, cur: CategoryCounts): { categories: string[]; reference: Float64Array; current: Float64Array } {
  const a = countsToMap(ref, 'reference');
  const b = countsToMap(cur, 'current');
  const keys = new Set<string>();
  for (const [k, v] of a) {
    if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`reference count for "${k}" must be finite and non-negative`);
    if (v > 0) keys.add(k);
  }
  for (const [k, v] of b) {
    if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`current count for "${k}" must be finite and non-negative`);
    if (v > 0) keys.add(k);
  }
  const categories = [...keys].sort(compareCodePoints);
  const reference = new Float64Array(categories.length);
  const current = new Float64Array(categories.length);
  categories.forEach((k, i) => {
    reference[i] = a.get(k) ?? 0;
    current[i] = b.get(k) ?? 0;
  });
  return { categories, reference, current };
}
