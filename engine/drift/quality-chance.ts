/**
 * What the reference gives by chance for the quality rules that are not about ranges or unseen
 * categories: a window constant at one value (or all missing), a null rate that rose, a window
 * whose values all fit a narrower type (all integral, all true/false) or hold values a narrower
 * reference type cannot. Each is an exact conditional test on the pool of reference and current
 * values, which are exchangeable when nothing changed (chance.ts). Pure. Derivations:
 * docs/statistics/drift.md, "Alarms".
 */
import type { SourceType } from '../../domain/reports.js';
import { hypergeometricUpperTail, noneOfTail } from './chance.js';
import type { ColumnProfile, NumericColumnProfile } from './profile-schema.js';

/** Values of one side as (value, rows) pairs: category keys, or numbers (a sample scaled to the count). */
export type ValueCounts = Iterable<[string | number, number]>;

const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/;
const BOOLEAN_TEXT = /^\s*(true|false)\s*$/i;

/** Whether a value (a number, or a category key as text) could be held by a column of type `t`. */
export function fitsType(v: string | number, t: SourceType): boolean {
  if (t === 'string') return true;
  if (typeof v === 'number') return t === 'float' || (t === 'int' && Number.isInteger(v));
  if (t === 'boolean') return BOOLEAN_TEXT.test(v);
  if (t === 'int') return INTEGER_TEXT.test(v);
  return v.trim() !== '' && !Number.isNaN(Number(v));
}

/** Rows of `values` that a column of type `t` could not hold. */
export function misfits(values: ValueCounts, t: SourceType): number {
  let n = 0;
  for (const [v, c] of values) if (!fitsType(v, t)) n += c;
  return n;
}

/** Runs of equal values in a sorted sample, each count scaled from the sample to `count` values. */
function sampleRuns(col: NumericColumnProfile): [number, number][] {
  const values = col.sample.values;
  const scale = col.sample.exact || values.length === 0 ? 1 : col.count / values.length;
  const out: [number, number][] = [];
  for (let i = 0; i < values.length;) {
    let j = i + 1;
    while (j < values.length && values[j] === values[i]) j++;
    out.push([values[i]!, Math.round((j - i) * scale)]);
    i = j;
  }
  return out;
}

/** The non-missing values of a profile column with their counts (numbers for a numeric profile without exact counts). */
export function profileValues(col: ColumnProfile): [string | number, number][] {
  if (col.kind === 'categorical') return Object.entries(col.counts);
  if (col.counts !== undefined) return Object.entries(col.counts).map(([k, c]) => [Number(k), c]);
  return sampleRuns(col);
}

/**
 * Chance that m current values are all one value, as extreme as the one seen (`count` of the n
 * reference values were that value, 0 if never): the values whose chance is no larger, summed —
 * each term C(n, n − c)/C(n + m, n − c) ≈ (c/n)^m (noneOfTail). A value the reference never had
 * gives a vanishing chance.
 */
export function constantChance(referenceCounts: Iterable<number>, n: number, seenCount: number, m: number): number {
  if (m === 0 || n === 0) return 1;
  const seen = Math.min(n, seenCount);
  let p = seen === 0 ? noneOfTail(n, n, m) : 0;
  for (const c of referenceCounts) if (c > 0 && c <= seen) p += noneOfTail(n, n - Math.min(n, c), m);
  return Math.min(1, p);
}

/** The count of `value` in a profile column's values (keys compared as text: 3 and '3' are one value). */
export function countOf(values: ValueCounts, value: string | number): number {
  const key = String(value);
  let n = 0;
  for (const [v, c] of values) if (String(v) === key) n += c;
  return n;
}

/** Chance that every one of m current rows is missing, when the reference's `rows` had `present` non-missing values. */
export function allMissingChance(rows: number, present: number, m: number): number {
  return noneOfTail(rows, present, m);
}

/**
 * Chance of at least `currentNulls` missing rows among m, when `referenceNulls` of `referenceRows`
 * were missing: the one-sided hypergeometric tail on the pooled nulls (Fisher's exact test).
 */
export function nullRiseChance(referenceRows: number, referenceNulls: number, m: number, currentNulls: number): number {
  return hypergeometricUpperTail(referenceRows + m, referenceNulls + currentNulls, m, currentNulls);
}

/**
 * Chance of a window typed `current` when the reference is typed `reference`: `refOthers` of the n
 * reference values cannot be held by the current type, `curOthers` of the m current values not by
 * the reference type. Only one side can be narrower: all m current values avoided the reference's
 * others (noneOfTail), or all the current others fell in the window (the hypergeometric tail).
 * Values neither side explains (both counts, or neither: a declared type change) are no chance.
 */
export function typeChance(n: number, refOthers: number, m: number, curOthers: number): number {
  // Counts scaled from a sample can round past the total they come from.
  const r = Math.min(n, refOthers);
  const k = Math.min(m, curOthers);
  if (r > 0 && k === 0) return noneOfTail(n, r, m);
  if (k > 0 && r === 0) return hypergeometricUpperTail(n + m, k, m, k);
  return 0;
}
