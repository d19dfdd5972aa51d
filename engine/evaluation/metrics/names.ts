/** The metrics each task reports, in report order: from the metric catalogue in domain/metrics.ts. */
import { BINARY_METRICS, MULTICLASS_METRICS, REGRESSION_METRICS } from '../../../domain/metrics.js';

export { BINARY_METRICS, MULTICLASS_METRICS, REGRESSION_METRICS };

export type BinaryMetricName = (typeof BINARY_METRICS)[number];
export type MulticlassMetricName = (typeof MULTICLASS_METRICS)[number];
export type RegressionMetricName = (typeof REGRESSION_METRICS)[number];
