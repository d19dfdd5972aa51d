/**
 * A binary window's per-group figures without copying any group's rows: one sweep over the rows
 * counts each group's confusion cells (by the row's group code), which give the selection and error
 * rates and the label metrics; the ranking metrics (roc_auc, average_precision) walk each group's
 * sorted scores, filtered from the window's one sort (score-order.ts). The values are
 * binaryMetrics' on the group's rows (test/unit/fairness-groups.test.ts compares the two); used
 * when every label is one of the two classes and every score is finite — else each group's rows
 * are evaluated as before (assess.ts).
 */
import { rankingStats } from '../metrics/ranking.js';
import { groupSortedScores, type ScoreOrder } from './score-order.js';

/** The metrics read off the counts or the sorted scores. */
const COUNT_METRICS = new Set(['accuracy', 'precision', 'recall', 'f1']);
const RANKING_METRICS = new Set(['roc_auc', 'average_precision']);

export interface BinaryWindow {
  yTrue: Int32Array;
  yPred: Int32Array;
  positive: number;
  nClasses: number;
  /** Whether each row's true label is the positive class. */
  isPos: Uint8Array;
  /** The rows by score (null: a score is not finite). */
  so: ScoreOrder | null;
  /** Every true label and prediction is 0 or 1. */
  plainLabels: boolean;
}

export interface GroupFigures {
  metric: Float64Array;
  sel: Float64Array;
  tpr: Float64Array;
  fpr: Float64Array;
}

/** Whether groupFigures can compute `metric` on this window. */
export function sweepable(w: BinaryWindow, metric: string): boolean {
  if (w.nClasses !== 2 || !w.plainLabels) return false;
  return COUNT_METRICS.has(metric) || (RANKING_METRICS.has(metric) && w.so !== null);
}

/** Whether every true label and prediction of the rows is 0 or 1. */
export function plainBinaryLabels(yTrue: Int32Array, yPred: Int32Array): boolean {
  for (let i = 0; i < yTrue.length; i++) if ((yTrue[i]! | yPred[i]! | 1) !== 1) return false;
  return true;
}

/** Each group's metric and rates (NaN where undefined), from one sweep over the rows; `sweepable` must hold. */
export function groupFigures(w: BinaryWindow, metric: string, slot: Int32Array, groups: number): GroupFigures {
  const cells = new Float64Array(4 * groups);
  const { yPred, isPos, positive } = w;
  for (let i = 0; i < slot.length; i++) {
    const g = slot[i]!;
    if (g >= 0) cells[4 * g + 2 * isPos[i]! + (yPred[i] === positive ? 1 : 0)]!++;
  }
  const out: GroupFigures = {
    metric: new Float64Array(groups).fill(NaN),
    sel: new Float64Array(groups).fill(NaN),
    tpr: new Float64Array(groups).fill(NaN),
    fpr: new Float64Array(groups).fill(NaN),
  };
  const sorted = RANKING_METRICS.has(metric) ? groupSortedScores(w.so!, slot, isPos, groups) : null;
  for (let g = 0; g < groups; g++) {
    const [tn, fp, fn, tp] = [cells[4 * g]!, cells[4 * g + 1]!, cells[4 * g + 2]!, cells[4 * g + 3]!];
    const n = tn + fp + fn + tp;
    if (n === 0) continue;
    out.sel[g] = (tp + fp) / n;
    out.tpr[g] = tp + fn > 0 ? tp / (tp + fn) : NaN;
    out.fpr[g] = fp + tn > 0 ? fp / (fp + tn) : NaN;
    // scikit-learn's conventions, as binaryMetrics: 0 where precision, recall or F1 is ill-defined.
    if (metric === 'accuracy') out.metric[g] = (tp + tn) / n;
    else if (metric === 'precision') out.metric[g] = tp + fp === 0 ? 0 : tp / (tp + fp);
    else if (metric === 'recall') out.metric[g] = tp + fn === 0 ? 0 : tp / (tp + fn);
    else if (metric === 'f1') out.metric[g] = 2 * tp + fp + fn === 0 ? 0 : (2 * tp) / (tp + fn + (tp + fp));
    else {
      const P = tp + fn;
      const N = fp + tn;
      if (P === 0 || N === 0) {
        // roc_auc undefined with one class; average_precision 0 without positives, 1 with only positives.
        if (metric === 'average_precision') out.metric[g] = P === 0 ? 0 : 1;
        continue;
      }
      const s = rankingStats(sorted![g]!.pos, sorted![g]!.neg, true);
      out.metric[g] = metric === 'roc_auc' ? s.auc : s.averagePrecision;
    }
  }
  return out;
}
