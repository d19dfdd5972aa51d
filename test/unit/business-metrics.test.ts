import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { BusinessMetricError } from '../../engine/evaluation/metrics/business-input.js';
import { matrixCost, metricsAtThreshold, withinErrorBand, type Prediction } from '../../engine/evaluation/metrics/business.js';
import { precisionAtRecall, recallAtPrecision, sortScores } from '../../engine/evaluation/metrics/pr-targets.js';

// ------------------------------------------------------------------------------------------------
// Golden file (scripts/fixtures/golden_business.py, scikit-learn)

interface CurveGolden {
  target: number;
  value: number;
  recall: number;
  precision: number;
  threshold: number | null;
}
interface Scored {
  value: number;
  warned: boolean;
}
interface GoldenFile {
  versions: Record<string, string>;
  cost: {
    name: string;
    yTrue: number[];
    matrix: number[][];
    prediction:
      { kind: 'classes'; yPred: number[] } | { kind: 'argmax'; proba: number[] } | { kind: 'threshold'; scores: number[]; threshold: number; positive: number };
    confusion: number[];
    total: number;
    perRow: number;
  }[];
  binary: {
    name: string;
    yTrue: number[];
    scores: number[];
    positive: number;
    recallAtPrecision?: CurveGolden[];
    precisionAtRecall?: CurveGolden[];
    curveError?: string;
    atThreshold: { threshold: number; precision: Scored; recall: Scored; f1: Scored; accuracy: Scored }[];
  }[];
  bands: { name: string; yTrue: number[]; yPred: number[]; bands: { x: number; absolute: number; relative: number }[] }[];
}

const golden = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/golden/business.json', import.meta.url)), 'utf8')) as GoldenFile;

const TOL = 1e-12;
function near(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= Math.max(TOL * Math.abs(expected), TOL), `${what}: got ${actual}, scikit-learn ${expected}`);
}

function prediction(p: GoldenFile['cost'][number]['prediction']): Prediction {
  if (p.kind === 'classes') return { kind: 'classes', yPred: Int32Array.from(p.yPred) };
  if (p.kind === 'argmax') return { kind: 'argmax', proba: Float64Array.from(p.proba) };
  return { kind: 'threshold', scores: Float64Array.from(p.scores), threshold: p.threshold, positive: p.positive };
}

describe('business metrics: goldens from scikit-learn', () => {
  it('the golden file covers every function and its edge cases', () => {
    assert.ok(golden.cost.length >= 5 && golden.binary.length >= 6 && golden.bands.length >= 2);
    assert.ok(
      golden.binary.some((c) => c.recallAtPrecision?.some((r) => r.threshold === null)),
      'a target no threshold reaches',
    );
    assert.ok(
      golden.binary.some((c) => c.curveError !== undefined),
      'a window without positives',
    );
  });

  for (const c of golden.cost) {
    it(`cost matrix: ${c.name}`, () => {
      const r = matrixCost(Int32Array.from(c.yTrue), prediction(c.prediction), c.matrix);
      assert.deepEqual(Array.from(r.confusion), c.confusion);
      near(r.total, c.total, 'total');
      near(r.perRow, c.perRow, 'perRow');
      assert.equal(r.rows, c.yTrue.length);
    });
  }

  for (const c of golden.binary) {
    it(`precision-recall targets and metrics at threshold: ${c.name}`, () => {
      const yTrue = Int32Array.from(c.yTrue);
      const scores = Float64Array.from(c.scores);
      const sorted = sortScores(yTrue, scores, c.positive);
      if (c.curveError !== undefined) {
        assert.throws(() => recallAtPrecision(sorted, 0.5), /^BusinessMetricError: recall_at_precision: y_true has no positive rows/);
        assert.throws(() => precisionAtRecall(sorted, 0.5), /^BusinessMetricError: precision_at_recall: y_true has no positive rows/);
      }
      for (const g of c.recallAtPrecision ?? []) {
        const r = recallAtPrecision(sorted, g.target);
        near(r.value, g.value, `recall at precision ${g.target}`);
        near(r.precision, g.precision, `its precision`);
        assert.equal(r.threshold, g.threshold ?? Infinity, `threshold of recall at precision ${g.target}`);
      }
      for (const g of c.precisionAtRecall ?? []) {
        const r = precisionAtRecall(sorted, g.target);
        near(r.value, g.value, `precision at recall ${g.target}`);
        near(r.recall, g.recall, `its recall`);
        assert.equal(r.threshold, g.threshold, `threshold of precision at recall ${g.target}`);
      }
      for (const g of c.atThreshold) {
        const r = metricsAtThreshold(yTrue, scores, c.positive, g.threshold);
        for (const m of ['precision', 'recall', 'f1', 'accuracy'] as const) {
          near(r[m], g[m].value, `${m} at ${g.threshold}`);
          assert.equal(m in r.warnings, g[m].warned, `${m} at ${g.threshold}: warning as scikit-learn's`);
        }
      }
    });
  }

  for (const c of golden.bands) {
    it(`error bands: ${c.name}`, () => {
      const yTrue = Float64Array.from(c.yTrue);
      const yPred = Float64Array.from(c.yPred);
      for (const b of c.bands) {
        near(withinErrorBand(yTrue, yPred, b.x), b.absolute, `within ±${b.x}`);
        near(withinErrorBand(yTrue, yPred, b.x, 'relative'), b.relative, `within ±${b.x}·|y|`);
      }
    });
  }
});

// ------------------------------------------------------------------------------------------------
// Properties and bad input

describe('business metrics: properties and bad input', () => {
  it('one sort serves every target: the sorted arrays are not changed by a query', () => {
    const yTrue = Int32Array.from([1, 0, 1, 0, 1, 1, 0]);
    const scores = Float64Array.from([0.9, 0.8, 0.7, 0.7, 0.4, 0.3, 0.1]);
    const s = sortScores(yTrue, scores, 1);
    const before = [Array.from(s.pos), Array.from(s.neg)];
    const a = recallAtPrecision(s, 0.75);
    precisionAtRecall(s, 0.5);
    assert.deepEqual([Array.from(s.pos), Array.from(s.neg)], before);
    assert.deepEqual(recallAtPrecision(s, 0.75), a);
    // ≥ 0.7 flags 0.9, 0.8, 0.7, 0.7: tp 2, fp 2 → 0.5; ≥ 0.9: 1/1; ≥ 0.3 flags 6: tp 4 → 4/6.
    assert.equal(a.value, 0.25);
    assert.equal(a.threshold, 0.9);
    assert.equal(precisionAtRecall(s, 1).value, 4 / 6);
  });

  it('float32 scores (as an ONNX model outputs them) give what the same values in float64 give', () => {
    const c = golden.binary[0]!;
    const yTrue = Int32Array.from(c.yTrue);
    const f32 = Float32Array.from(c.scores);
    const f64 = Float64Array.from(f32);
    const a = sortScores(yTrue, f32, c.positive);
    const b = sortScores(yTrue, f64, c.positive);
    assert.deepEqual(recallAtPrecision(a, 0.9), recallAtPrecision(b, 0.9));
    assert.deepEqual(precisionAtRecall(a, 0.8), precisionAtRecall(b, 0.8));
    assert.deepEqual(metricsAtThreshold(yTrue, f32, 1, 0.5), metricsAtThreshold(yTrue, f64, 1, 0.5));
    const pred = (s: Float32Array | Float64Array): Prediction => ({ kind: 'threshold', scores: s, threshold: 0.5, positive: 1 });
    assert.deepEqual(
      matrixCost(yTrue, pred(f32), [
        [0, 1],
        [5, 0],
      ]),
      matrixCost(yTrue, pred(f64), [
        [0, 1],
        [5, 0],
      ]),
    );
  });

  it('a value matrix is a cost matrix with gains: negating the matrix negates the total', () => {
    const yTrue = Int32Array.from([0, 1, 1, 0, 1]);
    const pred: Prediction = { kind: 'classes', yPred: Int32Array.from([0, 1, 0, 1, 1]) };
    const cost = matrixCost(yTrue, pred, [
      [0, 2],
      [7, -1],
    ]);
    const value = matrixCost(yTrue, pred, [
      [-0, -2],
      [-7, 1],
    ]);
    assert.equal(cost.total, 2 + 7 - 2);
    assert.equal(value.total, -cost.total);
    assert.equal(cost.perRow, 7 / 5);
  });

  it('bad input throws one line naming the metric', () => {
    const y = Int32Array.from([0, 1]);
    const cases: [() => unknown, RegExp][] = [
      [
        () =>
          matrixCost(new Int32Array(0), { kind: 'classes', yPred: new Int32Array(0) }, [
            [0, 1],
            [1, 0],
          ]),
        /^cost_matrix: no rows/,
      ],
      [
        () =>
          matrixCost(y, { kind: 'classes', yPred: Int32Array.from([0, 2]) }, [
            [0, 1],
            [1, 0],
          ]),
        /^cost_matrix: y_pred holds class 2 at row 1/,
      ],
      [
        () =>
          matrixCost(Int32Array.from([0, 3]), { kind: 'classes', yPred: y }, [
            [0, 1],
            [1, 0],
          ]),
        /^cost_matrix: y_true holds class 3/,
      ],
      [() => matrixCost(y, { kind: 'classes', yPred: y }, [[0, 1], [1]]), /^cost_matrix: row 1 of the matrix has 1 entries/],
      [
        () =>
          matrixCost(y, { kind: 'classes', yPred: y }, [
            [0, NaN],
            [1, 0],
          ]),
        /^cost_matrix: matrix\[0\]\[1\] must be a finite number/,
      ],
      [
        () =>
          matrixCost(y, { kind: 'argmax', proba: Float64Array.from([0.1, 0.9, NaN, 0.5]) }, [
            [0, 1],
            [1, 0],
          ]),
        /^cost_matrix: proba holds NaN at row 2/,
      ],
      [
        () =>
          matrixCost(y, { kind: 'argmax', proba: Float64Array.from([0.1, 0.9]) }, [
            [0, 1],
            [1, 0],
          ]),
        /^cost_matrix: proba has 2 values/,
      ],
      [
        () =>
          matrixCost(y, { kind: 'threshold', scores: Float64Array.from([0.2, 0.3]), threshold: 0.5, positive: 1 }, [
            [0, 1, 1],
            [1, 0, 1],
            [1, 1, 0],
          ]),
        /^cost_matrix: a decision threshold needs a binary/,
      ],
      [() => metricsAtThreshold(y, Float64Array.from([0.2, Infinity]), 1, 0.5), /^metrics_at_threshold: scores holds Infinity at row 1/],
      [() => metricsAtThreshold(y, Float64Array.from([0.2, 0.4]), 1, NaN), /^metrics_at_threshold: threshold must be a finite number/],
      [() => metricsAtThreshold(new Int32Array(0), new Float64Array(0), 1, 0.5), /^metrics_at_threshold: no rows/],
      [() => sortScores(y, Float64Array.from([0.2]), 1), /^precision_recall_curve: y_true has 2 rows but scores has 1/],
      [() => recallAtPrecision(sortScores(y, Float64Array.from([0.2, 0.4]), 1), 0), /^recall_at_precision: the precision must be in \(0, 1\]/],
      [() => precisionAtRecall(sortScores(y, Float64Array.from([0.2, 0.4]), 1), 1.5), /^precision_at_recall: the recall must be in \(0, 1\]/],
      [() => withinErrorBand(Float64Array.from([1]), Float64Array.from([NaN]), 1), /^within_absolute_error: y_pred holds NaN at row 0/],
      [() => withinErrorBand(Float64Array.from([1]), Float64Array.from([1]), -1, 'relative'), /^within_relative_error: the band must be ≥ 0/],
      [() => withinErrorBand(new Float64Array(0), new Float64Array(0), 1), /^within_absolute_error: no rows/],
    ];
    for (const [fn, re] of cases) {
      assert.throws(fn, (e: unknown) => e instanceof BusinessMetricError && re.test(e.message) && !e.message.includes('\n'), String(re));
    }
  });
});
