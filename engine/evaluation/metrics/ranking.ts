/** Ranking metrics: ROC AUC and average precision from one walk over tie-grouped thresholds. */
import { sortFloat64 } from '../../math/sort.js';
import type { Floats } from './types.js';

export interface RankingStats {
  /** Exact ROC AUC (trapezoidal over distinct thresholds). */
  auc: number;
  /** Step-wise average precision Σ (R_n − R_{n−1}) P_n. */
  averagePrecision: number;
}

/**
 * Sorts the positives' and the negatives' scores (unless `sorted`) and walks both from the top
 * score down, one distinct threshold at a time. Requires P > 0 and N > 0.
 */
export function rankingStats(pos: Floats, neg: Floats, sorted = false): RankingStats {
  if (!sorted) {
    // Unsorted scores come from splitColumn: Float64Array.
    sortFloat64(pos as Float64Array);
    sortFloat64(neg as Float64Array);
  }
  const w = rankingWalk(pos, neg);
  return { auc: w.auc, averagePrecision: w.averagePrecision };
}

/** What one walk over sorted scores gives: the ranking metrics and DeLong's placement sums. */
export interface RankingWalk extends RankingStats {
  /** DeLong's variance of the AUC (NaN when P or N is below 2). */
  delongVariance: number;
}

/** Walks by their (sorted) arrays, let go with them: the metrics and the interval of one window share one. */
const walks = new WeakMap<Floats, { neg: Floats; walk: RankingWalk }>();

/**
 * One walk over the positives' and the negatives' scores, both sorted ascending, from the top
 * score down, one tie group at a time: the 2 × area of ROC AUC, the
 * step-wise average precision and DeLong's placement sums, each accumulated in the order the
 * separate walks of rankingStats and delongVariance did, so the numbers are theirs. The result
 * is kept for the arrays it was walked on (they must not change afterwards): the interval of the
 * same window asks for it again and gets it without a second walk.
 */
export function rankingWalk(pos: Floats, neg: Floats): RankingWalk {
  const known = walks.get(pos);
  if (known && known.neg === neg) return known.walk;
  const P = pos.length;
  const N = neg.length;
  let ip = P - 1;
  let iq = N - 1;
  let tp = 0;
  let fp = 0;
  // 2 × area in units of (1 positive × 1 negative); integer-valued, exact while < 2^53.
  let area2 = 0;
  // Neumaier-compensated sums, inline: AP; DeLong's Σ w·v and Σ w·v² for positives (10) and negatives (01).
  let apS = 0;
  let apC = 0;
  let n10 = 0;
  let s10 = 0;
  let c10 = 0;
  let q10 = 0;
  let d10 = 0;
  let n01 = 0;
  let s01 = 0;
  let c01 = 0;
  let q01 = 0;
  let d01 = 0;
  while (ip >= 0 || iq >= 0) {
    const sp = ip >= 0 ? (pos[ip] as number) : -Infinity;
    const sq = iq >= 0 ? (neg[iq] as number) : -Infinity;
    const t = sp > sq ? sp : sq;
    let p = 0;
    let q = 0;
    while (ip >= 0 && pos[ip] === t) {
      p++;
      ip--;
    }
    while (iq >= 0 && neg[iq] === t) {
      q++;
      iq--;
    }
    area2 += q * (2 * tp + p);
    if (p > 0) {
      let x = (p * (tp + p)) / (tp + p + fp + q);
      let u = apS + x;
      apC += Math.abs(apS) >= Math.abs(x) ? apS - u + x : x - u + apS;
      apS = u;
      // A positive's placement: the share of negatives below it, ties counting half.
      const v = (N - fp - q / 2) / N;
      n10 += p;
      x = p * v;
      u = s10 + x;
      c10 += Math.abs(s10) >= Math.abs(x) ? s10 - u + x : x - u + s10;
      s10 = u;
      x = p * v * v;
      u = q10 + x;
      d10 += Math.abs(q10) >= Math.abs(x) ? q10 - u + x : x - u + q10;
      q10 = u;
    }
    if (q > 0) {
      // A negative's placement: the share of positives above it, ties counting half.
      const v = (tp + p / 2) / P;
      n01 += q;
      let x = q * v;
      let u = s01 + x;
      c01 += Math.abs(s01) >= Math.abs(x) ? s01 - u + x : x - u + s01;
      s01 = u;
      x = q * v * v;
      u = q01 + x;
      d01 += Math.abs(q01) >= Math.abs(x) ? q01 - u + x : x - u + q01;
      q01 = u;
    }
    tp += p;
    fp += q;
  }
  const variance = (n: number, s: number, q: number): number => (q - (s * s) / n) / (n - 1);
  const walk: RankingWalk = {
    auc: area2 / (2 * P * N),
    averagePrecision: Math.max(0, (apS + apC) / P),
    delongVariance: variance(n10, s10 + c10, q10 + d10) / P + variance(n01, s01 + c01, q01 + d01) / N,
  };
  walks.set(pos, { neg, walk });
  return walk;
}

/** Scores of column `col` split by whether yTrue equals `cls`. */
export function splitColumn(
  yTrue: Int32Array,
  proba: Floats,
  k: number,
  col: number,
  cls: number,
  positives: number,
): { pos: Float64Array; neg: Float64Array } {
  const n = yTrue.length;
  const pos = new Float64Array(positives);
  const neg = new Float64Array(n - positives);
  let a = 0;
  let b = 0;
  for (let i = 0, idx = col; i < n; i++, idx += k) {
    if (yTrue[i] === cls) pos[a++] = proba[idx] as number;
    else neg[b++] = proba[idx] as number;
  }
  return { pos, neg };
}

export function columnFinite(proba: Floats, k: number, col: number): boolean {
  for (let idx = col; idx < proba.length; idx += k) {
    const v = proba[idx] as number;
    if (!(v - v === 0)) return false;
  }
  return true;
}
