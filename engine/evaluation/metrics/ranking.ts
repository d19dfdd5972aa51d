/** Ranking metrics: ROC AUC and average precision from one walk over tie-grouped thresholds. */
import { sortFloat64 } from '../../math/sort.js';
import { CompensatedSum } from '../../math/sum.js';
import type { Floats } from './types.js';

export interface RankingStats {
  /** Exact ROC AUC (trapezoidal over distinct thresholds). */
  auc: number;
  /** Step-wise average precision Σ (R_n − R_{n−1}) P_n. */
  averagePrecision: number;
}

/**
 * Walks the positives' and the negatives' scores, both sorted ascending, from the top score down,
 * one distinct threshold (tie group) at a time: `visit` gets the group's positives `p` and
 * negatives `q`, and the positives and negatives above it. The walk behind ROC AUC, average
 * precision and DeLong's variance.
 */
export function walkTieGroups(pos: Floats, neg: Floats, visit: (p: number, q: number, tpAbove: number, fpAbove: number) => void): void {
  let ip = pos.length - 1;
  let iq = neg.length - 1;
  let tp = 0;
  let fp = 0;
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
    visit(p, q, tp, fp);
    tp += p;
    fp += q;
  }
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
  const P = pos.length;
  const N = neg.length;
  // 2 × area in units of (1 positive × 1 negative); integer-valued, exact while < 2^53.
  let area2 = 0;
  const ap = new CompensatedSum();
  walkTieGroups(pos, neg, (p, q, tpAbove, fpAbove) => {
    area2 += q * (2 * tpAbove + p);
    if (p > 0) ap.add((p * (tpAbove + p)) / (tpAbove + p + fpAbove + q));
  });
  return { auc: area2 / (2 * P * N), averagePrecision: Math.max(0, ap.value() / P) };
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
