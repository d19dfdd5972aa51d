import assert from 'node:assert/strict';

import { symmetricEigen } from '../../engine/math/eigen.js';

/** A small deterministic generator (mulberry32) so that failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomSymmetric(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = r() * 2 - 1;
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
}

/** max |A v − λ v| over all pairs and max |VᵀV − I|, relative to the matrix's size. */
function residuals(a: Float64Array, n: number, values: Float64Array, vectors: Float64Array): { eig: number; orth: number } {
  let eig = 0;
  let orth = 0;
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let j = 0; j < n; j++) av += a[i * n + j]! * vectors[k * n + j]!;
      eig = Math.max(eig, Math.abs(av - values[k]! * vectors[k * n + i]!));
    }
    for (let l = 0; l < n; l++) {
      let dot = 0;
      for (let j = 0; j < n; j++) dot += vectors[k * n + j]! * vectors[l * n + j]!;
      orth = Math.max(orth, Math.abs(dot - (k === l ? 1 : 0)));
    }
  }
  return { eig, orth };
}

describe('symmetric eigen solver', () => {
  it('decomposes a known 3 × 3 matrix', () => {
    // [[2,1,0],[1,2,1],[0,1,2]]: eigenvalues 2 + √2, 2, 2 − √2.
    const a = Float64Array.from([2, 1, 0, 1, 2, 1, 0, 1, 2]);
    const { values, vectors } = symmetricEigen(a, 3);
    assert.ok(Math.abs(values[0]! - (2 + Math.SQRT2)) < 1e-12);
    assert.ok(Math.abs(values[1]! - 2) < 1e-12);
    assert.ok(Math.abs(values[2]! - (2 - Math.SQRT2)) < 1e-12);
    // The top eigenvector is ±(1, √2, 1)/2.
    const sign = Math.sign(vectors[0]!);
    assert.ok(Math.abs(sign * vectors[0]! - 0.5) < 1e-12 && Math.abs(sign * vectors[1]! - Math.SQRT1_2) < 1e-12);
    assert.deepEqual([...a], [2, 1, 0, 1, 2, 1, 0, 1, 2], 'the input is left as it was');
  });

  it('satisfies A v = λ v with orthonormal vectors on random matrices of several sizes', () => {
    for (const [n, seed] of [
      [1, 1],
      [2, 2],
      [5, 3],
      [17, 4],
      [60, 5],
      [150, 6],
    ] as const) {
      const a = randomSymmetric(n, seed);
      const { values, vectors } = symmetricEigen(a, n);
      const { eig, orth } = residuals(a, n, values, vectors);
      assert.ok(eig < 1e-11 * n, `n=${n}: |Av − λv| = ${eig}`);
      assert.ok(orth < 1e-12 * n, `n=${n}: |VᵀV − I| = ${orth}`);
      for (let i = 1; i < n; i++) assert.ok(values[i - 1]! >= values[i]!, `n=${n}: values are sorted largest first`);
      // The trace is the sum of the eigenvalues.
      let trace = 0;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        trace += a[i * n + i]!;
        sum += values[i]!;
      }
      assert.ok(Math.abs(trace - sum) < 1e-10 * n, `n=${n}: trace ${trace} vs ${sum}`);
    }
  });

  it('handles diagonal, repeated, zero and rank-deficient matrices', () => {
    const diag = symmetricEigen(Float64Array.from([1, 0, 0, 0, 3, 0, 0, 0, 2]), 3);
    assert.deepEqual([...diag.values], [3, 2, 1]);
    const zero = symmetricEigen(new Float64Array(16), 4);
    assert.deepEqual([...zero.values], [0, 0, 0, 0]);
    assert.ok(residuals(new Float64Array(16), 4, zero.values, zero.vectors).orth < 1e-15);
    const identity = symmetricEigen(Float64Array.from([5, 0, 0, 5]), 2);
    assert.deepEqual([...identity.values], [5, 5]);
    // Rank one: u uᵀ with u = (1, 2, 3, 4) has the one eigenvalue |u|² = 30, the rest 0.
    const u = [1, 2, 3, 4];
    const r1 = Float64Array.from(u.flatMap((x) => u.map((y) => x * y)));
    const { values, vectors } = symmetricEigen(r1, 4);
    assert.ok(Math.abs(values[0]! - 30) < 1e-12);
    for (let i = 1; i < 4; i++) assert.ok(Math.abs(values[i]!) < 1e-12);
    assert.ok(residuals(r1, 4, values, vectors).eig < 1e-12);
    // A matrix that is already tridiagonal with a zero coupling in the middle (it splits).
    const split = Float64Array.from([1, 2, 0, 0, 2, 1, 0, 0, 0, 0, 4, 1, 0, 0, 1, 4]);
    const sp = symmetricEigen(split, 4);
    assert.ok(residuals(split, 4, sp.values, sp.vectors).eig < 1e-12);
    assert.deepEqual(
      [...sp.values].map((v) => Math.round(v * 1e9) / 1e9),
      [5, 3, 3, -1],
    );
  });

  it('keeps accuracy when the eigenvalues span many orders of magnitude', () => {
    // Q diag(1e8, 1, 1e-8) Qᵀ with a rotation Q.
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const q = [c, -s, 0, s * 0.6, c * 0.6, -0.8, s * 0.8, c * 0.8, 0.6];
    const lam = [1e8, 1, 1e-8];
    const a = new Float64Array(9);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) a[i * 3 + j] = a[i * 3 + j]! + q[i * 3 + k]! * lam[k]! * q[j * 3 + k]!;
    const { values } = symmetricEigen(a, 3);
    assert.ok(Math.abs(values[0]! / 1e8 - 1) < 1e-12);
    assert.ok(Math.abs(values[1]! - 1) < 1e-7);
    assert.ok(Math.abs(values[2]!) < 1e-7);
  });

  it('rejects a wrong size or a non-finite entry with one line', () => {
    assert.throws(() => symmetricEigen([1, 2, 3], 2), /expected 4 entries for 2 × 2, got 3/);
    assert.throws(() => symmetricEigen([1, NaN, NaN, 1], 2), /entry \(0, 1\) is not a finite number/);
    assert.deepEqual([...symmetricEigen([], 0).values], []);
  });
});
