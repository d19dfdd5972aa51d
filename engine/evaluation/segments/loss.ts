/**
 * The per-row loss the segment search tests, matched to the primary metric: a ranking or
 * probability metric (roc_auc, average_precision, log_loss, brier) is about the probabilities, so
 * the row's log loss; a metric of the predicted class (accuracy, f1, precision, recall, …) is about
 * mistakes, so 1 for a misclassified row and 0 otherwise; regression: the absolute error for mae
 * and mape, the squared error for rmse and r2. Higher is worse for every one.
 */
import type { Collected } from '../evaluator.js';
import type { SegmentSearchReport } from '../../../domain/segments.js';

const PROBABILITY_METRICS = new Set(['roc_auc', 'roc_auc_ovr_macro', 'average_precision', 'log_loss', 'brier']);

/** Probabilities are clipped to [ε, 1 − ε] as scikit-learn's log_loss does for float64 (its dtype's eps). */
const EPS = 2.220446049250313e-16;

export function lossKind(task: Collected['task'], metric: string): SegmentSearchReport['loss'] {
  if (task === 'regression') return metric === 'mae' || metric === 'mape' ? 'absolute_error' : 'squared_error';
  return PROBABILITY_METRICS.has(metric) ? 'log_loss' : 'error';
}

/** The loss of each (labelled) row of `c`. */
export function rowLoss(c: Collected, kind: SegmentSearchReport['loss']): Float64Array {
  const n = c.rows;
  const out = new Float64Array(n);
  if (kind === 'absolute_error' || kind === 'squared_error') {
    const t = c.yTrueValue!;
    const p = c.yPredValue!;
    for (let i = 0; i < n; i++) {
      const d = t[i]! - p[i]!;
      out[i] = kind === 'absolute_error' ? Math.abs(d) : d * d;
    }
    return out;
  }
  const t = c.yTrueClass!;
  if (kind === 'error') {
    const p = c.yPredClass!;
    for (let i = 0; i < n; i++) out[i] = t[i] === p[i] ? 0 : 1;
    return out;
  }
  const proba = c.proba!;
  const k = n > 0 ? proba.length / n : 0;
  for (let i = 0; i < n; i++) {
    const q = proba[i * k + t[i]!]!;
    out[i] = -Math.log(Math.min(1 - EPS, Math.max(EPS, q)));
  }
  return out;
}
