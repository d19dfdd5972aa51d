/**
 * The per-row loss the segment search tests, matched to the primary metric: a ranking or
 * probability metric (roc_auc, average_precision, log_loss, brier) is about the probabilities, so
 * the row's log loss; a metric of the predicted class (accuracy, f1, precision, recall, …) is about
 * mistakes, so 1 for a misclassified row and 0 otherwise; regression: the absolute error for mae
 * and mape, the squared error for rmse and r2. Higher is worse for every one.
 *
 * A classifier's search tests the excess of each row's loss over what the model's own probabilities
 * expect it to be (excessLoss): rows the model is unsure of (p near 0.5) have a high loss by nature,
 * and a segment of them is not a weak spot but the model saying it does not know. A calibrated model
 * has an excess of mean zero on every segment; labels that stopped following the model there do not.
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

/** The loss of each (labelled) row of `c`, or of its rows `at` (positions, in that order). */
export function rowLoss(c: Collected, kind: SegmentSearchReport['loss'], at?: Int32Array): Float64Array {
  const n = at ? at.length : c.rows;
  const row = at ? (i: number) => at[i]! : (i: number) => i;
  const out = new Float64Array(n);
  if (kind === 'absolute_error' || kind === 'squared_error') {
    const t = c.yTrueValue!;
    const p = c.yPredValue!;
    for (let i = 0; i < n; i++) {
      const r = row(i);
      const d = t[r]! - p[r]!;
      out[i] = kind === 'absolute_error' ? Math.abs(d) : d * d;
    }
    return out;
  }
  const t = c.yTrueClass!;
  if (kind === 'error') {
    const p = c.yPredClass!;
    for (let i = 0; i < n; i++) out[i] = t[row(i)] === p[row(i)] ? 0 : 1;
    return out;
  }
  const proba = c.proba!;
  const k = c.rows > 0 ? proba.length / c.rows : 0;
  for (let i = 0; i < n; i++) {
    const r = row(i);
    const q = proba[r * k + t[r]!]!;
    out[i] = -Math.log(Math.min(1 - EPS, Math.max(EPS, q)));
  }
  return out;
}

/**
 * The loss of each row minus its expectation under the model's own probabilities: for log loss
 * −Σ_c p_c·ln p_c (the entropy), for the 0/1 error 1 − p(predicted class). Regression has no such
 * expectation: the loss itself. `loss[i]` is row `at[i]`'s (row i's without `at`).
 */
export function excessLoss(c: Collected, kind: SegmentSearchReport['loss'], loss: Float64Array, at?: Int32Array): Float64Array {
  if (kind === 'absolute_error' || kind === 'squared_error') return loss;
  const n = loss.length;
  const row = at ? (i: number) => at[i]! : (i: number) => i;
  const proba = c.proba!;
  const k = c.rows > 0 ? proba.length / c.rows : 0;
  const out = new Float64Array(n);
  if (kind === 'log_loss' && k === 2) {
    // Binary: the row's loss is one of the two logs the entropy takes (two logs a row, not three).
    const t = c.yTrueClass!;
    for (let i = 0; i < n; i++) {
      const r = row(i);
      const p0 = proba[2 * r]!;
      const p1 = proba[2 * r + 1]!;
      const l0 = Math.log(Math.min(1 - EPS, Math.max(EPS, p0)));
      const l1 = Math.log(Math.min(1 - EPS, Math.max(EPS, p1)));
      out[i] = -(t[r] === 0 ? l0 : l1) + p0 * l0 + p1 * l1;
    }
    return out;
  }
  if (kind === 'error') {
    const p = c.yPredClass!;
    for (let i = 0; i < n; i++) out[i] = loss[i]! - (1 - proba[row(i) * k + p[row(i)]!]!);
    return out;
  }
  for (let i = 0; i < n; i++) {
    const r = row(i);
    let h = 0;
    for (let j = 0; j < k; j++) {
      const q = Math.min(1 - EPS, Math.max(EPS, proba[r * k + j]!));
      h -= proba[r * k + j]! * Math.log(q);
    }
    out[i] = loss[i]! - h;
  }
  return out;
}

/** The loss of each row (of the rows `at`) and what the search tests (its excess, or the loss itself): the binary log loss's in one pass, two logs a row. */
export function lossAndTested(c: Collected, kind: SegmentSearchReport['loss'], at?: Int32Array): { losses: Float64Array; tested: Float64Array } {
  const proba = c.proba;
  if (kind !== 'log_loss' || !proba || c.rows === 0 || proba.length !== 2 * c.rows) {
    const losses = rowLoss(c, kind, at);
    return { losses, tested: excessLoss(c, kind, losses, at) };
  }
  const n = at ? at.length : c.rows;
  const t = c.yTrueClass!;
  const losses = new Float64Array(n);
  const tested = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = at ? at[i]! : i;
    const p0 = proba[2 * r]!;
    const p1 = proba[2 * r + 1]!;
    const l0 = Math.log(Math.min(1 - EPS, Math.max(EPS, p0)));
    const l1 = Math.log(Math.min(1 - EPS, Math.max(EPS, p1)));
    const loss = -(t[r] === 0 ? l0 : l1);
    losses[i] = loss;
    tested[i] = loss + p0 * l0 + p1 * l1;
  }
  return { losses, tested };
}
