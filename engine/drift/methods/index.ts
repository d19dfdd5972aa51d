/**
 * The drift tests and Evidently's rules for choosing one (0.7.23, registry._get_default_stattest).
 * Adding a test: a module exporting its descriptor (see ./descriptor.ts) and one line in
 * DRIFT_TEST_LIST. The conventions are in docs/statistics/drift.md.
 */
import { chisquareTest } from './chisquare.js';
import type { ColumnKind, DriftDecision, DriftTest } from './descriptor.js';
import { jensenshannonTest } from './jensenshannon.js';
import { ksTest } from './ks.js';
import { psiTest } from './psi.js';
import { wassersteinTest } from './wasserstein.js';
import { zTest } from './ztest.js';

/** Every drift test, in the order a column's statistics are reported. */
export const DRIFT_TEST_LIST = [psiTest, ksTest, wassersteinTest, jensenshannonTest, chisquareTest, zTest] as const;

/** Evidently's names for the tests (StatTest.name). */
export type DriftTestName = (typeof DRIFT_TEST_LIST)[number]['name'];

/** Every statistic a test reports. */
export type DriftStatisticName = (typeof DRIFT_TEST_LIST)[number]['reports'][number];

const BY_NAME: ReadonlyMap<string, DriftTest> = new Map(DRIFT_TEST_LIST.map((t) => [t.name, t]));

export const DRIFT_TESTS: readonly DriftTestName[] = DRIFT_TEST_LIST.map((t) => t.name);

/** Evidently's default_threshold per test. */
export const DEFAULT_THRESHOLDS = Object.fromEntries(DRIFT_TEST_LIST.map((t) => [t.name, t.defaultThreshold])) as Readonly<Record<DriftTestName, number>>;

/** The statistic each test decides on. */
export const TEST_STATISTIC = Object.fromEntries(DRIFT_TEST_LIST.map((t) => [t.name, t.statistic])) as Readonly<Record<DriftTestName, DriftStatisticName>>;

export interface TestSelection {
  test: DriftTestName;
  threshold: number;
}

export interface DriftOverride {
  test?: DriftTestName;
  threshold?: number;
}

/** The descriptor of a test; throws a RangeError for an unknown name. */
export function driftTest(name: string): DriftTest {
  const t = BY_NAME.get(name);
  if (!t) throw new RangeError(`unknown drift test "${name}"`);
  return t;
}

/**
 * Evidently's default test for a column. `refRowsClean` = reference rows after dropping
 * NaN/±inf/missing; `uniques` = distinct values in reference ∪ current (pd.concat(...).nunique()).
 */
export function selectTest(opts: { refRowsClean: number; uniques: number; kind: ColumnKind }): TestSelection {
  const { refRowsClean, uniques, kind } = opts;
  let test: DriftTestName;
  if (refRowsClean <= 1000) {
    if (kind === 'numeric') test = uniques <= 5 ? (uniques > 2 ? 'chisquare' : 'z') : 'ks';
    else test = uniques > 2 ? 'chisquare' : 'z';
  } else if (kind === 'numeric') {
    test = uniques <= 5 ? 'jensenshannon' : 'wasserstein';
  } else {
    test = 'jensenshannon';
  }
  return { test, threshold: DEFAULT_THRESHOLDS[test] };
}

/** Whether `value` drifts under `decision`. */
export function decide(decision: DriftDecision, value: number, threshold: number): boolean {
  switch (decision) {
    case 'p <= threshold':
      return value <= threshold;
    case 'p < threshold':
      return value < threshold;
    case 'value >= threshold':
      return value >= threshold;
  }
}

/** Evidently's verdict for a test value: p-value tests below (ks: at or below), distances at or above. */
export function isDrift(test: DriftTestName, value: number, threshold: number): boolean {
  return decide(driftTest(test).decision, value, threshold);
}

/** The deciding test and threshold: the default unless overridden; an overridden test without a threshold gets its default. */
export function resolveTest(kind: ColumnKind, defaults: TestSelection, override: DriftOverride | undefined): TestSelection {
  const test = override?.test ?? defaults.test;
  const descriptor = driftTest(test);
  if (!descriptor.kinds.includes(kind)) {
    const allowed = DRIFT_TEST_LIST.filter((t) => (t.kinds as readonly ColumnKind[]).includes(kind)).map((t) => t.name);
    throw new RangeError(`drift test "${test}" does not apply to a ${kind} column (allowed: ${allowed.join(', ')})`);
  }
  let threshold = descriptor.defaultThreshold;
  if (override?.threshold !== undefined) {
    if (!Number.isFinite(override.threshold)) throw new RangeError(`drift threshold must be a finite number, got ${override.threshold}`);
    threshold = override.threshold;
  } else if (override?.test === undefined) {
    threshold = defaults.threshold;
  }
  return { test, threshold };
}

/** The tests whose statistics a column reports: those that apply and are reported for it, and the deciding one. */
export function reportedTests(kind: ColumnKind, uniques: number, deciding: DriftTestName): DriftTest[] {
  return DRIFT_TEST_LIST.filter((t) => (t.kinds as readonly ColumnKind[]).includes(kind) && (t.name === deciding || t.reportedFor(kind, uniques)));
}
