/**
 * The drift statistics' public names in one import: the column and dataset verdicts, each drift
 * test's own function, the shared sample and binning helpers, and the special functions they rest
 * on. The code lives in the modules re-exported here (one file per test under ./tests/, special
 * functions under activities/math/special/); docs/statistics/drift.md explains the conventions.
 */
export { columnDrift, datasetDrift } from './column.js';
export type {
  CategoricalColumnInput,
  ColumnDriftInput,
  ColumnDriftResult,
  DatasetDriftResult,
  NumericColumnInput,
} from './column.js';
export {
  decide,
  DEFAULT_THRESHOLDS,
  DRIFT_TEST_LIST,
  DRIFT_TESTS,
  driftTest,
  isDrift,
  selectTest,
  TEST_STATISTIC,
} from './tests/index.js';
export type { DriftOverride, DriftStatisticName, DriftTestName, TestSelection } from './tests/index.js';
export type { ColumnKind, DriftDecision, DriftTest } from './tests/descriptor.js';
export { ksTwoSample, type KsResult } from './tests/ks.js';
export { wassersteinDistance, wassersteinNormed } from './tests/wasserstein.js';
export { psi } from './tests/psi.js';
export { jensenShannonDistance } from './tests/jensenshannon.js';
export { chiSquarePValue } from './tests/chisquare.js';
export { zTestPValue } from './tests/ztest.js';
export { countDistinct, countDistinctUnion, populationStd, sortedSample, type NumericInput, type SortedSample } from './sample.js';
export { numericBins, sturgesEdges, type HistogramBins, type NumericBins, type ValueBins } from './bins.js';
export type { AlignedCounts } from './aligned.js';
export { alignCategories, countCategories, type CategoryCounts } from './categories.js';
export { erf, erfc, ndtr, normalSf } from '../math/special/normal.js';
export { chi2Sf, igam, igamc, lgam } from '../math/special/gamma.js';
export { kstwoSf, smirnovSf } from '../math/special/kolmogorov.js';
