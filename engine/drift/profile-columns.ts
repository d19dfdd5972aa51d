/**
 * Column profiles: one pass over a number column for its counts, moments, distinct values and
 * sample; category counts (the top MAX_CATEGORIES kept) for the others.
 */
import { columnsWord } from '../../domain/escape.js';
import { UpkeepError } from '../errors.js';
import type { Column, NumberColumn, Table } from '../data/table.js';
import { sortFloat64 } from '../math/sort.js';
import { countColumnCategories } from './categories.js';
import { checkSeed, sampleSorted } from './profile-sample.js';
import {
  LOW_CARDINALITY,
  MAX_CATEGORIES,
  type CategoricalColumnProfile,
  type ColumnProfile,
  type NumericColumnProfile,
  type ProfileOptions,
  type SourceType,
} from './profile-schema.js';

/** Profiles the columns of a table (layout and sampling rule: docs/statistics/drift.md). */
export function profileTable(table: Table, opts: ProfileOptions = {}): Record<string, ColumnProfile> {
  const seed = checkSeed(opts.seed);
  const names = opts.columns ?? [...table.columns.keys()];
  const categorical = new Set(opts.categorical ?? []);
  for (const name of categorical) {
    if (!names.includes(name)) {
      throw new UpkeepError('InvalidData', `${table.source}: column ${JSON.stringify(name)} is listed as categorical but is not profiled`);
    }
  }
  const out: Record<string, ColumnProfile> = {};
  for (const name of names) {
    const column = table.columns.get(name);
    if (!column) {
      throw new UpkeepError('SchemaMismatch', `${table.source}: column ${JSON.stringify(name)} is not in the data (${columnsWord(table.columns.size)})`);
    }
    if (column.values.length !== table.rowCount) {
      throw new UpkeepError('InvalidData', `${table.source}: column ${JSON.stringify(name)} has ${column.values.length} values for ${table.rowCount} rows`);
    }
    defineEntry(out, name, profileColumn(column, { categorical: categorical.has(name), seed }));
  }
  return out;
}

/** Profile of one column; `categorical` forces categorical treatment of a number column. */
export function profileColumn(column: Column, opts: { categorical?: boolean; seed?: number } = {}): ColumnProfile {
  if (column.kind === 'number' && !opts.categorical) return profileNumeric(column, checkSeed(opts.seed));
  return profileCategorical(column);
}

function rate(part: number, rows: number): number {
  return rows === 0 ? 0 : part / rows;
}

function profileNumeric(column: NumberColumn, seed: number): NumericColumnProfile {
  const values = column.values;
  const flags = column.nulls;
  const n = values.length;
  const buf = new Float64Array(n);
  let k = 0;
  let nulls = 0;
  let nonFinite = 0;
  // Neumaier-compensated sum for the mean.
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    if (flags !== undefined && flags[i] === 1) {
      nulls++;
      continue;
    }
    const v = values[i]!;
    if (v - v !== 0) {
      nonFinite++;
      continue;
    }
    buf[k++] = v;
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  const sorted = buf.subarray(0, k);
  sortFloat64(sorted);
  const base = {
    kind: 'numeric' as const,
    sourceType: column.sourceType,
    count: k,
    nulls,
    nonFinite,
    nullRate: rate(nulls + nonFinite, n),
  };
  if (k === 0) {
    return { ...base, min: null, max: null, mean: null, std: null, stdDdof: 0, uniques: 0, sample: { values: [], exact: true }, counts: {} };
  }
  const mean = (s + c) / k;
  // Second pass over the sorted values: squared deviations, distinct values and, while there are
  // at most LOW_CARDINALITY of them, their counts.
  let q = 0;
  let qc = 0;
  let uniques = 0;
  const runValues: number[] = [];
  const runCounts: number[] = [];
  let prev = NaN;
  for (let i = 0; i < k; i++) {
    const v = sorted[i]!;
    const d = v - mean;
    const sq = d * d;
    const t = q + sq;
    qc += q >= sq ? q - t + sq : sq - t + q;
    q = t;
    if (v !== prev) {
      uniques++;
      prev = v;
      if (uniques <= LOW_CARDINALITY) {
        runValues.push(v);
        runCounts.push(1);
      }
    } else if (uniques <= LOW_CARDINALITY) {
      runCounts[uniques - 1]!++;
    }
  }
  const profile: NumericColumnProfile = {
    ...base,
    min: sorted[0]! === 0 ? 0 : sorted[0]!,
    max: sorted[k - 1]! === 0 ? 0 : sorted[k - 1]!,
    mean,
    std: Math.sqrt((q + qc) / k),
    stdDdof: 0,
    uniques,
    sample: sampleSorted(sorted, seed),
  };
  if (uniques <= LOW_CARDINALITY) {
    profile.counts = Object.fromEntries(runValues.map((v, i) => [String(v), runCounts[i]!]));
  }
  return profile;
}

function sourceTypeOf(column: Column): SourceType {
  return column.kind === 'number' ? column.sourceType : column.kind;
}

/** Categories ordered by count descending, ties in order of first appearance (a stable sort of the Map's order). */
function rankCategories(counts: Map<string, number>): [string, number][] {
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
}

/** The `limit` top-ranked categories (same order as rankCategories), without sorting them all. */
function topCategories(counts: Map<string, number>, limit: number): [string, number][] {
  if (counts.size <= limit) return rankCategories(counts);
  // The count of the limit-th category: walk the distinct counts from the largest.
  const byCount = new Map<number, number>();
  for (const c of counts.values()) byCount.set(c, (byCount.get(c) ?? 0) + 1);
  const distinct = [...byCount.keys()].sort((a, b) => b - a);
  let above = 0;
  let cut = 0;
  for (const c of distinct) {
    const k = byCount.get(c)!;
    if (above + k >= limit) {
      cut = c;
      break;
    }
    above += k;
  }
  const kept = new Map<string, number>();
  const ties: string[] = [];
  for (const [key, c] of counts) {
    if (c > cut) kept.set(key, c);
    else if (c === cut) ties.push(key);
  }
  for (let i = 0; i < limit - above; i++) kept.set(ties[i]!, cut);
  return rankCategories(kept);
}

function profileCategorical(column: Column): CategoricalColumnProfile {
  const { counts, missing } = countColumnCategories(column);
  let count = 0;
  for (const cnt of counts.values()) count += cnt;
  const kept = topCategories(counts, MAX_CATEGORIES);
  const profile: CategoricalColumnProfile = {
    kind: 'categorical',
    sourceType: sourceTypeOf(column),
    count,
    nulls: missing,
    nullRate: rate(missing, column.values.length),
    uniques: counts.size,
    counts: Object.fromEntries(kept),
  };
  if (kept.length < counts.size) {
    let keptRows = 0;
    for (const [, cnt] of kept) keptRows += cnt;
    profile.otherCount = count - keptRows;
    profile.otherCategories = counts.size - kept.length;
  }
  return profile;
}

/** Sets own property `name` (safe for names such as "__proto__"). */
export function defineEntry<T>(record: Record<string, T>, name: string, value: T): void {
  Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
}
