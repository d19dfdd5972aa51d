/**
 * Evaluation metrics with scikit-learn's definitions (docs/statistics/metrics.md): pure functions,
 * typed arrays in, plain objects out. One module per task; ranking metrics and label bookkeeping
 * apart. This index is what the rest of the project imports.
 */
export { binaryMetrics } from './binary.js';
export { multiclassMetrics } from './multiclass.js';
export { regressionMetrics } from './regression.js';
export {
  BINARY_METRICS,
  MULTICLASS_METRICS,
  REGRESSION_METRICS,
  type BinaryMetricName,
  type MulticlassMetricName,
  type RegressionMetricName,
} from './names.js';
export type { BinaryInput, ClassificationInput, MetricsResult, RegressionInput } from './types.js';
// Business metrics (docs/statistics/business-metrics.md): computed here, not yet declared in the
// config nor gated.
export { BusinessMetricError } from './business-input.js';
export { matrixCost, metricsAtThreshold, withinErrorBand, type ErrorBand, type MatrixCost, type Prediction, type ThresholdMetrics } from './business.js';
export { precisionAtRecall, recallAtPrecision, sortScores, type CurvePoint, type SortedScores } from './pr-targets.js';
