/**
 * Percentile bootstrap intervals of one evaluation metric, and of its drop from a baseline.
 * Pure: the same input and seed give the same interval on every machine, and a range of
 * resamples computed on its own (bootstrapSamples with `from`/`to`) gives exactly the values of
 * that range in the full run, so ranges can run in parallel threads.
 * docs/statistics/significance.md describes the method; test/unit/bootstrap.test.ts checks it.
 */
import { lowerIsBetter } from '../../../domain/metrics.js';
import { quantileLinear } from './quantile.js';
import { drawResample, skipDraws, Xoshiro128StarStar } from './random.js';
import { prepare, type BootstrapInput } from './resample-metrics.js';
import { finite } from './weighted.js';

export type { BootstrapInput, BootstrapSettings } from './resample-metrics.js';
export { quantileLinear } from './quantile.js';
export { seedState, Xoshiro128StarStar } from './random.js';

export interface BootstrapInterval {
  metric: string;
  /** The metric on all rows (null when undefined there). */
  value: number | null;
  /** Percentile interval over the defined resamples; null when no resample is defined. */
  low: number | null;
  high: number | null;
  resamples: number;
  confidence: number;
  seed: number;
  method: 'percentile';
  /** Rows in the data (and in every resample). */
  rows: number;
  /** Worsening from the baseline (positive = worse): baseline − metric, or metric − baseline for error metrics. */
  drop?: { baseline: number; value: number | null; low: number | null; high: number | null };
  /** Resamples on which the metric is undefined (null); they are excluded from the interval. */
  undefinedResamples: number;
}

export interface BootstrapSamples {
  metric: string;
  value: number | null;
  rows: number;
  /** The metric on each resample of the range, in order; null where undefined. */
  samples: (number | null)[];
}

/** A range of resamples [from, to) of the full run (default: all of them). */
export interface ResampleRange {
  from?: number;
  to?: number;
}

function checkSettings(resamples: number, confidence: number, seed: number): void {
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new RangeError(`resamples must be an integer >= 1, got ${resamples}`);
  }
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be an integer in [0, 2^53), got ${seed}`);
}

/** The metric on every bootstrap resample of the range (the building block of bootstrapInterval). */
export function bootstrapSamples(input: BootstrapInput, range: ResampleRange = {}): BootstrapSamples {
  const resamples = input.resamples ?? 200;
  const seed = input.seed ?? 0;
  checkSettings(resamples, input.confidence ?? 0.95, seed);
  const from = range.from ?? 0;
  const to = range.to ?? resamples;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > resamples || from > to) {
    throw new RangeError(`resample range [${from}, ${to}) is not inside [0, ${resamples})`);
  }
  const prepared = prepare(input);
  const n = prepared.rows;
  const samples: (number | null)[] = [];
  if (n === 0) {
    for (let b = from; b < to; b++) samples.push(null);
    return { metric: input.metric, value: prepared.value, rows: n, samples };
  }
  const rng = Xoshiro128StarStar.fromSeed(seed);
  if (from > 0) skipDraws(rng, n, from * n);
  const counts = new Int32Array(n);
  for (let b = from; b < to; b++) {
    counts.fill(0);
    drawResample(rng, n, counts);
    samples.push(prepared.evaluate(counts));
  }
  return { metric: input.metric, value: prepared.value, rows: n, samples };
}

function interval(values: Float64Array, confidence: number): { low: number | null; high: number | null } {
  if (values.length === 0) return { low: null, high: null };
  values.sort();
  return { low: quantileLinear(values, (1 - confidence) / 2), high: quantileLinear(values, (1 + confidence) / 2) };
}

/** Percentile interval (and the drop's) from the per-resample values of a whole run. */
export function percentileInterval(
  s: BootstrapSamples,
  settings: { resamples?: number; confidence?: number; seed?: number; baseline?: number },
): BootstrapInterval {
  const confidence = settings.confidence ?? 0.95;
  const { baseline } = settings;
  if (baseline !== undefined && !finite(baseline)) throw new RangeError(`baseline must be a finite number, got ${baseline}`);
  const { metric, value, rows, samples } = s;
  const defined = samples.filter((v): v is number => v !== null);
  const result: BootstrapInterval = {
    metric,
    value,
    ...interval(Float64Array.from(defined), confidence),
    resamples: settings.resamples ?? 200,
    confidence,
    seed: settings.seed ?? 0,
    method: 'percentile',
    rows,
    undefinedResamples: samples.length - defined.length,
  };
  if (baseline !== undefined) {
    const worse = lowerIsBetter(metric) ? (v: number): number => v - baseline : (v: number): number => baseline - v;
    result.drop = {
      baseline,
      value: value === null ? null : worse(value),
      ...interval(Float64Array.from(defined, worse), confidence),
    };
  }
  return result;
}

/** Percentile bootstrap interval of a metric, and of its drop from a baseline, on one thread. */
export function bootstrapInterval(input: BootstrapInput): BootstrapInterval {
  const { baseline } = input;
  if (baseline !== undefined && !finite(baseline)) throw new RangeError(`baseline must be a finite number, got ${baseline}`);
  return percentileInterval(bootstrapSamples(input), input);
}
