/**
 * The finishing step of a binary window in two evaluation threads at once: brier and log_loss (a
 * pass each over every row's probability, with a log per row) in one, while the other finishes
 * the rest (the ranking metrics, the interval, slices, drift). Both read the window's arrays in
 * shared memory (window-arrays.ts allocates them there), so nothing is copied; the values are the
 * same functions' on the same rows, so the summary is the one a single thread would write.
 */
import type { EvaluationSummary } from '../../domain/evaluation.js';
import type { Collected } from './evaluator.js';
import { labelledPart } from './labelled.js';
import { binaryProbabilityMetrics, PROBABILITY_METRICS, type ProbabilityMetricName } from './metrics/binary.js';
import type { MetricsResult } from './metrics/types.js';
import type { PreparedModel } from './model.js';
import type { ProbabilityInput } from './types.js';

/** Below this many rows the two passes take a few milliseconds: not worth a message to another thread. */
export const DEFER_PROBABILITY_ROWS = 100_000;

const shared = (a: ArrayBufferView | undefined): boolean => a !== undefined && a.buffer instanceof SharedArrayBuffer;

/**
 * What the other thread needs to compute brier and log_loss of these parts, when it applies: a
 * binary model, a large window joined as one part in shared memory, and a primary metric that is
 * neither of the two (the interval and the slices need the primary metric in the finishing thread).
 */
export function probabilityInput(prepared: PreparedModel, parts: Collected[], primary: string): ProbabilityInput | undefined {
  if (prepared.task !== 'binary' || parts.length !== 1 || (PROBABILITY_METRICS as readonly string[]).includes(primary)) return undefined;
  const p = parts[0]!;
  if (p.rows < DEFER_PROBABILITY_ROWS || !shared(p.yTrueClass) || !shared(p.yPredClass) || !shared(p.proba) || !p.labels) return undefined;
  return {
    rows: p.rows,
    ...(p.unlabelled ? { unlabelled: p.unlabelled } : {}),
    yTrueClass: p.yTrueClass!,
    yPredClass: p.yPredClass!,
    proba: p.proba!,
    labels: p.labels,
    nClasses: prepared.classes!.length,
    positive: prepared.positiveIndex!,
  };
}

/** brier and log_loss of the labelled rows, as the finishing thread's metrics would have them. */
export function probabilityMetricsOf(input: ProbabilityInput): MetricsResult<ProbabilityMetricName> {
  const c = labelledPart({
    task: 'binary',
    rows: input.rows,
    rowsRead: input.rows,
    droppedRows: 0,
    invalid: [],
    ...(input.unlabelled ? { unlabelled: input.unlabelled } : {}),
    yTrueClass: input.yTrueClass,
    yPredClass: input.yPredClass,
    proba: input.proba,
    labels: input.labels,
  });
  return binaryProbabilityMetrics({
    yTrue: c.yTrueClass!,
    yPred: c.yPredClass!,
    proba: c.proba!,
    nClasses: input.nClasses,
    positive: input.positive,
    labels: input.labels,
  });
}

/**
 * Fills the summary's brier and log_loss, left null by the finishing thread. Their keys are already
 * in place (report order); their reasons and warnings come last, as binaryMetrics adds them.
 */
export function fillProbability(summary: EvaluationSummary, r: MetricsResult<ProbabilityMetricName>): void {
  if (summary.rows === 0) return; // no metrics were computed: nothing was deferred
  for (const name of PROBABILITY_METRICS) {
    summary.metrics[name] = r.metrics[name];
    const reason = r.reasons[name];
    if (reason !== undefined) summary.undefinedMetrics[name] = reason;
    const warning = r.warnings[name];
    if (warning !== undefined) summary.metricWarnings[name] = warning;
  }
}
