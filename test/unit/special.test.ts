import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { chi2Sf } from '../../engine/math/special/gamma.js';
import { kstwoSf, smirnovSf } from '../../engine/math/special/kolmogorov.js';
import { ndtr } from '../../engine/math/special/normal.js';

// Grids of the distribution functions behind the drift p-values, written with the drift goldens
// by scripts/fixtures/golden_drift.py.
interface GoldenFunctions {
  ndtr: [number, number, number][];
  chi2_sf: [number, number, number][];
  kstwo_sf: [number, number, number][];
  smirnov: [number, number, number][];
}

const golden = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/golden/drift.json', import.meta.url)), 'utf8')) as {
  functions: GoldenFunctions;
};

function relErr(actual: number, expected: number): number {
  if (actual === expected) return 0;
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), Number.MIN_VALUE);
}

/** Relative closeness; values that are both below `floor` in magnitude count as equal. */
function assertClose(actual: number | null | undefined, expected: number, what: string, rel: number, floor: number): void {
  assert.ok(typeof actual === 'number', `${what}: expected ${expected}, got ${actual}`);
  if (Math.abs(actual) < floor && Math.abs(expected) < floor) return;
  const e = relErr(actual, expected);
  assert.ok(e <= rel, `${what}: ${actual} vs ${expected} (relative error ${e.toExponential(2)} > ${rel})`);
}

describe('special functions (scipy.special / cephes ports)', () => {
  it('the normal CDF equals scipy.special.ndtr and the z-test tail 2·(1 − Φ(|z|)) equals Evidently’s', () => {
    for (const [x, cdf, tail] of golden.functions.ndtr) {
      assertClose(ndtr(x), cdf, `ndtr(${x})`, 1e-14, 1e-300);
      assertClose(2 * (1 - ndtr(Math.abs(x))), tail, `2(1 − ndtr(|${x}|))`, 1e-12, 0);
    }
  });

  it('the chi-square survival function equals scipy.stats.chi2.sf to 1e-10 relative', () => {
    for (const [df, x, sf] of golden.functions.chi2_sf) {
      assertClose(chi2Sf(df, x), sf, `chi2.sf(${x}, ${df})`, 1e-10, 1e-300);
    }
  });

  it('the two-sided Kolmogorov survival function equals scipy.stats.kstwo.sf in every regime of kolmogn', () => {
    for (const [n, x, sf] of golden.functions.kstwo_sf) {
      assertClose(kstwoSf(n, x), sf, `kstwo.sf(${x}, ${n})`, 1e-9, 1e-300);
    }
  });

  it('the one-sided Smirnov survival function equals scipy.special.smirnov', () => {
    for (const [n, x, sf] of golden.functions.smirnov) {
      assertClose(smirnovSf(n, x), sf, `smirnov(${n}, ${x})`, 1e-9, 1e-300);
    }
  });
});
