/**
 * Evaluation of one model on one window of files: the code path shared by the evaluateSnapshot
 * activity, the one-shot `upkeep evaluate` command and the benchmark.
 */
import type { ModelSpec } from '../config/schema.js';
import type { DataFormat } from '../data/table.js';
import { UpkeepError } from '../errors.js';
import type { EvaluationSummary } from '../../workflows/definitions.js';
import type { Collected } from './evaluator.js';
import { defaultThreads, mergeCollected, planShards, ShardPool, toShared } from './engine.js';
import { binaryMetrics, multiclassMetrics, regressionMetrics } from './metrics.js';
import type { PreparedModel } from './model.js';

export interface WindowFile {
  /** Short name used in messages and reports (e.g. 2026-11-20.csv). */
  name: string;
  format: DataFormat;
  load(): Promise<Uint8Array>;
}

export interface EvaluateWindowOptions {
  spec: ModelSpec;
  modelBytes: Uint8Array;
  /** sha256 of modelBytes. */
  modelKey: string;
  artifactName: string;
  files: WindowFile[];
  onProgress?: (p: { rowsDone: number; file: string }) => void;
}

export { toShared } from './engine.js';

export interface EvaluationEngine {
  /** Evaluates the model on the files of one window, as one sample. */
  evaluate(opts: EvaluateWindowOptions): Promise<EvaluationSummary>;
  close(): Promise<void>;
}

const MAX_CLASSES_IN_SUMMARY = 50;

function counts(indices: Int32Array, labels: string[]): Record<string, number> | undefined {
  if (labels.length > MAX_CLASSES_IN_SUMMARY) return undefined;
  const c = new Float64Array(labels.length);
  for (let i = 0; i < indices.length; i++) c[indices[i]!]!++;
  return Object.fromEntries(labels.map((l, i) => [l, c[i]!]));
}

/** Metrics of collected predictions, named as in the report. */
export function metricsOf(collected: Collected, nClasses: number, positiveIndex?: number): Pick<EvaluationSummary, 'metrics' | 'undefinedMetrics' | 'metricWarnings'> {
  let r;
  if (collected.task === 'regression') {
    r = regressionMetrics({ yTrue: collected.yTrueValue!, yPred: collected.yPredValue! });
  } else {
    const input = { yTrue: collected.yTrueClass!, yPred: collected.yPredClass!, proba: collected.proba!, nClasses, labels: collected.labels! };
    r = collected.task === 'binary' ? binaryMetrics({ ...input, positive: positiveIndex! }) : multiclassMetrics(input);
  }
  return { metrics: r.metrics, undefinedMetrics: r.reasons, metricWarnings: r.warnings };
}

/**
 * The default engine: worker threads decode and score shards in parallel (ONNX Runtime sessions
 * cached per model sha256 in each thread); at most two files of the window are held at once.
 */
export function createEvaluationEngine(opts: { threads?: number; batchSize?: number } = {}): EvaluationEngine {
  const pool = new ShardPool(opts.threads ?? defaultThreads());
  const batchSize = opts.batchSize ?? 65536;
  return {
    async evaluate(o) {
      const started = Date.now();
      const { spec } = o;
      const model = { spec, modelKey: o.modelKey, modelBytes: toShared(o.modelBytes), artifactName: o.artifactName };
      const prepared = (await pool.run({ op: 'prepare', ...model })).prepared!;
      const perFile: Promise<Collected>[][] = [];
      let rowsDone = 0;
      for (let i = 0; i < o.files.length; i++) {
        if (i >= 2) await Promise.all(perFile[i - 2]!);
        const file = o.files[i]!;
        const bytes = toShared(await file.load());
        perFile.push(
          planShards(file, bytes, pool.threads).map((rowGroups) => {
            const p = pool
              .run({ op: 'evaluate', ...model, file: { name: file.name, format: file.format, bytes, rowGroups }, batchSize })
              .then((r) => {
                rowsDone += r.collected!.rows;
                o.onProgress?.({ rowsDone, file: file.name });
                return r.collected!;
              });
            p.catch(() => undefined); // observed below, via Promise.all
            return p;
          }),
        );
      }
      const parts = await Promise.all(perFile.flat());
      const t0 = performance.now();
      const collected = mergeCollected(prepared, parts);
      const t1 = performance.now();
      const summary = summarize(spec, prepared, collected, started);
      if (process.env.UPKEEP_TRACE) console.error(`merge ${(t1 - t0).toFixed(0)} ms, metrics ${(performance.now() - t1).toFixed(0)} ms, total ${Date.now() - started} ms`);
      return summary;
    },
    close: () => pool.close(),
  };
}

function summarize(spec: ModelSpec, prepared: PreparedModel, collected: Collected, started: number): EvaluationSummary {
  if (collected.rowsRead > 0 && collected.droppedRows / collected.rowsRead > spec.invalid_rows.max_share) {
    const detail = collected.invalid.map((i) => `${i.file} ${i.column}: ${i.nulls} missing, ${i.nan} NaN, ${i.infinite} infinite`).join('; ');
    throw new UpkeepError(
      'InvalidData',
      `model ${spec.id}: ${collected.droppedRows} of ${collected.rowsRead} rows (${((100 * collected.droppedRows) / collected.rowsRead).toFixed(1)}%) have missing or non-finite values, more than invalid_rows.max_share ${spec.invalid_rows.max_share} (${detail})`,
    );
  }
  const warnings: string[] = [];
  if (collected.droppedRows > 0) {
    warnings.push(
      `${collected.droppedRows} of ${collected.rowsRead} rows dropped before evaluation: ` +
        collected.invalid.map((i) => `${i.file} ${i.column} (${[i.nulls && `${i.nulls} missing`, i.nan && `${i.nan} NaN`, i.infinite && `${i.infinite} infinite`].filter(Boolean).join(', ')})`).join('; '),
    );
  }
  if (collected.labels && prepared.classes && collected.labels.length > prepared.classes.length) {
    const unknown = collected.labels.slice(prepared.classes.length);
    warnings.push(`label column ${spec.label.column} holds values the model does not know: ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', …' : ''}`);
  }
  const m = collected.rows > 0 ? metricsOf(collected, prepared.classes?.length ?? 0, prepared.positiveIndex) : { metrics: {}, undefinedMetrics: {}, metricWarnings: {} };
  return {
    rows: collected.rows,
    rowsRead: collected.rowsRead,
    droppedRows: collected.droppedRows,
    invalid: collected.invalid,
    ...m,
    warnings,
    ...(collected.labels
      ? {
          classes: prepared.classes,
          labelCounts: counts(collected.yTrueClass!, collected.labels),
          predictionCounts: counts(collected.yPredClass!, collected.labels),
        }
      : {}),
    durationMs: Date.now() - started,
  };
}
