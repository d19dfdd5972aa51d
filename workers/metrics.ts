/**
 * What the worker observes of its own evaluations, for Prometheus (docs/observability.md): how long
 * each evaluation step took and how many rows a second it read, per model. The activities are
 * wrapped where the worker is composed (worker.ts), so the figures are measured in the process that
 * ran the work; the per-model health figures come from the store instead (cli/metrics/models.ts).
 */

/** The evaluation activities observed, and the step each one is. */
export const STEPS = { evaluateSnapshot: 'window', evaluateShard: 'shard', mergeEvaluationShards: 'merge' } as const;
export type Step = (typeof STEPS)[keyof typeof STEPS];

export interface EvaluationMetrics {
  observe(o: { model: string; step: Step; seconds: number; rows?: number; outcome: 'ok' | 'error' }): void;
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
