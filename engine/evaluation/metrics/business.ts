/**
 * Business metrics computed in one pass, no sort (definitions and edge cases:
 * docs/statistics/business-metrics.md): a cost or value matrix over the confusion matrix, the
 * usual binary metrics at a declared decision threshold, and regression error bands. Pure
 * functions, typed arrays in, numbers out; a user's mistake throws a BusinessMetricError naming
 * the metric. Recall at a fixed precision lives in pr-targets.ts (it needs the sorted scores).
 */
import { CompensatedSum } from '../../math/sum.js';
import { BusinessMetricError, requireClasses, requireFinite, requireFiniteNumber, requireRows, requireSameLength } from './business-input.js';
import type { Floats } from './types.js';

/** How each row's predicted class is obtained. */
export type Prediction =
  /** Predicted class index per row, 0..k-1. */
  | { kind: 'classes'; yPred: Int32Array }
  /** Row-major n × k probabilities: the class with the highest one (the first on a tie, as numpy's argmax). */
  | { kind: 'argmax'; proba: Floats }
  /** Binary only: `positive` where score ≥ threshold, the other class otherwise. */
  | { kind: 'threshold'; scores: Floats; threshold: number; positive: number };

export interface MatrixCost {
  /** Σ over true class i and predicted class j of matrix[i][j] × count(i, j). */
  total: number;
  /** total / rows: the average cost (or value) of one row. */
  perRow: number;
  rows: number;
  /** Row-major k × k counts (rows = true class, columns = predicted), scikit-learn's confusion_matrix. */
  confusion: Float64Array;
}

const COST = 'cost_matrix';

function checkMatrix(matrix: readonly (readonly number[])[]): number {
  const k = matrix.length;
  if (k < 2) throw new BusinessMetricError(COST, `the matrix must be k × k with k ≥ 2 classes, got ${k} rows`);
  matrix.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== k) {
      throw new BusinessMetricError(COST, `row ${i} of the matrix has ${Array.isArray(row) ? row.length : 'no'} entries; a ${k} × ${k} matrix needs ${k}`);
    }
    row.forEach((v, j) => requireFiniteNumber(COST, v, `matrix[${i}][${j}]`));
  });
  return k;
}

/**
 * The total and per-row cost (or value: the same sum with gains as entries) of the predictions
 * under a k × k matrix whose rows are the true class and columns the predicted class.
 */
export function matrixCost(yTrue: Int32Array, prediction: Prediction, matrix: readonly (readonly number[])[]): MatrixCost {
  const k = checkMatrix(matrix);
  const n = yTrue.length;
  requireRows(COST, n);
  requireClasses(COST, yTrue, k, 'y_true');
  const confusion = new Float64Array(k * k);
  if (prediction.kind === 'classes') {
    requireSameLength(COST, yTrue, 'y_true', prediction.yPred, 'y_pred');
    requireClasses(COST, prediction.yPred, k, 'y_pred');
    for (let i = 0; i < n; i++) confusion[(yTrue[i] as number) * k + (prediction.yPred[i] as number)]! += 1;
  } else if (prediction.kind === 'argmax') {
    const { proba } = prediction;
    if (proba.length !== n * k) {
      throw new BusinessMetricError(COST, `proba has ${proba.length} values; ${n} rows × ${k} classes need ${n * k}`);
    }
    requireFinite(COST, proba, 'proba');
    for (let i = 0, base = 0; i < n; i++, base += k) {
      let best = 0;
      let bestV = proba[base] as number;
      for (let j = 1; j < k; j++) {
        const v = proba[base + j] as number;
        if (v > bestV) {
          bestV = v;
          best = j;
        }
      }
      confusion[(yTrue[i] as number) * k + best]! += 1;
    }
  } else {
    const { scores, threshold, positive } = prediction;
    if (k !== 2) throw new BusinessMetricError(COST, `a decision threshold needs a binary (2 × 2) matrix, got ${k} × ${k}`);
    if (positive !== 0 && positive !== 1) throw new BusinessMetricError(COST, `positive must be class 0 or 1, got ${String(positive)}`);
    requireSameLength(COST, yTrue, 'y_true', scores, 'scores');
    requireFinite(COST, scores, 'scores');
    requireFiniteNumber(COST, threshold, 'threshold');
    const negative = 1 - positive;
    for (let i = 0; i < n; i++) {
      const p = (scores[i] as number) >= threshold ? positive : negative;
      confusion[(yTrue[i] as number) * 2 + p]! += 1;
    }
  }
  const sum = new CompensatedSum();
  for (let i = 0; i < k; i++) {
    const row = matrix[i] as readonly number[];
    for (let j = 0; j < k; j++) {
      const c = confusion[i * k + j] as number;
      if (c !== 0) sum.add((row[j] as number) * c);
    }
  }
  const total = sum.value();
  return { total, perRow: total / n, rows: n, confusion };
}

export interface ThresholdMetrics {
  precision: number;
  recall: number;
  f1: number;
  accuracy: number;
  /** scikit-learn's UndefinedMetricWarning, keyed by metric: the value was set to 0 by convention. */
  warnings: Record<string, string>;
}

const AT = 'metrics_at_threshold';

/**
 * Precision, recall, f1 and accuracy when a row is predicted positive where score ≥ threshold
 * (scikit-learn's precision_score(y_true == positive, scores >= threshold) and so on). A row is
 * positive when its true class is `positive`, negative otherwise.
 */
export function metricsAtThreshold(yTrue: Int32Array, scores: Floats, positive: number, threshold: number): ThresholdMetrics {
  const n = yTrue.length;
  requireSameLength(AT, yTrue, 'y_true', scores, 'scores');
  requireRows(AT, n);
  requireFinite(AT, scores, 'scores');
  requireFiniteNumber(AT, threshold, 'threshold');
  let tp = 0;
  let truePos = 0;
  let predPos = 0;
  for (let i = 0; i < n; i++) {
    const isPos = yTrue[i] === positive;
    const predicted = (scores[i] as number) >= threshold;
    if (isPos) truePos++;
    if (predicted) {
      predPos++;
      if (isPos) tp++;
    }
  }
  const tn = n - truePos - predPos + tp;
  const warnings: Record<string, string> = {};
  const at = `at threshold ${threshold}`;
  if (predPos === 0) warnings['precision'] = `Precision is ill-defined and set to 0.0: no row is predicted positive ${at}.`;
  if (truePos === 0) warnings['recall'] = `Recall is ill-defined and set to 0.0: no row is positive in y_true.`;
  if (truePos + predPos === 0) warnings['f1'] = `F-score is ill-defined and set to 0.0: no true nor predicted positive rows ${at}.`;
  return {
    precision: predPos === 0 ? 0 : tp / predPos,
    recall: truePos === 0 ? 0 : tp / truePos,
    f1: truePos + predPos === 0 ? 0 : (2 * tp) / (truePos + predPos),
    accuracy: (tp + tn) / n,
    warnings,
  };
}

export type ErrorBand = 'absolute' | 'relative';

/**
 * The share of rows whose error is within the band: |y − ŷ| ≤ x ('absolute'), or
 * |y − ŷ| ≤ x·|y| ('relative'; a row with y = 0 is within only when ŷ = 0).
 */
export function withinErrorBand(yTrue: Float64Array, yPred: Float64Array, x: number, band: ErrorBand = 'absolute'): number {
  const metric = band === 'absolute' ? 'within_absolute_error' : 'within_relative_error';
  requireSameLength(metric, yTrue, 'y_true', yPred, 'y_pred');
  requireRows(metric, yTrue.length);
  requireFinite(metric, yTrue, 'y_true');
  requireFinite(metric, yPred, 'y_pred');
  requireFiniteNumber(metric, x, 'the band');
  if (x < 0) throw new BusinessMetricError(metric, `the band must be ≥ 0, got ${x}`);
  let within = 0;
  const n = yTrue.length;
  if (band === 'absolute') {
    for (let i = 0; i < n; i++) if (Math.abs((yTrue[i] as number) - (yPred[i] as number)) <= x) within++;
  } else {
    for (let i = 0; i < n; i++) {
      const t = yTrue[i] as number;
      if (Math.abs(t - (yPred[i] as number)) <= x * Math.abs(t)) within++;
    }
  }
  return within / n;
}
