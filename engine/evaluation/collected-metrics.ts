/** The report's metrics of collected predictions, for the whole window or one slice of it. */
import type { EvaluationSummary } from '../../domain/evaluation.js';
import type { Collected } from './evaluator.js';
import { binaryMetrics, multiclassMetrics, regressionMetrics } from './metrics/index.js';
import { knownLabelCounts } from './metrics/labels.js';

/**
 * Metrics of collected predictions, named as in the report. `deferProbability`: a binary model's
 * brier and log_loss are left for the caller to fill (binaryProbabilityMetrics, in another thread).
 */
export function metricsOf(
  collected: Collected,
  nClasses: number,
  positiveIndex?: number,
  deferProbability = false,
): Pick<EvaluationSummary, 'metrics' | 'undefinedMetrics' | 'metricWarnings'> {
  let r;
  if (collected.task === 'regression') {
    r = regressionMetrics({ yTrue: collected.yTrueValue!, yPred: collected.yPredValue! });
  } else {
    const input = { yTrue: collected.yTrueClass!, yPred: collected.yPredClass!, proba: collected.proba!, nClasses, labels: collected.labels! };
    r =
      collected.task === 'binary'
        ? binaryMetrics({ ...input, positive: positiveIndex!, sortedScores: collected.sortedScores }, { deferProbability })
        : multiclassMetrics(input);
  }
  return { metrics: r.metrics, undefinedMetrics: r.reasons, metricWarnings: r.warnings };
}

const MAX_CLASSES_IN_SUMMARY = 50;

/**
 * Rows per label of the true and the predicted classes (none beyond MAX_CLASSES_IN_SUMMARY
 * labels): the metrics' counts of the same rows when they took them, else one pass.
 */
export function labelCountsOf(
  yTrue: Int32Array,
  yPred: Int32Array,
  labels: string[],
  k: number,
): { labelCounts?: Record<string, number>; predictionCounts?: Record<string, number> } {
  if (labels.length > MAX_CLASSES_IN_SUMMARY) return {};
  const L = labels.length;
  const c = new Float64Array(2 * L);
  const known = knownLabelCounts(yTrue, yPred, k);
  if (known) {
    known.labels.forEach((label, j) => {
      c[label] = known.trueCount[j]!;
      c[L + label] = known.predCount[j]!;
    });
  } else {
    for (let i = 0; i < yTrue.length; i++) {
      c[yTrue[i]!]!++;
      c[L + yPred[i]!]!++;
    }
  }
  return {
    labelCounts: Object.fromEntries(labels.map((l, i) => [l, c[i]!])),
    predictionCounts: Object.fromEntries(labels.map((l, i) => [l, c[L + i]!])),
  };
}
