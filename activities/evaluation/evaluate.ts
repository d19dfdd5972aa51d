/**
 * Evaluation of one model on one window of files: the code path shared by the evaluateSnapshot
 * activity, the one-shot `upkeep evaluate` command and the benchmark.
 */
import type { ModelSpec } from '../config/schema.js';
import { isDataReadError } from '../data/errors.js';
import { readTable } from '../data/read-table.js';
import type { DataFormat } from '../data/table.js';
import { UpkeepError } from '../errors.js';
import type { EvaluationSummary } from '../../workflows/definitions.js';
import { Evaluator, type Collected } from './evaluator.js';
import { binaryMetrics, multiclassMetrics, regressionMetrics } from './metrics.js';
import { prepareModel } from './model.js';
import type { InferenceRunner } from './runner.js';

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
  runner: InferenceRunner;
  files: WindowFile[];
  batchSize?: number;
  onProgress?: (p: { rowsDone: number; file: string }) => void;
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

export async function evaluateWindow(opts: EvaluateWindowOptions): Promise<EvaluationSummary> {
  const started = Date.now();
  const { spec } = opts;
  const prepared = await prepareModel(spec, opts.modelBytes, opts.modelKey, opts.runner, opts.artifactName);
  const evaluator = new Evaluator(prepared, opts.runner, spec.label.column, {
    batchSize: opts.batchSize,
    invalidRows: { action: spec.invalid_rows.action, maxShare: spec.invalid_rows.max_share },
    onProgress: opts.onProgress,
  });
  const columns = [...new Set([...prepared.inputs.flatMap((i) => i.columns), spec.label.column])];
  for (const file of opts.files) {
    let table;
    try {
      table = await readTable(await file.load(), { source: file.name, format: file.format, columns });
    } catch (err) {
      if (isDataReadError(err)) {
        throw new UpkeepError('UnreadableData', `model ${spec.id}: ${err.message}`, { cause: err });
      }
      throw err;
    }
    await evaluator.addTable(table);
  }
  const collected = evaluator.finish();
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
