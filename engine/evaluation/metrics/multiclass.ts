/** Multiclass classification metrics (scikit-learn definitions: docs/statistics/metrics.md). */
import { CompensatedSum } from '../../math/sum.js';
import { accuracy, balancedAccuracy, logLoss } from './classification.js';
import { classList, validatedLabelCounts, type LabelCounts } from './labels.js';
import { MULTICLASS_METRICS, type MulticlassMetricName } from './names.js';
import { allFinite, compensatedMean } from './numeric.js';
import { rankingStats, splitColumn } from './ranking.js';
import { ResultBuilder } from './result.js';
import type { ClassificationInput, Floats, MetricsResult } from './types.js';

export function multiclassMetrics(input: ClassificationInput): MetricsResult<MulticlassMetricName> {
  const c = validatedLabelCounts(input);
  const { yTrue, yPred, proba, nClasses: k, labels: names } = input;
  const r = new ResultBuilder(MULTICLASS_METRICS);
  const n = yTrue.length;
  if (n === 0) {
    r.nullifyAll(MULTICLASS_METRICS, 'No rows to evaluate (scikit-learn raises on empty input).');
    return r.build();
  }

  r.value('accuracy', accuracy(yTrue, yPred));
  const bal = balancedAccuracy(c, names);
  r.value('balanced_accuracy', bal.value, bal.warning);

  // Per-label precision / recall / F1 over the sorted union of labels (sklearn's default labels).
  const precision: number[] = [];
  const recall: number[] = [];
  const f1: number[] = [];
  const noPred: number[] = [];
  const noTrue: number[] = [];
  const weighted = new CompensatedSum();
  let support = 0;
  for (let j = 0; j < c.labels.length; j++) {
    const tp = c.tp[j] as number;
    const t = c.trueCount[j] as number;
    const p = c.predCount[j] as number;
    if (p === 0) noPred.push(c.labels[j] as number);
    if (t === 0) noTrue.push(c.labels[j] as number);
    precision.push(p === 0 ? 0 : tp / p);
    recall.push(t === 0 ? 0 : tp / t);
    const f = t + p === 0 ? 0 : (2 * tp) / (t + p);
    f1.push(f);
    weighted.add(f * t);
    support += t;
  }
  r.value('f1_macro', compensatedMean(f1));
  r.value('f1_weighted', weighted.value() / support);
  r.value(
    'precision_macro',
    compensatedMean(precision),
    noPred.length === 0
      ? undefined
      : `Precision is ill-defined and set to 0.0 for labels with no predicted samples (${classList(noPred, names)}); ` +
          `as in scikit-learn (zero_division='warn') those zeros are included in the macro average.`,
  );
  r.value(
    'recall_macro',
    compensatedMean(recall),
    noTrue.length === 0
      ? undefined
      : `Recall is ill-defined and set to 0.0 for labels with no true samples (${classList(noTrue, names)}); ` +
          `as in scikit-learn (zero_division='warn') those zeros are included in the macro average.`,
  );

  // roc_auc_score(y, proba, multi_class='ovr', average='macro', labels=range(k))
  const aucReason = ovrAucPrecondition(yTrue, proba, k, c, names);
  if (aucReason !== undefined) {
    r.nullify('roc_auc_ovr_macro', aucReason);
  } else {
    const trueCountByClass = new Float64Array(k);
    for (let j = 0; j < c.labels.length; j++) {
      const label = c.labels[j] as number;
      if (label < k) trueCountByClass[label] = c.trueCount[j] as number;
    }
    const undefinedFor: number[] = [];
    for (let cls = 0; cls < k; cls++) {
      const P = trueCountByClass[cls] as number;
      if (P === 0 || P === n) undefinedFor.push(cls);
    }
    if (undefinedFor.length > 0) {
      r.nullify(
        'roc_auc_ovr_macro',
        `One-vs-rest AUC is undefined for ${classList(undefinedFor, names)}: only one class is present in ` +
          `y_true for that split (scikit-learn returns NaN for the macro average).`,
      );
    } else {
      const aucs: number[] = [];
      for (let cls = 0; cls < k; cls++) {
        const { pos, neg } = splitColumn(yTrue, proba, k, cls, cls, trueCountByClass[cls] as number);
        aucs.push(rankingStats(pos, neg).auc);
      }
      r.value('roc_auc_ovr_macro', compensatedMean(aucs));
    }
  }

  const ll = logLoss(yTrue, proba, k, c.unknownTrue, names);
  if ('reason' in ll) r.nullify('log_loss', ll.reason);
  else r.value('log_loss', ll.value, ll.warning);

  return r.build();
}

/** Conditions under which scikit-learn's multiclass ovr roc_auc_score raises; undefined if none. */
function ovrAucPrecondition(yTrue: Int32Array, proba: Floats, k: number, c: LabelCounts, names: readonly string[] | undefined): string | undefined {
  if (!allFinite(proba)) return 'proba contains NaN or infinity (scikit-learn raises on non-finite input).';
  if (k === 2) {
    return (
      'One-vs-rest ROC AUC with labels=range(2): scikit-learn treats a 2-class y_true as binary and raises ' +
      'for an (n, 2) probability matrix; use the binary metrics (roc_auc on the positive column).'
    );
  }
  if (c.unknownTrue.length > 0) {
    return (
      `y_true contains labels the model does not know (${classList(c.unknownTrue, names)}); ` +
      `scikit-learn raises ("'y_true' contains labels not in parameter 'labels'").`
    );
  }
  // np.allclose(1, proba.sum(axis=1)): |1 - s| <= 1e-8 + 1e-5 * |s|
  let bad = 0;
  let worst = 0;
  for (let i = 0; i < yTrue.length; i++) {
    let s = 0;
    for (let j = 0, base = i * k; j < k; j++) s += proba[base + j] as number;
    const dev = Math.abs(1 - s);
    if (dev > 1e-8 + 1e-5 * Math.abs(s)) {
      bad++;
      if (dev > worst) worst = dev;
    }
  }
  if (bad > 0) {
    return (
      `Probability rows must sum to 1 for multiclass ROC AUC: ${bad} of ${yTrue.length} rows do not ` +
      `(largest deviation ${worst.toExponential(2)}; scikit-learn requires np.allclose and raises).`
    );
  }
  return undefined;
}
