/**
 * What the worker observes of its own evaluations, for Prometheus (docs/observability.md): how long
 * each evaluation step took and how many rows a second it read, per model. The activities are
 * wrapped where the worker is composed (worker.ts), so the figures are measured in the process that
 * ran the work; the per-model health figures come from the store instead (cli/metrics/models.ts).
 */
import { Counter, Histogram, type Registry } from 'prom-client';

/** The evaluation activities observed, and the step each one is. */
const STEPS = { evaluateSnapshot: 'window', evaluateShard: 'shard', mergeEvaluationShards: 'merge' } as const;
type Step = (typeof STEPS)[keyof typeof STEPS];

/** Seconds: a small window in a tenth of a second up to a large one in an hour. */
export const DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
/** Rows a second: from a slow SQL source to a fast local Parquet file. */
export const ROWS_PER_SECOND_BUCKETS = [100, 1_000, 5_000, 10_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 5_000_000];

export interface EvaluationMetrics {
  observe(o: { model: string; step: Step; seconds: number; rows?: number; outcome: 'ok' | 'error' }): void;
}

/** The evaluation histograms and counters, registered once in `registry`. */
export function evaluationMetrics(registry: Registry): EvaluationMetrics {
  const labelNames = ['model', 'step'] as const;
  const duration = new Histogram({
    name: 'upkeep_evaluation_duration_seconds',
    help: 'Time an evaluation step took in this worker (window: a whole window; shard and merge: a sharded window), successful or not.',
    labelNames,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const speed = new Histogram({
    name: 'upkeep_evaluation_rows_per_second',
    help: 'Rows read per second by a successful evaluation step in this worker.',
    labelNames,
    buckets: ROWS_PER_SECOND_BUCKETS,
    registers: [registry],
  });
  const runs = new Counter({
    name: 'upkeep_evaluations_total',
    help: 'Evaluation steps run by this worker, by outcome (error: the attempt failed; Temporal retries it).',
    labelNames: ['model', 'step', 'outcome'] as const,
    registers: [registry],
  });
  const rowsRead = new Counter({
    name: 'upkeep_evaluation_rows_total',
    help: 'Rows read by successful evaluation steps in this worker.',
    labelNames,
    registers: [registry],
  });
  return {
    observe({ model, step, seconds, rows, outcome }) {
      duration.observe({ model, step }, seconds);
      runs.inc({ model, step, outcome });
      if (outcome === 'ok' && rows !== undefined && rows > 0) {
        rowsRead.inc({ model, step }, rows);
        if (seconds > 0) speed.observe({ model, step }, rows / seconds);
      }
    },
  };
}

/** Rows an evaluation step read, from its result: a window's summary or a shard's result (a merge reads none: its shards did). */
function rowsOf(result: unknown): number | undefined {
  const r = result as { rowsRead?: unknown; rows?: unknown } | undefined;
  const n = typeof r?.rowsRead === 'number' ? r.rowsRead : r?.rows;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/**
 * The activities with the evaluation steps timed into `metrics` (the others unchanged). The model
 * label is the model id of the input (from the config: bounded); without metrics, the activities
 * as given.
 */
export function instrumentActivities<T extends object>(
  activities: T,
  metrics: EvaluationMetrics | undefined,
  now: () => number = performance.now.bind(performance),
): T {
  if (!metrics) return activities;
  const wrapped = { ...activities } as Record<string, unknown>;
  for (const [name, step] of Object.entries(STEPS)) {
    const fn = (activities as Record<string, unknown>)[name];
    if (typeof fn !== 'function') continue;
    wrapped[name] = async (input: { model?: { modelId?: string } }, ...rest: unknown[]) => {
      const model = input?.model?.modelId ?? 'unknown';
      const started = now();
      try {
        const result: unknown = await (fn as (...a: unknown[]) => Promise<unknown>)(input, ...rest);
        metrics.observe({ model, step, seconds: (now() - started) / 1000, rows: step === 'merge' ? undefined : rowsOf(result), outcome: 'ok' });
        return result;
      } catch (err) {
        metrics.observe({ model, step, seconds: (now() - started) / 1000, outcome: 'error' });
        throw err;
      }
    };
  }
  return wrapped as T;
}
