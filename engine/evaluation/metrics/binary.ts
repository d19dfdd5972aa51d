/** Binary classification metrics (scikit-learn definitions: docs/statistics/metrics.md). */
import { CompensatedSum } from '../../math/sum.js';
import { balancedAccuracy, logLoss } from './classification.js';
import { classList, className, validatedLabelCounts, type LabelCounts } from './labels.js';
import { BINARY_METRICS, type BinaryMetricName } from './names.js';
import { columnFinite, rankingStats, splitColumn } from './ranking.js';
import { ResultBuilder } from './result.js';
import type { BinaryInput, MetricsResult } from './types.js';

/**
 * The metrics computed from the probabilities alone, a pass each (the last two of BINARY_METRICS):
 * a caller with the rows in shared memory can compute them in another thread
 * (binaryProbabilityMetrics) while binaryMetrics, told to defer them, computes the rest.
 */
export const PROBABILITY_METRICS = ['brier', 'log_loss'] as const satisfies readonly BinaryMetricName[];
export type ProbabilityMetricName = (typeof PROBABILITY_METRICS)[number];

const NO_ROWS = 'No rows to evaluate (scikit-learn raises on empty input).';

/** The input checked (validateClassification, the positive class) and its label counts. */
function checkedInput(input: BinaryInput): LabelCounts {
  const { nClasses: k, positive } = input;
  const c = validatedLabelCounts(input);
  if (!Number.isInteger(positive) || positive < 0 || positive >= k) {
    throw new RangeError(`positive must be a class index in 0..${k - 1}, got ${positive}`);
  }
  return c;
}

/** Why the score-based metrics (roc_auc, average_precision, brier) are undefined; undefined when they are defined. */
function scoreGate(input: BinaryInput, c: LabelCounts): string | undefined {
  const { proba, nClasses: k, positive, labels: names } = input;
  // Score-based metrics need a binary y_true made of model classes.
  if (c.unknownTrue.length > 0) {
    return (
      `y_true contains labels the model does not know (${classList(c.unknownTrue, names)}); ` +
      `scikit-learn treats y_true as multiclass and raises for a 1-D probability.`
    );
  }
  if (c.distinctTrue > 2) return `y_true has ${c.distinctTrue} distinct labels; scikit-learn raises for a multiclass y_true with a 1-D probability.`;
  if (!columnFinite(proba, k, positive)) return `proba column ${positive} contains NaN or infinity (scikit-learn raises on non-finite input).`;
  return undefined;
}

/** brier and log_loss into `r`, as binaryMetrics reports them (`scoreReason`: scoreGate's answer). */
function probabilityInto(r: ResultBuilder<BinaryMetricName>, input: BinaryInput, c: LabelCounts, scoreReason: string | undefined): void {
  const { yTrue, proba, nClasses: k, positive, labels: names } = input;
  const n = yTrue.length;
  if (scoreReason !== undefined) r.nullify('brier', scoreReason);
  else {
    // brier_score_loss(y, p, pos_label=positive)
    let min = Infinity;
    let max = -Infinity;
    for (let idx = positive; idx < proba.length; idx += k) {
      const v = proba[idx] as number;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (max > 1) {
      r.nullify('brier', `proba column ${positive} has values greater than 1 (max ${max}); scikit-learn raises.`);
    } else if (min < 0) {
      r.nullify('brier', `proba column ${positive} has values less than 0 (min ${min}); scikit-learn raises.`);
    } else {
      const s = new CompensatedSum();
      for (let i = 0, idx = positive; i < n; i++, idx += k) {
        const y = yTrue[i] === positive ? 1 : 0;
        const p = proba[idx] as number;
        const d0 = 1 - y - (1 - p);
        const d1 = y - p;
        s.add(d0 * d0 + d1 * d1);
      }
      r.value('brier', (s.value() / n) * 0.5);
    }
  }
  const ll = logLoss(yTrue, proba, k, c.unknownTrue, names);
  if ('reason' in ll) r.nullify('log_loss', ll.reason);
  else r.value('log_loss', ll.value, ll.warning);
}

/**
 * brier and log_loss alone, as binaryMetrics reports them (values, reasons, warnings): the other
 * half of binaryMetrics(input, { deferProbability: true }).
 */
export function binaryProbabilityMetrics(input: BinaryInput): MetricsResult<ProbabilityMetricName> {
  const c = checkedInput(input);
  const r = new ResultBuilder<BinaryMetricName>(PROBABILITY_METRICS);
  if (input.yTrue.length === 0) r.nullifyAll(PROBABILITY_METRICS, NO_ROWS);
  else probabilityInto(r, input, c, scoreGate(input, c));
  const { metrics, reasons, warnings } = r.build();
  return { metrics: { brier: metrics.brier, log_loss: metrics.log_loss }, reasons, warnings };
}

/**
 * Every binary metric; with `deferProbability`, brier and log_loss are left null without a reason
 * (unless there are no rows), for the caller to fill from binaryProbabilityMetrics.
 */
export function binaryMetrics(input: BinaryInput, opts: { deferProbability?: boolean } = {}): MetricsResult<BinaryMetricName> {
  const c = checkedInput(input);
  const { yTrue, proba, nClasses: k, positive, labels: names } = input;
  const r = new ResultBuilder(BINARY_METRICS);
  const n = yTrue.length;
  if (n === 0) {
    r.nullifyAll(BINARY_METRICS, NO_ROWS);
    return r.build();
  }
  const posName = className(positive, names);

  // Rows whose prediction is their true class: every one is a true positive of its class (a label
  // unknown to the model is never predicted), so the counts give accuracy without another pass.
  let correct = 0;
  for (const t of c.tp) correct += t;
  r.value('accuracy', correct / n);
  const bal = balancedAccuracy(c, names);
  r.value('balanced_accuracy', bal.value, bal.warning);

  // precision / recall / f1 for the positive class (one-vs-rest).
  const j = c.labels.indexOf(positive);
  const tp = j < 0 ? 0 : (c.tp[j] as number);
  const predPos = j < 0 ? 0 : (c.predCount[j] as number);
  const truePos = j < 0 ? 0 : (c.trueCount[j] as number);
  let binaryRefused = '';
  if (c.labels.length > 2) {
    binaryRefused =
      `y_true ∪ y_pred has ${c.labels.length} labels (${classList(c.labels, names)}), so scikit-learn's ` +
      `average='binary' raises; reported for ${posName} against all other labels ` +
      `(scikit-learn's labels=[${positive}], average='micro').`;
  } else if (c.labels.length === 2 && j < 0) {
    binaryRefused =
      `${posName} is not among the labels present (${classList(c.labels, names)}), so scikit-learn's ` +
      `average='binary' raises; reported for ${posName} against all other labels.`;
  }
  const join = (a: string, b: string): string => [a, b].filter((s) => s !== '').join(' ');
  r.value(
    'precision',
    predPos === 0 ? 0 : tp / predPos,
    join(
      predPos === 0 ? `Precision is ill-defined and set to 0.0 (scikit-learn zero_division='warn'): no predicted samples of ${posName}.` : '',
      binaryRefused,
    ),
  );
  r.value(
    'recall',
    truePos === 0 ? 0 : tp / truePos,
    join(truePos === 0 ? `Recall is ill-defined and set to 0.0 (scikit-learn zero_division='warn'): no true samples of ${posName}.` : '', binaryRefused),
  );
  const fDenom = truePos + predPos;
  r.value(
    'f1',
    fDenom === 0 ? 0 : (2 * tp) / fDenom,
    join(
      fDenom === 0 ? `F-score is ill-defined and set to 0.0 (scikit-learn zero_division='warn'): no true nor predicted samples of ${posName}.` : '',
      binaryRefused,
    ),
  );

  const scoreReason = scoreGate(input, c);
  if (scoreReason !== undefined) {
    r.nullify('roc_auc', scoreReason);
    r.nullify('average_precision', scoreReason);
    r.nullify('brier', scoreReason);
  } else {
    const negatives = n - truePos;
    if (truePos === 0 || negatives === 0) {
      const only = truePos === 0 ? `no ${posName} (only negatives)` : `only ${posName}`;
      r.nullify('roc_auc', `Only one class is present in y_true (${only}); ROC AUC is not defined (scikit-learn returns NaN).`);
      // scikit-learn still returns a value here: 0.0 with a warning when y_true has no positives
      // (recall is set to 1 by convention), 1.0 when it has only positives.
      if (truePos === 0) {
        r.value(
          'average_precision',
          0,
          `No positive class (${posName}) found in y_true: recall is set to one for all thresholds and average precision is 0.0 by convention.`,
        );
      } else {
        r.value('average_precision', 1);
      }
    } else {
      const given = input.sortedScores;
      const stats =
        given && given.pos.length === truePos && given.neg.length === n - truePos
          ? rankingStats(given.pos, given.neg, true)
          : (() => {
              const { pos, neg } = splitColumn(yTrue, proba, k, positive, positive, truePos);
              return rankingStats(pos, neg);
            })();
      r.value('roc_auc', stats.auc);
      r.value('average_precision', stats.averagePrecision);
    }
  }
  if (!opts.deferProbability) probabilityInto(r, input, c, scoreReason);
  return r.build();
}
