/**
 * The numbers a verdict's notification carries in its `details` (degraded, failing, warning,
 * recovered), so the channels can show them (engine/notify/channels/facts.ts reads them; the
 * fields are listed in docs/channels.md "What a message shows"). Pure and deterministic: the
 * evaluate workflow calls it with what its activities returned.
 */
import type { EvaluationSummary, Verdict } from './evaluation.js';

/** Drifted columns named in a notification; the rest are counted (drifted_count). */
export const NOTIFIED_DRIFTED_COLUMNS = 8;

export interface VerdictDetailsInput {
  verdict: Pick<Verdict, 'status' | 'basis'>;
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

/** details for a verdict notification: verdict, basis, metric, value, interval, threshold, rows, drifted, drifted_count, report. */
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
    d.drifted = drift.drifted_columns.slice(0, NOTIFIED_DRIFTED_COLUMNS).map((column) => {
      const c = drift.columns[column];
      return { column, score: c && finite(c.score) ? c.score : null, ...(c ? { threshold: c.threshold, test: c.test } : {}) };
    });
    d.drifted_count = drift.drifted_columns.length;
  }
  if (i.report) d.report = i.report;
  return d;
}
