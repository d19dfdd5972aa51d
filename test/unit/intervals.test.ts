import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { analyticInterval } from '../../engine/evaluation/significance/analytic.js';
import { bootstrapInterval, Xoshiro128StarStar, type BootstrapInput } from '../../engine/evaluation/significance/bootstrap.js';
import { ANALYTIC_MIN_ROWS, closedFormFor, metricInterval, resampleRanges } from '../../engine/evaluation/significance/interval.js';
import { normalQuantile } from '../../engine/math/special/normal.js';

// Golden file: scripts/fixtures/golden_intervals.py
interface Golden {
  confidence: number;
  resamples: number;
  bootstrapSeed: number;
  cases: {
    task: 'binary' | 'multiclass' | 'regression';
    rows: number;
    seed: number;
    results: Record<
      string,
      {
        value: number;
        closedForm: { method: string; se: number; low: number; high: number };
        bootstrap?: { low: number; high: number; undefinedResamples: number };
      }
    >;
  }[];
}

const golden = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/golden/intervals.json', import.meta.url)), 'utf8')) as Golden;

/** The golden script's fixture windows, from the same generator and the same exact arithmetic. */
function windowOf(task: Golden['cases'][number]['task'], n: number, seed: number): BootstrapInput {
  const g = Xoshiro128StarStar.fromSeed(seed);
  if (task === 'binary') {
    const yTrue = new Int32Array(n);
    const proba = new Float64Array(2 * n);
    const yPred = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      yTrue[i] = g.next() % 1000 < 300 ? 1 : 0;
      const a = g.next() % 600;
      const p = (a + 250 * yTrue[i]! + (g.next() % 150)) / 1000;
      proba[2 * i] = 1 - p;
      proba[2 * i + 1] = p;
      yPred[i] = p >= 0.5 ? 1 : 0;
    }
    return { task, metric: '', yTrue, yPred, proba, nClasses: 2, positive: 1 };
  }
  if (task === 'multiclass') {
    const k = 3;
    const yTrue = new Int32Array(n);
    const yPred = new Int32Array(n);
    const proba = new Float64Array(k * n);
    for (let i = 0; i < n; i++) {
      yTrue[i] = g.next() % k;
      const r = [0, 1, 2].map((c) => (g.next() % 500) + 1 + (c === yTrue[i] ? 300 : 0));
      const s = r[0]! + r[1]! + r[2]!;
      let best = 0;
      for (let c = 0; c < k; c++) {
        proba[i * k + c] = r[c]! / s;
        if (proba[i * k + c]! > proba[i * k + best]!) best = c;
      }
      yPred[i] = best;
    }
    return { task, metric: '', yTrue, yPred, proba, nClasses: k };
  }
  const yTrue = new Float64Array(n);
  const yPred = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    yTrue[i] = 50 + (g.next() % 2000) / 100;
    yPred[i] = yTrue[i]! + ((g.next() % 1000) - 500) / 100;
  }
  return { task, metric: '', yTrue, yPred };
}

function close(actual: number, expected: number, what: string, rel = 1e-9): void {
  assert.ok(
    Math.abs(actual - expected) <= rel * Math.max(Math.abs(expected), 1e-300),
    `${what}: expected ${expected}, got ${actual} (difference ${actual - expected})`,
  );
}

const windows = new Map(golden.cases.map((c) => [`${c.task}/${c.rows}`, windowOf(c.task, c.rows, c.seed)]));
const input = (c: Golden['cases'][number], metric: string): BootstrapInput => ({ ...windows.get(`${c.task}/${c.rows}`)!, metric });

/** Distance of the closed-form ends from the bootstrap's, in units of the bootstrap interval's width. */
function endGap(cf: { low: number; high: number }, bs: { low: number; high: number }): number {
  const width = bs.high - bs.low;
  return Math.max(Math.abs(cf.low - bs.low), Math.abs(cf.high - bs.high)) / width;
}

describe('closed-form intervals', () => {
  it('uses the normal quantiles of scipy.stats.norm.ppf', () => {
    const ref: [number, number][] = [
      [0.5, 0],
      [0.75, 0.6744897501960817],
      [0.9, 1.2815515655446004],
      [0.95, 1.6448536269514722],
      [0.975, 1.959963984540054],
      [0.995, 2.5758293035489004],
      [0.9995, 3.2905267314919255],
      [0.005, -2.575829303548901],
      [0.01, -2.3263478740408408],
      [0.3, -0.5244005127080409],
    ];
    for (const [p, z] of ref) assert.ok(Math.abs(normalQuantile(p) - z) <= 1e-13 * Math.max(1, Math.abs(z)), `ppf(${p}) = ${normalQuantile(p)}, expected ${z}`);
    assert.throws(() => normalQuantile(1), RangeError);
  });

  describe('match the reference implementations (golden file)', () => {
    for (const c of golden.cases) {
      it(`${c.task}, ${c.rows} rows: every metric's method, standard error and ends`, () => {
        for (const [metric, g] of Object.entries(c.results)) {
          const r = analyticInterval(input(c, metric), golden.confidence);
          assert.ok(r, `${metric}: no closed form`);
          assert.equal(r.method, g.closedForm.method, metric);
          close(r.value, g.value, `${metric} value`);
          close(r.se, g.closedForm.se, `${metric} se`);
          close(r.low, g.closedForm.low, `${metric} low`);
          close(r.high, g.closedForm.high, `${metric} high`);
        }
      });
    }
  });

  describe('agree with the percentile bootstrap from the automatic threshold on', () => {
    // The golden bootstrap has 1,000 resamples: its own ends vary by about 2% of the width (Monte
    // Carlo error of the 2.5% and 97.5% quantiles). Largest gap on the goldens: 5.9% (r2).
    const TOLERANCE = 0.07;
    for (const c of golden.cases.filter((k) => k.rows >= ANALYTIC_MIN_ROWS && Object.values(k.results).some((r) => r.bootstrap))) {
      it(`${c.task}, ${c.rows} rows: ends within ${Math.round(TOLERANCE * 100)}% of the bootstrap interval's width`, () => {
        for (const [metric, g] of Object.entries(c.results)) {
          const gap = endGap(g.closedForm, g.bootstrap!);
          assert.ok(
            gap <= TOLERANCE,
            `${metric}: closed form [${g.closedForm.low}, ${g.closedForm.high}] vs bootstrap [${g.bootstrap!.low}, ${g.bootstrap!.high}]: ${(gap * 100).toFixed(1)}% of the width`,
          );
        }
      });
    }

    it('and the bootstrap of the golden script is ours, resample for resample, on 20,000 rows', function () {
      this.timeout(60_000);
      const c = golden.cases.find((k) => k.task === 'binary' && k.rows === 20_000)!;
      for (const metric of ['roc_auc', 'accuracy', 'f1']) {
        const r = bootstrapInterval({ ...input(c, metric), resamples: golden.resamples, seed: golden.bootstrapSeed, confidence: golden.confidence });
        close(r.low!, c.results[metric]!.bootstrap!.low, `${metric} bootstrap low`);
        close(r.high!, c.results[metric]!.bootstrap!.high, `${metric} bootstrap high`);
      }
    });
  });

  describe('choice of method', () => {
    const small = golden.cases.find((k) => k.task === 'binary' && k.rows < ANALYTIC_MIN_ROWS)!;
    const large = golden.cases.find((k) => k.task === 'binary' && k.rows >= ANALYTIC_MIN_ROWS)!;

    it('auto: the bootstrap below the threshold, a closed form from it on, the bootstrap for average_precision', () => {
      assert.equal(metricInterval(input(small, 'roc_auc'), { resamples: 20 }).method, 'bootstrap');
      assert.equal(metricInterval(input(large, 'roc_auc'), { resamples: 20 }).method, 'delong');
      assert.equal(metricInterval(input(large, 'accuracy'), { resamples: 20 }).method, 'wilson');
      assert.equal(metricInterval(input(large, 'average_precision'), { resamples: 5 }).method, 'bootstrap');
    });

    it('bootstrap and analytic force the method where it exists', () => {
      assert.equal(metricInterval(input(large, 'roc_auc'), { method: 'bootstrap', resamples: 5 }).method, 'bootstrap');
      assert.equal(metricInterval(input(small, 'roc_auc'), { method: 'analytic', resamples: 5 }).method, 'delong');
      assert.equal(metricInterval(input(small, 'average_precision'), { method: 'analytic', resamples: 5 }).method, 'bootstrap');
    });

    it('reflects the interval into the drop from the baseline, in the direction of the metric', () => {
      const auc = closedFormFor(input(large, 'roc_auc'), { baseline: 0.9 })!;
      assert.deepEqual(auc.drop, { baseline: 0.9, value: 0.9 - auc.value!, low: 0.9 - auc.high!, high: 0.9 - auc.low! });
      const ll = closedFormFor(input(large, 'log_loss'), { baseline: 0.4 })!;
      assert.deepEqual(ll.drop, { baseline: 0.4, value: ll.value! - 0.4, low: ll.low! - 0.4, high: ll.high! - 0.4 });
    });

    it('has no closed form where the metric is undefined or a label is unknown', () => {
      const w = input(small, 'roc_auc') as BootstrapInput & { task: 'binary' };
      const oneClass = { ...w, yTrue: new Int32Array(w.yTrue.length) };
      assert.equal(analyticInterval(oneClass), null);
      const unknown = { ...w, yTrue: Int32Array.from(w.yTrue, (v, i) => (i === 0 ? 5 : v)) };
      assert.equal(analyticInterval({ ...unknown, metric: 'accuracy' }), null);
    });

    it('splits resamples into contiguous ranges', () => {
      assert.deepEqual(resampleRanges(200, 3), [
        { from: 0, to: 66 },
        { from: 66, to: 133 },
        { from: 133, to: 200 },
      ]);
      assert.deepEqual(resampleRanges(2, 4), [
        { from: 0, to: 1 },
        { from: 1, to: 2 },
      ]);
    });
  });
});
