import assert from 'node:assert/strict';
import { binaryObjective } from '../../engine/training/builtin/objectives.js';
import { rng } from '../../scripts/bench/data.js';

/** The logistic loss and gradient a row at a time, as written in docs/training.md. */
function reference(x: Float64Array, y: Int32Array, n: number, d: number, theta: Float64Array, l2: number): { f: number; g: Float64Array } {
  const g = new Float64Array(d + 1);
  let f = 0;
  for (let i = 0; i < n; i++) {
    let z = theta[d]!;
    for (let j = 0; j < d; j++) z += theta[j]! * x[i * d + j]!;
    f += Math.log1p(Math.exp(-Math.abs(z))) + Math.max(z, 0) - (y[i] === 1 ? z : 0);
    const r = 1 / (1 + Math.exp(-z)) - y[i]!;
    for (let j = 0; j < d; j++) g[j]! += r * x[i * d + j]!;
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
    for (const n of [1, 3, 4, 7, 255, 256, 257, 1030]) {
      const d = 3;
      const x = Float64Array.from({ length: n * d }, () => u() * 4 - 2);
      const y = Int32Array.from({ length: n }, () => (u() < 0.4 ? 1 : 0));
      const theta = Float64Array.from({ length: d + 1 }, () => u() - 0.5);
      const obj = binaryObjective({ x, n, d }, y, 0.5);
      const g = new Float64Array(d + 1);
      const f = obj.evaluate(theta, g);
      const want = reference(x, y, n, d, theta, 0.5);
      assert.ok(Math.abs(f - want.f) <= 1e-12 * Math.abs(want.f), `n=${n}: loss ${f} vs ${want.f}`);
      want.g.forEach((v, j) => assert.ok(Math.abs(g[j]! - v) <= 1e-12 * Math.max(1, Math.abs(v)) * n, `n=${n}: gradient[${j}] ${g[j]} vs ${v}`));
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
