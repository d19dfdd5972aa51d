/**
 * The shape every drift test module exports: one descriptor with its name, the statistic it
 * decides on, its default threshold, the column kinds it applies to, its decision rule and its
 * compute function. The list and Evidently's default choice are in ./index.ts.
 */
import type { AlignedCounts } from '../aligned.js';
import type { MergeSummary } from '../merge.js';

export type ColumnKind = 'numeric' | 'categorical';

/**
 * When a value means drift: p-value tests drift below the threshold (Evidently's ks also at it),
 * distances at or above it.
 */
export type DriftDecision = 'p <= threshold' | 'p < threshold' | 'value >= threshold';

export interface AlignedPair {
  reference: AlignedCounts;
  current: AlignedCounts;
}

/** What a test sees of a numeric column: both sides sorted and non-empty, merged once. */
export interface NumericContext {
  kind: 'numeric';
  reference: Float64Array;
  current: Float64Array;
  /** Distinct values in reference ∪ current. */
  uniques: number;
  /** KS statistic, Wasserstein integral and distinct count from one merge of the two sides. */
  merged: MergeSummary;
  /** Evidently's bins (Sturges histogram or one per value), computed once. */
  bins(): AlignedPair;
  /** One count per distinct value of reference ∪ current, computed once. */
  valueCounts(): AlignedPair;
}

/** What a test sees of a categorical column: counts aligned on the sorted union of categories. */
export interface CategoricalContext {
  kind: 'categorical';
  uniques: number;
  bins(): AlignedPair;
  valueCounts(): AlignedPair;
}

export type ColumnContext = NumericContext | CategoricalContext;

/** Where a test writes its statistics (null with a reason when one does not exist). */
export interface StatisticSink {
  statistics: Record<string, number | null>;
  reasons: Record<string, string>;
  ksMethod?: 'exact' | 'asymp';
}

export interface DriftTest<Name extends string = string, Statistic extends string = string> {
  /** Evidently's name for the test (StatTest.name). */
  readonly name: Name;
  /** The statistic the verdict is taken on. */
  readonly statistic: Statistic;
  /** Every statistic the test writes, in report order (includes `statistic`). */
  readonly reports: readonly string[];
  /** Evidently's default_threshold. */
  readonly defaultThreshold: number;
  /** Column kinds the test may be chosen for. */
  readonly kinds: readonly ColumnKind[];
  readonly decision: DriftDecision;
  /** Whether the statistics are reported for a column although another test decides. */
  reportedFor(kind: ColumnKind, uniques: number): boolean;
  compute(ctx: ColumnContext, out: StatisticSink): void;
}
