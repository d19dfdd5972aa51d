/** The report's metrics of collected predictions, for the whole window or one slice of it. */
import type { EvaluationSummary } from '../../domain/evaluation.js';
import type { Collected } from './evaluator.js';
import { binaryMetrics, multiclassMetrics, regressionMetrics } from './metrics/index.js';

/** Metrics of collected predictions, named as in the report. */
export function metricsOf(
  collected: Collected,
  nClasses: number,
  positiveIndex?: number,
): Pick<EvaluationSummary, 'metrics' | 'undefinedMetrics' | 'metricWarnings'> {
  let r;
  if (collected.task === 'regression') {
    r = regressionMetrics({ yTrue: collected.yTrueValue!, yPred: collected.yPredValue! });
  } else {
    const input = { yTrue: collected.yTrueClass!, yPred: collected.yPredClass!, proba: collected.proba!, nClasses, labels: collected.labels! };
    r = collected.task === 'binary' ? binaryMetrics({ ...input, positive: positiveIndex!, sortedScores: collected.sortedScores }) : multiclassMetrics(input);
  }
  return { metrics: r.metrics, undefinedMetrics: r.reasons, metricWarnings: r.warnings };
}
