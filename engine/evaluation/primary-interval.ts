/**
 * The primary metric's interval (and its drop from the baseline) for a finished window: a closed
 * form when one applies, the bootstrap in the finishing thread on a small window, or a bootstrap
 * left pending for the engine to spread over the evaluation threads.
 */
import type { ModelSpec } from '../../domain/config.js';
import type { ConfidenceSummary } from '../../domain/evaluation.js';
import type { Collected } from './evaluator.js';
import type { PreparedModel } from './model.js';
import type { BootstrapInput } from './significance/bootstrap.js';
import { closedFormFor, metricInterval, type IntervalSettings, type MetricInterval } from './significance/interval.js';
import type { PendingInterval } from './types.js';

/** Below this many rows the bootstrap is quick: it runs whole in the finishing thread. */
const PARALLEL_BOOTSTRAP_ROWS = 20_000;

function intervalInput(spec: ModelSpec, prepared: PreparedModel, c: Collected, shared: boolean): BootstrapInput {
  const metric = spec.thresholds.metric;
  // Shared memory lets every evaluation thread read the arrays without a copy.
  const own = <T extends Float64Array | Float32Array | Int32Array>(a: T): T => {
    if (!shared || a.buffer instanceof SharedArrayBuffer) return a;
    const ctor = a.constructor as new (b: SharedArrayBuffer) => T;
    const out = new ctor(new SharedArrayBuffer(a.byteLength));
    out.set(a as never);
    return out;
  };
  if (c.task === 'regression') return { task: 'regression', metric, yTrue: own(c.yTrueValue!), yPred: own(c.yPredValue!) };
  const common = { metric, yTrue: own(c.yTrueClass!), yPred: own(c.yPredClass!), proba: own(c.proba!), nClasses: prepared.classes!.length };
  return c.task === 'binary'
    ? { task: 'binary', ...common, positive: prepared.positiveIndex!, ...(c.sortedScores && !shared ? { sortedScores: c.sortedScores } : {}) }
    : { task: 'multiclass', ...common };
}

/**
 * Interval of the primary metric (and of its drop from the baseline), when configured: a closed
 * form when it applies, else the bootstrap — here on a small window, otherwise left pending for
 * the engine to spread over the evaluation threads.
 */
export function confidenceOf(
  spec: ModelSpec,
  prepared: PreparedModel,
  c: Collected,
  value: number | null | undefined,
): { confidence?: ConfidenceSummary; pending?: PendingInterval } {
  const { resamples, confidence, seed, method } = spec.monitor.significance;
  if (resamples === 0 || c.rows < 2) return {};
  const metric = spec.thresholds.metric;
  const settings: IntervalSettings = {
    method: method ?? 'auto',
    resamples,
    confidence,
    seed,
    baseline: spec.baseline[metric],
    ...(value !== undefined ? { value } : {}),
  };
  const closed = closedFormFor(intervalInput(spec, prepared, c, false), settings);
  if (closed) return { confidence: confidenceSummary(closed, settings) };
  if (c.rows >= PARALLEL_BOOTSTRAP_ROWS && resamples > 1) return { pending: { input: intervalInput(spec, prepared, c, true), settings } };
  return { confidence: confidenceSummary(metricInterval(intervalInput(spec, prepared, c, false), { ...settings, method: 'bootstrap' }), settings) };
}

export function confidenceSummary(r: MetricInterval, s: IntervalSettings): ConfidenceSummary {
  return {
    metric: r.metric,
    value: r.value,
    low: r.low,
    high: r.high,
    confidence: r.confidence,
    resamples: s.resamples ?? 200,
    seed: s.seed ?? 0,
    method: r.method,
    ...(r.drop ? { drop: { value: r.drop.value, low: r.drop.low, high: r.drop.high } } : {}),
  };
}
