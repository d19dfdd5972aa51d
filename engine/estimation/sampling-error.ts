/**
 * The sampling error of CBPE's estimates, from statistics of the reference (NannyML's sampling-error
 * components; docs/statistics/estimation.md, "The band"): each metric is read as a mean over the
 * rows it concerns, so its standard error on a window of n rows is the reference's spread of that
 * per-row quantity over √(n × the share of rows it concerns). JSON-serialisable; null where the
 * reference leaves a component undefined (e.g. no positive predictions for precision).
 */

export type SamplingComponents =
  /** SE = sd / √(n · fraction). */
  | { kind: 'sd'; sd: number | null; fraction: number | null }
  /** Macro averages over K classes: SE = factor · √(Σ_k variance_k / (n · fraction_k)) / K. */
  | { kind: 'classes'; variances: (number | null)[]; fractions: (number | null)[]; factor: number }
  /** A weighted sum of independent estimates: SE = √(Σ (weight_i · SE_i)²). */
  | { kind: 'sum'; parts: SamplingComponents[]; weights: number[] };

/** The standard error for a window of `n` rows, or null where a component is undefined or n is 0. */
export function samplingError(c: SamplingComponents, n: number): number | null {
  if (!(n > 0)) return null;
  switch (c.kind) {
    case 'sd':
      if (c.sd === null || c.fraction === null || !(c.fraction > 0)) return null;
      return c.sd / Math.sqrt(n * c.fraction);
    case 'classes': {
      let sum = 0;
      for (let k = 0; k < c.variances.length; k++) {
        const v = c.variances[k];
        const f = c.fractions[k];
        if (v === null || v === undefined || f === null || f === undefined || !(f > 0)) return null;
        sum += v / (n * f);
      }
      return (c.factor * Math.sqrt(sum)) / c.variances.length;
    }
    case 'sum': {
      let sum = 0;
      for (let i = 0; i < c.parts.length; i++) {
        const se = samplingError(c.parts[i]!, n);
        if (se === null) return null;
        sum += (c.weights[i]! * se) ** 2;
      }
      return Math.sqrt(sum);
    }
  }
}

/** Population variance of a 0/1 sample with `ones` ones among `count`; null for an empty sample. */
function bernoulliVariance(ones: number, count: number): number | null {
  if (count === 0) return null;
  const q = ones / count;
  return q * (1 - q);
}

function sqrtOrNull(v: number | null): number | null {
  return v === null ? null : Math.sqrt(v);
}

/** One class against the rest on the reference: counts of the confusion matrix. */
export interface OneVsRest {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

/**
 * Mean-centred spread of the AUROC placements: for each row of the minority class, the share of the
 * other class's rows it outranks (ties count half), as NannyML reads ROC AUC as a Mann–Whitney U
 * statistic. `s` ascending, `y` its 0/1 outcomes. Returns the placements' population variance and
 * the minority's share of the rows.
 */
export function aurocPlacementVariance(s: Float64Array, y: Uint8Array): { variance: number | null; fraction: number } {
  const n = s.length;
  let ones = 0;
  for (let i = 0; i < n; i++) ones += y[i]!;
  // NannyML turns the problem around when the positives are the majority (score 1 − s).
  const flip = ones / n > 0.5;
  const minority = flip ? 0 : 1;
  const nMin = flip ? n - ones : ones;
  const nOther = n - nMin;
  if (nMin === 0 || nOther === 0) return { variance: null, fraction: nMin / n };
  let otherBelow = 0;
  let count = 0;
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < n;) {
    const v = s[i]!;
    let a = 0;
    let b = 0;
    for (let j = i; j < n && s[j] === v; j++) {
      if (y[j] === minority) a++;
      else b++;
    }
    i += a + b;
    if (a > 0) {
      // Outranked rows of the other class: below it in score, or above it when turned around.
      const outranked = flip ? nOther - otherBelow - b : otherBelow;
      const x = (outranked + b / 2) / nOther;
      for (let t = 0; t < a; t++) {
        count++;
        const d = x - mean;
        mean += d / count;
        m2 += d * (x - mean);
      }
    }
    otherBelow += b;
  }
  return { variance: m2 / count, fraction: nMin / n };
}

/** Binary components (positive class against the negative), as NannyML's binary_classification module. */
export function binaryComponents(c: OneVsRest, auroc: { variance: number | null; fraction: number }): Record<string, SamplingComponents> {
  const n = c.tp + c.fp + c.fn + c.tn;
  const accuracy: SamplingComponents = { kind: 'sd', sd: sqrtOrNull(bernoulliVariance(c.tp + c.tn, n)), fraction: 1 };
  const precision: SamplingComponents = { kind: 'sd', sd: sqrtOrNull(bernoulliVariance(c.tp, c.tp + c.fp)), fraction: (c.tp + c.fp) / n };
  const recall: SamplingComponents = { kind: 'sd', sd: sqrtOrNull(bernoulliVariance(c.tp, c.tp + c.fn)), fraction: (c.tp + c.fn) / n };
  const specificity: SamplingComponents = { kind: 'sd', sd: sqrtOrNull(bernoulliVariance(c.tn, c.tn + c.fp)), fraction: (c.tn + c.fp) / n };
  // F1 per row: 1 for a true positive, 0 for an error, scaled so that its mean is F1.
  const relevant = c.tp + c.fp + c.fn;
  const f1Sd = relevant === 0 ? null : (relevant / (0.5 * (c.fn + c.fp) + c.tp)) * Math.sqrt(bernoulliVariance(c.tp, relevant)!);
  return {
    roc_auc: { kind: 'sd', sd: sqrtOrNull(auroc.variance), fraction: auroc.fraction },
    accuracy,
    precision,
    recall,
    f1: { kind: 'sd', sd: f1Sd, fraction: relevant / n },
    // (recall + specificity) / 2 over disjoint rows (true positives' and true negatives' classes): independent.
    balanced_accuracy: { kind: 'sum', parts: [recall, specificity], weights: [0.5, 0.5] },
  };
}

/** Multiclass components (each class against the rest, macro-averaged), as NannyML's multiclass_classification module. */
export function multiclassComponents(
  perClass: OneVsRest[],
  correct: number,
  auroc: { variance: number | null; fraction: number }[],
): Record<string, SamplingComponents> {
  const n = perClass[0]!.tp + perClass[0]!.fp + perClass[0]!.fn + perClass[0]!.tn;
  const classes = (f: (c: OneVsRest) => [ones: number, count: number], factor = 1): SamplingComponents => ({
    kind: 'classes',
    variances: perClass.map((c) => bernoulliVariance(...f(c))),
    fractions: perClass.map((c) => f(c)[1] / n),
    factor,
  });
  const recall = classes((c) => [c.tp, c.tp + c.fn]);
  return {
    // NannyML widens the macro AUROC's error by 1.2 (the classes' AUROCs are not independent).
    roc_auc_ovr_macro: { kind: 'classes', variances: auroc.map((a) => a.variance), fractions: auroc.map((a) => a.fraction), factor: 1.2 },
    accuracy: { kind: 'sd', sd: sqrtOrNull(bernoulliVariance(correct, n)), fraction: 1 },
    precision_macro: classes((c) => [c.tp, c.tp + c.fp]),
    recall_macro: recall,
    f1_macro: classes((c) => [c.tp, c.tp + c.fp + c.fn]),
    // Balanced accuracy is the macro recall (scikit-learn's definition).
    balanced_accuracy: recall,
  };
}
