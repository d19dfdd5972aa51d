/**
 * What the drift, quality and slice checks report: the shapes stored in the evaluation report and
 * read by workflows, the CLI and the model card.
 */

import type { DriftImportance } from './importance.js';

// ── Drift: one entry per watched column, then the dataset verdict ──

export interface DriftColumnReport {
  kind: 'numeric' | 'categorical';
  test: string;
  threshold: number;
  /** Value of the deciding statistic. */
  score: number | null;
  drifted: boolean | null;
  reference_rows: number;
  current_rows: number;
  /**
   * Present when the window had more than EXACT_VALUES values in this column: the statistics were
   * computed on `points` values evenly spaced in rank, whose CDF is within `max_cdf_error` of the window's.
   */
  current_sketch?: { points: number; max_cdf_error: number };
  psi?: number | null;
  ks_statistic?: number | null;
  ks_p_value?: number | null;
  wasserstein_normed?: number | null;
  jensenshannon?: number | null;
  chi2_p_value?: number | null;
  z_test_p_value?: number | null;
  new_categories?: string[];
  share_rows_new_category?: number;
  reasons?: Record<string, string>;
  /** Reference and current distributions for a picture (absent in reports written before it existed). */
  distribution?: DriftDistribution;
}

/**
 * A column's reference and current distributions, compact (at most MAX_DISTRIBUTION_BINS bins or
 * MAX_DISTRIBUTION_CATEGORIES categories plus "other"), computed where the drift is computed.
 * Counts are of the values each side's test saw: when a side is a sketch or a sample standing for
 * more values, `<side>_scale` is how many values one counted point stands for (docs/pictures.md).
 */
export type DriftDistribution = NumericHistogram | NumericValues | CategoryDistribution;

interface ScaledSides {
  /** Values each counted reference point stands for (a sampled reference profile); absent when 1. */
  reference_scale?: number;
  /** Values each counted current point stands for (a compacted sketch of a large window); absent when 1. */
  current_scale?: number;
}

export interface NumericHistogram extends ScaledSides {
  kind: 'histogram';
  /** k + 1 ascending edges: bins [e0, e1), …, [ek-1, ek] (the last closed), as numpy's histogram. */
  edges: number[];
  reference: number[];
  current: number[];
  /**
   * `test`: exactly the bins PSI and Jensen–Shannon use (Evidently's Sturges histogram over reference ∪ current);
   * `test-merged`: those bins, adjacent ones merged to stay within the bound (every edge is one of the test's);
   * `sturges`: the tests bin one value per bin but there are too many values to draw, so Sturges bins over reference ∪ current.
   */
  binning: 'test' | 'test-merged' | 'sturges';
}

/** A numeric column with few distinct values: one bar per value of reference ∪ current (the tests' own bins). */
export interface NumericValues extends ScaledSides {
  kind: 'values';
  values: number[];
  reference: number[];
  current: number[];
}

export interface CategoryDistribution {
  kind: 'categories';
  /** The categories shown, most frequent (on either side, by share) first; long names cut with "…". */
  categories: string[];
  reference: number[];
  current: number[];
  /** Per shown category: absent from the reference (new in the current window). */
  unseen: boolean[];
  /** Every other category, as one bar (absent when all are shown). */
  other?: { categories: number; reference: number; current: number; unseen_categories: number; unseen_current: number };
}

export interface DriftReport {
  columns: Record<string, DriftColumnReport>;
  dataset_drift: boolean | null;
  share_drifted: number | null;
  drift_share: number;
  drifted_columns: string[];
  /** Label drift and prediction drift, computed the same way (not counted in the dataset share). */
  label?: DriftColumnReport;
  prediction?: DriftColumnReport;
  /** Whether drift turns the verdict `warning` (absent in reports written before it existed). */
  alarm?: DriftAlarm;
  /** Date, time and identifier columns: not drift-tested nor watched as categories (absent in older reports). */
  recognised?: RecognisedColumn[];
  /** The model inputs' importance and the drifted columns ranked by it (absent in older reports, or without a labelled reference sample). */
  importance?: DriftImportance;
}

/** A column recognised as a date, a timestamp or an identifier, and why. */
export interface RecognisedColumn {
  column: string;
  /** 'served': a model output logged with the predictions (data.logged), compared with the re-score, never drift-tested. */
  kind: 'date' | 'timestamp' | 'identifier' | 'served';
  why: string;
}

/** The per-column drift tests as one family, corrected for multiple comparisons. */
export interface DriftAlarm {
  method: 'benjamini-hochberg';
  /** The level q (false discovery rate; the chance of any alarm when nothing drifted). */
  level: number;
  /** Members with a valid p-value (feature columns, label, prediction). */
  tested: number;
  /** Each member's p-value in the family (label and prediction under '(label)' and '(prediction)'). */
  p_values: Record<string, number | null>;
  /** Feature columns whose test drifted and whose p-value survives the correction. */
  columns: string[];
  label: boolean;
  prediction: boolean;
  raised: boolean;
}

// ── Data quality against the reference profile ──

/** The type a reader gave a column: int and float are numbers, string and boolean are text. */
export type NumericSourceType = 'int' | 'float';
export type SourceType = NumericSourceType | 'string' | 'boolean';

export interface ColumnType {
  kind: 'numeric' | 'categorical';
  sourceType: SourceType;
}

export interface QualityIssue {
  /** `info`: listed in the report, never a reason for a warning verdict. */
  severity: 'break' | 'warning' | 'info';
  column: string;
  message: string;
}

export interface QualityReport {
  /** True when a required column is missing or changed kind: no inference should be attempted. */
  schemaBreak: boolean;
  /** Rows of the current data (the largest column row count for profiles). */
  rows: number;
  missingColumns: { column: string; required: boolean }[];
  unexpectedColumns: string[];
  typeChanges: {
    column: string;
    reference: ColumnType;
    /** `kind` is the family of the current source type: numbers → numeric, text → categorical. */
    current: ColumnType;
    required: boolean;
    /** Number ↔ text. */
    kindChanged: boolean;
    breaking: boolean;
    /** Chance of a window of this type with no change (absent in older reports). */
    pValue?: number;
    /** A warning (or a break); otherwise information only (older reports: always). */
    alarm?: boolean;
  }[];
  newCategories: {
    column: string;
    /** The most frequent new categories first; at most MAX_LISTED_CATEGORIES. */
    categories: string[];
    /** Number of distinct new categories. */
    count: number;
    /** Current rows carrying a new category. */
    rows: number;
    shareOfRows: number;
    /** Rows expected to carry an unseen category by chance (Good–Turing); absent in older reports. */
    expected?: number;
    /** P(at least `rows` by chance); absent in older reports. */
    pValue?: number;
    /** Beyond chance and above the share: a warning (older reports: every listing warned). */
    alarm?: boolean;
  }[];
  nullRateIncreases: {
    column: string;
    reference: number;
    current: number;
    /** Current null rows expected with no change (absent in older reports). */
    expected?: number;
    /** Chance of at least this many nulls with no change (Fisher's exact test, one-sided). */
    pValue?: number;
    /** Beyond chance and above the increase: a warning (older reports: every listing warned). */
    alarm?: boolean;
  }[];
  outOfRange: {
    column: string;
    below: number;
    above: number;
    /** (below + above) / finite current values. */
    share: number;
    /** The reference range. */
    min: number;
    max: number;
    estimated: boolean;
    /** Values expected outside the range with no change: 2m / (n_ref + 1). */
    expected?: number;
    /** Chance of at least this many outside with no change (exact, continuous columns). */
    pValue?: number;
    /** Whether the finding is a warning; otherwise information only. */
    alarm?: boolean;
  }[];
  constantColumns: {
    column: string;
    value: number | string | null;
    referenceUniques: number;
    /** Chance of a constant (or all-missing) window this size with no change (absent in older reports). */
    pValue?: number;
    /** Beyond chance: a warning (older reports: always). */
    alarm?: boolean;
  }[];
  issues: QualityIssue[];
}

// ── Metrics per slice of the configured segment columns ──

export interface SliceEntry {
  column: string;
  value: string;
  rows: number;
  metric: string;
  /** The primary metric on the slice; null when undefined there (e.g. one class). */
  score: number | null;
  /** How much worse than the whole window (positive = worse); null when undefined. */
  worse_by: number | null;
  /** Slices smaller than min_rows are reported but never decide the verdict. */
  small: boolean;
}

export interface SlicesReport {
  metric: string;
  overall: number | null;
  min_rows: number;
  max_drop?: number;
  /** Worst first, at most 10 across all segment columns. */
  worst: SliceEntry[];
  /** Values per column, largest first (at most 50 per column are evaluated). */
  columns: Record<string, { values: number; evaluated: number }>;
}
