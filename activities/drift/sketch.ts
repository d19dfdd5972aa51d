/**
 * What drift and quality checks need of the current window's columns, computed per shard in the
 * evaluation threads and merged on the main thread: sorted finite values for numeric columns (so
 * the expensive sort runs in parallel), category counts for categorical ones.
 */
import type { Column } from '../data/table.js';
import { countColumnCategories, countSortedValues } from './categories.js';
import { EXACT_SAMPLE_LIMIT, type ColumnProfile } from './profile-schema.js';
import { sortedSample } from './sample.js';

export type ColumnSketch =
  | { kind: 'numeric'; sourceType: 'int' | 'float'; rows: number; nulls: number; nonFinite: number; sorted: Float64Array }
  | { kind: 'categorical'; sourceType: 'int' | 'float' | 'string' | 'boolean'; rows: number; missing: number; categories: string[]; counts: number[] };

export function sketchColumn(col: Column, rows: number, categorical = false): ColumnSketch {
  if (col.kind === 'number' && !categorical) {
    let nulls = 0;
    if (col.nulls) for (let i = 0; i < rows; i++) nulls += col.nulls[i]!;
    const s = sortedSample(col.values);
    return { kind: 'numeric', sourceType: col.sourceType, rows, nulls, nonFinite: s.dropped - nulls, sorted: s.sorted };
  }
  const { counts, missing } = countColumnCategories(col, { rows, booleans: 'first-seen' });
  const sourceType = col.kind === 'number' ? col.sourceType : col.kind;
  return { kind: 'categorical', sourceType, rows, missing, categories: [...counts.keys()], counts: [...counts.values()] };
}

/** Merges ascending runs into one ascending array. */
export function mergeSorted(parts: Float64Array[]): Float64Array {
  if (parts.length === 1) return parts[0]!;
  let merged = parts[0]!;
  for (let p = 1; p < parts.length; p++) {
    const a = merged;
    const b = parts[p]!;
    const out = new Float64Array(a.length + b.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < a.length && j < b.length) out[k++] = a[i]! <= b[j]! ? a[i++]! : b[j++]!;
    while (i < a.length) out[k++] = a[i++]!;
    while (j < b.length) out[k++] = b[j++]!;
    merged = out;
  }
  return merged;
}

function asCategorical(s: ColumnSketch): Extract<ColumnSketch, { kind: 'categorical' }> {
  if (s.kind === 'categorical') return s;
  const counts = countSortedValues(s.sorted);
  return { kind: 'categorical', sourceType: s.sourceType, rows: s.rows, missing: s.nulls + s.nonFinite, categories: [...counts.keys()], counts: [...counts.values()] };
}

/**
 * Joins the sketches of one column from several shards. When files disagree on the column's type
 * (numbers in one, text in another) the column is merged as categorical.
 */
export function mergeSketches(parts: ColumnSketch[]): ColumnSketch {
  if (parts.some((p) => p.kind === 'categorical')) parts = parts.map(asCategorical);
  const first = parts[0]!;
  if (first.kind === 'numeric') {
    const ps = parts as Extract<ColumnSketch, { kind: 'numeric' }>[];
    return {
      kind: 'numeric',
      sourceType: ps.every((p) => p.sourceType === 'int') ? 'int' : 'float',
      rows: ps.reduce((n, p) => n + p.rows, 0),
      nulls: ps.reduce((n, p) => n + p.nulls, 0),
      nonFinite: ps.reduce((n, p) => n + p.nonFinite, 0),
      sorted: mergeSorted(ps.map((p) => p.sorted)),
    };
  }
  const counts = new Map<string, number>();
  let missing = 0;
  let rows = 0;
  for (const p of parts as Extract<ColumnSketch, { kind: 'categorical' }>[]) {
    p.categories.forEach((c, i) => counts.set(c, (counts.get(c) ?? 0) + p.counts[i]!));
    missing += p.missing;
    rows += p.rows;
  }
  const types = new Set((parts as Extract<ColumnSketch, { kind: 'categorical' }>[]).map((p) => p.sourceType));
  const sourceType = types.size === 1 ? [...types][0]! : types.has('string') ? 'string' : 'float';
  return { kind: 'categorical', sourceType, rows, missing, categories: [...counts.keys()], counts: [...counts.values()] };
}

/** A stored profile column as the reference side of a drift check. */
export function sketchFromProfile(p: ColumnProfile): ColumnSketch {
  if (p.kind === 'numeric') {
    const sorted = Float64Array.from(p.sample.values);
    return { kind: 'numeric', sourceType: p.sourceType, rows: p.count + p.nulls + p.nonFinite, nulls: p.nulls, nonFinite: p.nonFinite, sorted };
  }
  const entries = Object.entries(p.counts);
  return { kind: 'categorical', sourceType: p.sourceType, rows: p.count + p.nulls, missing: p.nulls, categories: entries.map(([c]) => c), counts: entries.map(([, n]) => n) };
}

/**
 * A column sketch as a profile (for the quality checks, or a reference read from whole files).
 * Beyond `sampleSize` values the sample is systematic (evenly spaced ranks of the sorted values),
 * which keeps out-of-range shares accurate to 1/sampleSize; min, max and counts stay exact.
 */
export function profileFromSketch(s: ColumnSketch, sampleSize = EXACT_SAMPLE_LIMIT): ColumnProfile {
  if (s.kind === 'categorical') {
    const order = s.categories.map((c, i) => [c, s.counts[i]!] as const).sort((a, b) => b[1] - a[1]);
    const count = s.counts.reduce((n, c) => n + c, 0);
    return {
      kind: 'categorical',
      sourceType: s.sourceType,
      count,
      nulls: s.missing,
      nullRate: s.rows > 0 ? s.missing / s.rows : 0,
      uniques: order.length,
      counts: Object.fromEntries(order),
    };
  }
  const v = s.sorted;
  const n = v.length;
  // One pass over the sorted values: sum, distinct count; a second for the squared deviations.
  let sum = 0;
  let uniques = 0;
  for (let i = 0; i < n; i++) {
    const x = v[i]!;
    sum += x;
    if (i === 0 || x !== v[i - 1]) uniques++;
  }
  const mean = n > 0 ? sum / n : null;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (v[i]! - mean!) ** 2;
  const exact = n <= sampleSize;
  const m = exact ? n : sampleSize;
  const values = new Array<number>(m);
  for (let i = 0; i < m; i++) values[i] = exact ? v[i]! : v[Math.floor(((i + 0.5) * n) / sampleSize)]!;
  const profile: ColumnProfile = {
    kind: 'numeric',
    sourceType: s.sourceType,
    count: n,
    nulls: s.nulls,
    nonFinite: s.nonFinite,
    nullRate: s.rows > 0 ? (s.nulls + s.nonFinite) / s.rows : 0,
    min: n > 0 ? v[0]! : null,
    max: n > 0 ? v[n - 1]! : null,
    mean,
    std: n > 0 ? Math.sqrt(ss / n) : null,
    stdDdof: 0,
    uniques,
    sample: { values, exact },
  };
  if (uniques <= 20) {
    profile.counts = Object.fromEntries(countSortedValues(v));
  }
  return profile;
}
