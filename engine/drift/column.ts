/**
 * Drift of one column — every statistic that applies and the verdict of the deciding test — and
 * the dataset verdict, as Evidently's DataDriftPreset computes them. Pure: typed arrays and count
 * maps in, plain objects out. Conventions (cleaning, test choice, nulls instead of NaN) are in
 * docs/statistics/drift.md.
 */
import { binsSorted, valueCounts, type NumericBins } from './bins.js';
import { alignCategories, type CategoryCounts } from './categories.js';
import { mergeSummary } from './merge.js';
import { countDistinctUnion, toSorted, type NumericInput } from './sample.js';
import type { AlignedPair, ColumnContext, ColumnKind, StatisticSink } from './methods/descriptor.js';
import {
  driftTest,
  isDrift,
  reportedTests,
  resolveTest,
  selectTest,
  type DriftOverride,
  type DriftStatisticName,
  type DriftTestName,
  type TestSelection,
} from './methods/index.js';

export interface NumericColumnInput {
  kind: 'numeric';
  reference: NumericInput;
  current: NumericInput;
  /**
   * Both sides are integer-typed with no missing values (what pandas holds as int64): numpy's
   * Sturges histogram then uses a bin width of at least 1. Default false.
   */
  integer?: boolean;
}

export interface CategoricalColumnInput {
  kind: 'categorical';
  reference: CategoryCounts;
  current: CategoryCounts;
  /** Missing values removed before counting (reported only). */
  referenceMissing?: number;
  currentMissing?: number;
}

export type ColumnDriftInput = NumericColumnInput | CategoricalColumnInput;

export interface ColumnDriftResult {
  kind: ColumnKind;
  /** Rows used after dropping NaN/±inf/missing. */
  referenceRows: number;
  currentRows: number;
  /** Rows dropped as NaN/±inf/missing. */
  referenceDropped: number;
  currentDropped: number;
  /** Distinct values in reference ∪ current (what Evidently's test choice counts). */
  uniques: number;
  /** Every applicable statistic; null when it does not exist (see reasons). */
  statistics: Partial<Record<DriftStatisticName, number | null>>;
  reasons: Partial<Record<DriftStatisticName | 'drifted', string>>;
  /** The deciding test, its threshold, its value and the verdict. */
  test: DriftTestName;
  threshold: number;
  score: number | null;
  drifted: boolean | null;
  /** How the KS p-value was computed (numeric columns). */
  ksMethod?: 'exact' | 'asymp';
  /** The bins a binned test (PSI, Jensen–Shannon, chi-square, z) counted, when one ran: reused by the report's distribution. */
  bins?: NumericBins;
}

export interface DatasetDriftResult {
  numberOfColumns: number;
  numberOfDriftedColumns: number;
  /** Drifted / determined columns; null when no column could be decided. */
  shareOfDriftedColumns: number | null;
  driftShare: number;
  drifted: boolean | null;
  /** Columns whose verdict is null (left out of the share). */
  undetermined: string[];
}

type ResultBase = Omit<ColumnDriftResult, 'test' | 'threshold' | 'score' | 'drifted'>;

function finish(base: ResultBase, sel: TestSelection): ColumnDriftResult {
  const key = driftTest(sel.test).statistic as DriftStatisticName;
  const value = base.statistics[key];
  const result: ColumnDriftResult = { ...base, test: sel.test, threshold: sel.threshold, score: null, drifted: null };
  if (value === undefined || value === null) {
    result.reasons.drifted = base.reasons[key] ?? `${key} is not available for this column`;
    return result;
  }
  result.score = value;
  result.drifted = isDrift(sel.test, value, sel.threshold);
  return result;
}

/**
 * Every drift statistic that applies to one column, and the verdict of the deciding test
 * (Evidently's default unless overridden). A test's statistics are reported when its
 * `reportedFor` says so (see reportedTests in tests/index.ts); the deciding test's always are.
 */
export function columnDrift(input: ColumnDriftInput, override?: DriftOverride): ColumnDriftResult {
  return input.kind === 'numeric' ? numericColumnDrift(input, override) : categoricalColumnDrift(input, override);
}

/** Runs the reported tests on a column, or marks their statistics null with `empty` as the reason. */
function run(
  kind: ColumnKind,
  base: ResultBase,
  sel: TestSelection,
  ctx: ColumnContext | null,
  empty: string,
): { sink: StatisticSink; result: ColumnDriftResult } {
  const sink: StatisticSink = {
    statistics: base.statistics as Record<string, number | null>,
    reasons: base.reasons as Record<string, string>,
  };
  for (const test of reportedTests(kind, base.uniques, sel.test)) {
    if (ctx === null) {
      for (const k of test.reports) {
        sink.statistics[k] = null;
        sink.reasons[k] = empty;
      }
    } else {
      test.compute(ctx, sink);
    }
  }
  return { sink, result: finish(base, sel) };
}

function numericColumnDrift(input: NumericColumnInput, override: DriftOverride | undefined): ColumnDriftResult {
  const ref = toSorted(input.reference);
  const cur = toSorted(input.current);
  const a = ref.sorted;
  const b = cur.sorted;
  const merged = a.length > 0 && b.length > 0 ? mergeSummary(a, b) : null;
  const uniques = merged ? merged.unionDistinct : countDistinctUnion(a, b);
  const sel = resolveTest('numeric', selectTest({ refRowsClean: a.length, uniques, kind: 'numeric' }), override);
  const base: ResultBase = {
    kind: 'numeric',
    referenceRows: a.length,
    currentRows: b.length,
    referenceDropped: ref.dropped,
    currentDropped: cur.dropped,
    uniques,
    statistics: {},
    reasons: {},
  };
  let ctx: ColumnContext | null = null;
  let bins: NumericBins | undefined;
  if (merged !== null) {
    const integer = input.integer ?? false;
    let values: NumericBins | undefined;
    const binsOnce = (): NumericBins => (bins ??= binsSorted(a, b, integer));
    ctx = {
      kind: 'numeric',
      reference: a,
      current: b,
      uniques,
      merged,
      bins: binsOnce,
      valueCounts: () => {
        if (values === undefined) {
          const bn = binsOnce();
          values = bn.kind === 'values' && bn.values.length === uniques ? bn : valueCounts(a, b);
        }
        return values;
      },
    };
  }
  const { sink, result } = run('numeric', base, sel, ctx, emptyReason(a.length, b.length, ref.dropped, cur.dropped, 'NaN/±inf'));
  if (sink.ksMethod !== undefined) result.ksMethod = sink.ksMethod;
  if (bins !== undefined) result.bins = bins;
  return result;
}

function emptyReason(n1: number, n2: number, d1: number, d2: number, what: string): string {
  const sides: string[] = [];
  if (n1 === 0) sides.push(`reference (${d1} ${what} dropped)`);
  if (n2 === 0) sides.push(`current (${d2} ${what} dropped)`);
  return `no usable values in ${sides.join(' and ')}`;
}

function categoricalColumnDrift(input: CategoricalColumnInput, override: DriftOverride | undefined): ColumnDriftResult {
  const { categories, reference, current } = alignCategories(input.reference, input.current);
  let n1 = 0;
  let n2 = 0;
  for (let i = 0; i < categories.length; i++) {
    n1 += reference[i]!;
    n2 += current[i]!;
  }
  const uniques = categories.length;
  const sel = resolveTest('categorical', selectTest({ refRowsClean: n1, uniques, kind: 'categorical' }), override);
  const d1 = input.referenceMissing ?? 0;
  const d2 = input.currentMissing ?? 0;
  const base: ResultBase = {
    kind: 'categorical',
    referenceRows: n1,
    currentRows: n2,
    referenceDropped: d1,
    currentDropped: d2,
    uniques,
    statistics: {},
    reasons: {},
  };
  const pair: AlignedPair = { reference, current };
  const ctx: ColumnContext | null = n1 === 0 || n2 === 0 ? null : { kind: 'categorical', uniques, bins: () => pair, valueCounts: () => pair };
  return run('categorical', base, sel, ctx, emptyReason(n1, n2, d1, d2, 'missing')).result;
}

/**
 * Dataset drift as Evidently's DriftedColumnsCount / DatasetDriftMetric: drifted when the share of
 * drifted columns is ≥ `share`. Columns whose verdict is null are listed and left out of the share.
 */
export function datasetDrift(columns: ReadonlyMap<string, ColumnDriftResult> | Readonly<Record<string, ColumnDriftResult>>, share = 0.5): DatasetDriftResult {
  if (!(share >= 0 && share <= 1)) throw new RangeError(`drift share must be in [0, 1], got ${share}`);
  const entries = columns instanceof Map ? [...columns.entries()] : Object.entries(columns);
  let drifted = 0;
  let determined = 0;
  const undetermined: string[] = [];
  for (const [name, col] of entries) {
    if (col.drifted === null) {
      undetermined.push(name);
      continue;
    }
    determined++;
    if (col.drifted) drifted++;
  }
  const shareOf = determined === 0 ? null : drifted / determined;
  return {
    numberOfColumns: entries.length,
    numberOfDriftedColumns: drifted,
    shareOfDriftedColumns: shareOf,
    driftShare: share,
    drifted: shareOf === null ? null : shareOf >= share,
    undetermined,
  };
}
