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
