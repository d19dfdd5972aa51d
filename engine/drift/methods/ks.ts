/**
 * Kolmogorov-Smirnov two-sample test, two-sided: scipy.stats.ks_2samp with method='auto' (exact
 * when max(n1, n2) ≤ 10000, else asymptotic), as Evidently's 'ks' test. Drift when p ≤ threshold.
 */
import { kstwoSf } from '../../math/special/kolmogorov.js';
import { clip01 } from '../../math/special/cephes.js';
import { mergeSummary } from '../merge.js';
import { requireNonEmpty, toSorted, type NumericInput } from '../sample.js';
import type { DriftTest } from './descriptor.js';

export interface KsResult {
  statistic: number;
  pValue: number;
  method: 'exact' | 'asymp';
}

/** np.round: half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const KS_MAX_AUTO_N = 10000;

/** Pr(D_{n,n} ≥ h/n), scipy _compute_prob_outside_square. */
function probOutsideSquare(n: number, h: number): number {
  let P = 0.0;
  let k = Math.floor(n / h);
  while (k >= 0) {
    let p1 = 1.0;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1.0 - P);
    k -= 1;
  }
  return 2 * P;
}

/** Proportion of lattice paths leaving |x/m − y/n| < h/lcm, scipy _compute_outer_prob_inside_method. */
function outerProbInside(mIn: number, nIn: number, g: number, h: number): number {
  let m = mIn;
  let n = nIn;
  if (m < n) [m, n] = [n, m];
  const mg = Math.floor(m / g);
  const ng = Math.floor(n / g);
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  for (let j = minj; j < maxj; j++) A[j] = 0;
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.max(Math.floor((ng * i - h) / mg) + 1, 0);
    minj = Math.min(minj, n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1.0;
    let val = minj === 0 ? 0.0 : 1.0;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj]! * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) {
      const end = Math.min(maxj - minj + (lastlen - curlen), lenA);
      for (let t = maxj - minj; t < end; t++) A[t] = 1;
    }
  }
  return A[maxj - minj - 1]!;
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y) [x, y] = [y, x % y];
  return x;
}

/** KS p-value and method for a statistic d (scipy ks_2samp after the statistic). */
function ksPValue(n1: number, n2: number, dIn: number): KsResult {
  let d = dIn;
  let method: 'exact' | 'asymp' = Math.max(n1, n2) <= KS_MAX_AUTO_N ? 'exact' : 'asymp';
  let prob = -Infinity;
  if (method === 'exact') {
    const g = gcd(n1, n2);
    const lcm = Math.floor(n1 / g) * n2;
    const h = roundHalfEven(d * lcm);
    d = (h * 1.0) / lcm;
    if (h === 0) {
      prob = 1.0;
    } else {
      prob = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
      if (!(prob >= 0 && prob <= 1)) method = 'asymp';
    }
  }
  if (method === 'asymp') {
    const m = Math.max(n1, n2);
    const n = Math.min(n1, n2);
    const en = (m * n) / (m + n);
    prob = kstwoSf(roundHalfEven(en), d);
  }
  return { statistic: d, pValue: clip01(prob), method };
}

/**
 * Two-sample Kolmogorov-Smirnov test, two-sided, as scipy.stats.ks_2samp(ref, cur) with
 * method='auto' (exact when max(n1, n2) ≤ 10000, else asymptotic). Throws on an empty side.
 */
export function ksTwoSample(ref: NumericInput, cur: NumericInput): KsResult {
  const a = toSorted(ref).sorted;
  const b = toSorted(cur).sorted;
  requireNonEmpty(a, 'ksTwoSample', 'reference');
  requireNonEmpty(b, 'ksTwoSample', 'current');
  return ksPValue(a.length, b.length, mergeSummary(a, b).ksD);
}

export const ksTest = {
  name: 'ks',
  statistic: 'ks_p_value',
  reports: ['ks_statistic', 'ks_p_value'],
  defaultThreshold: 0.05,
  kinds: ['numeric'],
  decision: 'p <= threshold',
  reportedFor: (kind) => kind === 'numeric',
  compute(ctx, out) {
    if (ctx.kind !== 'numeric') throw new RangeError('the KS test needs a numeric column');
    const r = ksPValue(ctx.reference.length, ctx.current.length, ctx.merged.ksD);
    out.statistics.ks_statistic = r.statistic;
    out.statistics.ks_p_value = r.pValue;
    out.ksMethod = r.method;
  },
} as const satisfies DriftTest<'ks', 'ks_p_value'>;
