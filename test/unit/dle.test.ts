import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { EstimationSummary } from '../../domain/estimation.js';
import { DLE_BLIND_SPOT, estimateDle, fitDle, type DleState } from '../../engine/estimation/dle.js';
import { Mulberry32 } from '../../engine/math/random.js';
import type { RowMatrix } from '../../engine/multivariate/types.js';

interface Part {
  [column: string]: number[];
}
interface Case {
  name: string;
  features: string[];
  chunkSize: number;
  reference: Part;
  analysis: Part;
  chunks: {
    start: number;
    end: number;
    metrics: Record<string, { estimated: number; samplingError: number; lower: number; upper: number; realized: number }>;
  }[];
}
const GOLDEN = JSON.parse(readFileSync(path.join(import.meta.dirname, '../fixtures/golden/dle.json'), 'utf8')) as {
  nannyml: string;
  metrics: string[];
  cases: Case[];
};

function part(p: Part, features: string[], from = 0, to = p['y_pred']!.length): { features: RowMatrix; yPred: Float64Array; yTrue: Float64Array } {
  const rows = to - from;
  const d = features.length;
  const values = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) values[r * d + j] = p[features[j]!]![from + r]!;
  return {
    features: { columns: features, rows, values },
    yPred: Float64Array.from(p['y_pred']!.slice(from, to)),
    yTrue: Float64Array.from(p['y_true']!.slice(from, to)),
  };
}

/**
 * Per-chunk relative tolerance against NannyML's estimate (its LightGBM loss models against our
 * trees; same data, same settings). Measured (this fixture): car_price at most 1.1% for mae and
 * rmse and 3.1% for mape; diabetes (50-row chunks, 200 reference rows) at most 3.3%. The
 * tolerances leave about 1.5× room; in units of the estimate's sampling error the car-price gaps
 * are below 0.4 SE for mae and rmse (docs/statistics/estimation.md).
 */
const TOLERANCE: Record<string, Record<string, number>> = {
  car_price: { mae: 0.02, rmse: 0.02, mape: 0.045 },
  diabetes: { mae: 0.05, rmse: 0.05, mape: 0.05 },
};

describe(`DLE against NannyML ${GOLDEN.nannyml} (test/fixtures/golden/dle.json)`, () => {
  for (const c of GOLDEN.cases) {
    describe(c.name, () => {
      let state: DleState;
      let estimates: EstimationSummary[];
      before(() => {
        state = fitDle(part(c.reference, c.features), { metrics: ['mae', 'rmse', 'mape', 'r2'], seed: 0 });
        estimates = c.chunks.map((ch) => estimateDle(state, part(c.analysis, c.features, ch.start, ch.end)));
      });

      it('estimates mae, rmse and mape (not r2) with NannyML’s sampling error and band', () => {
        assert.deepEqual(state.metrics, ['mae', 'rmse', 'mape']);
        for (const [k, ch] of c.chunks.entries()) {
          const est = estimates[k]!;
          assert.equal(est.rows, ch.end - ch.start);
          assert.equal(est.blindSpot, DLE_BLIND_SPOT);
          assert.ok(!('r2' in est.metrics));
          for (const m of GOLDEN.metrics) {
            const ours = est.metrics[m]!;
            const theirs = ch.metrics[m]!;
            const se = (ours.upper! - ours.value!) / 3;
            assert.ok(Math.abs(se - theirs.samplingError) <= 1e-9 * theirs.samplingError, `${m} chunk ${ch.start}: SE ${se} vs ${theirs.samplingError}`);
            assert.ok(Math.abs(ours.lower! - Math.max(0, ours.value! - 3 * se)) < 1e-9 * ours.value!);
          }
        }
      });

      it('per chunk within the measured tolerance of NannyML’s estimate', () => {
        const worst: Record<string, number> = {};
        for (const [k, ch] of c.chunks.entries()) {
          const est = estimates[k]!;
          for (const m of GOLDEN.metrics) {
            const rel = Math.abs(est.metrics[m]!.value! - ch.metrics[m]!.estimated) / ch.metrics[m]!.estimated;
            worst[m] = Math.max(worst[m] ?? 0, rel);
            assert.ok(
              rel <= TOLERANCE[c.name]![m]!,
              `${c.name} ${m} chunk ${ch.start}: ours ${est.metrics[m]!.value}, NannyML ${ch.metrics[m]!.estimated} (${(100 * rel).toFixed(2)}%)`,
            );
          }
        }
      });

      it('tracks the realized value per chunk about as well as NannyML does', () => {
        for (const m of GOLDEN.metrics) {
          let ours = 0;
          let theirs = 0;
          for (const [k, ch] of c.chunks.entries()) {
            const est = estimates[k]!;
            ours += Math.abs(est.metrics[m]!.value! - ch.metrics[m]!.realized);
            theirs += Math.abs(ch.metrics[m]!.estimated - ch.metrics[m]!.realized);
          }
          assert.ok(
            ours <= 1.25 * theirs + 1e-12,
            `${c.name} ${m}: mean |estimate − realized| ours ${ours / c.chunks.length}, NannyML ${theirs / c.chunks.length}`,
          );
        }
      });

      if (c.name === 'car_price') {
        it('follows the realized drop of the drifted second half', () => {
          const est = estimates.map((e) => e.metrics['mae']!.value!);
          const real = c.chunks.map((ch) => ch.metrics['mae']!.realized);
          const half = (v: number[], second: boolean): number => v.slice(second ? 5 : 0, second ? 10 : 5).reduce((a, b) => a + b, 0) / 5;
          const realDrop = half(real, false) - half(real, true);
          const estDrop = half(est, false) - half(est, true);
          assert.ok(realDrop > 100);
          assert.ok(Math.abs(estDrop - realDrop) < 0.25 * realDrop, `estimated drop ${estDrop}, realized ${realDrop}`);
        });
      }
    });
  }
});

describe('DLE reliability and inputs', () => {
  /** y = 3·x0 + noise whose size grows with |x1|; the model predicts 3·x0 (so the loss depends on x1). */
  function rows(n: number, seed: number, opts: { noise?: number; concept?: number } = {}): { features: RowMatrix; yPred: Float64Array; yTrue: Float64Array } {
    const rng = new Mulberry32(seed);
    const g = (): number => Math.sqrt(-2 * Math.log(rng.next() || 1e-12)) * Math.cos(2 * Math.PI * rng.next());
    const values = new Float64Array(n * 2);
    const yPred = new Float64Array(n);
    const yTrue = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      values[r * 2] = g();
      values[r * 2 + 1] = g();
      yPred[r] = 3 * values[r * 2]! + 10;
      yTrue[r] = yPred[r]! + (opts.concept ?? 0) * values[r * 2]! + (opts.noise ?? 1) * (0.2 + Math.abs(values[r * 2 + 1]!)) * g();
    }
    return { features: { columns: ['x0', 'x1'], rows: n, values }, yPred, yTrue };
  }

  let state: DleState;
  before(() => {
    state = fitDle(rows(2000, 1), { metrics: ['mae', 'rmse'], seed: 1 });
  });

  it('a well-specified reference is reliable, and labelled window rows that agree keep it so', () => {
    const w = rows(1000, 2);
    const est = estimateDle(state, w, w);
    assert.equal(est.reliability.reliable, true, est.reliability.why);
    assert.ok(state.referenceError !== null && state.referenceError <= state.referenceBound!, `${state.referenceError} vs ${state.referenceBound}`);
    assert.ok(est.reliability.windowError! < 0.1);
  });

  it('concept drift: the estimate stays put, the labelled rows show it and mark the estimate unreliable with the measured error', () => {
    const w = rows(1000, 3, { concept: 3 });
    const blind = estimateDle(state, w);
    assert.equal(blind.reliability.reliable, true, 'without labels the drift is invisible: the blind spot');
    const seen = estimateDle(state, w, w);
    assert.equal(seen.reliability.reliable, false);
    assert.ok(seen.reliability.windowError! > 0.5, `${seen.reliability.windowError}`);
    assert.match(seen.reliability.why!, /labelled rows the (mae|rmse) estimate is off by \d+\.\d% of the realized value/);
  });

  it('a loss model that overfits its reference is marked unreliable by the held-out check', () => {
    // the inputs say nothing about the loss, which has a heavy tail: the trees chase the reference's outliers
    const rng = new Mulberry32(1);
    const n = 1000;
    const values = new Float64Array(n * 2).map(() => rng.next());
    const yPred = new Float64Array(n).fill(10);
    const yTrue = Float64Array.from({ length: n }, () => 10 + ((rng.next() < 0.5 ? -1 : 1) * 0.1) / Math.max(1e-3, rng.next()));
    const state = fitDle({ features: { columns: ['x0', 'x1'], rows: n, values }, yPred, yTrue }, { metrics: ['rmse'], seed: 1 });
    const est = estimateDle(state, { features: { columns: ['x0', 'x1'], rows: 10, values: values.subarray(0, 20) }, yPred: yPred.subarray(0, 10) });
    assert.equal(est.reliability.reliable, false);
    assert.ok(est.reliability.referenceError! > 1, `${est.reliability.referenceError}`);
    assert.match(est.reliability.why!, /the loss model of rmse is off by \d+\.\d% of the loss on the reference's held-out quarter/);
  });

  it('skips mape when the reference has labels of 0, and says why', () => {
    const ref = rows(500, 1);
    ref.yTrue[7] = 0;
    const state = fitDle(ref, { metrics: ['mae', 'mape'] });
    assert.deepEqual(state.metrics, ['mae']);
    assert.match(state.skipped!['mape']!, /labels equal to 0/);
  });

  it('state is JSON: a round trip gives the same estimates', () => {
    const back = JSON.parse(JSON.stringify(state)) as DleState;
    const w = rows(200, 2);
    assert.deepEqual(estimateDle(back, w), estimateDle(state, w));
  });

  it('refuses a window with other columns, and a reference too small, in one line', () => {
    const w = rows(50, 2);
    w.features.columns = ['x0', 'other'];
    assert.throws(() => estimateDle(state, w), /DLE: the columns of the window \[x0, other\] are not the reference's \[x0, x1\]/);
    assert.throws(() => fitDle(rows(100, 1), { metrics: ['mae'] }), /at least 200 are needed/);
    const short = rows(50, 3);
    assert.throws(() => estimateDle(state, short, { ...short, yTrue: short.yTrue.subarray(0, 40) }), /DLE: the labelled rows: 50 rows but 40 labels/);
  });
});
