import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { sortFloat32, sortFloat64 } from '../../engine/math/sort.js';
import { FLOAT64_EPS } from '../../engine/math/sum.js';
import {
  BINARY_METRICS,
  binaryMetrics,
  MULTICLASS_METRICS,
  multiclassMetrics,
  REGRESSION_METRICS,
  regressionMetrics,
  type MetricsResult,
} from '../../engine/evaluation/metrics/index.js';

// ------------------------------------------------------------------------------------------------
// Golden file (scripts/fixtures/golden_metrics.py)

interface GoldenMetric {
  sklearn_value: number | null;
  sklearn_nan: boolean;
  sklearn_error: string | null;
  sklearn_warnings: string[];
  expected: number | null;
  expect_warning: boolean;
  policy: string | null;
}

interface GoldenCase {
  name: string;
  kind: 'binary' | 'multiclass' | 'regression';
  description: string;
  input: {
    yTrue: number[];
    yPred: number[];
    proba?: number[];
    nClasses?: number;
    positive?: number;
  };
  metrics: Record<string, GoldenMetric>;
}

interface GoldenFile {
  versions: Record<string, string>;
  tolerance: { relative: number; absolute: number };
  cases: GoldenCase[];
}

const goldenPath = fileURLToPath(new URL('../fixtures/golden/metrics.json', import.meta.url));
const golden = JSON.parse(readFileSync(goldenPath, 'utf8')) as GoldenFile;

const REL = 1e-9;
const ABS = 1e-12;

function close(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= Math.max(REL * Math.abs(expected), ABS);
}

function run(c: GoldenCase): MetricsResult {
  const i = c.input;
  if (c.kind === 'regression') {
    return regressionMetrics({ yTrue: Float64Array.from(i.yTrue), yPred: Float64Array.from(i.yPred) });
  }
  const base = {
    yTrue: Int32Array.from(i.yTrue),
    yPred: Int32Array.from(i.yPred),
    proba: Float64Array.from(i.proba ?? []),
    nClasses: i.nClasses ?? 0,
  };
  return c.kind === 'binary' ? binaryMetrics({ ...base, positive: i.positive ?? -1 }) : multiclassMetrics(base);
}

function namesFor(kind: GoldenCase['kind']): readonly string[] {
  return kind === 'binary' ? BINARY_METRICS : kind === 'multiclass' ? MULTICLASS_METRICS : REGRESSION_METRICS;
}

/** Every metric finite or null, every null explained, no warning on a null metric. */
function assertWellFormed(result: MetricsResult): void {
  for (const [name, value] of Object.entries(result.metrics)) {
    if (value === null) {
      assert.ok(typeof result.reasons[name] === 'string' && result.reasons[name] !== '', `${name}: null without a reason`);
      assert.equal(result.warnings[name], undefined, `${name}: warning on a null metric`);
    } else {
      assert.ok(Number.isFinite(value), `${name}: not finite (${value})`);
      assert.equal(result.reasons[name], undefined, `${name}: reason on a metric that has a value`);
    }
  }
}

describe('evaluation metrics', () => {
  describe('agreement with scikit-learn goldens', () => {
    it('were generated with a recorded scikit-learn version and cover every kind of metric', () => {
      assert.match(golden.versions['scikit-learn'] ?? '', /^\d+\.\d+/);
      assert.deepEqual(new Set(golden.cases.map((c) => c.kind)), new Set(['binary', 'multiclass', 'regression']));
      for (const c of golden.cases) assert.deepEqual(Object.keys(c.metrics).sort(), [...namesFor(c.kind)].sort(), c.name);
    });

    for (const c of golden.cases) {
      it(`reproduces every metric of case ${c.name}: ${c.description}`, () => {
        const result = run(c);
        assertWellFormed(result);
        assert.deepEqual(Object.keys(result.metrics).sort(), Object.keys(c.metrics).sort());
        const problems: string[] = [];
        for (const [name, g] of Object.entries(c.metrics)) {
          const actual = (result.metrics as Record<string, number | null>)[name];
          if (g.expected === null) {
            if (actual !== null) {
              problems.push(`${name}: expected null (sklearn: ${g.sklearn_error ?? (g.sklearn_nan ? 'NaN' : g.policy)}), got ${actual}`);
            }
            continue;
          }
          if (actual === null || actual === undefined) {
            problems.push(`${name}: expected ${g.expected}, got null (${result.reasons[name]})`);
            continue;
          }
          if (!close(actual, g.expected)) {
            problems.push(`${name}: expected ${g.expected}, got ${actual} (diff ${actual - g.expected})`);
          }
          const warned = result.warnings[name] !== undefined;
          if (warned !== g.expect_warning) {
            problems.push(
              `${name}: scikit-learn ${g.expect_warning ? `warned (${g.sklearn_warnings.join('; ') || g.policy})` : 'did not warn'}, ` +
                `ours ${warned ? `warned: ${result.warnings[name]}` : 'did not'}`,
            );
          }
        }
        assert.deepEqual(problems, []);
      });
    }
  });

  describe('binary metrics', () => {
    const docExample = () => ({
      yTrue: Int32Array.from([0, 0, 1, 1]),
      yPred: Int32Array.from([0, 0, 0, 1]),
      proba: Float64Array.from([0.9, 0.1, 0.6, 0.4, 0.65, 0.35, 0.2, 0.8]),
      nClasses: 2,
      positive: 1,
    });

    it('matches the roc_auc and average_precision examples from the scikit-learn documentation', () => {
      const r = binaryMetrics(docExample());
      assert.equal(r.metrics.roc_auc, 0.75);
      assert.ok(close(r.metrics.average_precision ?? NaN, 0.8333333333333333));
    });

    it('matches the log_loss and brier_score_loss documentation examples', () => {
      // log_loss(["spam", "ham", "ham", "spam"], [[.1, .9], [.9, .1], [.8, .2], [.35, .65]]) with ham = 0, spam = 1
      const ll = binaryMetrics({
        yTrue: Int32Array.from([1, 0, 0, 1]),
        yPred: Int32Array.from([1, 0, 0, 1]),
        proba: Float64Array.from([0.1, 0.9, 0.9, 0.1, 0.8, 0.2, 0.35, 0.65]),
        nClasses: 2,
        positive: 1,
      });
      assert.ok(close(ll.metrics.log_loss ?? NaN, 0.21616187468057912));
      // brier_score_loss([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3]) = 0.0375 (0.03749999999999999 in float64)
      const br = binaryMetrics({
        yTrue: Int32Array.from([0, 1, 1, 0]),
        yPred: Int32Array.from([0, 1, 1, 0]),
        proba: Float64Array.from([0.9, 0.1, 0.1, 0.9, 0.2, 0.8, 0.7, 0.3]),
        nClasses: 2,
        positive: 1,
      });
      assert.ok(close(br.metrics.brier ?? NaN, 0.03749999999999999));
    });

    it('gives half credit to tied scores: all-equal scores have AUC 0.5 and AP equal to the prevalence', () => {
      const r = binaryMetrics({
        yTrue: Int32Array.from([0, 1, 0, 1, 1]),
        yPred: Int32Array.from([1, 1, 1, 1, 1]),
        proba: Float64Array.from([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]),
        nClasses: 2,
        positive: 1,
      });
      assert.equal(r.metrics.roc_auc, 0.5);
      assert.ok(close(r.metrics.average_precision ?? NaN, 0.6));
    });

    it('computes the same AUC as a brute-force pairwise count on random data with many ties', () => {
      let seed = 12345;
      const rand = () => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed / 2147483648;
      };
      for (let trial = 0; trial < 20; trial++) {
        const n = 50 + Math.floor(rand() * 150);
        const yTrue = new Int32Array(n);
        const proba = new Float64Array(2 * n);
        for (let i = 0; i < n; i++) {
          yTrue[i] = rand() < 0.4 ? 1 : 0;
          const s = Math.round((rand() * 0.6 + 0.4 * (yTrue[i] as number)) * 20) / 20;
          proba[2 * i] = 1 - s;
          proba[2 * i + 1] = s;
        }
        let wins = 0;
        let pairs = 0;
        for (let i = 0; i < n; i++) {
          if (yTrue[i] !== 1) continue;
          for (let j = 0; j < n; j++) {
            if (yTrue[j] !== 0) continue;
            pairs++;
            const a = proba[2 * i + 1] as number;
            const b = proba[2 * j + 1] as number;
            wins += a > b ? 1 : a === b ? 0.5 : 0;
          }
        }
        const r = binaryMetrics({ yTrue, yPred: new Int32Array(n), proba, nClasses: 2, positive: 1 });
        assert.ok(close(r.metrics.roc_auc ?? NaN, wins / pairs), `trial ${trial}`);
      }
    });

    it('clips probabilities to [eps, 1 - eps] in log_loss so a confidently wrong row costs -log(eps)', () => {
      const r = binaryMetrics({
        yTrue: Int32Array.from([0, 1]),
        yPred: Int32Array.from([1, 1]),
        proba: Float64Array.from([0, 1, 0, 1]),
        nClasses: 2,
        positive: 1,
      });
      assert.ok(close(r.metrics.log_loss ?? NaN, -Math.log(FLOAT64_EPS) / 2));
    });

    it('warns but does not renormalise when probability rows do not sum to one', () => {
      const r = binaryMetrics({
        yTrue: Int32Array.from([0, 1]),
        yPred: Int32Array.from([1, 1]),
        proba: Float64Array.from([0.1, 0.9 + 3e-8, 0.2, 0.8]),
        nClasses: 2,
        positive: 1,
      });
      assert.ok(close(r.metrics.log_loss ?? NaN, 1.2628643221541276));
      assert.match(r.warnings.log_loss ?? '', /do not sum to one/);
      const within = binaryMetrics({
        yTrue: Int32Array.from([0, 1]),
        yPred: Int32Array.from([1, 1]),
        proba: Float64Array.from([0.1, 0.9 + 2e-8, 0.2, 0.8]),
        nClasses: 2,
        positive: 1,
      });
      assert.equal(within.warnings.log_loss, undefined);
    });

    it('reports null with a reason for score metrics when probabilities contain NaN, keeping label metrics', () => {
      const input = docExample();
      input.proba[3] = NaN;
      const r = binaryMetrics(input);
      assertWellFormed(r);
      for (const name of ['roc_auc', 'average_precision', 'log_loss', 'brier'] as const) {
        assert.equal(r.metrics[name], null, name);
        assert.match(r.reasons[name] ?? '', /NaN/);
      }
      assert.equal(r.metrics.accuracy, 0.75);
    });

    it('reports log_loss and brier as null when a probability exceeds 1 but still ranks for AUC', () => {
      const input = docExample();
      input.proba[7] = 1.5;
      const r = binaryMetrics(input);
      assertWellFormed(r);
      assert.equal(r.metrics.log_loss, null);
      assert.equal(r.reasons.log_loss, "y_prob contains values greater than 1 (max 1.5); scikit-learn's log_loss raises.");
      assert.equal(r.metrics.brier, null);
      assert.equal(r.metrics.roc_auc, 0.75);
    });

    it("reports log_loss as null with scikit-learn's reason when a probability is below 0, in either task", () => {
      const input = docExample();
      input.proba[6] = -0.25;
      const binary = binaryMetrics(input);
      assertWellFormed(binary);
      assert.equal(binary.metrics.log_loss, null);
      assert.equal(binary.reasons.log_loss, "y_prob contains values less than 0 (min -0.25); scikit-learn's log_loss raises.");
      const multi = multiclassMetrics({ yTrue: input.yTrue, yPred: input.yPred, proba: input.proba, nClasses: 2 });
      assert.equal(multi.metrics.log_loss, null);
      assert.match(multi.reasons.log_loss!, /^y_prob contains values less than 0/);
      assert.equal(typeof multi.metrics.accuracy, 'number', 'label metrics are kept');
    });

    it('names classes in warnings when display labels are given', () => {
      const r = binaryMetrics({
        yTrue: Int32Array.from([0, 1, 1]),
        yPred: Int32Array.from([0, 0, 0]),
        proba: Float64Array.from([0.9, 0.1, 0.8, 0.2, 0.7, 0.3]),
        nClasses: 2,
        positive: 1,
        labels: ['legit', 'fraud'],
      });
      assert.equal(r.metrics.precision, 0);
      assert.match(r.warnings.precision ?? '', /"fraud" \(index 1\)/);
    });

    it('treats a single row as one class in y_true: AUC null, AP 1.0 as scikit-learn returns it', () => {
      const r = binaryMetrics({
        yTrue: Int32Array.from([1]),
        yPred: Int32Array.from([1]),
        proba: Float64Array.from([0.3, 0.7]),
        nClasses: 2,
        positive: 1,
      });
      assertWellFormed(r);
      assert.equal(r.metrics.roc_auc, null);
      assert.equal(r.metrics.average_precision, 1);
      assert.equal(r.metrics.accuracy, 1);
      assert.ok(close(r.metrics.brier ?? NaN, 0.09));
    });

    it('rejects structurally invalid input with a RangeError', () => {
      assert.throws(() => binaryMetrics({ ...docExample(), yPred: Int32Array.from([0, 1]) }), RangeError);
      assert.throws(() => binaryMetrics({ ...docExample(), proba: new Float64Array(3) }), RangeError);
      assert.throws(() => binaryMetrics({ ...docExample(), yPred: Int32Array.from([0, 0, 2, 1]) }), RangeError);
      assert.throws(() => binaryMetrics({ ...docExample(), yTrue: Int32Array.from([0, -1, 1, 1]) }), RangeError);
      assert.throws(() => binaryMetrics({ ...docExample(), positive: 2 }), RangeError);
      assert.throws(() => binaryMetrics({ ...docExample(), nClasses: 1, proba: new Float64Array(4) }), RangeError);
    });
  });

  describe('empty input', () => {
    it('returns every binary metric as null with a reason', () => {
      const r = binaryMetrics({
        yTrue: new Int32Array(0),
        yPred: new Int32Array(0),
        proba: new Float64Array(0),
        nClasses: 2,
        positive: 1,
      });
      assertWellFormed(r);
      for (const name of BINARY_METRICS) assert.equal(r.metrics[name], null, name);
    });

    it('returns every multiclass metric as null with a reason', () => {
      const r = multiclassMetrics({ yTrue: new Int32Array(0), yPred: new Int32Array(0), proba: new Float64Array(0), nClasses: 3 });
      assertWellFormed(r);
      for (const name of MULTICLASS_METRICS) assert.equal(r.metrics[name], null, name);
    });

    it('returns every regression metric as null with a reason', () => {
      const r = regressionMetrics({ yTrue: new Float64Array(0), yPred: new Float64Array(0) });
      assertWellFormed(r);
      for (const name of REGRESSION_METRICS) assert.equal(r.metrics[name], null, name);
    });
  });

  describe('multiclass metrics', () => {
    it('reports ovr AUC as null when probability rows are not normalised, keeping the label metrics', () => {
      const r = multiclassMetrics({
        yTrue: Int32Array.from([0, 1, 2, 1]),
        yPred: Int32Array.from([0, 1, 0, 2]),
        proba: Float64Array.from([0.5, 0.3, 0.2, 0.2, 0.5, 0.3, 0.6, 0.2, 0.2, 0.1, 0.1, 0.8001]),
        nClasses: 3,
      });
      assertWellFormed(r);
      assert.equal(r.metrics.roc_auc_ovr_macro, null);
      assert.match(r.reasons.roc_auc_ovr_macro ?? '', /sum to 1/);
      assert.equal(r.metrics.accuracy, 0.5);
    });

    it('is invariant to row order', () => {
      const yTrue = Int32Array.from([0, 1, 2, 2, 1, 0, 2]);
      const yPred = Int32Array.from([0, 2, 2, 1, 1, 0, 2]);
      const rows = [
        [0.7, 0.2, 0.1],
        [0.2, 0.3, 0.5],
        [0.1, 0.2, 0.7],
        [0.3, 0.4, 0.3],
        [0.25, 0.5, 0.25],
        [0.6, 0.3, 0.1],
        [0.1, 0.1, 0.8],
      ];
      const order = [6, 2, 4, 0, 5, 1, 3];
      const a = multiclassMetrics({ yTrue, yPred, proba: Float64Array.from(rows.flat()), nClasses: 3 });
      const b = multiclassMetrics({
        yTrue: Int32Array.from(order.map((i) => yTrue[i] as number)),
        yPred: Int32Array.from(order.map((i) => yPred[i] as number)),
        proba: Float64Array.from(order.flatMap((i) => rows[i] as number[])),
        nClasses: 3,
      });
      for (const name of MULTICLASS_METRICS) {
        assert.ok(close(b.metrics[name] ?? NaN, a.metrics[name] ?? NaN), name);
      }
    });
  });

  describe('regression metrics', () => {
    it('matches the r2_score and mean_absolute_percentage_error documentation examples', () => {
      const r = regressionMetrics({ yTrue: Float64Array.from([3, -0.5, 2, 7]), yPred: Float64Array.from([2.5, 0, 2, 8]) });
      assert.ok(close(r.metrics.r2 ?? NaN, 0.9486081370449679));
      assert.ok(close(r.metrics.mape ?? NaN, 0.3273809523809524));
    });

    it('uses float64 machine epsilon as the MAPE denominator for zero targets', () => {
      const r = regressionMetrics({ yTrue: Float64Array.from([0, 1]), yPred: Float64Array.from([1, 1]) });
      assert.equal(r.metrics.mape, 2251799813685248);
    });

    it('reports r2 as null for a constant target, explaining scikit-learn convention', () => {
      const r = regressionMetrics({ yTrue: Float64Array.from([3.7, 3.7, 3.7]), yPred: Float64Array.from([3.6, 3.7, 3.9]) });
      assertWellFormed(r);
      assert.equal(r.metrics.r2, null);
      assert.match(r.reasons.r2 ?? '', /constant/);
      assert.match(r.reasons.r2 ?? '', /force_finite/);
      assert.ok(r.metrics.mae !== null);
    });

    it('reports every metric as null when an input contains NaN or infinity', () => {
      const r = regressionMetrics({ yTrue: Float64Array.from([1, NaN, 3]), yPred: Float64Array.from([1, 2, 3]) });
      assertWellFormed(r);
      for (const name of REGRESSION_METRICS) assert.equal(r.metrics[name], null, name);
    });

    it('turns floating-point overflow into null with a reason instead of Infinity', () => {
      const r = regressionMetrics({ yTrue: Float64Array.from([1e200, -1e200]), yPred: Float64Array.from([-1e200, 1e200]) });
      assertWellFormed(r);
      assert.equal(r.metrics.rmse, null);
      assert.match(r.reasons.rmse ?? '', /not finite/);
      assert.equal(r.metrics.mae, 2e200);
    });

    it('rejects yTrue and yPred of different lengths with a RangeError', () => {
      assert.throws(() => regressionMetrics({ yTrue: new Float64Array(2), yPred: new Float64Array(3) }), RangeError);
    });
  });
});

describe('sorting scores for ranking metrics', function () {
  it('orders float64 values exactly as TypedArray#sort does, negatives, zeros and ties included', function () {
    let seed = 7;
    const u = (): number => ((seed = (seed * 16807) % 2147483647), seed / 2147483647);
    for (const n of [513, 5000, 100_000]) {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const r = u();
        a[i] = r < 0.1 ? Math.round(u() * 10) / 10 : r < 0.2 ? -u() * 1e6 : r < 0.25 ? 0 : r < 0.3 ? -0 : Math.fround(u());
      }
      const expected = Float64Array.from(a).sort();
      sortFloat64(a);
      assert.deepEqual(
        Array.from(a, (v) => (Object.is(v, -0) ? 0 : v)),
        Array.from(expected, (v) => (Object.is(v, -0) ? 0 : v)),
      );
    }
  });
});

describe('sorting float32 scores', function () {
  it('orders float32 values exactly as TypedArray#sort does, negatives, zeros, ties and probabilities included', function () {
    let seed = 11;
    const u = (): number => ((seed = (seed * 16807) % 2147483647), seed / 2147483647);
    for (const n of [100, 513, 5000, 100_000]) {
      for (const probabilities of [false, true]) {
        const a = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          const r = u();
          a[i] = probabilities
            ? r < 0.2
              ? Math.round(u() * 100) / 100
              : u() ** 8
            : r < 0.1
              ? Math.round(u() * 10) / 10
              : r < 0.2
                ? -u() * 1e6
                : r < 0.25
                  ? 0
                  : r < 0.3
                    ? -0
                    : r < 0.35
                      ? 3e38 * (u() - 0.5)
                      : u();
        }
        const expected = Float32Array.from(a).sort();
        sortFloat32(a);
        // Bit for bit: -0 before +0 as TypedArray#sort puts them.
        assert.deepEqual(Array.from(new Uint32Array(a.buffer)), Array.from(new Uint32Array(expected.buffer)));
      }
    }
  });
});

describe('sorting scores into a separate array', function () {
  it('leaves the input untouched and writes the same order as an in-place sort', function () {
    const a = Float64Array.from({ length: 4000 }, (_, i) => Math.sin(i * 7.3) * 100);
    const before = a.slice();
    const out = new Float64Array(a.length);
    sortFloat64(a, out);
    assert.deepEqual(Array.from(a), Array.from(before));
    assert.deepEqual(Array.from(out), Array.from(before.sort()));
  });
});
