/**
 * `models[].monitor` in upkeep.yaml: current conditions, what is watched besides the primary metric
 * (drift and its tests, significance, slices, the slow-decline trend, multivariate drift). Every
 * part has defaults. Kept apart from domain/config.ts, which composes it into a model's spec.
 */
import * as z from 'zod';

const driftTest = z.enum(['ks', 'chisquare', 'z', 'wasserstein', 'jensenshannon', 'psi']);
const driftOverride = z.strictObject({ test: driftTest.optional(), threshold: z.number().nonnegative().optional() });

/** Current conditions: what is watched besides the primary metric. Every part has defaults. */
export const monitorSpec = z.strictObject({
  /** Columns that are not model inputs but should be watched for drift, or inputs to treat as categories. */
  categorical: z.array(z.string().min(1)).default([]),
  numeric: z.array(z.string().min(1)).default([]),
  /** Metrics per value of these columns; the worst slices are reported. */
  segments: z.array(z.string().min(1)).default([]),
  drift: z
    .strictObject({
      /** Dataset drift when at least this share of columns drift (Evidently's drift_share). */
      share: z.number().min(0).max(1).default(0.5),
      /** Test and threshold for every column, instead of Evidently's defaults. */
      default: driftOverride.optional(),
      /** Per-column test and threshold. */
      columns: z.record(z.string(), driftOverride).default({}),
      /** Drift in a model input whose permutation importance (drop of the primary metric) is below this raises no warning; 0 or absent: off. */
      importance_floor: z.number().finite().min(0).max(1e6).optional(),
    })
    .default({ share: 0.5, columns: {} }),
  significance: z
    .strictObject({
      /** Bootstrap resamples for the primary metric's confidence interval; 0 turns the interval off. */
      resamples: z.number().int().min(0).max(10_000).default(200),
      confidence: z.number().gt(0).lt(1).default(0.95),
      seed: z.number().int().min(0).default(0),
      /** auto (when absent): a closed form (DeLong, Wilson, CLT, delta method) on large windows, the bootstrap below. */
      method: z.enum(['auto', 'bootstrap', 'analytic']).optional(),
    })
    .default({ resamples: 200, confidence: 0.95, seed: 0 }),
  slices: z
    .strictObject({
      /** Slices smaller than this are reported but never decide the verdict. */
      min_rows: z.number().int().min(1).default(100),
      /** A slice whose primary metric is worse than the whole window by more than this is degraded. */
      max_drop: z.number().nonnegative().optional(),
    })
    .default({ min_rows: 100 }),
  trend: z
    .strictObject({
      /** Windows (stored reports) the slow-decline test looks at. */
      window: z.number().int().min(3).max(200).default(12),
      min_points: z.number().int().min(3).default(6),
      alpha: z.number().gt(0).lt(1).default(0.05),
    })
    .default({ window: 12, min_points: 6, alpha: 0.05 }),
  multivariate: z
    .strictObject({
      /**
       * Also run the domain classifier on every window: it names the columns that tell the window from the
       * reference, but fits 55 small tree ensembles (about 4 s at 1,000 rows a side and 10 s at 5,000 on one
       * core), so it is asked for. The reconstruction error (a PCA, milliseconds) always runs.
       */
      domain_classifier: z.boolean().default(false),
    })
    .default({ domain_classifier: false }),
});

export type MonitorSpec = z.infer<typeof monitorSpec>;
