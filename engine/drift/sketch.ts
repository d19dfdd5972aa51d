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
  | { kind: 'numeric'; sourceType: 'int' | 'float'; rows: number; nulls: number; nonFinite: number; sorted: Float64Array; compacted?: Compacted }
  | { kind: 'categorical'; sourceType: 'int' | 'float' | 'string' | 'boolean'; rows: number; missing: number; categories: string[]; counts: number[] };

/**
 * A numeric sketch beyond EXACT_VALUES finite values: `sorted` then holds SKETCH_POINTS values
 * standing for `count` values with equal weights, evenly spaced in rank; the empirical CDF of the
 * points is within `error` of the values' own, at every x. Count, min and max stay exact.
 */
export interface Compacted {
  count: number;
  error: number;
  min: number;
  max: number;
}

/** Up to this many finite values per column, a window's sketch is exact (every value, sorted). */
export const EXACT_VALUES = 1 << 19;
/** Points a compacted sketch keeps: each compaction adds at most 1 / (2 · SKETCH_POINTS) to the CDF error. */
export const SKETCH_POINTS = 1 << 16;

type NumericSketch = Extract<ColumnSketch, { kind: 'numeric' }>;

/** Finite values a numeric sketch stands for. */
export function finiteCount(s: NumericSketch): number {
  return s.compacted?.count ?? s.sorted.length;
}

/**
 * Joins numeric sketches into SKETCH_POINTS points at ranks (i + ½)·N/m of their weighted union
 * (an exact sketch's values weigh 1 each, a compacted one's N/m each). The union's CDF is off by at
 * most the count-weighted mean of the parts' errors; picking the points adds at most 1/(2m).
 */
function compactNumeric(parts: NumericSketch[], m = SKETCH_POINTS): { sorted: Float64Array; compacted: Compacted } {
  const total = parts.reduce((n, p) => n + finiteCount(p), 0);
  let inherited = 0;
  let min = Infinity;
  let max = -Infinity;
  // Runs of (value, weight), merged pairwise in a balanced tree: each part is already sorted.
  let runs: { v: Float64Array; w: Float64Array }[] = [];
  for (const p of parts) {
    const n = p.sorted.length;
    if (n === 0) continue;
    inherited += finiteCount(p) * (p.compacted?.error ?? 0);
    min = Math.min(min, p.compacted?.min ?? p.sorted[0]!);
    max = Math.max(max, p.compacted?.max ?? p.sorted[n - 1]!);
    runs.push({ v: p.sorted, w: new Float64Array(n).fill(finiteCount(p) / n) });
  }
  while (runs.length > 1) {
    const next: typeof runs = [];
    for (let r = 0; r + 1 < runs.length; r += 2) next.push(mergeWeighted(runs[r]!, runs[r + 1]!));
    if (runs.length % 2 === 1) next.push(runs[runs.length - 1]!);
    runs = next;
  }
  const run = runs[0] ?? { v: new Float64Array(0), w: new Float64Array(0) };
  const points = Math.min(m, run.v.length);
  const sorted = new Float64Array(points);
  let cumulative = 0;
  let k = 0;
  for (let i = 0; i < points; i++) {
    const target = ((i + 0.5) * total) / points;
    while (k < run.v.length - 1 && cumulative + run.w[k]! <= target) cumulative += run.w[k++]!;
    sorted[i] = run.v[k]!;
  }
  return { sorted, compacted: { count: total, error: (total > 0 ? inherited / total : 0) + 1 / (2 * points), min, max } };
}

function mergeWeighted(a: { v: Float64Array; w: Float64Array }, b: { v: Float64Array; w: Float64Array }): { v: Float64Array; w: Float64Array } {
  const v = new Float64Array(a.v.length + b.v.length);
  const w = new Float64Array(v.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.v.length && j < b.v.length) {
    if (a.v[i]! <= b.v[j]!) {
      v[k] = a.v[i]!;
      w[k++] = a.w[i++]!;
    } else {
      v[k] = b.v[j]!;
      w[k++] = b.w[j++]!;
    }
  }
  for (; i < a.v.length; i++, k++) {
    v[k] = a.v[i]!;
    w[k] = a.w[i]!;
  }
  for (; j < b.v.length; j++, k++) {
    v[k] = b.v[j]!;
    w[k] = b.w[j]!;
  }
  return { v, w };
}

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

/** The buffers of numeric sketches that can move to another thread (each once). */
export function sketchBuffers(sketches: Record<string, ColumnSketch> | ColumnSketch[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const s of Object.values(sketches))
    if (s.kind === 'numeric' && s.sorted.byteLength > 0 && !(s.sorted.buffer instanceof SharedArrayBuffer)) out.add(s.sorted.buffer as ArrayBuffer);
  return [...out];
}

/**
 * Merges ascending runs into one ascending array: with more than two, a k-way merge over a heap of
 * the runs' heads (n log k), writing the output once, with no intermediate arrays. Float32 runs
 * (a model's float32 scores) merge into a Float32Array: the same numbers.
 */
export function mergeSorted<T extends Float64Array | Float32Array>(parts: T[]): T {
  if (parts.length === 1) return parts[0]!;
  const runs = parts.filter((p) => p.length > 0);
  const make = (n: number): T => (runs.length > 0 && runs.every((r) => r instanceof Float32Array) ? new Float32Array(n) : new Float64Array(n)) as T;
  if (runs.length <= 2) return runs.length === 2 ? mergeTwo(runs[0]!, runs[1]!, make) : (runs[0] ?? make(0));
  const out = make(runs.reduce((n, r) => n + r.length, 0));
  const at = new Int32Array(runs.length);
  const heap = Int32Array.from(runs, (_, i) => i);
  let size = heap.length;
  const head = (r: number): number => runs[r]![at[r]!]!;
  const down = (from: number): void => {
    let i = from;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) return;
      const c = l + 1 < size && head(heap[l + 1]!) < head(heap[l]!) ? l + 1 : l;
      if (head(heap[c]!) >= head(heap[i]!)) return;
      const t = heap[i]!;
      heap[i] = heap[c]!;
      heap[c] = t;
      i = c;
    }
  };
  for (let i = (size >> 1) - 1; i >= 0; i--) down(i);
  for (let o = 0; o < out.length; o++) {
    const r = heap[0]!;
    out[o] = runs[r]![at[r]!++]!;
    if (at[r] === runs[r]!.length) heap[0] = heap[--size]!;
    down(0);
  }
  return out;
}

function mergeTwo<T extends Float64Array | Float32Array>(a: T, b: T, make: (n: number) => T): T {
  const out = make(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i]! <= b[j]! ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

function asCategorical(s: ColumnSketch): Extract<ColumnSketch, { kind: 'categorical' }> {
  if (s.kind === 'categorical') return s;
  const counts = countSortedValues(s.sorted);
  return {
    kind: 'categorical',
    sourceType: s.sourceType,
    rows: s.rows,
    missing: s.nulls + s.nonFinite,
    categories: [...counts.keys()],
    counts: [...counts.values()],
  };
}

/**
 * Joins the sketches of one column from several shards. When files disagree on the column's type
 * (numbers in one, text in another) the column is merged as categorical. Numeric sketches stay
 * exact up to `exactValues` finite values in all, and are compacted beyond (see Compacted).
 */
export function mergeSketches(parts: ColumnSketch[], exactValues = Infinity): ColumnSketch {
  if (parts.some((p) => p.kind === 'categorical')) parts = parts.map(asCategorical);
  const first = parts[0]!;
  if (first.kind === 'numeric') {
    const ps = parts as NumericSketch[];
    const exact = ps.every((p) => !p.compacted) && ps.reduce((n, p) => n + p.sorted.length, 0) <= exactValues;
    return {
      kind: 'numeric',
      sourceType: ps.every((p) => p.sourceType === 'int') ? 'int' : 'float',
      rows: ps.reduce((n, p) => n + p.rows, 0),
      nulls: ps.reduce((n, p) => n + p.nulls, 0),
      nonFinite: ps.reduce((n, p) => n + p.nonFinite, 0),
      ...(exact ? { sorted: mergeSorted(ps.map((p) => p.sorted)) } : compactNumeric(ps)),
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
  return {
    kind: 'categorical',
    sourceType: p.sourceType,
    rows: p.count + p.nulls,
    missing: p.nulls,
    categories: entries.map(([c]) => c),
    counts: entries.map(([, n]) => n),
  };
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
  const exact = n <= sampleSize && !s.compacted;
  const m = n <= sampleSize ? n : sampleSize;
  const values = new Array<number>(m);
  for (let i = 0; i < m; i++) values[i] = n <= sampleSize ? v[i]! : v[Math.floor(((i + 0.5) * n) / sampleSize)]!;
  // A compacted sketch: count, min and max are exact; mean, spread and the sample come from its points.
  const c = s.compacted;
  const profile: ColumnProfile = {
    kind: 'numeric',
    sourceType: s.sourceType,
    count: c ? c.count : n,
    nulls: s.nulls,
    nonFinite: s.nonFinite,
    nullRate: s.rows > 0 ? (s.nulls + s.nonFinite) / s.rows : 0,
    min: c ? c.min : n > 0 ? v[0]! : null,
    max: c ? c.max : n > 0 ? v[n - 1]! : null,
    mean,
    std: n > 0 ? Math.sqrt(ss / n) : null,
    stdDdof: 0,
    // At least two values when min and max differ, even if the points show one: never "constant".
    uniques: c ? Math.max(uniques, c.min < c.max ? 2 : 1) : uniques,
    sample: { values, exact },
  };
  if (uniques <= 20 && !c) {
    profile.counts = Object.fromEntries(countSortedValues(v));
  }
  return profile;
}
