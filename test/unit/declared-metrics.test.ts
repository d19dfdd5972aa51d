import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { declaredMetricSpec } from '../../domain/business-config.js';
import type { ModelSpec } from '../../domain/config.js';
import type { EvaluationSummary } from '../../domain/evaluation.js';
import { judgeGates } from '../../domain/gates.js';
import { isUpkeepError } from '../../engine/errors.js';
import { declaredGated, declaredGatedOrPending, estimatedGated, gateOnEstimate, type DeclaredRows } from '../../engine/evaluation/declared-metrics.js';
import { completeDeclared, declaredSamples, PARALLEL_DECLARED_ROWS } from '../../engine/evaluation/declared-bootstrap.js';
import { resampleRanges } from '../../engine/evaluation/significance/interval.js';

interface Case {
  name: string;
  task: 'binary' | 'multiclass' | 'regression';
  classes?: string[];
  positive?: number;
  nClasses?: number;
  input: { yTrue: number[]; yPred: number[]; proba?: number[] };
  resamples: number;
  confidence: number;
  seed: number;
  declared: Record<string, unknown>[];
  expected: { name: string; value: number; bootstrap: { low: number; high: number }; closed?: { method: string; low: number; high: number } }[];
}

const golden = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/golden/declared.json', import.meta.url)), 'utf8')) as { cases: Case[] };

function specOf(c: Case, method: 'auto' | 'bootstrap' | 'analytic', extra: Record<string, unknown> = {}): ModelSpec {
  const metrics = c.declared.map(({ matrixInOrder: _order, ...d }) => declaredMetricSpec.parse({ ...d, ...extra }));
  return {
    id: 'fraud',
    task: c.task,
    metrics,
    min_rows: 100,
    thresholds: { metric: c.task === 'regression' ? 'mae' : 'accuracy' },
    monitor: { significance: { resamples: c.resamples, confidence: c.confidence, seed: c.seed, method } },
  } as unknown as ModelSpec;
}

function rowsOf(c: Case): DeclaredRows {
  const n = c.input.yTrue.length;
  if (c.task === 'regression')
    return { task: 'regression', rows: n, yTrueValue: Float64Array.from(c.input.yTrue), yPredValue: Float64Array.from(c.input.yPred) };
  return {
    task: c.task,
    rows: n,
    yTrueClass: Int32Array.from(c.input.yTrue),
    yPredClass: Int32Array.from(c.input.yPred),
    proba: Float32Array.from(c.input.proba!),
  };
}

const near = (actual: number | undefined, expected: number, tol: number, what: string): void =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: got ${actual}, reference ${expected}`);

describe('declared business metrics on a window (engine/evaluation/declared-metrics.ts)', function () {
  for (const c of golden.cases) {
    it(`${c.name}: values and bootstrap intervals equal the reference's (scikit-learn on every resample of the same stream)`, function () {
      const out = declaredGated(specOf(c, 'bootstrap'), c.classes, c.positive, rowsOf(c));
      assert.equal(out.length, c.expected.length);
      for (const [i, e] of c.expected.entries()) {
        const g = out[i]!;
        assert.equal(g.name, e.name);
        assert.equal(g.kind, 'business');
        // float32 probabilities: the reference's scores are the same float32 values read back as float64.
        near(g.value ?? undefined, e.value, 1e-12, `${e.name} value`);
        assert.equal(g.interval?.method, 'bootstrap', e.name);
        assert.equal(g.interval?.level, c.confidence);
        near(g.interval?.low, e.bootstrap.low, 1e-9, `${e.name} low`);
        near(g.interval?.high, e.bootstrap.high, 1e-9, `${e.name} high`);
      }
    });

    it(`${c.name}: a metric resampled alone (its draws summed straight into its cells) gets the interval it gets beside the others`, function () {
      const together = declaredGated(specOf(c, 'bootstrap'), c.classes, c.positive, rowsOf(c));
      for (const [i, e] of c.expected.entries()) {
        const spec = specOf(c, 'bootstrap');
        const alone = declaredGated({ ...spec, metrics: [spec.metrics![i]!] }, c.classes, c.positive, rowsOf(c));
        assert.deepEqual(alone[0]!.interval, together[i]!.interval, e.name);
        near(alone[0]!.interval?.low, e.bootstrap.low, 1e-9, `${e.name} low, alone`);
      }
    });

    it(`${c.name}: closed forms (Wilson, CLT) where one exists, the bootstrap otherwise`, function () {
      const out = declaredGated(specOf(c, 'analytic'), c.classes, c.positive, rowsOf(c));
      for (const [i, e] of c.expected.entries()) {
        const g = out[i]!;
        if (!e.closed) {
          assert.equal(g.interval?.method, 'bootstrap', `${e.name} has no closed form`);
          continue;
        }
        assert.equal(g.interval?.method, e.closed.method, e.name);
        near(g.interval?.low, e.closed.low, 1e-9, `${e.name} closed low`);
        near(g.interval?.high, e.closed.high, 1e-9, `${e.name} closed high`);
      }
      // auto: a window under 20,000 rows gets the bootstrap, as the primary metric does.
      assert.ok(declaredGated(specOf(c, 'auto'), c.classes, c.positive, rowsOf(c)).every((g) => g.interval?.method === 'bootstrap'));
    });
  }

  it('carries the gate and the baseline, and the drop with its interval, so that the verdict can judge it', function () {
    const c = golden.cases.find((x) => x.name === 'binary')!;
    const spec = specOf(c, 'bootstrap');
    spec.metrics = [
      declaredMetricSpec.parse({
        name: 'cost',
        kind: 'cost_matrix',
        matrix: { 0: { 0: 0, 1: 5 }, 1: { 0: 100, 1: -2.5 } },
        gate: { max: 5, max_drop: 1 },
        baseline: 3,
      }),
      declaredMetricSpec.parse({ name: 'recall_at_p80', kind: 'recall_at_precision', precision: 0.8, gate: { min: 0.9 } }),
      declaredMetricSpec.parse({ name: 'f1_at_04', kind: 'at_threshold', metric: 'f1', threshold: 0.4, gate: { max_drop: 0.02 }, baseline: 0.7 }),
    ];
    const [cost, recall, f1] = declaredGated(spec, c.classes, c.positive, rowsOf(c));
    const e = c.expected[0]!;
    assert.equal(cost!.lowerIsBetter, true);
    assert.deepEqual(cost!.gate, { max: 5, max_drop: 1 });
    assert.equal(cost!.baseline, 3);
    near(cost!.drop!.value, e.value - 3, 1e-12, 'cost rise');
    near(cost!.drop!.low, e.bootstrap.low - 3, 1e-9, 'cost rise low');
    near(cost!.drop!.high, e.bootstrap.high - 3, 1e-9, 'cost rise high');
    assert.equal(recall!.lowerIsBetter, false);
    assert.equal(f1!.drop!.value, 0.7 - f1!.value!);
    assert.equal(f1!.drop!.low, 0.7 - f1!.interval!.high);
    const outcomes = judgeGates([cost!, recall!, f1!]);
    const status = Object.fromEntries(outcomes.map((o) => [`${o.name}.${o.bound}`, o.status]));
    // cost 8.68 > 5 with an interval [5.97, 11.89] above it, a rise from 3 whose interval stays above 1; recall 0.685 < 0.9 with its interval below; f1 0.725 ≥ its baseline.
    assert.deepEqual(status, { 'cost.max': 'failed', 'cost.max_drop': 'failed', 'recall_at_p80.min': 'failed', 'f1_at_04.max_drop': 'passed' });
  });

  it('refuses a matrix naming a class the model does not have, naming the model, the metric and the class', function () {
    const c = golden.cases.find((x) => x.name === 'multiclass')!;
    const spec = specOf(c, 'bootstrap');
    spec.metrics = [
      declaredMetricSpec.parse({ name: 'value', kind: 'value_matrix', matrix: { bronze: { bronze: 1, platinum: 0 }, platinum: { bronze: 0, platinum: 1 } } }),
    ];
    assert.throws(
      () => declaredGated(spec, c.classes, undefined, rowsOf(c)),
      (err: unknown) =>
        isUpkeepError(err, 'SchemaMismatch') &&
        err.message ===
          'model fraud: metrics[0] (value): the matrix names class "platinum", which the model does not have (its classes: "bronze", "gold", "silver")',
    );
  });

  it("leaves a large window's bootstrap pending and, spread over resample ranges, gives the one-call intervals bit for bit", function () {
    // The binary case's rows repeated to 24,000: above the rows where the resamples go to the evaluation threads.
    const c = golden.cases.find((x) => x.name === 'binary')!;
    const times = Math.ceil(PARALLEL_DECLARED_ROWS / c.input.yTrue.length) + 1;
    const big: Case = {
      ...c,
      resamples: 37,
      input: { yTrue: Array(times).fill(c.input.yTrue).flat(), yPred: Array(times).fill(c.input.yPred).flat(), proba: Array(times).fill(c.input.proba).flat() },
    };
    const spec = specOf(big, 'bootstrap');
    spec.metrics = spec.metrics!.map((d) => ({ ...d, baseline: 0.5 }));
    const whole = declaredGated(spec, big.classes, big.positive, rowsOf(big));
    const { gated, pending } = declaredGatedOrPending(spec, big.classes, big.positive, rowsOf(big), true);
    assert.ok(pending && pending.names.length === whole.length, 'every metric resampled (method: bootstrap)');
    assert.ok(
      pending.cells.every((cell) => cell.of.buffer instanceof SharedArrayBuffer),
      'the cells in shared memory, for the threads',
    );
    assert.ok(gated.every((g) => g.interval === undefined));
    for (const parts of [1, 2, 3, 5]) {
      const copy = structuredClone(gated);
      const chunks = resampleRanges(pending.resamples, parts).map((range) => declaredSamples(pending.cells, pending.rows, pending.seed, range));
      completeDeclared(copy, pending, chunks);
      assert.deepEqual(copy, whole, `${parts} ranges`);
    }
    assert.ok(whole.every((g) => g.interval && g.drop));
    // Each metric resampled alone (a draw straight into its cell) has the same ranges' values as beside the others.
    const alone = declaredSamples([pending.cells[2]!], pending.rows, pending.seed, { from: 11, to: 20 });
    assert.deepEqual(alone[0], declaredSamples(pending.cells, pending.rows, pending.seed, { from: 11, to: 20 })[2]);
  });

  it('reports a curve metric on a window without positives as undefined, with why, and no interval', function () {
    const c = golden.cases.find((x) => x.name === 'binary')!;
    const rows = rowsOf(c);
    rows.yTrueClass = new Int32Array(c.input.yTrue.length);
    const out = declaredGated(specOf(c, 'bootstrap'), c.classes, c.positive, rows);
    const recall = out.find((g) => g.name === 'recall_at_p80')!;
    assert.equal(recall.value, null);
    assert.match(recall.why!, /no positive rows/);
    assert.equal(recall.interval, undefined);
    assert.deepEqual(
      judgeGates([{ ...recall, gate: { min: 0.5 } }]).map((o) => o.status),
      ['not-judged'],
    );
    assert.deepEqual(declaredGated(specOf(c, 'bootstrap'), c.classes, c.positive, { ...rows, rows: 0 }), [], 'no labelled row: nothing');
  });

  it('estimates the matrix metrics from the expected confusion matrix when the verdict is judged on the estimate', function () {
    const c = golden.cases.find((x) => x.name === 'binary')!;
    const spec = specOf(c, 'bootstrap');
    const confusion = [
      [100.5, 20.25],
      [30, 49.25],
    ];
    const estimate = { method: 'cbpe', rows: 200, metrics: { accuracy: { value: 0.75, lower: 0.7, upper: 0.8, method: 'cbpe' } }, confusion } as never;
    const est = estimatedGated(spec, c.classes, estimate);
    const cost = (0 * 100.5 + 5 * 20.25 + 100 * 30 - 2.5 * 49.25) / 200;
    assert.equal(est[0]!.value, cost);
    assert.equal(est[0]!.estimated, true);
    assert.equal(est[1]!.value, cost * 200, 'per window: the total over every scored row');
    assert.equal(est[2]!.value, null, 'recall at precision waits for the labels');
    assert.match(est[2]!.why!, /cannot be estimated from the expected confusion matrix/);
    // Metrics at a declared threshold: from CBPE's expected confusion matrix at that threshold, when it was computed.
    assert.equal(est[4]!.value, null, 'no expected matrix at 0.4 in this estimate');
    assert.match(est[4]!.why!, /no expected confusion matrix at threshold 0\.4/);
    const atThresholds = {
      ...(estimate as object),
      confusionAt: [
        {
          threshold: 0.4,
          confusion: [
            [90, 30.75],
            [12, 67.25],
          ],
        },
        {
          threshold: 0.6,
          confusion: [
            [110, 10.75],
            [40, 39.25],
          ],
        },
      ],
    } as never;
    const at = estimatedGated(spec, c.classes, atThresholds, 1);
    assert.equal(at[4]!.value, (2 * 67.25) / (2 * 67.25 + 30.75 + 12), 'f1 at 0.4 from the expected counts');
    assert.equal(at[5]!.value, 39.25 / (39.25 + 10.75), 'precision at 0.6 from the expected counts');
    assert.equal(at[4]!.estimated, true);
    assert.equal(estimatedGated(spec, c.classes, atThresholds)[4]!.value, null, 'without the positive class: not estimated');
    assert.match(judgeGates([{ ...est[0]!, gate: { max: 5 } }])[0]!.text, /^estimated cost /);
    // The summary: realized values of the few labelled rows are replaced; a window with enough labels keeps its own.
    const few = {
      rows: 20,
      estimated: estimate,
      gated: [
        { name: 'gap', kind: 'fairness' },
        { name: 'cost', kind: 'business' },
      ],
    } as unknown as EvaluationSummary;
    gateOnEstimate(spec, c.classes, few);
    assert.deepEqual(
      few.gated!.map((g) => [g.name, g.estimated ?? false]),
      [['gap', false], ...est.map((g) => [g.name, true])],
    );
    const enough = { rows: 150, estimated: estimate, gated: [] } as unknown as EvaluationSummary;
    gateOnEstimate(spec, c.classes, enough);
    assert.deepEqual(enough.gated, []);
  });
});
