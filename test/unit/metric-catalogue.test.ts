import assert from 'node:assert/strict';
import {
  BINARY_METRICS,
  inUnitInterval,
  lowerIsBetter,
  METRIC_CATALOGUE,
  METRICS,
  MULTICLASS_METRICS,
  REGRESSION_METRICS,
  TASKS,
} from '../../domain/metrics.js';

describe('the metric catalogue', function () {
  it('lists the metrics of each task in report order', function () {
    assert.deepEqual(BINARY_METRICS, ['accuracy', 'balanced_accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'average_precision', 'log_loss', 'brier']);
    assert.deepEqual(MULTICLASS_METRICS, [
      'accuracy',
      'balanced_accuracy',
      'f1_macro',
      'f1_weighted',
      'precision_macro',
      'recall_macro',
      'roc_auc_ovr_macro',
      'log_loss',
    ]);
    assert.deepEqual(REGRESSION_METRICS, ['mae', 'rmse', 'r2', 'mape']);
    for (const task of TASKS) assert.ok(METRICS[task].length > 0, task);
  });

  it('knows which metrics are better lower: the losses and errors, nothing else', function () {
    const lower = METRIC_CATALOGUE.filter((m) => lowerIsBetter(m.name)).map((m) => m.name);
    assert.deepEqual(lower.sort(), ['brier', 'log_loss', 'mae', 'mape', 'rmse']);
    assert.equal(lowerIsBetter('not_a_metric'), false);
  });

  it('gives every metric a range; scores and the Brier loss lie in [0, 1]', function () {
    const unit = METRIC_CATALOGUE.filter((m) => inUnitInterval(m.name)).map((m) => m.name);
    assert.deepEqual(unit.sort(), [
      'accuracy',
      'average_precision',
      'balanced_accuracy',
      'brier',
      'f1',
      'f1_macro',
      'f1_weighted',
      'precision',
      'precision_macro',
      'recall',
      'recall_macro',
      'roc_auc',
      'roc_auc_ovr_macro',
    ]);
    assert.equal(inUnitInterval('r2'), false);
    assert.equal(inUnitInterval('log_loss'), false);
    for (const m of METRIC_CATALOGUE) assert.ok(m.tasks.length > 0, m.name);
  });
});
