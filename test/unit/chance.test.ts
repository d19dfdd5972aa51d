import assert from 'node:assert/strict';
import {
  newCategoryChance,
  benjaminiHochberg,
  expectedOutOfRange,
  hypergeometricUpperTail,
  noneOfTail,
  outOfRangeTail,
  pooledChiSquarePValue,
  pooledHomogeneityPValue,
} from '../../engine/drift/chance.js';
import { chiSquarePValue } from '../../engine/drift/methods/chisquare.js';
import { assessDrift } from '../../engine/drift/assess.js';
import type { ColumnSketch } from '../../engine/drift/sketch.js';

/** A small seeded generator (mulberry32). */
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

describe('chance levels of drift and quality findings', () => {
  it('the out-of-range count has the exact rank distribution', () => {
    // Small cases by enumeration: n = 2, m = 1: the current value is outside with probability 2/3.
    assert.ok(Math.abs(outOfRangeTail(2, 1, 1) - 2 / 3) < 1e-12);
    // n = 3, m = 2: P(K ≥ 2) = P(both outside) = (1·C(1,1))... by enumeration of the C(5,3) = 10 rank sets: 3 of 10.
    assert.ok(Math.abs(outOfRangeTail(3, 2, 2) - 3 / 10) < 1e-12);
    assert.equal(outOfRangeTail(100, 50, 0), 1);
    assert.equal(outOfRangeTail(100, 50, 51), 0);
    assert.ok(Math.abs(expectedOutOfRange(300, 300) - 600 / 301) < 1e-12);
    // The tail is far heavier than Binomial(m, 2/(n+1)) because the reference extremes are shared.
    assert.ok(outOfRangeTail(300, 300, 5) > 0.1);
  });

  it('matches a simulation of unchanged data', () => {
    const next = rng(7);
    const n = 200;
    const m = 100;
    const reps = 4000;
    let atLeast4 = 0;
    for (let r = 0; r < reps; r++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < n; i++) {
        const v = next();
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      let k = 0;
      for (let j = 0; j < m; j++) {
        const v = next();
        if (v < lo || v > hi) k++;
      }
      if (k >= 4) atLeast4++;
    }
    const p = outOfRangeTail(n, m, 4);
    const se = Math.sqrt((p * (1 - p)) / reps);
    assert.ok(Math.abs(atLeast4 / reps - p) < 4 * se, `simulated ${atLeast4 / reps}, exact ${p}`);
  });

  it('Benjamini-Hochberg rejects the step-up set and skips missing p-values', () => {
    // Sorted 0.01, 0.03, 0.04, 0.5 against 0.0125, 0.025, 0.0375, 0.05: only the first passes.
    assert.deepEqual([...benjaminiHochberg([0.01, 0.04, 0.03, null, 0.5], 0.05)], [0]);
    // Step-up: 0.02 ≤ 2/2·0.05 rejects both although 0.02 > 1/2·0.05 is not needed for the first.
    assert.deepEqual([...benjaminiHochberg([0.02, 0.03], 0.05)].sort(), [0, 1]);
    assert.deepEqual([...benjaminiHochberg([0.2, 0.9], 0.05)], []);
    assert.throws(() => benjaminiHochberg([0.1], 1), RangeError);
  });

  it('pools sparse categories before the chi-square', () => {
    // Expected counts (n_cur 66 / n_ref 63): 10.48, 20.95, 31.43, 1.05, 2.10 → the two sparse ones
    // pool to 3.14 < 5, so the smallest regular one joins: groups [20, 30, 13] vs [18, 33, 15].
    const r = pooledChiSquarePValue([10, 20, 30, 1, 2], [12, 18, 33, 0, 3]);
    assert.equal(r.groups, 3);
    assert.equal(r.pooled, 3);
    assert.equal(r.pValue, chiSquarePValue([20, 30, 13], [18, 33, 15]));
    // scipy 1.17.1: chisquare([18, 33, 15], np.array([20, 30, 13]) * 66 / 63).pvalue
    assert.ok(Math.abs(r.pValue! - 0.7281066878285534) < 1e-12);
    // Everything sparse: no valid test.
    assert.equal(pooledChiSquarePValue([1, 1], [1, 1]).pValue, null);
    // Nothing sparse: the plain chi-square.
    assert.equal(pooledChiSquarePValue([50, 60], [40, 70]).pValue, chiSquarePValue([50, 60], [40, 70]));
  });

  it('raises drift only for columns that survive the correction, listing every column', () => {
    const next = rng(11);
    const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    const numeric = (n: number, shift = 0): ColumnSketch => {
      const sorted = Float64Array.from({ length: n }, () => normal() + shift).sort();
      return { kind: 'numeric', sourceType: 'float', rows: n, nulls: 0, nonFinite: 0, sorted };
    };
    // A sparse categorical column: most categories have expected counts below 5 in 100 rows.
    const categorical = (n: number): ColumnSketch => {
      const counts = new Map<string, number>();
      for (let i = 0; i < n; i++) {
        const k = `c${Math.floor(next() ** 3 * 40)}`;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      return { kind: 'categorical', sourceType: 'string', rows: n, missing: 0, categories: [...counts.keys()], counts: [...counts.values()] };
    };
    const names = Array.from({ length: 12 }, (_, i) => `x${i}`);
    const reference: Record<string, ColumnSketch> = { cat: categorical(300) };
    const current: Record<string, ColumnSketch> = { cat: categorical(100) };
    for (const name of names) {
      reference[name] = numeric(300);
      current[name] = numeric(100, name === 'x3' ? 1 : 0);
    }
    const report = assessDrift({ reference, current, columns: [...names, 'cat'], settings: { share: 0.5, columns: {} } });
    const alarm = report.alarm!;
    assert.equal(alarm.method, 'benjamini-hochberg');
    assert.equal(alarm.level, 0.05);
    assert.deepEqual(alarm.columns, ['x3']);
    assert.equal(alarm.raised, true);
    assert.equal(alarm.tested, 13);
    // Each column's own Evidently result is still there: KS on the numeric ones, chi-square on the categorical one.
    assert.equal(report.columns.x3!.test, 'ks');
    assert.equal(alarm.p_values.x3, report.columns.x3!.ks_p_value);
    assert.equal(report.columns.cat!.test, 'chisquare');
    assert.notEqual(alarm.p_values.cat, report.columns.cat!.chi2_p_value);
    // A p-value test level configured as the default is the family's level.
    const strict = assessDrift({ reference, current, columns: names, settings: { share: 0.5, columns: {}, default: { test: 'ks', threshold: 0.01 } } });
    assert.equal(strict.alarm!.level, 0.01);
  });
});

describe('newCategoryChance (Good–Turing, Poisson tail)', () => {
  const poissonSf = (k: number, lambda: number): number => {
    let term = Math.exp(-lambda);
    let below = 0;
    for (let i = 0; i < k; i++) {
      below += term;
      term *= lambda / (i + 1);
    }
    return 1 - below;
  };

  it('is the Poisson tail at m · (singletons + 1) / (n + 1) up to n current rows', () => {
    for (const [n, singletons, m, k] of [
      [900, 12, 100, 3],
      [900, 0, 100, 1],
      [500, 40, 500, 60],
      [1000, 5, 50, 0],
    ] as const) {
      const { expected, pValue } = newCategoryChance(n, singletons, m, k);
      const lambda = (m * (singletons + 1)) / (n + 1);
      assert.ok(Math.abs(expected - lambda) < 1e-12);
      assert.ok(Math.abs(pValue - poissonSf(k, lambda)) < 1e-12, `n=${n} s=${singletons} m=${m} k=${k}: ${pValue} vs ${poissonSf(k, lambda)}`);
    }
  });

  it('judges a window larger than the reference at the reference size', () => {
    // 100,000 rows against 1,000: 30 unseen-category rows in 100,000 count as 1 in 1,000.
    const big = newCategoryChance(1000, 9, 100_000, 30);
    // λ at the reference size: 1000 · 10 / 1001.
    assert.ok(Math.abs(big.expected - (100_000 * 10) / 1001) < 1e-9);
    assert.ok(Math.abs(big.pValue - poissonSf(1, (1000 * 10) / 1001)) < 1e-12);
  });

  it('refuses negative counts', () => {
    assert.throws(() => newCategoryChance(-1, 0, 10, 1), RangeError);
  });
});

describe('exact tails and the homogeneity test', () => {
  it("Fisher's exact tails: the hypergeometric upper tail and the chance that no value of a kind fell in the window", () => {
    // scipy 1.17.1: hypergeom.sf(k - 1, total, marked, draws)
    assert.ok(Math.abs(hypergeometricUpperTail(1000, 100, 200, 30) - 0.007877459541672122) < 1e-13);
    assert.ok(Math.abs(hypergeometricUpperTail(1000, 100, 200, 10) - 0.9984736972391677) < 1e-13);
    // A pool of millions: log-gamma of 5e6 carries ~1e-8 of absolute error, so ~1e-8 relative here.
    assert.ok(Math.abs(hypergeometricUpperTail(5_000_000, 30_000, 1000, 1) - 0.9975671099894967) < 1e-8);
    assert.equal(hypergeometricUpperTail(1000, 100, 200, 0), 1);
    assert.equal(hypergeometricUpperTail(1000, 100, 200, 101), 0);
    // C(900, 9) / C(1000, 9), Python's math.comb.
    assert.ok(Math.abs(noneOfTail(900, 9, 100) - 0.3858646075857216) < 1e-12);
    assert.equal(noneOfTail(900, 0, 100), 1);
    assert.throws(() => noneOfTail(10, 11, 5), RangeError);
  });

  it('tests homogeneity (both samples are samples) after pooling sparse categories', () => {
    // scipy 1.17.1: chi2_contingency([[30, 40, 50], [20, 45, 65]], correction=False).pvalue
    const plain = pooledHomogeneityPValue([30, 40, 50], [20, 45, 65]);
    assert.deepEqual([plain.groups, plain.pooled], [3, 0]);
    assert.ok(Math.abs(plain.pValue! - 0.14537987404353567) < 1e-12);
    // A category only the window has is pooled with the sparse ones, not an infinite term.
    const sparse = pooledHomogeneityPValue([2, 105, 0, 35, 61], [2, 102, 3, 49, 47]);
    assert.deepEqual([sparse.groups, sparse.pooled], [3, 3]);
    // scipy: chi2_contingency([[37, 105, 61], [54, 102, 47]], correction=False).pvalue
    assert.ok(Math.abs(sparse.pValue! - 0.08069661696163531) < 1e-12);
    assert.equal(pooledHomogeneityPValue([1, 1], [1, 1]).pValue, null);
  });

  it('rejects at its level when the window is as large as the reference, where goodness of fit rejects far more often', () => {
    const next = rng(5);
    const shares = [0.5, 0.3, 0.15, 0.05];
    const sample = (n: number) => {
      const c = [0, 0, 0, 0];
      for (let i = 0; i < n; i++) {
        const u = next();
        c[u < 0.5 ? 0 : u < 0.8 ? 1 : u < 0.95 ? 2 : 3]!++;
      }
      return c;
    };
    let homogeneity = 0;
    let fit = 0;
    const runs = 2000;
    for (let r = 0; r < runs; r++) {
      const ref = sample(200);
      const cur = sample(200);
      if (pooledHomogeneityPValue(ref, cur).pValue! < 0.01) homogeneity++;
      if (pooledChiSquarePValue(ref, cur).pValue! < 0.01) fit++;
    }
    assert.equal(shares.length, 4);
    assert.ok(homogeneity / runs < 0.015, `homogeneity rejected ${homogeneity} of ${runs} at 0.01`);
    assert.ok(fit / runs > 0.03, `goodness of fit rejected ${fit} of ${runs} at 0.01`);
  });
});
