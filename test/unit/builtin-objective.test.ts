import assert from 'node:assert/strict';
import { binaryObjective } from '../../engine/training/builtin/objectives.js';
import { binaryPasses } from '../../engine/training/builtin/pass-thread.js';
import { rng } from '../../scripts/bench/data.js';

/** The logistic loss and gradient a row at a time, as written in docs/training.md (x column-major). */
function reference(x: Float64Array, y: Int32Array, n: number, d: number, theta: Float64Array, l2: number): { f: number; g: Float64Array } {
  const g = new Float64Array(d + 1);
  let f = 0;
  for (let i = 0; i < n; i++) {
    let z = theta[d]!;
    for (let j = 0; j < d; j++) z += theta[j]! * x[j * n + i]!;
    f += Math.log1p(Math.exp(-Math.abs(z))) + Math.max(z, 0) - (y[i] === 1 ? z : 0);
    const r = 1 / (1 + Math.exp(-z)) - y[i]!;
    for (let j = 0; j < d; j++) g[j]! += r * x[j * n + i]!;
    g[d]! += r;
  }
  for (let j = 0; j < d; j++) {
    f += 0.5 * l2 * theta[j]! ** 2;
    g[j]! += l2 * theta[j]!;
  }
  return { f, g };
}

describe('the builtin binary objective', () => {
  it('gives the loss and gradient of a row at a time for any number of rows (blocks and their remainders)', () => {
    const u = rng(5);
    for (const [n, d] of [
      [1, 3],
      [3, 3],
      [4, 3],
      [7, 3],
      [255, 3],
      [256, 3],
      [257, 3],
      [1030, 3],
      [1030, 9],
      [2100, 4],
    ] as const) {
      const x = Float64Array.from({ length: n * d }, () => u() * 4 - 2);
      const y = Int32Array.from({ length: n }, () => (u() < 0.4 ? 1 : 0));
      const theta = Float64Array.from({ length: d + 1 }, () => u() - 0.5);
      const want = reference(x, y, n, d, theta, 0.5);
      // One chunk, and chunks of 100 rows (a remainder chunk, the partial sums added in order).
      for (const chunkRows of [undefined, 100]) {
        const obj = binaryObjective({ x, n, d }, y, 0.5, chunkRows ? { chunkRows } : {});
        const g = new Float64Array(d + 1);
        const f = obj.evaluate(theta, g);
        assert.ok(Math.abs(f - want.f) <= 1e-12 * Math.abs(want.f), `n=${n}: loss ${f} vs ${want.f}`);
        want.g.forEach((v, j) => assert.ok(Math.abs(g[j]! - v) <= 1e-12 * Math.max(1, Math.abs(v)) * n, `n=${n}: gradient[${j}] ${g[j]} vs ${v}`));
      }
    }
  });

  it('sums the loss of confident rows too (margins far beyond where 1 + exp(-|z|) rounds to 1)', () => {
    const u = rng(7);
    const n = 500;
    const d = 2;
    // Margins up to ±60: exp(-|z|) from 1 down to 1e-26, both sides of the product-of-logs cut-off.
    const x = Float64Array.from({ length: n * d }, () => u() * 60 - 30);
    const y = Int32Array.from({ length: n }, (_, i) => (x[i]! > 0 ? 1 : 0));
    const theta = Float64Array.from([1, 0.5, 0.2]);
    const want = reference(x, y, n, d, theta, 0);
    const g = new Float64Array(d + 1);
    const f = binaryObjective({ x, n, d }, y, 1e-300).evaluate(theta, g);
    assert.ok(Math.abs(f - want.f) <= 1e-12 * Math.abs(want.f), `loss ${f} vs ${want.f}`);
    want.g.forEach((v, j) => assert.ok(Math.abs(g[j]! - v) <= 1e-12 * Math.max(1, Math.abs(v)) * n, `gradient[${j}] ${g[j]} vs ${v}`));
  });

  it('gives the same bits with a helper thread taking chunks, pass after pass, whoever takes which', async function () {
    this.timeout(30_000);
    const u = rng(8);
    const n = 5000;
    const d = 6;
    const x = new Float64Array(new SharedArrayBuffer(n * d * 8));
    x.forEach((_, i) => (x[i] = u() * 4 - 2));
    const y = Int32Array.from({ length: n }, () => (u() < 0.3 ? 1 : 0));
    const alone = binaryPasses(x, y, n, d, { chunkRows: 64 });
    const helped = binaryPasses(x, y, n, d, { chunkRows: 64, helper: true });
    try {
      // The helper starts while the first passes run (the trainer takes every chunk until then):
      // passes until it has taken part in a good many, each compared with the lone one's bits.
      const started = Date.now();
      let passes = 0;
      while (helped.helperChunks() < 200 && Date.now() - started < 20_000) {
        for (let k = 0; k < 20; k++, passes++) {
          const theta = Float64Array.from({ length: d + 1 }, () => u() - 0.5);
          const g1 = new Float64Array(d + 1);
          const g2 = new Float64Array(d + 1);
          assert.equal(helped.run(theta, g2), alone.run(theta, g1));
          assert.deepEqual(g2, g1);
          assert.equal(helped.run(theta), alone.run(theta), 'a pass without the gradient');
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(helped.helperChunks() >= 200, `the helper thread took ${helped.helperChunks()} chunks in ${passes} passes`);
      assert.equal(alone.helperChunks(), 0);
    } finally {
      helped.close();
    }
  });

  it('reports the data loss of the point it last evaluated, and of any other point', () => {
    const u = rng(6);
    const n = 300;
    const d = 2;
    const x = Float64Array.from({ length: n * d }, () => u() * 2 - 1);
    const y = Int32Array.from({ length: n }, () => (u() < 0.5 ? 1 : 0));
    const obj = binaryObjective({ x, n, d }, y, 2);
    const a = Float64Array.from([0.3, -0.2, 0.1]);
    const b = Float64Array.from([-0.5, 0.4, 0]);
    obj.evaluate(a, new Float64Array(d + 1));
    // The same as a fresh objective's pass over the rows, exactly.
    assert.equal(obj.dataLoss(a), binaryObjective({ x, n, d }, y, 2).dataLoss(a));
    assert.ok(Math.abs(obj.dataLoss(a) - reference(x, y, n, d, a, 0).f / n) <= 1e-14);
    assert.ok(Math.abs(obj.dataLoss(b) - reference(x, y, n, d, b, 0).f / n) <= 1e-14, 'another point than the last evaluated');
  });
});
