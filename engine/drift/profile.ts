/**
 * Reference profiles: everything an evaluation needs to know about the training/reference data,
 * computed once and stored next to the model version as JSON, so no evaluation reads the training
 * data again. Pure: no I/O, no clock (the caller passes `createdAt`). This module builds the whole
 * profile and re-exports the parts: the JSON shape (./profile-schema.ts), column profiles
 * (./profile-columns.ts), sampling (./profile-sample.ts), table concatenation
 * (./profile-concat.ts), validation (./profile-parse.ts) and drift inputs (./profile-inputs.ts).
 * Layout and sampling rule: docs/statistics/drift.md.
 */
import { columnsWord } from '../../domain/escape.js';
import { UpkeepError } from '../errors.js';
import type { Column, Table } from '../data/table.js';
import { concatTables } from './profile-concat.js';
import { defineEntry, profileColumn, profileTable } from './profile-columns.js';
import { checkSeed, SAMPLING_RULE } from './profile-sample.js';
import { recogniseColumn } from './recognise.js';
import {
  EXACT_SAMPLE_LIMIT,
  LOW_CARDINALITY,
  MAX_CATEGORIES,
  REFERENCE_PROFILE_SCHEMA,
  SAMPLE_SIZE,
  type ColumnProfile,
  type ProfileOptions,
  type ReferenceProfile,
} from './profile-schema.js';

export {
  DEFAULT_SAMPLE_SEED,
  EXACT_SAMPLE_LIMIT,
  LOW_CARDINALITY,
  MAX_CATEGORIES,
  OTHER_CATEGORY,
  REFERENCE_PROFILE_SCHEMA,
  SAMPLE_SIZE,
} from './profile-schema.js';
export type {
  CategoricalColumnProfile,
  ColumnProfile,
  NumericColumnProfile,
  NumericSample,
  NumericSourceType,
  ProfileOptions,
  ProfileSettings,
  ReferenceProfile,
  SourceType,
} from './profile-schema.js';
export { profileColumn, profileTable } from './profile-columns.js';
export { countColumnCategories } from './categories.js';
export { concatTables } from './profile-concat.js';
export { parseReferenceProfile } from './profile-parse.js';
export { detectTimeColumns, recognisedColumns, recogniseColumn, type RecognisedColumn } from './recognise.js';
export { columnDriftInput, forcedCategorical, referenceCategoryCounts, referenceSortedSample } from './profile-inputs.js';

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
  // Before the columns: a missing label column is named as such (not as a categorical that is not profiled).
  const labelName = opts.label === undefined ? undefined : typeof opts.label === 'string' ? opts.label : opts.label.column;
  if (labelName !== undefined && !table.columns.has(labelName)) {
    throw new UpkeepError(
      'SchemaMismatch',
      `${table.source}: label column ${JSON.stringify(labelName)} is not in the data (${columnsWord(table.columns.size)})`,
    );
  }
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
      throw new UpkeepError('SchemaMismatch', `${table.source}: label column ${JSON.stringify(name)} is not in the data (${columnsWord(table.columns.size)})`);
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
  if (opts.recognise !== false) {
    const except = new Set([...((opts.recognise || undefined)?.except ?? []), ...(profile.label ? [profile.label.column] : []), ...(opts.categorical ?? [])]);
    profile.recognised = Object.keys(columns).flatMap((name) => {
      if (except.has(name)) return [];
      const r = recogniseColumn(name, table.columns.get(name)!, columns[name]);
      return r ? [r] : [];
    });
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
