/** Inputs and result of the metric functions (definitions: docs/statistics/metrics.md). */

/**
 * Probabilities and scores: Float32Array when every value is a float32 (an ONNX model's float
 * outputs), which reads back the same numbers in half the memory; Float64Array otherwise.
 */
export type Floats = Float64Array | Float32Array;

export interface ClassificationInput {
  /** True class index per row. Values >= nClasses are labels the model does not know. */
  yTrue: Int32Array;
  /** Predicted class index per row, 0..nClasses-1. */
  yPred: Int32Array;
  /** Row-major n × nClasses probabilities; column j is the probability of class j. */
  proba: Floats;
  /** Number of model classes, k >= 2. */
  nClasses: number;
  /** Optional display names by class index, used in messages only. */
  labels?: readonly string[];
}

export interface BinaryInput extends ClassificationInput {
  /** Index of the positive class (scikit-learn's pos_label), 0..nClasses-1. */
  positive: number;
  /**
   * Optional: P(positive) of the rows whose true class is positive (`pos`) and of the others
   * (`neg`), each sorted ascending — e.g. merged from sorted shards — so the ranking metrics skip
   * their sort. Must hold exactly those values; used only when y_true holds model classes only.
   */
  sortedScores?: { pos: Floats; neg: Floats };
}

export interface RegressionInput {
  yTrue: Float64Array;
  yPred: Float64Array;
}

export interface MetricsResult<K extends string = string> {
  /** Every metric name is present; null when undefined (see `reasons`). Never NaN or Infinity. */
  metrics: Record<K, number | null>;
  /** Why a metric is null, keyed by metric name (only for null metrics). */
  reasons: Record<string, string>;
  /** scikit-learn-equivalent warnings for metrics that do have a value, keyed by metric name. */
  warnings: Record<string, string>;
}
