/**
 * The window's rows in ascending order of their positive-class score, sorted once and shared by
 * every family: a group's positives' and negatives' scores, already sorted (as the ranking metrics
 * take them: BinaryInput.sortedScores), are the sorted order filtered by the group — the same
 * arrays a sort of the group's own scores gives, so the same AUC and average precision.
 */
import { sortFloat64 } from '../../math/sort.js';
import type { Floats } from '../metrics/types.js';

export interface ScoreOrder {
  /** Each row's positive-class score. */
  score: Float64Array;
  /** The distinct scores, ascending. */
  distinct: Float64Array;
  /** Each row's score's index in `distinct`. */
  rank: Int32Array;
  /** Row indices, ascending by score (ties in row order): made when first needed (many distinct scores). */
  order?: Int32Array;
}

/** Counts per group and distinct score up to this many cells; beyond, the rows' sorted order is swept. */
const MAX_CELLS = 1 << 22;

/** The rows by score; null when a score is not finite (the metrics say why, per group, as before). */
export function scoreOrder(proba: Floats, k: number, positive: number, n: number): ScoreOrder | null {
  const score = new Float64Array(n);
  for (let i = 0, idx = positive; i < n; i++, idx += k) {
    const v = proba[idx]!;
    if (!Number.isFinite(v)) return null;
    score[i] = v;
  }
  // The distinct scores ascending, then each row's rank among them, then a counting sort by rank.
  const distinct = new Float64Array(n);
  sortFloat64(score, distinct);
  let d = 0;
  for (let i = 0; i < n; i++) if (i === 0 || distinct[i] !== distinct[d - 1]) distinct[d++] = distinct[i]!;
  const rank = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = score[i]!;
    let lo = 0;
    let hi = d - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (distinct[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    rank[i] = lo;
  }
  return { score, distinct: distinct.subarray(0, d), rank };
}

/** The rows' order by score: a counting sort by rank. */
function orderOf(so: ScoreOrder): Int32Array {
  const { rank } = so;
  const d = so.distinct.length;
  const n = rank.length;
  const start = new Int32Array(d + 1);
  for (let i = 0; i < n; i++) start[rank[i]! + 1]!++;
  for (let r = 0; r < d; r++) start[r + 1]! += start[r]!;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[start[rank[i]!]!++] = i;
  return order;
}

/**
 * Each group's positives' and negatives' scores, ascending, from one sweep of the sorted rows.
 * `slot`: each row's group (−1: none kept); `isPos`: whether the row's true label is the positive class;
 * `maxCells`: the most group × score counts to keep (beyond, the rows' sorted order is swept).
 */
export function groupSortedScores(
  so: ScoreOrder,
  slot: Int32Array,
  isPos: Uint8Array,
  groups: number,
  maxCells = MAX_CELLS,
): { pos: Float64Array; neg: Float64Array }[] {
  const nPos = new Int32Array(groups);
  const nNeg = new Int32Array(groups);
  const n = slot.length;
  for (let i = 0; i < n; i++) {
    const g = slot[i]!;
    if (g < 0) continue;
    if (isPos[i]) nPos[g]!++;
    else nNeg[g]!++;
  }
  const out = Array.from({ length: groups }, (_, g) => ({ pos: new Float64Array(nPos[g]!), neg: new Float64Array(nNeg[g]!) }));
  const { distinct, rank } = so;
  const d = distinct.length;
  if (2 * groups * d <= Math.max(maxCells, 2 * n)) {
    // Few distinct scores: the rows counted per group and score in one sequential pass, then each
    // group's scores written out in ascending order.
    const cells = new Int32Array(2 * groups * d);
    for (let i = 0; i < n; i++) {
      const g = slot[i]!;
      if (g >= 0) cells[2 * (g * d + rank[i]!) + isPos[i]!]!++;
    }
    for (let g = 0; g < groups; g++) {
      const { pos, neg } = out[g]!;
      let a = 0;
      let b = 0;
      for (let r = 0, c = 2 * g * d; r < d; r++, c += 2) {
        const v = distinct[r]!;
        for (let m = cells[c + 1]!; m > 0; m--) pos[a++] = v;
        for (let m = cells[c]!; m > 0; m--) neg[b++] = v;
      }
    }
    return out;
  }
  nPos.fill(0);
  nNeg.fill(0);
  so.order ??= orderOf(so);
  const { order, score } = so;
  for (let j = 0; j < n; j++) {
    const r = order[j]!;
    const g = slot[r]!;
    if (g < 0) continue;
    if (isPos[r]) out[g]!.pos[nPos[g]!++] = score[r]!;
    else out[g]!.neg[nNeg[g]!++] = score[r]!;
  }
  return out;
}
