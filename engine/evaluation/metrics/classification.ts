/** Metrics shared by binary and multiclass tasks: accuracy, balanced accuracy, log loss. */
import { CompensatedSum, FLOAT64_EPS } from '../../math/sum.js';
import { classList, type LabelCounts } from './labels.js';
import { compensatedMean } from './numeric.js';
import type { Floats } from './types.js';

export function accuracy(yTrue: Int32Array, yPred: Int32Array): number {
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) correct++;
  return correct / yTrue.length;
}

/** balanced_accuracy_score: mean recall over labels present in y_true. */
export function balancedAccuracy(c: LabelCounts, names: readonly string[] | undefined): { value: number; warning?: string } {
  const recalls: number[] = [];
  const onlyPredicted: number[] = [];
  for (let j = 0; j < c.labels.length; j++) {
    const t = c.trueCount[j] as number;
    if (t === 0) onlyPredicted.push(c.labels[j] as number);
    else recalls.push((c.tp[j] as number) / t);
  }
  const value = compensatedMean(recalls);
  if (onlyPredicted.length === 0) return { value };
  return {
    value,
    warning:
      `y_pred contains classes not in y_true (${classList(onlyPredicted, names)}); their recall is undefined ` +
      `and, like scikit-learn, they are left out of the mean.`,
  };
}

export type ProbaCheck = { ok: true } | { ok: false; reason: string };

/** The validity checks log_loss performs on y_prob (check_array + range checks). */
export function checkProbaForLogLoss(proba: Floats): ProbaCheck {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < proba.length; i++) {
    const v = proba[i] as number;
    if (!(v - v === 0)) {
      return { ok: false, reason: 'proba contains NaN or infinity (scikit-learn raises on non-finite input).' };
    }
    if (v < min) min = v;
    if (v > max) max = v;
  }
  // scikit-learn's words: "y_prob contains values greater than 1" / "less than 0".
  if (max > 1) return { ok: false, reason: `y_prob contains values greater than 1 (max ${max}); scikit-learn's log_loss raises.` };
  if (min < 0) return { ok: false, reason: `y_prob contains values less than 0 (min ${min}); scikit-learn's log_loss raises.` };
  return { ok: true };
}

/**
 * log_loss(y, proba, labels=range(k)): mean of −log(clip(p[i, y_i], eps, 1 − eps)), no
 * renormalisation; warns when a row sum is not within 1e-8 + sqrt(eps) of 1.
 */
export function logLoss(
  yTrue: Int32Array,
  proba: Floats,
  k: number,
  unknownTrue: readonly number[],
  names: readonly string[] | undefined,
): { value: number; warning?: string } | { reason: string } {
  if (unknownTrue.length > 0) {
    return {
      reason: `y_true contains labels the model does not know (${classList(unknownTrue, names)}); ` + `scikit-learn's log_loss with labels=range(${k}) raises.`,
    };
  }
  const check = checkProbaForLogLoss(proba);
  if (!check.ok) return { reason: check.reason };

  const eps = FLOAT64_EPS;
  const hi = 1 - eps;
  const sumTol = 1e-8 + Math.sqrt(eps); // xpx.isclose(sum, 1, rtol=sqrt(eps)), atol 1e-8
  const loss = new CompensatedSum();
  let offRows = 0;
  let worst = 0;
  const n = yTrue.length;
  for (let i = 0; i < n; i++) {
    const base = i * k;
    let rowSum = 0;
    for (let j = 0; j < k; j++) rowSum += proba[base + j] as number;
    const dev = Math.abs(rowSum - 1);
    if (dev > sumTol) {
      offRows++;
      if (dev > worst) worst = dev;
    }
    let p = proba[base + (yTrue[i] as number)] as number;
    if (p < eps) p = eps;
    else if (p > hi) p = hi;
    loss.add(-Math.log(p));
  }
  const value = loss.value() / n;
  if (offRows === 0) return { value };
  return {
    value,
    warning:
      `The y_prob values do not sum to one in ${offRows} of ${n} rows (largest deviation ${worst.toExponential(2)}); ` +
      `like scikit-learn, rows are not renormalised (only the true class's clipped probability enters the loss).`,
  };
}
