/**
 * The stored reference profile's JSON shape (`upkeep.reference-profile/v1`) and its limits. The
 * layout, the sampling rule and the category keys are described in docs/statistics/drift.md.
 */
import type { NumericSourceType, RecognisedColumn, SourceType } from '../../domain/reports.js';
import type { SegmentBaseline } from '../../domain/segments.js';

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
  /**
   * Date, time and identifier columns recognised when the profile was built (engine/drift/recognise.ts):
   * not drift-tested nor watched as categories. Absent in profiles written before it was recorded
   * (they are recognised from what they hold).
   */
  recognised?: RecognisedColumn[];
  /**
   * What estimation and multivariate drift need, fitted on the reference when the profile was made
   * (engine/evaluation/estimators.ts gives it its type: drift sits below estimation). Plain JSON.
   * Absent in profiles made before them: an evaluation against one then has no estimate.
   */
  estimators?: Record<string, unknown>;
  /** Each candidate segment's gap on the reference (domain/segments.ts); absent in profiles made before it. */
  segments?: SegmentBaseline;
}

export interface ProfileOptions {
  /** Columns to profile (default: every column of the table, in order). Each must exist. */
  columns?: string[];
  /** Number columns to treat as categorical (codes, ids). */
  categorical?: string[];
  /** Seed of the numeric samples beyond EXACT_SAMPLE_LIMIT values (default DEFAULT_SAMPLE_SEED). */
  seed?: number;
  /**
   * Columns never recognised as dates, timestamps or identifiers (columns the owner watches by
   * name); false: recognise none. Default: every profiled column but the label may be.
   */
  recognise?: false | { except: string[] };
}
