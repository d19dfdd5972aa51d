/**
 * Inside an evaluation thread: the reference sample's rows scored through the model (ONNX Runtime,
 * the same Evaluator and metrics as a window), the permutation importance of every model input, and
 * the estimated effect of each drifted input's move to the window's distribution.
 */
import type { DriftDistribution } from '../../../domain/reports.js';
import { lowerIsBetter } from '../../../domain/metrics.js';
import type { Column, Table } from '../../data/table.js';
import { UpkeepError } from '../../errors.js';
import { metricsOf } from '../collected-metrics.js';
import { Evaluator } from '../evaluator.js';
import type { PreparedModel } from '../model.js';
import type { StoredSample } from '../row-sample.js';
import type { InferenceRunner } from '../runner.js';
import { permutationImportance, type Matrix } from './permutation.js';
import { transportColumn } from './transport.js';

/** The reference's stored row sample with each row's label (null: unlabelled). */
export type LabelledSample = StoredSample & { labels: (string | number | null)[] };

export interface ImportanceTask {
  sample: LabelledSample;
  labelColumn: string;
  metric: string;
  repeats: number;
  seed: number;
  /** Measure the importances (false: they are cached; only the effects are wanted). */
  importance: boolean;
  /** Drifted model inputs and the drift report's distribution of each. */
  transports: Record<string, DriftDistribution>;
}

export interface ImportanceOutcome {
  baseline: number;
  rows: number;
  drops?: Record<string, number[]>;
  effects: Record<string, { drops: number[] } | { note: string }>;
}

/** The sample's labelled rows, checked (a stored object is not trusted to have the shape it claims). */
export function labelledMatrix(s: LabelledSample, what: string): { matrix: Matrix; labels: (string | number)[] } {
  const k = s.columns.length;
  if (!Array.isArray(s.values) || !Array.isArray(s.labels) || s.values.length !== s.rows * k || s.labels.length !== s.rows) {
    throw new UpkeepError('InvalidData', `${what}: the reference sample's rows, values and labels do not agree`);
  }
  const keep: number[] = [];
  s.labels.forEach((l, i) => {
    if (l !== null && l !== '' && !(typeof l === 'number' && !Number.isFinite(l))) keep.push(i);
  });
  const values = new Float64Array(keep.length * k);
  keep.forEach((row, i) => {
    for (let j = 0; j < k; j++) values[i * k + j] = Number(s.values[row * k + j]);
  });
  return { matrix: { columns: [...s.columns], rows: keep.length, values }, labels: keep.map((i) => s.labels[i]!) };
}

/** The rows as a table the Evaluator reads: numbers, categories by name, and the label. */
function tableOf(m: Matrix, values: Float64Array, categories: (string[] | undefined)[], labelColumn: string, labels: (string | number)[]): Table {
  const k = m.columns.length;
  const n = m.rows;
  const columns = new Map<string, Column>();
  m.columns.forEach((name, j) => {
    const cats = categories[j];
    if (cats) {
      const out: (string | null)[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const c = values[i * k + j]!;
        out[i] = c === c ? (cats[c] ?? null) : null;
      }
      columns.set(name, { kind: 'string', values: out });
    } else {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = values[i * k + j]!;
      columns.set(name, { kind: 'number', sourceType: 'float', values: out });
    }
  });
  columns.set(
    labelColumn,
    typeof labels[0] === 'number'
      ? { kind: 'number', sourceType: 'float', values: Float64Array.from(labels as number[]) }
      : { kind: 'string', values: labels.map(String) },
  );
  return { source: 'the reference sample', rowCount: n, columns };
}

export async function computeImportance(model: PreparedModel, runner: InferenceRunner, task: ImportanceTask, what: string): Promise<ImportanceOutcome> {
  const { matrix, labels } = labelledMatrix(task.sample, what);
  if (matrix.rows < 2) throw new UpkeepError('InsufficientData', `${what}: the reference sample has ${matrix.rows} labelled rows`);
  const baseCategories = task.sample.columns.map((_, j) => (task.sample.categorical[j] ? task.sample.categories[j]! : undefined));
  const score = async (values: Float64Array, categories = baseCategories): Promise<number | null> => {
    const ev = new Evaluator(model, runner, task.labelColumn, { batchSize: 65536, invalidRows: { action: 'drop', maxShare: 1 } });
    await ev.addTable(tableOf(matrix, values, categories, task.labelColumn, labels));
    const c = ev.finish();
    if (c.rows === 0) return null;
    return metricsOf(c, model.classes?.length ?? 0, model.positiveIndex).metrics[task.metric] ?? null;
  };
  const lower = lowerIsBetter(task.metric);
  let drops: Record<string, number[]> | undefined;
  let baseline: number | null;
  if (task.importance) {
    const r = await permutationImportance(matrix, (v) => score(v), { repeats: task.repeats, seed: task.seed, lowerIsBetter: lower });
    drops = r.drops;
    baseline = r.baseline;
  } else {
    baseline = await score(matrix.values);
  }
  if (baseline === null) throw new UpkeepError('InsufficientData', `${what}: ${task.metric} is undefined on the reference sample`);
  const effects: ImportanceOutcome['effects'] = {};
  const k = matrix.columns.length;
  for (const [name, dist] of Object.entries(task.transports)) {
    const j = matrix.columns.indexOf(name);
    if (j < 0) continue;
    const column = new Float64Array(matrix.rows);
    for (let i = 0; i < matrix.rows; i++) column[i] = matrix.values[i * k + j]!;
    const out: number[] = [];
    for (let r = 0; r < task.repeats; r++) {
      const moved = transportColumn({ values: column, ...(baseCategories[j] ? { categories: baseCategories[j] } : {}) }, dist, task.seed + r);
      const values = new Float64Array(matrix.values);
      for (let i = 0; i < matrix.rows; i++) values[i * k + j] = moved.values[i]!;
      const cats = moved.categories ? baseCategories.map((c, q) => (q === j ? moved.categories : c)) : baseCategories;
      const s = await score(values, cats);
      if (s === null) break;
      out.push(lower ? s - baseline : baseline - s);
    }
    effects[name] = out.length === task.repeats ? { drops: out } : { note: `${task.metric} is undefined once ${name} is moved to the window's distribution` };
  }
  return { baseline, rows: matrix.rows, ...(drops ? { drops } : {}), effects };
}
