/* eslint-disable max-lines -- being split */
/**
 * Reference profiles: everything an evaluation needs to know about the training/reference data,
 * computed once and stored next to the model version as JSON, so no evaluation ever reads the
 * training data again. Pure functions: no I/O, no clock (the caller passes `createdAt`).
 *
 * ## JSON layout (`schema: 'upkeep.reference-profile/v1'`)
 *
 *   {
 *     schema: 'upkeep.reference-profile/v1',
 *     createdAt: '2025-01-31T12:00:00.000Z',      // from the caller
 *     source: 's3://bucket/train.parquet',         // a description of the data, from the caller
 *     rows: 1000000,
 *     settings: { exactLimit: 100000, sampleSize: 100000, seed: 42, lowCardinality: 20,
 *                 maxCategories: 10000, sampling: '…' },
 *     columns: { [name]: ColumnProfile },          // in the table's column order
 *     label?: { column: 'y', distribution: ColumnProfile },
 *     prediction?: { name?: 'output_label', distribution: ColumnProfile },
 *     baselineMetrics?: { accuracy: 0.91, roc_auc: null, … },
 *   }
 *
 * Numeric column (a number column that is not forced categorical):
 *
 *   { kind: 'numeric', sourceType: 'int' | 'float',
 *     count,          // finite, non-missing values
 *     nulls,          // missing values (flagged null by the reader)
 *     nonFinite,      // NaN / ±Infinity present as values (CSV `nan`, `inf`, Parquet NaN)
 *     nullRate,       // (nulls + nonFinite) / rows: the share of rows without a usable value, i.e.
 *                     // exactly the rows every drift test drops (Evidently turns ±inf into NaN)
 *     min, max, mean, // over the finite values; null when there are none
 *     std, stdDdof: 0,// population standard deviation (np.std, ddof = 0: what Evidently divides
 *                     // the Wasserstein distance by)
 *     uniques,        // exact number of distinct finite values (no cap; -0 and 0 are one value)
 *     sample: { values: number[], exact: boolean, seed?: number },  // values ascending
 *     counts?: { [String(value)]: n }  // exact, only when uniques ≤ 20 (settings.lowCardinality)
 *   }
 *
 * Categorical column (string or boolean columns, and number columns named in `categorical`):
 *
 *   { kind: 'categorical', sourceType: 'string' | 'boolean' | 'int' | 'float',
 *     count, nulls,
 *     nullRate,                      // nulls / rows
 *     uniques,                       // exact number of distinct categories
 *     counts: { [category]: n },     // most frequent first (ties in order of first appearance)
 *     otherCount?, otherCategories?  // only when there are more than 10_000 categories: the
 *                                    // top 10_000 are kept in `counts`, the rest are folded into
 *                                    // otherCount rows spread over otherCategories categories
 *   }
 *
 * Object key order is insertion order except that JavaScript lists integer-like keys ('3') first,
 * ascending; readers should not rely on key order.
 *
 * Category keys: strings as they are; booleans 'true' / 'false'; numbers String(value) (so 3 →
 * '3', 1.5 → '1.5'). In a forced-categorical number column NaN (and a flagged null) is missing;
 * ±Infinity are the categories 'Infinity' / '-Infinity'.
 *
 * ## Sampling rule (numeric `sample`)
 *
 * - count ≤ 100_000 (settings.exactLimit): every finite value, ascending; `exact: true`. Every
 *   drift statistic computed from it is exact.
 * - count > 100_000: a uniform sample of 100_000 (settings.sampleSize) values WITHOUT replacement,
 *   `exact: false, seed`. The finite values are sorted, then positions are chosen by selection
 *   sampling (Knuth's Algorithm S: walk the n positions, take position i with probability
 *   still-needed / still-left) driven by mulberry32(seed). Because positions are taken in
 *   ascending order of the sorted values, the sample comes out sorted, and because only the
 *   multiset of values matters, the same values in any row order with the same seed give the same
 *   sample. Each decision compares a 32-bit uniform draw, so a probability is honoured to within
 *   2^-32; exactly 100_000 values are always taken. Default seed 42 (`DEFAULT_SAMPLE_SEED`).
 *   min, max, mean, std, uniques, nulls and `counts` are always computed on the full data.
 *
 * ## Drift inputs
 *
 * `referenceSortedSample(col)` → the drift module's SortedSample (`dropped` = nulls + nonFinite of
 * the full reference); `referenceCategoryCounts(col)` → CategoryCounts; `columnDriftInput(ref,
 * current)` → a ColumnDriftInput against a current table column or a current profile. When the
 * reference kept only its top categories, current categories outside them and the reference's
 * `otherCount` are compared as one category, OTHER_CATEGORY.
 */
import { UpkeepError } from '../errors.js';
import type { BooleanColumn, Column, NumberColumn, StringColumn, Table } from '../data/table.js';
import { sortFloat64 } from '../math/sort.js';
import type { NumericSourceType, SourceType } from '../../domain/reports.js';
import type { CategoryCounts, ColumnDriftInput, NumericInput, SortedSample } from './statistics.js';

// ------------------------------------------------------------------------------------------------
// Types and constants

export const REFERENCE_PROFILE_SCHEMA = 'upkeep.reference-profile/v1';

/** A numeric sample is exact (every value) up to this many finite values. */
export const EXACT_SAMPLE_LIMIT = 100_000;
/** Size of the sample kept beyond EXACT_SAMPLE_LIMIT. */
export const SAMPLE_SIZE = 100_000;
/** Numeric columns with at most this many distinct values also keep exact `counts`. */
export const LOW_CARDINALITY = 20;
/** Categorical columns keep the counts of at most this many (most frequent) categories. */
export const MAX_CATEGORIES = 10_000;
export const DEFAULT_SAMPLE_SEED = 42;
/** Key under which folded categories are compared when a reference kept only its top categories. */
export const OTHER_CATEGORY = '\u0000other';

const SAMPLING_RULE =
  'exact sorted finite values when count <= exactLimit; otherwise sampleSize values without replacement: ' +
  'selection sampling (Knuth Algorithm S) over the sorted finite values driven by mulberry32(seed)';

export type { NumericSourceType, SourceType };

export interface NumericSample {
  /** Finite values, ascending. */
  values: number[];
  /** True when `values` holds every finite value of the column. */
  exact: boolean;
  /** Seed of the sample when it is not exact. */
  seed?: number;
}

export interface NumericColumnProfile {
  kind: 'numeric';
  sourceType: NumericSourceType;
  /** Finite, non-missing values. */
  count: number;
  /** Missing values (flagged null by the reader). */
  nulls: number;
  /** NaN / ±Infinity present as values. */
  nonFinite: number;
  /** (nulls + nonFinite) / rows; 0 for an empty column. */
  nullRate: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  /** Population standard deviation (ddof = 0). */
  std: number | null;
  stdDdof: 0;
  /** Exact number of distinct finite values. */
  uniques: number;
  sample: NumericSample;
  /** Exact value counts keyed by String(value); only when uniques ≤ LOW_CARDINALITY. */
  counts?: Record<string, number>;
}

export interface CategoricalColumnProfile {
  kind: 'categorical';
  sourceType: SourceType;
  /** Non-missing values. */
  count: number;
  nulls: number;
  /** nulls / rows; 0 for an empty column. */
  nullRate: number;
  /** Exact number of distinct categories. */
  uniques: number;
  /** Counts per category, most frequent first (ties in order of first appearance); the top MAX_CATEGORIES when there are more. */
  counts: Record<string, number>;
  /** Rows whose category is not in `counts` (only when categories were folded). */
  otherCount?: number;
  /** Number of categories folded into otherCount. */
  otherCategories?: number;
}

export type ColumnProfile = NumericColumnProfile | CategoricalColumnProfile;

export interface ProfileSettings {
  exactLimit: number;
  sampleSize: number;
  seed: number;
  lowCardinality: number;
  maxCategories: number;
  sampling: string;
}

export interface ReferenceProfile {
  schema: typeof REFERENCE_PROFILE_SCHEMA;
  /** When the profile was made (ISO 8601), from the caller. */
  createdAt: string;
  /** What the data was (URIs, a dataset name, a snapshot hash), from the caller. */
  source: string;
  rows: number;
  settings: ProfileSettings;
  columns: Record<string, ColumnProfile>;
  label?: { column: string; distribution: ColumnProfile };
  prediction?: { name?: string; distribution: ColumnProfile };
  baselineMetrics?: Record<string, number | null>;
}

export interface ProfileOptions {
  /** Columns to profile (default: every column of the table, in order). Each must exist. */
  columns?: string[];
  /** Number columns to treat as categorical (codes, ids). */
  categorical?: string[];
  /** Seed of the numeric samples beyond EXACT_SAMPLE_LIMIT values (default DEFAULT_SAMPLE_SEED). */
  seed?: number;
}

// ------------------------------------------------------------------------------------------------
// Column profiles

/** Profiles the columns of a table (see the module comment for the layout and the sampling rule). */
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
      throw new UpkeepError('SchemaMismatch', `${table.source}: column ${JSON.stringify(name)} is not in the data (columns: ${[...table.columns.keys()].join(', ')})`);
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

function checkSeed(seed: number | undefined): number {
  if (seed === undefined) return DEFAULT_SAMPLE_SEED;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`sample seed must be an integer in [0, 2^32), got ${seed}`);
  }
  return seed;
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

/** mulberry32: a small, fast 32-bit PRNG; returns integers in [0, 2^32). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const TWO_POW_32 = 4294967296;

/** Every value when there are at most EXACT_SAMPLE_LIMIT, else SAMPLE_SIZE by selection sampling (still sorted). */
function sampleSorted(sorted: Float64Array, seed: number): NumericSample {
  const n = sorted.length;
  if (n <= EXACT_SAMPLE_LIMIT) return { values: Array.from(sorted, (v) => (v === 0 ? 0 : v)), exact: true };
  const k = SAMPLE_SIZE;
  const out = new Array<number>(k);
  const next = mulberry32(seed);
  let taken = 0;
  for (let i = 0; taken < k; i++) {
    // Take position i with probability (k − taken) / (n − i); certain once they are equal.
    if (next() * (n - i) < (k - taken) * TWO_POW_32) {
      const v = sorted[i]!;
      out[taken++] = v === 0 ? 0 : v;
    }
  }
  return { values: out, exact: false, seed };
}

/** Category counts of a column, as the profile keys them (see the module comment). */
export function countColumnCategories(column: Column): { counts: Map<string, number>; missing: number } {
  const n = column.values.length;
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
    const flags = column.nulls;
    const values = column.values;
    for (let i = 0; i < n; i++) {
      if (flags !== undefined && flags[i] === 1) missing++;
      else if (values[i] === 1) t++;
      else f++;
    }
    const counts = new Map<string, number>();
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
function defineEntry<T>(record: Record<string, T>, name: string, value: T): void {
  Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
}

// ------------------------------------------------------------------------------------------------
// Reference profile

export interface BuildReferenceProfileOptions extends ProfileOptions {
  /** The reference data: one table, or several with the same columns (rows are concatenated). */
  data: Table | readonly Table[];
  /**
   * The label column (also profiled among the columns). `kind: 'categorical'` gives counts per
   * class (classification); `'numeric'` a numeric profile (regression). Default: categorical for
   * string/boolean columns, numeric for number columns.
   */
  label?: string | { column: string; kind?: 'categorical' | 'numeric' };
  /** The model's predictions on the reference rows (class labels or predicted values). */
  prediction?: {
    values: Column | Float64Array | Int32Array | readonly (string | null)[];
    kind?: 'categorical' | 'numeric';
    /** E.g. the ONNX output name. */
    name?: string;
  };
  /** Baseline metric values (null for a metric that is undefined on the reference data). */
  baselineMetrics?: Record<string, number | null>;
  /** ISO 8601 timestamp of the profile, chosen by the caller. */
  createdAt: string;
  /** Description of the data; default the tables' sources joined by ", ". */
  source?: string;
}

export function buildReferenceProfile(opts: BuildReferenceProfileOptions): ReferenceProfile {
  const tables: readonly Table[] = isTable(opts.data) ? [opts.data] : opts.data;
  if (tables.length === 0) throw new UpkeepError('InvalidData', 'a reference profile needs at least one table');
  const table = tables.length === 1 ? tables[0]! : concatTables(tables);
  const seed = checkSeed(opts.seed);
  const columns = profileTable(table, { ...opts, seed });
  const profile: ReferenceProfile = {
    schema: REFERENCE_PROFILE_SCHEMA,
    createdAt: opts.createdAt,
    source: opts.source ?? tables.map((t) => t.source).join(', '),
    rows: table.rowCount,
    settings: {
      exactLimit: EXACT_SAMPLE_LIMIT,
      sampleSize: SAMPLE_SIZE,
      seed,
      lowCardinality: LOW_CARDINALITY,
      maxCategories: MAX_CATEGORIES,
      sampling: SAMPLING_RULE,
    },
    columns,
  };
  if (opts.label !== undefined) {
    const { column: name, kind } = typeof opts.label === 'string' ? { column: opts.label, kind: undefined } : opts.label;
    const column = table.columns.get(name);
    if (!column) {
      throw new UpkeepError('SchemaMismatch', `${table.source}: label column ${JSON.stringify(name)} is not in the data (columns: ${[...table.columns.keys()].join(', ')})`);
    }
    const existing = Object.hasOwn(columns, name) ? columns[name] : undefined;
    profile.label = { column: name, distribution: distributionOf(column, kind, seed, `label column ${JSON.stringify(name)}`, existing) };
  }
  if (opts.prediction !== undefined) {
    const column = toColumn(opts.prediction.values);
    if (column.values.length !== table.rowCount) {
      throw new UpkeepError('InvalidData', `${table.source}: ${column.values.length} predictions for ${table.rowCount} rows`);
    }
    const distribution = distributionOf(column, opts.prediction.kind, seed, 'predictions', undefined);
    profile.prediction = opts.prediction.name === undefined ? { distribution } : { name: opts.prediction.name, distribution };
  }
  if (opts.baselineMetrics !== undefined) {
    const metrics: Record<string, number | null> = {};
    for (const [name, value] of Object.entries(opts.baselineMetrics)) {
      if (value !== null && !Number.isFinite(value)) {
        throw new UpkeepError('InvalidData', `baseline metric ${name} must be a finite number or null, got ${value}`);
      }
      defineEntry(metrics, name, value);
    }
    profile.baselineMetrics = metrics;
  }
  return profile;
}

function distributionOf(
  column: Column,
  kind: 'categorical' | 'numeric' | undefined,
  seed: number,
  what: string,
  existing: ColumnProfile | undefined,
): ColumnProfile {
  if (kind === 'numeric' && column.kind !== 'number') {
    throw new UpkeepError('InvalidData', `${what} holds ${column.kind} values, which cannot be profiled as numeric`);
  }
  const categorical = kind === undefined ? column.kind !== 'number' : kind === 'categorical';
  if (existing !== undefined && (existing.kind === 'categorical') === categorical) return existing;
  return profileColumn(column, { categorical, seed });
}

function isTable(data: Table | readonly Table[]): data is Table {
  return !Array.isArray(data);
}

function toColumn(values: Column | Float64Array | Int32Array | readonly (string | null)[]): Column {
  if (values instanceof Float64Array) return { kind: 'number', sourceType: 'float', values };
  if (values instanceof Int32Array) return { kind: 'number', sourceType: 'int', values: Float64Array.from(values) };
  if (Array.isArray(values)) return { kind: 'string', values: values as (string | null)[] };
  return values as Column;
}

function hasAnyValue(column: Column): boolean {
  const n = column.values.length;
  if (column.kind === 'string') {
    for (let i = 0; i < n; i++) if (column.values[i] !== null) return true;
    return false;
  }
  const flags = column.nulls;
  if (flags === undefined) return n > 0;
  for (let i = 0; i < n; i++) if (flags[i] !== 1) return true;
  return false;
}

/**
 * Concatenates the rows of several tables. A column absent from a table is missing in its rows; a
 * column with no value at all in a table takes any type. Number columns are 'int' only when every
 * table's is; boolean and string columns mix as strings ('true' / 'false'); number and text do not.
 */
export function concatTables(tables: readonly Table[]): Table {
  const rowCount = tables.reduce((s, t) => s + t.rowCount, 0);
  const names: string[] = [];
  const seen = new Set<string>();
  for (const t of tables) {
    for (const name of t.columns.keys()) {
      if (!seen.has(name)) {
        seen.add(name);
        names.push(name);
      }
    }
  }
  const columns = new Map<string, Column>();
  for (const name of names) {
    const parts = tables.map((t) => t.columns.get(name));
    const typed = parts.filter((p): p is Column => p !== undefined && hasAnyValue(p));
    const kinds = new Set(typed.map((p) => p.kind));
    if (kinds.has('number') && kinds.size > 1) {
      const where = tables.map((t, i) => `${t.source}: ${parts[i]?.kind ?? 'absent'}`).join(', ');
      throw new UpkeepError('SchemaMismatch', `column ${JSON.stringify(name)} has different types in the reference tables (${where})`);
    }
    if (kinds.size === 0 || kinds.has('number')) {
      const values = new Float64Array(rowCount).fill(NaN);
      const nulls = new Uint8Array(rowCount);
      let anyNull = false;
      let int = true;
      let offset = 0;
      tables.forEach((t, i) => {
        const p = parts[i];
        if (p !== undefined && p.kind === 'number' && typed.includes(p)) {
          values.set(p.values, offset);
          if (p.sourceType !== 'int') int = false;
          if (p.nulls) {
            nulls.set(p.nulls, offset);
            anyNull = true;
          }
        } else if (t.rowCount > 0) {
          nulls.fill(1, offset, offset + t.rowCount);
          anyNull = true;
        }
        offset += t.rowCount;
      });
      const col: NumberColumn = { kind: 'number', sourceType: typed.length > 0 && int ? 'int' : 'float', values };
      if (anyNull) col.nulls = nulls;
      columns.set(name, col);
    } else if (kinds.size === 1 && kinds.has('boolean')) {
      const values = new Uint8Array(rowCount);
      const nulls = new Uint8Array(rowCount);
      let anyNull = false;
      let offset = 0;
      tables.forEach((t, i) => {
        const p = parts[i];
        if (p !== undefined && p.kind === 'boolean' && typed.includes(p)) {
          values.set(p.values, offset);
          if (p.nulls) {
            nulls.set(p.nulls, offset);
            anyNull = true;
          }
        } else if (t.rowCount > 0) {
          nulls.fill(1, offset, offset + t.rowCount);
          anyNull = true;
        }
        offset += t.rowCount;
      });
      const col: BooleanColumn = { kind: 'boolean', values };
      if (anyNull) col.nulls = nulls;
      columns.set(name, col);
    } else {
      const values: (string | null)[] = new Array<string | null>(rowCount).fill(null);
      let offset = 0;
      tables.forEach((t, i) => {
        const p = parts[i];
        if (p !== undefined && typed.includes(p)) {
          if (p.kind === 'string') {
            for (let r = 0; r < t.rowCount; r++) values[offset + r] = p.values[r] ?? null;
          } else if (p.kind === 'boolean') {
            for (let r = 0; r < t.rowCount; r++) values[offset + r] = p.nulls?.[r] === 1 ? null : p.values[r] === 1 ? 'true' : 'false';
          }
        }
        offset += t.rowCount;
      });
      const col: StringColumn = { kind: 'string', values };
      columns.set(name, col);
    }
  }
  return { source: tables.map((t) => t.source).join(', '), rowCount, columns };
}

// ------------------------------------------------------------------------------------------------
// Validation of a stored profile

/** Checks the shape of a parsed profile JSON and returns it typed; throws UpkeepError('InvalidData') naming the problem. */
export function parseReferenceProfile(value: unknown, where = 'reference profile'): ReferenceProfile {
  const fail = (msg: string): never => {
    throw new UpkeepError('InvalidData', `${where}: ${msg}`);
  };
  if (!isObject(value)) return fail('not a JSON object');
  if (value.schema !== REFERENCE_PROFILE_SCHEMA) {
    return fail(`unsupported schema ${JSON.stringify(value.schema)} (expected ${REFERENCE_PROFILE_SCHEMA})`);
  }
  if (!isCount(value.rows)) fail('rows must be a non-negative integer');
  if (typeof value.createdAt !== 'string') fail('createdAt must be a string');
  if (typeof value.source !== 'string') fail('source must be a string');
  if (!isObject(value.settings)) fail('settings must be an object');
  if (!isObject(value.columns)) return fail('columns must be an object');
  for (const [name, col] of Object.entries(value.columns)) checkColumnProfile(col, `column ${JSON.stringify(name)}`, fail);
  if (value.label !== undefined) {
    if (!isObject(value.label) || typeof value.label.column !== 'string') fail('label must be { column, distribution }');
    checkColumnProfile((value.label as Record<string, unknown>).distribution, 'label', fail);
  }
  if (value.prediction !== undefined) {
    if (!isObject(value.prediction)) fail('prediction must be { distribution }');
    checkColumnProfile((value.prediction as Record<string, unknown>).distribution, 'prediction', fail);
  }
  if (value.baselineMetrics !== undefined) {
    if (!isObject(value.baselineMetrics)) fail('baselineMetrics must be an object');
    for (const [name, v] of Object.entries(value.baselineMetrics as Record<string, unknown>)) {
      if (v !== null && !(typeof v === 'number' && Number.isFinite(v))) fail(`baseline metric ${name} must be a number or null`);
    }
  }
  return value as unknown as ReferenceProfile;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

function checkCounts(counts: unknown, what: string, fail: (msg: string) => never): void {
  if (!isObject(counts)) fail(`${what}: counts must be an object`);
  for (const [k, n] of Object.entries(counts as Record<string, unknown>)) {
    if (!isCount(n)) fail(`${what}: count of ${JSON.stringify(k)} must be a non-negative integer`);
  }
}

function checkColumnProfile(col: unknown, what: string, fail: (msg: string) => never): void {
  if (!isObject(col)) return fail(`${what}: not an object`);
  if (!isCount(col.count) || !isCount(col.nulls) || !isCount(col.uniques)) fail(`${what}: count, nulls and uniques must be non-negative integers`);
  if (typeof col.nullRate !== 'number' || !(col.nullRate >= 0 && col.nullRate <= 1)) fail(`${what}: nullRate must be in [0, 1]`);
  if (col.kind === 'categorical') {
    checkCounts(col.counts, what, fail);
    if (col.otherCount !== undefined && !isCount(col.otherCount)) fail(`${what}: otherCount must be a non-negative integer`);
    return;
  }
  if (col.kind !== 'numeric') return fail(`${what}: kind must be 'numeric' or 'categorical'`);
  if (col.sourceType !== 'int' && col.sourceType !== 'float') fail(`${what}: sourceType must be 'int' or 'float'`);
  if (!isCount(col.nonFinite)) fail(`${what}: nonFinite must be a non-negative integer`);
  for (const key of ['min', 'max', 'mean', 'std'] as const) {
    const v = col[key];
    if (col.count === 0 ? v !== null : !(typeof v === 'number' && Number.isFinite(v))) {
      fail(`${what}: ${key} must be ${col.count === 0 ? 'null for an empty column' : 'a finite number'}`);
    }
  }
  const sample = col.sample;
  if (!isObject(sample) || !Array.isArray(sample.values) || typeof sample.exact !== 'boolean') {
    return fail(`${what}: sample must be { values: number[], exact: boolean }`);
  }
  const values = sample.values as unknown[];
  let prev = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < prev) fail(`${what}: sample.values must be finite numbers in ascending order (index ${i})`);
    prev = v as number;
  }
  if (sample.exact && values.length !== col.count) fail(`${what}: an exact sample must hold all ${col.count} values, found ${values.length}`);
  if (col.counts !== undefined) checkCounts(col.counts, what, fail);
}

// ------------------------------------------------------------------------------------------------
// Drift module inputs

const sortedCache = new WeakMap<NumericSample, SortedSample>();

/**
 * The reference side of a numeric drift test: the profile's sorted sample as the drift module's
 * SortedSample (one Float64Array per profile column, reused across calls so the drift module's
 * per-array caches apply). `dropped` counts the full reference's nulls and non-finite values.
 */
export function referenceSortedSample(col: NumericColumnProfile): SortedSample {
  let s = sortedCache.get(col.sample);
  if (!s) {
    s = { sorted: Float64Array.from(col.sample.values), dropped: col.nulls + col.nonFinite };
    sortedCache.set(col.sample, s);
  }
  return s;
}

/** The reference side of a categorical drift test; folded categories become OTHER_CATEGORY. */
export function referenceCategoryCounts(col: CategoricalColumnProfile): Map<string, number> {
  const m = new Map<string, number>(Object.entries(col.counts));
  if (col.otherCount !== undefined && col.otherCount > 0) m.set(OTHER_CATEGORY, col.otherCount);
  return m;
}

/** Categorical counts of a numeric profile that kept exact counts (keys String(value)), else undefined. */
function numericProfileCounts(col: NumericColumnProfile): Map<string, number> | undefined {
  return col.counts === undefined ? undefined : new Map(Object.entries(col.counts));
}

function hasNoMissing(column: Column): boolean {
  if (column.kind === 'string') return column.values.every((v) => v !== null);
  if (column.nulls === undefined) return true;
  for (let i = 0; i < column.nulls.length; i++) if (column.nulls[i] === 1) return false;
  return true;
}

/**
 * The drift module's input for one column: the reference profile column against a current table
 * column or a current profile column (profiled with the same `categorical` list). A numeric
 * reference needs numeric current values; a categorical reference takes any current column
 * (counted as the profile counts). Throws UpkeepError('SchemaMismatch') on a kind change.
 */
export function columnDriftInput(name: string, reference: ColumnProfile, current: Column | ColumnProfile): ColumnDriftInput {
  if (reference.kind === 'numeric') {
    let cur: NumericInput;
    let integer: boolean;
    if (isColumnProfile(current)) {
      if (current.kind !== 'numeric') throw kindMismatch(name, reference, current.kind);
      cur = referenceSortedSample(current);
      integer = current.sourceType === 'int' && current.nulls === 0;
    } else {
      if (current.kind !== 'number') throw kindMismatch(name, reference, current.kind);
      cur = current.values;
      integer = current.sourceType === 'int' && hasNoMissing(current);
    }
    return {
      kind: 'numeric',
      reference: referenceSortedSample(reference),
      current: cur,
      integer: integer && reference.sourceType === 'int' && reference.nulls === 0,
    };
  }
  let counts: Map<string, number>;
  let missing: number;
  if (isColumnProfile(current)) {
    if (current.kind === 'categorical') {
      counts = new Map(Object.entries(current.counts));
      if (current.otherCount) counts.set(OTHER_CATEGORY, current.otherCount);
      missing = current.nulls;
    } else {
      const c = numericProfileCounts(current);
      if (c === undefined) throw kindMismatch(name, reference, 'numeric');
      counts = c;
      missing = current.nulls + current.nonFinite;
    }
  } else {
    ({ counts, missing } = countColumnCategories(current));
  }
  const ref: CategoryCounts = referenceCategoryCounts(reference);
  if (reference.otherCount !== undefined && reference.otherCount > 0) counts = foldInto(counts, reference.counts);
  return { kind: 'categorical', reference: ref, current: counts, referenceMissing: reference.nulls, currentMissing: missing };
}

function foldInto(counts: Map<string, number>, kept: Record<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of counts) {
    const key = k !== OTHER_CATEGORY && Object.hasOwn(kept, k) ? k : OTHER_CATEGORY;
    out.set(key, (out.get(key) ?? 0) + v);
  }
  return out;
}

function isColumnProfile(x: Column | ColumnProfile): x is ColumnProfile {
  return x.kind === 'numeric' || x.kind === 'categorical';
}

function kindMismatch(name: string, reference: ColumnProfile, current: string): UpkeepError {
  return new UpkeepError(
    'SchemaMismatch',
    `column ${JSON.stringify(name)}: the reference is ${reference.kind} (${reference.sourceType}) but the current data is ${current}`,
  );
}

/** Number columns the reference treated as categorical (profile current data with these too). */
export function forcedCategorical(reference: ReferenceProfile): string[] {
  return Object.entries(reference.columns)
    .filter(([, c]) => c.kind === 'categorical' && (c.sourceType === 'int' || c.sourceType === 'float'))
    .map(([name]) => name);
}
