/**
 * The numbers a verdict's notification carries in its `details` (degraded, failing, warning,
 * recovered), so the channels can show them (engine/notify/channels/facts.ts reads them; the
 * fields are listed in docs/channels.md "What a message shows"). Pure and deterministic: the
 * evaluate workflow calls it with what its activities returned.
 */
import type { EvaluationSummary, Verdict } from './evaluation.js';
import { rankByImportance } from './importance.js';

/** Drifted columns named in a notification; the rest are counted (drifted_count). */
export const NOTIFIED_DRIFTED_COLUMNS = 8;

/** Failed gates named in a notification; the verdict's reasons carry the rest. */
export const NOTIFIED_FAILED_GATES = 20;

export interface VerdictDetailsInput {
  verdict: Pick<Verdict, 'status' | 'basis' | 'failedGates'>;
  /** The primary metric (spec.thresholds.metric) and its absolute bound. */
  metric: string;
  thresholds: { min?: number | undefined; max?: number | undefined };
  evaluation?: Pick<EvaluationSummary, 'rows' | 'metrics' | 'confidence' | 'estimated' | 'drift'> | undefined;
  /** The report's URI. */
  report?: string | undefined;
  /** For `recovered`: the verdict before. */
  previous?: string | undefined;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * details for a verdict notification: verdict, basis, metric, value, interval, threshold, rows,
 * drifted (most important first when the summary measured importances, each with its importance
 * and whether it is below the importance floor), drifted_count, failed_gates, report.
 */
export function verdictNotificationDetails(i: VerdictDetailsInput): Record<string, unknown> {
  const e = i.evaluation;
  const d: Record<string, unknown> = { verdict: i.verdict.status };
  if (i.previous) d.previous = i.previous;
  if (i.verdict.basis) d.basis = i.verdict.basis;
  d.metric = i.metric;
  const estimated = i.verdict.basis === 'estimated' ? e?.estimated?.metrics[i.metric] : undefined;
  if (estimated) {
    if (finite(estimated.value)) d.value = estimated.value;
    if (finite(estimated.lower) && finite(estimated.upper)) d.interval = [estimated.lower, estimated.upper];
    if (e?.estimated && finite(e.estimated.rows)) d.rows = e.estimated.rows;
  } else if (e) {
    const value = e.metrics[i.metric];
    if (finite(value)) d.value = value;
    const c = e.confidence;
    if (c && c.metric === i.metric && finite(c.low) && finite(c.high)) d.interval = [c.low, c.high];
    if (finite(e.rows)) d.rows = e.rows;
  }
  const threshold = i.thresholds.min ?? i.thresholds.max;
  if (finite(threshold)) d.threshold = threshold;
  const drift = e?.drift;
  if (drift && drift.drifted_columns.length > 0) {
    const imp = drift.importance;
    // The most important first: the first columns named are the ones that cost the most.
    d.drifted = rankByImportance(drift.drifted_columns, imp)
      .slice(0, NOTIFIED_DRIFTED_COLUMNS)
      .map((column) => {
        const c = drift.columns[column];
        const ci = imp && Object.hasOwn(imp.columns, column) ? imp.columns[column]! : undefined;
        return {
          column,
          score: c && finite(c.score) ? c.score : null,
          ...(c ? { threshold: c.threshold, test: c.test } : {}),
          ...(ci && finite(ci.importance) ? { importance: ci.importance } : {}),
          ...(ci?.below_floor ? { below_floor: true } : {}),
        };
      });
    d.drifted_count = drift.drifted_columns.length;
  }
  const failed = i.verdict.failedGates;
  if (failed && failed.length > 0) d.failed_gates = failed.slice(0, NOTIFIED_FAILED_GATES);
  if (i.report) d.report = i.report;
  return d;
}
