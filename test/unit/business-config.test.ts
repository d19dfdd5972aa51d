import assert from 'node:assert/strict';
import { parseConfig } from '../../engine/config/load.js';
import { isUpkeepError } from '../../engine/errors.js';
import { declaredClassProblem, declaredMetricLines } from '../../domain/business-config.js';
import { modelYaml } from '../helpers/config-text.js';

const parse = (extra: string) => parseConfig(`models:${modelYaml({ extra })}`, { name: 'upkeep.yaml', baseDir: '/srv/upkeep' });

function configError(extra: string): string {
  try {
    parse(extra);
  } catch (err) {
    assert.ok(isUpkeepError(err, 'InvalidConfig'));
    return err.message;
  }
  assert.fail('expected the config to be refused');
}

const COST = `
    metrics:
      - name: fraud_cost
        kind: cost_matrix
        matrix:
          1: { 1: 0, 0: 500 }
          0: { 1: 20, 0: 0 }
        gate: { max: 40, max_drop: 5 }
        baseline: 30
      - { name: recall_at_p90, kind: recall_at_precision, precision: 0.9, gate: { min: 0.5 } }
      - { name: precision_at_r80, kind: precision_at_recall, recall: 0.8 }
      - { name: f1_at_03, kind: at_threshold, metric: f1, threshold: 0.3, gate: { max_drop: 0.05 }, baseline: 0.8 }
`;

describe('declared business metrics in upkeep.yaml (models[].metrics)', function () {
  it('accepts every kind with its gate and fills the defaults', function () {
    const m = parse(COST).models[0]!;
    assert.equal(m.metrics.length, 4);
    const cost = m.metrics[0]!;
    assert.equal(cost.kind, 'cost_matrix');
    assert.ok(cost.kind === 'cost_matrix' && cost.per === 'row');
    assert.deepEqual(cost.gate, { max: 40, max_drop: 5 });
    assert.deepEqual(declaredMetricLines(m.metrics), [
      'fraud_cost: cost matrix over 2 classes, average per row, lower is better; max 40, max_drop 5 from the baseline 30',
      'recall_at_p90: recall at precision ≥ 0.9, higher is better; min 0.5',
      'precision_at_r80: precision at recall ≥ 0.8, higher is better; no gate',
      'f1_at_03: f1 at threshold 0.3, higher is better; max_drop 0.05 from the baseline 0.8',
    ]);
    assert.deepEqual(parse('').models[0]!.metrics, [], 'none declared: an empty list');
  });

  it('refuses a matrix that is not square, naming the model, the index and the row', function () {
    const msg = configError(`
    metrics:
      - name: c
        kind: cost_matrix
        matrix: { 1: { 1: 0, 0: 5 }, 0: { 1: 1 } }`);
    assert.equal(
      msg,
      'upkeep.yaml: models[0] (churn): metrics[0].matrix.0: c: the matrix is not square: row "0" has no column for "0" (rows = actual class, columns = predicted, the same classes)',
    );
    assert.match(
      configError(`\n    metrics: [{ name: c, kind: value_matrix, matrix: { 1: { 1: 1 } } }]`),
      /metrics\[0\]\.matrix: c: a matrix needs at least 2 classes/,
    );
    assert.match(
      configError(`\n    metrics: [{ name: c, kind: cost_matrix, matrix: { a: { a: 0, b: 1, c: 2 }, b: { a: 0, b: 1, c: 2 }, c: { a: 0, b: 1, c: 2 } } }]`),
      /metrics\[0\]\.matrix: c: a binary model's matrix is 2 × 2, got 3 rows/,
    );
    assert.match(
      configError(`\n    metrics: [{ name: c, kind: cost_matrix, matrix: { a: { a: 0, b: 1 }, b: { a: 0, b: 1 } } }]`),
      /metrics\[0\]\.matrix: c: the matrix has no row for the positive class "1"/,
    );
  });

  it('refuses a kind that does not fit the task, and an unknown kind', function () {
    assert.equal(
      configError(`\n    metrics: [{ name: band, kind: error_band, within: 5 }]`),
      'upkeep.yaml: models[0] (churn): metrics[0].kind: band: error_band applies to regression models, not a binary model',
    );
    assert.match(configError(`\n    metrics: [{ name: x, kind: lift }]`), /metrics\[0\]\.kind: expected kind: cost_matrix, value_matrix, .* not "lift"/);
  });

  it('refuses a bound outside [0, 1] for a rate, a gate on the wrong side, max_drop without a baseline, duplicate names', function () {
    assert.equal(
      configError(`\n    metrics: [{ name: r, kind: recall_at_precision, precision: 1.5 }]`),
      'upkeep.yaml: models[0] (churn): metrics[0].precision: expected a number ≤ 1',
    );
    assert.match(
      configError(`\n    metrics: [{ name: r, kind: recall_at_precision, precision: 0.9, gate: { min: 80 } }]`),
      /metrics\[0\]\.gate\.min: r is a rate: expected a number between 0 and 1/,
    );
    assert.match(
      configError(`\n    metrics: [{ name: r, kind: at_threshold, metric: f1, threshold: 0.5, gate: { max: 0.2 } }]`),
      /metrics\[0\]\.gate\.max: r is better when higher: use gate\.min/,
    );
    assert.match(
      configError(`\n    metrics: [{ name: c, kind: cost_matrix, matrix: { 1: { 1: 0, 0: 5 }, 0: { 1: 1, 0: 0 } }, gate: { min: 3 } }]`),
      /metrics\[0\]\.gate\.min: c is a cost \(lower is better\): use gate\.max/,
    );
    assert.match(
      configError(`\n    metrics: [{ name: r, kind: precision_at_recall, recall: 0.5, gate: { max_drop: 0.1 } }]`),
      /metrics\[0\]\.baseline: r: gate\.max_drop needs a baseline/,
    );
    assert.match(
      configError(`\n    metrics: [{ name: r, kind: precision_at_recall, recall: 0.5 }, { name: r, kind: recall_at_precision, precision: 0.5 }]`),
      /metrics\[1\]\.name: duplicate metric name r/,
    );
    assert.match(configError(`\n    metrics: [{ name: 'a b', kind: precision_at_recall, recall: 0.5 }]`), /metrics\[0\]\.name: expected a name of letters/);
    assert.match(
      configError(`\n    metrics: [{ name: r, kind: precision_at_recall, recall: 0.5, gate: {} }]`),
      /metrics\[0\]\.gate: give at least one of min, max or max_drop/,
    );
    assert.match(configError(`\n    metrics: [{ name: r, kind: precision_at_recall, recall: 0.5, colour: red }]`), /metrics\[0\]: unknown key colour/);
  });

  it('checks a matrix against the classes the model declares, at load and against the model found at evaluation', function () {
    assert.match(
      configError(`\n    classes: [0, 1]\n    metrics: [{ name: c, kind: cost_matrix, matrix: { 1: { 1: 0, 2: 5 }, 2: { 1: 1, 2: 0 } } }]`),
      /metrics\[0\]\.matrix\.2: c: class "2" is not one of the model's classes 0, 1/,
    );
    const m = parse(COST).models[0]!;
    assert.equal(declaredClassProblem(m, ['0', '1']), null);
    assert.equal(
      declaredClassProblem(m, ['no', 'yes']),
      'model churn: metrics[0] (fraud_cost): the matrix names classes "0", "1", which the model does not have (its classes: "no", "yes")',
    );
  });
});
