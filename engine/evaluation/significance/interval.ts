/**
 * The confidence interval of the primary metric and of its drop from the baseline: a closed form
 * on large windows, the percentile bootstrap otherwise (docs/statistics/significance.md).
 */
import { lowerIsBetter } from '../../../domain/metrics.js';
import { analyticInterval, type AnalyticMethod } from './analytic.js';
import { bootstrapSamples, percentileInterval, type BootstrapInput, type BootstrapSamples, type ResampleRange } from './bootstrap.js';

/** How the interval is chosen: `auto` (closed form on large windows), always the bootstrap, or a closed form where one exists. */
export type IntervalChoice = 'auto' | 'bootstrap' | 'analytic';

/** What produced an interval. */
export type IntervalMethod = 'bootstrap' | AnalyticMethod;

/**
 * `auto` uses a closed form from this many rows on: at 20,000 rows the goldens' closed-form ends
 * lie within a few percent of the interval width of the bootstrap's (docs/statistics/significance.md).
 */
export const ANALYTIC_MIN_ROWS = 20_000;
/** ...and when every count the approximation rests on (positives, negatives, a ratio's denominator) is at least this. */
export const ANALYTIC_MIN_SUPPORT = 100;

export interface IntervalSettings {
  method?: IntervalChoice;
  resamples?: number;
  confidence?: number;
  seed?: number;
  baseline?: number;
  /** The metric on all rows, when already computed. */
  value?: number | null;
}

export interface MetricInterval {
  metric: string;
  value: number | null;
  low: number | null;
  high: number | null;
  confidence: number;
  method: IntervalMethod;
  rows: number;
  /** Bootstrap only: resamples on which the metric is undefined. */
  undefinedResamples?: number;
  drop?: { baseline: number; value: number | null; low: number | null; high: number | null };
}

/** Splits B resamples into at most `parts` contiguous ranges. */
export function resampleRanges(resamples: number, parts: number): Required<ResampleRange>[] {
  const k = Math.max(1, Math.min(parts, resamples));
  return Array.from({ length: k }, (_, i) => ({ from: Math.floor((i * resamples) / k), to: Math.floor(((i + 1) * resamples) / k) }));
}

/** The closed-form interval when the settings and the window call for one; otherwise null. */
export function closedFormFor(input: BootstrapInput, s: IntervalSettings): MetricInterval | null {
  const choice = s.method ?? 'auto';
  if (choice === 'bootstrap') return null;
  const rows = input.yTrue.length;
  if (choice === 'auto' && rows < ANALYTIC_MIN_ROWS) return null;
  const confidence = s.confidence ?? 0.95;
  const a = analyticInterval(input, confidence, s.value);
  if (!a || (choice === 'auto' && a.support < ANALYTIC_MIN_SUPPORT)) return null;
  const r: MetricInterval = { metric: a.metric, value: a.value, low: a.low, high: a.high, confidence, method: a.method, rows };
  if (s.baseline !== undefined) {
    // The baseline is a constant: the drop's interval is the metric's, reflected where higher is better.
    const b = s.baseline;
    r.drop = lowerIsBetter(a.metric)
      ? { baseline: b, value: a.value - b, low: a.low - b, high: a.high - b }
      : { baseline: b, value: b - a.value, low: b - a.high, high: b - a.low };
  }
  return r;
}

function fromSamples(input: BootstrapInput, samples: BootstrapSamples, s: IntervalSettings): MetricInterval {
  const p = percentileInterval(samples, { ...s, confidence: s.confidence ?? 0.95 });
  return {
    metric: p.metric,
    value: p.value,
    low: p.low,
    high: p.high,
    confidence: p.confidence,
    method: 'bootstrap',
    rows: p.rows,
    undefinedResamples: p.undefinedResamples,
    ...(p.drop ? { drop: p.drop } : {}),
  };
}

/** The interval on this thread (closed form, or the whole bootstrap). */
export function metricInterval(input: BootstrapInput, s: IntervalSettings = {}): MetricInterval {
  return closedFormFor(input, s) ?? fromSamples(input, bootstrapSamples({ ...input, ...pick(s) }), s);
}

function pick(s: IntervalSettings): { resamples?: number; confidence?: number; seed?: number } {
  return {
    ...(s.resamples !== undefined ? { resamples: s.resamples } : {}),
    ...(s.confidence !== undefined ? { confidence: s.confidence } : {}),
    ...(s.seed !== undefined ? { seed: s.seed } : {}),
  };
}
