/**
 * Metrics of a bootstrap resample from its row counts (w[i] = times row i was drawn), without
 * materialising it: score orders for the ranking metrics and weighted confusion matrices.
 * docs/statistics/significance.md explains each walk.
 */
import { sortFloat64 } from '../../math/sort.js';
import { CompensatedSum } from '../../math/sum.js';

export function finite(v: number): boolean {
  return v - v === 0;
}

/** A value as metrics.ts would report it: non-finite → null. */
export function reported(v: number): number | null {
  return finite(v) ? v : null;
}

/** True when any of the listed rows was drawn at least once. */
export function anyDrawn(w: Int32Array, slots: Int32Array): boolean {
  for (let i = 0; i < slots.length; i++) if (w[slots[i]!]! > 0) return true;
  return false;
}

export function rowsWhere(n: number, pred: (slot: number) => boolean): Int32Array {
  const out: number[] = [];
  for (let s = 0; s < n; s++) if (pred(s)) out.push(s);
  return Int32Array.from(out);
}

// ------------------------------------------------------------------------------------------------
// Score order: rows grouped by distinct score, descending

export interface ScoreOrder {
  /**
   * Slot → row. Finite scores first, descending; rows with equal scores are adjacent (one group),
   * positives before negatives inside a group; then the rows with a non-finite score.
   */
  rowAt: Int32Array;
  /** 1 where a slot starts a new group of equal scores. */
  groupStart: Uint8Array;
  /** 1 where the slot's row is a positive. */
  positive: Uint8Array;
  /** Number of rows with a finite score (they occupy slots 0..finiteRows-1). */
  finiteRows: number;
  /** Scratch space for the counts in slot order. */
  buffer?: Float64Array;
}

/**
 * One sort of the scores (the radix sort from metrics.ts) to find the distinct values, a binary
 * search per row for its group, then a counting sort of the rows by (group, negative).
 */
export function scoreOrder(scores: Float64Array, isPositive: (row: number) => boolean): ScoreOrder {
  const n = scores.length;
  let finiteRows = 0;
  for (let i = 0; i < n; i++) if (finite(scores[i]!)) finiteRows++;
  const sorted = new Float64Array(finiteRows);
  for (let i = 0, j = 0; i < n; i++) if (finite(scores[i]!)) sorted[j++] = scores[i]!;
  sortFloat64(sorted);
  // Distinct values, descending (−0 and +0 are one value, as in metrics.ts).
  const distinct: number[] = [];
  for (let j = finiteRows - 1; j >= 0; j--) {
    const v = sorted[j]!;
    if (distinct.length === 0 || distinct[distinct.length - 1] !== v) distinct.push(v);
  }
  const desc = Float64Array.from(distinct);
  const G = desc.length;
  // key = 2·group + (negative ? 1 : 0); non-finite rows get key 2·G.
  const key = new Int32Array(n);
  const size = new Int32Array(2 * G + 1);
  for (let i = 0; i < n; i++) {
    const v = scores[i]!;
    let k: number;
    if (!finite(v)) {
      k = 2 * G;
    } else {
      let lo = 0;
      let hi = G - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (desc[mid]! > v) lo = mid + 1;
        else hi = mid;
      }
      k = 2 * lo + (isPositive(i) ? 0 : 1);
    }
    key[i] = k;
    size[k]!++;
  }
  const next = new Int32Array(2 * G + 1);
  const groupStart = new Uint8Array(n);
  for (let k = 0, start = 0; k <= 2 * G; k++) {
    next[k] = start;
    if (k % 2 === 0 && k < 2 * G && start < n) groupStart[start] = 1;
    start += size[k]!;
  }
  const rowAt = new Int32Array(n);
  const positive = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const s = next[key[i]!]!++;
    rowAt[s] = i;
    positive[s] = isPositive(i) ? 1 : 0;
  }
  return { rowAt, groupStart, positive, finiteRows };
}

/**
 * The counts in slot order, as float64 (a separate gather keeps many cache misses in flight, and
 * float64 counts keep the walks below in plain double arithmetic; both measurably faster).
 */
export function gatherCounts(order: ScoreOrder, w: Int32Array): Float64Array {
  const { rowAt, finiteRows } = order;
  const ws = (order.buffer ??= new Float64Array(finiteRows));
  for (let s = 0; s < finiteRows; s++) ws[s] = w[rowAt[s]!]!;
  return ws;
}

/**
 * Weighted ROC AUC over rows in score order, w[row] = count of the row; slots 0..finiteRows-1.
 * For a negative in group g, the trapezoid credit is TP_above(g) + TP_above_or_in(g); with
 * positives first inside each group that is tpAtGroupStart + tpSoFar, so one branch-free pass
 * gives 2·AUC·P·N = Σ_neg c·(tpAtGroupStart + tpSoFar) — the same integer as metrics.ts's
 * Σ_g N_g·(2·TP_g + P_g). Also returns the weighted totals P and N.
 */
export function weightedAuc(order: ScoreOrder, w: Int32Array): { auc: number; P: number; N: number } {
  const { groupStart, positive, finiteRows } = order;
  const ws = gatherCounts(order, w);
  let tp = 0;
  let tpAtStart = 0;
  let fp = 0;
  let area2 = 0;
  for (let s = 0; s < finiteRows; s++) {
    const c = ws[s]!;
    tpAtStart += groupStart[s]! * (tp - tpAtStart); // = tp at a group start, without a branch
    const cp = c * positive[s]!;
    const cq = c - cp;
    tp += cp;
    fp += cq;
    area2 += cq * (tpAtStart + tp);
  }
  return { auc: area2 / (2 * tp * fp), P: tp, N: fp };
}

/**
 * Weighted step-wise average precision Σ_g P_g·TP_g / (TP_g + FP_g) / P over groups from the top
 * score down (TP_g, FP_g including group g), with the weighted totals P and N.
 */
export function weightedAveragePrecision(order: ScoreOrder, w: Int32Array): { averagePrecision: number; P: number; N: number } {
  const { groupStart, positive, finiteRows } = order;
  const ws = gatherCounts(order, w);
  let tp = 0;
  let fp = 0;
  let p = 0;
  const ap = new CompensatedSum();
  for (let s = 0; s < finiteRows; s++) {
    if (groupStart[s] === 1 && p > 0) {
      ap.add((p * tp) / (tp + fp));
      p = 0;
    }
    const c = ws[s]!;
    const cp = c * positive[s]!;
    p += cp;
    tp += cp;
    fp += c - cp;
  }
  if (p > 0) ap.add((p * tp) / (tp + fp));
  return { averagePrecision: Math.max(0, ap.value() / tp), P: tp, N: fp };
}

// ------------------------------------------------------------------------------------------------
// Label bookkeeping for classification

/** True labels as compact codes: model classes keep their index, unknown labels follow in order. */
export function compactLabels(yTrue: Int32Array, k: number): { codes: Int32Array; L: number } {
  const unknown = new Set<number>();
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i]! >= k) unknown.add(yTrue[i]!);
  const sorted = [...unknown].sort((a, b) => a - b);
  const map = new Map(sorted.map((label, j) => [label, k + j]));
  const codes = new Int32Array(yTrue.length);
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i]!;
    codes[i] = t < k ? t : map.get(t)!;
  }
  return { codes, L: k + sorted.length };
}

/**
 * Weighted per-label counts — true count, predicted count, true positives, by compact label — from
 * a weighted confusion matrix: each row's cell (true code × k + prediction) is fixed, so a
 * resample is one pass of cm[cell[i]] += w[i] (into four interleaved partial matrices, which
 * keeps consecutive updates of the same cell from waiting on each other).
 */
export class LabelCounts {
  readonly tc: Float64Array;
  readonly pc: Float64Array;
  readonly tp: Float64Array;
  private readonly cell: Int32Array;
  private readonly cm: Float64Array;

  constructor(
    code: Int32Array,
    pred: Int32Array,
    readonly L: number,
    readonly k: number,
  ) {
    this.tc = new Float64Array(L);
    this.pc = new Float64Array(L);
    this.tp = new Float64Array(L);
    this.cell = new Int32Array(code.length);
    for (let i = 0; i < code.length; i++) this.cell[i] = code[i]! * k + pred[i]!;
    this.cm = new Float64Array(4 * L * k);
  }

  fill(w: Int32Array): this {
    const { tc, pc, tp, cell, cm, L, k } = this;
    const size = L * k;
    const o1 = size;
    const o2 = 2 * size;
    const o3 = 3 * size;
    cm.fill(0);
    const n = w.length;
    let i = 0;
    for (; i + 3 < n; i += 4) {
      cm[cell[i]!]! += w[i]!;
      cm[o1 + cell[i + 1]!]! += w[i + 1]!;
      cm[o2 + cell[i + 2]!]! += w[i + 2]!;
      cm[o3 + cell[i + 3]!]! += w[i + 3]!;
    }
    for (; i < n; i++) cm[cell[i]!]! += w[i]!;
    tc.fill(0);
    pc.fill(0);
    tp.fill(0);
    for (let t = 0; t < L; t++) {
      for (let p = 0; p < k; p++) {
        const j = t * k + p;
        const c = cm[j]! + cm[o1 + j]! + cm[o2 + j]! + cm[o3 + j]!;
        tc[t]! += c;
        pc[p]! += c;
        if (t === p) tp[t] = c;
      }
    }
    return this;
  }

  unknownPresent(): boolean {
    for (let j = this.k; j < this.L; j++) if (this.tc[j]! > 0) return true;
    return false;
  }

  distinctTrue(): number {
    let d = 0;
    for (let j = 0; j < this.L; j++) if (this.tc[j]! > 0) d++;
    return d;
  }

  accuracy(n: number): number {
    let correct = 0;
    for (let j = 0; j < this.L; j++) correct += this.tp[j]!;
    return correct / n;
  }

  /** Mean recall over labels present in y_true (labels only predicted are left out). */
  balancedAccuracy(): number {
    const s = new CompensatedSum();
    let m = 0;
    for (let j = 0; j < this.L; j++) {
      const t = this.tc[j]!;
      if (t === 0) continue;
      s.add(this.tp[j]! / t);
      m++;
    }
    return s.value() / m;
  }
}

export function mean(values: number[]): number {
  const s = new CompensatedSum();
  for (const v of values) s.add(v);
  return s.value() / values.length;
}
