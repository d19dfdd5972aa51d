import { strict as assert } from 'node:assert';
import { fitGbm, normalisedImportance, predictGbm, type GbmModel, type GbmTree } from '../../engine/math/gbm.js';
import { makeBins } from '../../engine/math/gbm-bins.js';
import { Mulberry32 } from '../../engine/math/random.js';

function gauss(rng: Mulberry32): number {
  const u = rng.next() || 1e-12;
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** y = 2·sin(x0) + x1·x2 + (x3, or 3 when x3 is missing) + noise; x4.. are noise columns. */
function data(n: number, d: number, seed: number, missing = 0.1): { x: Float64Array; y: Float64Array; yb: Float64Array; f: Float64Array } {
  const rng = new Mulberry32(seed);
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  const yb = new Float64Array(n);
  const f = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < d; j++) x[r * d + j] = gauss(rng);
    if (rng.next() < missing) x[r * d + 3] = NaN;
    const x3 = x[r * d + 3]!;
    f[r] = 2 * Math.sin(x[r * d]!) + x[r * d + 1]! * x[r * d + 2]! + (Number.isNaN(x3) ? 3 : x3);
    y[r] = f[r]! + 0.5 * gauss(rng);
    yb[r] = rng.next() < 1 / (1 + Math.exp(-f[r]!)) ? 1 : 0;
  }
  return { x, y, yb, f };
}

function mse(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s / a.length;
}

function depth(tree: GbmTree, node = 0): number {
  return tree.feature[node]! < 0 ? 0 : 1 + Math.max(depth(tree, tree.left[node]!), depth(tree, tree.right[node]!));
}

function leaves(tree: GbmTree): number {
  return tree.feature.filter((f) => f < 0).length;
}

describe('gradient-boosted trees (engine/math/gbm.ts)', () => {
  const d = 6;
  const train = data(4000, d, 1);
  const test = data(2000, d, 2);
  let squared: GbmModel;
  before(() => {
    squared = fitGbm(train.x, train.y, 4000, d, { objective: 'squared', trees: 150 });
  });

  it('squared error: learns a non-linear function with an interaction to near the noise level', () => {
    const p = predictGbm(squared, test.x, 2000);
    const err = mse(p, test.y);
    // noise variance 0.25; the variance of y is about 5
    assert.ok(err < 0.45, `test mse ${err}`);
    assert.ok(mse(p, test.f) < 0.2, `mse against the true function ${mse(p, test.f)}`);
  });

  it('logistic: probabilities close to the true ones', () => {
    const model = fitGbm(train.x, train.yb, 4000, d, { objective: 'logistic' });
    const p = predictGbm(model, test.x, 2000);
    const truth = test.f.map((v) => 1 / (1 + Math.exp(-v)));
    assert.ok(p.every((v) => v > 0 && v < 1));
    const mean = truth.reduce((x, y) => x + y, 0) / truth.length;
    const spread = mse(truth, new Float64Array(truth.length).fill(mean));
    // the constant prediction is off by `spread` (about 0.1); the fit removes most of it
    assert.ok(mse(p, truth) < 0.2 * spread, `mean squared gap to the true probabilities ${mse(p, truth)}, spread ${spread}`);
  });

  it('routes missing values to the side that fits them: rows with x3 missing are predicted near 3 + the rest', () => {
    const model = squared;
    const rows: number[] = [];
    for (let r = 0; r < 2000; r++) if (Number.isNaN(test.x[r * d + 3]!)) rows.push(r);
    assert.ok(rows.length > 100);
    const x = new Float64Array(rows.length * d);
    rows.forEach((r, k) => x.set(test.x.subarray(r * d, r * d + d), k * d));
    const p = predictGbm(model, x, rows.length);
    const f = Float64Array.from(rows, (r) => test.f[r]!);
    assert.ok(mse(p, f) < 0.3, `mse on the missing rows ${mse(p, f)}`);
    // a tree that cannot tell missing from the rest would predict about E[x3] = 0 for them: 9 away in squared error
  });

  it('gain importance names the informative columns before the noise columns', () => {
    const imp = normalisedImportance(squared.importance);
    assert.ok(Math.abs(imp.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    for (const informative of [0, 1, 2, 3]) for (const noise of [4, 5]) assert.ok(imp[informative]! > imp[noise]!, `${imp}`);
  });

  it('is deterministic and its model survives JSON', () => {
    const a = fitGbm(train.x, train.y, 4000, d, { objective: 'squared', trees: 20, subsample: 0.7, seed: 3 });
    const b = fitGbm(train.x, train.y, 4000, d, { objective: 'squared', trees: 20, subsample: 0.7, seed: 3 });
    const c = fitGbm(train.x, train.y, 4000, d, { objective: 'squared', trees: 20, subsample: 0.7, seed: 4 });
    assert.equal(JSON.stringify(a), JSON.stringify(b));
    assert.notEqual(JSON.stringify(a), JSON.stringify(c));
    const back = JSON.parse(JSON.stringify(a)) as GbmModel;
    assert.deepEqual(predictGbm(back, test.x, 2000), predictGbm(a, test.x, 2000));
  });

  it('keeps to the leaf, depth and rows-per-leaf limits', () => {
    const m = fitGbm(train.x, train.y, 4000, d, { objective: 'squared', trees: 5, maxLeaves: 7, maxDepth: 3, minRowsPerLeaf: 300 });
    for (const t of m.trees) {
      assert.ok(leaves(t) <= 7 && depth(t) <= 3, `${leaves(t)} leaves, depth ${depth(t)}`);
    }
    // rows per leaf: count the training rows each leaf of the first tree receives
    const one: GbmModel = { ...m, trees: [m.trees[0]!], base: 0 };
    const counts = new Map<number, number>();
    for (const v of predictGbm(one, train.x, 4000)) counts.set(v, (counts.get(v) ?? 0) + 1);
    for (const c of counts.values()) assert.ok(c >= 300, `a leaf with ${c} rows`);
  });

  it('L2 on leaf values shrinks them', () => {
    const a = fitGbm(train.x, train.y, 4000, d, { objective: 'squared', trees: 1, minRowsPerLeaf: 1, maxLeaves: 64 });
    const b = fitGbm(train.x, train.y, 4000, d, { objective: 'squared', trees: 1, minRowsPerLeaf: 1, maxLeaves: 64, l2: 1000 });
    const span = (m: GbmModel): number => Math.max(...m.trees[0]!.value) - Math.min(...m.trees[0]!.value);
    assert.ok(span(b) < 0.8 * span(a), `${span(b)} vs ${span(a)}`);
  });

  it('early stopping keeps the rounds that did best on the held-out rows', () => {
    const m = fitGbm(train.x, train.y, 4000, d, {
      objective: 'squared',
      trees: 400,
      learningRate: 0.5,
      minRowsPerLeaf: 1,
      maxLeaves: 64,
      valid: { x: test.x, y: test.y, rows: 2000 },
      earlyStopping: 10,
    });
    const losses = m.validLoss!;
    assert.ok(losses.length < 400, 'stopped early');
    const best = losses.indexOf(Math.min(...losses)) + 1;
    assert.equal(m.trees.length, best);
  });

  it('bins: at most 255 per feature, one per distinct value when there are few, NaN in its own bin', () => {
    const rng = new Mulberry32(5);
    const n = 3000;
    const x = new Float64Array(n * 2);
    for (let r = 0; r < n; r++) {
      x[r * 2] = gauss(rng);
      x[r * 2 + 1] = r % 10 === 0 ? NaN : r % 4;
    }
    const b = makeBins(x, n, 2, { maxBins: 255, sampleRows: 200_000, seed: 0 });
    assert.ok(b.count[0]! <= 255 && b.count[0]! >= 200);
    assert.equal(b.count[1], 4);
    assert.equal(b.codes[1], 4, 'row 0 of feature 1 is missing: the missing code');
    assert.equal(b.codes[2 * 3 + 1], 3);
    assert.throws(() => makeBins(x, n, 2, { maxBins: 256, sampleRows: 1000, seed: 0 }), /maxBins/);
  });

  it('refuses inconsistent shapes with a one-line error', () => {
    assert.throws(() => fitGbm(new Float64Array(10), new Float64Array(4), 5, 2, { objective: 'squared' }), /fitGbm: x has 10 values and y 4 for 5 rows/);
  });
});
