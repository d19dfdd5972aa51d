import assert from 'node:assert/strict';
import type { EvaluationSummary } from '../../domain/evaluation.js';
import { fillProbability, probabilityInput, probabilityMetricsOf } from '../../engine/evaluation/deferred-metrics.js';
import type { Collected } from '../../engine/evaluation/evaluator.js';
import { binaryMetrics, binaryProbabilityMetrics } from '../../engine/evaluation/metrics/binary.js';
import type { BinaryInput } from '../../engine/evaluation/metrics/types.js';
import type { PreparedModel } from '../../engine/evaluation/model.js';
import { WindowArrays } from '../../engine/evaluation/window-arrays.js';
import { rng } from '../../scripts/bench/data.js';

/** n rows of a binary model's outputs: true and predicted classes, probabilities summing to 1 (float32). */
function rows(n: number, seed: number): { yTrue: Int32Array; yPred: Int32Array; proba: Float32Array } {
  const u = rng(seed);
  const yTrue = new Int32Array(n);
  const yPred = new Int32Array(n);
  const proba = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const p = Math.fround(u());
    proba[2 * i + 1] = p;
    proba[2 * i] = Math.fround(1 - p);
    yPred[i] = p >= 0.5 ? 1 : 0;
    yTrue[i] = u() < p ? 1 : 0;
  }
  return { yTrue, yPred, proba };
}

/** binaryMetrics with brier and log_loss deferred, then filled as the engine fills them: written out, as a report would be. */
function split(input: BinaryInput): string {
  const m = binaryMetrics(input, { deferProbability: true });
  const summary = { rows: input.yTrue.length, metrics: m.metrics, undefinedMetrics: m.reasons, metricWarnings: m.warnings } as unknown as EvaluationSummary;
  fillProbability(summary, binaryProbabilityMetrics(input));
  return JSON.stringify([summary.metrics, summary.undefinedMetrics, summary.metricWarnings]);
}
const whole = (input: BinaryInput): string => {
  const m = binaryMetrics(input);
  return JSON.stringify([m.metrics, m.reasons, m.warnings]);
};

describe('brier and log_loss computed apart from the other binary metrics (deferred-metrics.ts)', () => {
  const base = (n: number, seed: number): BinaryInput => ({ ...rows(n, seed), nClasses: 2, positive: 1, labels: ['0', '1'] });

  it('fill the report exactly as one binaryMetrics call does: values, reasons, warnings and their order', () => {
    const cases: [string, BinaryInput][] = [];
    cases.push(['ordinary rows', base(5000, 1)]);
    const notOne = base(3000, 2);
    notOne.proba[10] = 0.7; // a row summing to 1.2: log_loss warns
    cases.push(['a row whose probabilities do not sum to 1', notOne]);
    const nan = base(3000, 3);
    nan.proba[21] = NaN; // the positive column: the score metrics are undefined, log_loss too
    cases.push(['a NaN score', nan]);
    const above = base(3000, 4);
    above.proba[41] = 1.5;
    cases.push(['a score above 1', above]);
    const onlyNeg = base(2000, 5);
    onlyNeg.yTrue.fill(0);
    cases.push(['one true class only', onlyNeg]);
    const unknown = base(2000, 6);
    unknown.yTrue[7] = 2; // a label the model does not know
    cases.push(['a true label the model does not know', { ...unknown, labels: ['0', '1', 'maybe'] }]);
    cases.push(['no rows', base(0, 7)]);
    for (const [what, input] of cases) {
      const want = whole(input);
      assert.equal(split(input), want, what);
    }
    // The cases reach each branch: a warning, reasons from the score check and from the range check.
    assert.match(whole(cases[1]![1]), /do not sum to one/);
    assert.match(whole(cases[2]![1]), /"brier":"proba column 1 contains NaN/);
    assert.match(whole(cases[3]![1]), /greater than 1/);
  });

  it('leaves brier and log_loss null without a reason when told to defer them, and computes the rest as before', () => {
    const input = base(4000, 8);
    const deferred = binaryMetrics(input, { deferProbability: true });
    const all = binaryMetrics(input);
    assert.equal(deferred.metrics.brier, null);
    assert.equal(deferred.metrics.log_loss, null);
    assert.equal(deferred.reasons.brier, undefined);
    assert.equal(deferred.reasons.log_loss, undefined);
    assert.ok(typeof all.metrics.brier === 'number' && typeof all.metrics.log_loss === 'number');
    const { brier: _b, log_loss: _l, ...rest } = all.metrics;
    const { brier: _b2, log_loss: _l2, ...restDeferred } = deferred.metrics;
    assert.deepEqual(restDeferred, rest);
  });

  it('applies to a large binary window joined in shared memory, and to nothing else', () => {
    const n = 120_000;
    const r = rows(n, 9);
    const arrays = new WindowArrays('binary', ['0', '1'], n, []);
    arrays.add(0, {
      task: 'binary',
      rows: n,
      rowsRead: n,
      droppedRows: 0,
      invalid: [],
      yTrueClass: r.yTrue,
      yPredClass: r.yPred,
      proba: r.proba,
      labels: ['0', '1'],
    });
    const part = arrays.result();
    const prepared = { task: 'binary', classes: ['0', '1'], positiveIndex: 1 } as PreparedModel;
    const input = probabilityInput(prepared, [part], 'roc_auc');
    assert.ok(input, 'a large binary window in shared memory');
    assert.equal(input.proba.buffer instanceof SharedArrayBuffer, true);
    assert.equal(probabilityInput(prepared, [part], 'log_loss'), undefined, 'the primary metric is one of the two');
    assert.equal(probabilityInput({ ...prepared, task: 'multiclass' } as PreparedModel, [part], 'roc_auc'), undefined);
    const plain: Collected = { ...part, yTrueClass: r.yTrue, yPredClass: r.yPred, proba: r.proba };
    assert.equal(probabilityInput(prepared, [plain], 'roc_auc'), undefined, 'arrays another thread cannot read');
    assert.equal(probabilityInput(prepared, [part, part], 'roc_auc'), undefined, 'parts still to join');
    // The other thread's answer is the labelled rows' brier and log_loss.
    assert.deepEqual(
      probabilityMetricsOf(input),
      binaryProbabilityMetrics({ yTrue: r.yTrue, yPred: r.yPred, proba: r.proba, nClasses: 2, positive: 1, labels: ['0', '1'] }),
    );
  });

  it('takes the labelled rows only when some labels are not known yet', () => {
    const n = 2000;
    const r = rows(n, 10);
    const yTrue = r.yTrue.slice();
    for (let i = 0; i < n; i += 3) yTrue[i] = -1;
    const unlabelled = Math.ceil(n / 3);
    const got = probabilityMetricsOf({
      rows: n,
      unlabelled,
      yTrueClass: yTrue,
      yPredClass: r.yPred,
      proba: r.proba,
      labels: ['0', '1'],
      nClasses: 2,
      positive: 1,
    });
    const keep = [...Array(n).keys()].filter((i) => i % 3 !== 0);
    const want = binaryProbabilityMetrics({
      yTrue: Int32Array.from(keep, (i) => r.yTrue[i]!),
      yPred: Int32Array.from(keep, (i) => r.yPred[i]!),
      proba: Float32Array.from(keep.flatMap((i) => [r.proba[2 * i]!, r.proba[2 * i + 1]!])),
      nClasses: 2,
      positive: 1,
    });
    assert.deepEqual(got, want);
  });
});
