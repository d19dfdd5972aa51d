/** The metrics each task reports, in report order. */

export const BINARY_METRICS = [
  'accuracy',
  'balanced_accuracy',
  'precision',
  'recall',
  'f1',
  'roc_auc',
  'average_precision',
  'log_loss',
  'brier',
] as const;

export const MULTICLASS_METRICS = [
  'accuracy',
  'balanced_accuracy',
  'f1_macro',
  'f1_weighted',
  'precision_macro',
  'recall_macro',
  'roc_auc_ovr_macro',
  'log_loss',
] as const;

export const REGRESSION_METRICS = ['mae', 'rmse', 'r2', 'mape'] as const;

export type BinaryMetricName = (typeof BINARY_METRICS)[number];
export type MulticlassMetricName = (typeof MULTICLASS_METRICS)[number];
export type RegressionMetricName = (typeof REGRESSION_METRICS)[number];
