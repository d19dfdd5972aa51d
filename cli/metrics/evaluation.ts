/**
 * The evaluation histograms and counters a worker's /metrics serves (docs/observability.md); the
 * activities are timed into them by workers/metrics.ts instrumentActivities. Apart from it, so the
 * worker loads prom-client only when metrics are on.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { EvaluationMetrics } from '../../workers/metrics.js';

/** Seconds: a small window in a tenth of a second up to a large one in an hour. */
export const DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
/** Rows a second: from a slow SQL source to a fast local Parquet file. */
export const ROWS_PER_SECOND_BUCKETS = [100, 1_000, 5_000, 10_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 5_000_000];

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
