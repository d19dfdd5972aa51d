/**
 * Recall at a fixed precision and precision at a fixed recall, read off the precision-recall
 * curve as scikit-learn's precision_recall_curve defines it: one point per distinct score t
 * (rows with score ≥ t predicted positive) plus the final point precision 1, recall 0 (nothing
 * predicted positive). Definitions and edge cases: docs/statistics/business-metrics.md.
 *
 * The scores are sorted once (sortScores); every target is then one walk over the sorted arrays,
 * without allocation, so a model declaring several targets pays for one sort.
 */
import { sortFloat64 } from '../../math/sort.js';
import { BusinessMetricError, requireFinite, requireRows, requireSameLength, requireTarget } from './business-input.js';
import type { Floats } from './types.js';

/** The scores of the positive rows and of the others, each sorted ascending. */
export interface SortedScores {
  pos: Float64Array;
  neg: Float64Array;
}

/** Splits the scores by y_true == positive and sorts both parts: one sort of the n scores. */
export function sortScores(yTrue: Int32Array, scores: Floats, positive: number, metric = 'precision_recall_curve'): SortedScores {
  requireSameLength(metric, yTrue, 'y_true', scores, 'scores');
  requireRows(metric, yTrue.length);
  requireFinite(metric, scores, 'scores');
  let nPos = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === positive) nPos++;
  const pos = new Float64Array(nPos);
  const neg = new Float64Array(yTrue.length - nPos);
  for (let i = 0, a = 0, b = 0; i < yTrue.length; i++) {
    if (yTrue[i] === positive) pos[a++] = scores[i] as number;
    else neg[b++] = scores[i] as number;
  }
  sortFloat64(pos);
  sortFloat64(neg);
  return { pos, neg };
}

export interface CurvePoint {
  /** The metric asked for: the recall (recallAtPrecision) or the precision (precisionAtRecall). */
  value: number;
  precision: number;
  recall: number;
  /** Rows with score ≥ threshold are predicted positive; Infinity: none is (the final point). */
  threshold: number;
}

/** Calls visit(threshold, tp, fp) for each distinct score from the highest down. */
function walk(s: SortedScores, visit: (threshold: number, tp: number, fp: number) => void): void {
  const { pos, neg } = s;
  let i = pos.length - 1;
  let j = neg.length - 1;
  let tp = 0;
  let fp = 0;
  while (i >= 0 || j >= 0) {
    const a = i >= 0 ? (pos[i] as number) : -Infinity;
    const b = j >= 0 ? (neg[j] as number) : -Infinity;
    const t = a > b ? a : b;
    while (i >= 0 && pos[i] === t) {
      tp++;
      i--;
    }
    while (j >= 0 && neg[j] === t) {
      fp++;
      j--;
    }
    visit(t, tp, fp);
  }
}

function requirePositives(metric: string, s: SortedScores): void {
  if (s.pos.length + s.neg.length === 0) throw new BusinessMetricError(metric, 'no rows to evaluate');
  if (s.pos.length === 0) {
    throw new BusinessMetricError(metric, 'y_true has no positive rows, so recall is undefined (scikit-learn sets it to 1 with a warning)');
  }
}

/**
 * The highest recall among the thresholds whose precision is ≥ minPrecision; on a tie, the
 * highest such threshold (the fewest false positives). When no threshold reaches the precision,
 * the final point: recall 0 at threshold Infinity (flag nothing).
 */
export function recallAtPrecision(s: SortedScores, minPrecision: number): CurvePoint {
  const metric = 'recall_at_precision';
  requireTarget(metric, minPrecision, 'the precision');
  requirePositives(metric, s);
  const p = s.pos.length;
  // The final point: nothing flagged, precision 1 by scikit-learn's convention.
  let bestTp = 0;
  let bestFp = 0;
  let bestT = Infinity;
  walk(s, (t, tp, fp) => {
    if (tp > bestTp && tp / (tp + fp) >= minPrecision) {
      bestTp = tp;
      bestFp = fp;
      bestT = t;
    }
  });
  const recall = bestTp / p;
  return { value: recall, precision: bestTp === 0 ? 1 : bestTp / (bestTp + bestFp), recall, threshold: bestT };
}

/**
 * The highest precision among the thresholds whose recall is ≥ minRecall; on a tie, the lowest
 * such threshold (the most recall). Always defined: the lowest score flags every row, recall 1.
 */
export function precisionAtRecall(s: SortedScores, minRecall: number): CurvePoint {
  const metric = 'precision_at_recall';
  requireTarget(metric, minRecall, 'the recall');
  requirePositives(metric, s);
  const p = s.pos.length;
  let bestPrecision = -1;
  let bestTp = 0;
  let bestT = Infinity;
  walk(s, (t, tp, fp) => {
    const precision = tp / (tp + fp);
    if (precision >= bestPrecision && tp / p >= minRecall) {
      bestPrecision = precision;
      bestTp = tp;
      bestT = t;
    }
  });
  return { value: bestPrecision, precision: bestPrecision, recall: bestTp / p, threshold: bestT };
}
