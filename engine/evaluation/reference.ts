/**
 * The reference side of an evaluation: from a stored profile (sampled beyond 100k values), or from
 * reference data files read whole (exact). Also builds the profile that `upkeep profile` stores.
 */
import { segmentPlan } from './segments/plan.js';
import { columnsWord } from '../../domain/escape.js';
import type { ModelSpec } from '../../domain/config.js';
import { didYouMean } from '../../domain/suggest.js';
import { UpkeepError } from '../errors.js';
import { readTables } from '../data/snapshot-files.js';
import type { Table } from '../data/table.js';
import type { EvaluationEngine, ReferenceInput, WindowFile } from './evaluate.js';
import { buildReferenceProfile, recognisedColumns, type RecognisedColumn, type ReferenceProfile } from '../drift/profile.js';
import { mergeSketches, profileFromSketch, sketchColumn, sketchFromProfile, type ColumnSketch } from '../drift/sketch.js';

/** Model inputs, watched columns and every other profiled column except the label. */
function watchedColumns(spec: ModelSpec, available: string[]): string[] {
  const inputs = spec.inputs.flatMap((i) => i.columns);
  return [...new Set([...inputs, ...spec.monitor.numeric, ...spec.monitor.categorical, ...available])].filter((c) => c !== spec.label.column);
}

/**
 * Date, time and identifier columns of the reference (as its profile recorded them), except those
 * the owner watches by name (monitor.numeric, monitor.categorical): never drift-tested.
 */
export function recognisedFor(profile: ReferenceProfile, spec: ModelSpec): RecognisedColumn[] {
  const named = new Set([...spec.monitor.numeric, ...spec.monitor.categorical, spec.label.column]);
  const found = recognisedColumns(profile).filter((r) => !named.has(r.column));
  // Columns the data section declares are never features: the row key, the outputs served as logged.
  const { key, logged } = spec.data;
  const declared: RecognisedColumn[] = [
    ...(key !== undefined ? [{ column: key, kind: 'identifier' as const, why: 'the row key (data.key)' }] : []),
    ...(logged?.score !== undefined ? [{ column: logged.score, kind: 'served' as const, why: 'the score served, as logged (data.logged.score)' }] : []),
    ...(logged?.prediction !== undefined
      ? [{ column: logged.prediction, kind: 'served' as const, why: 'the prediction served, as logged (data.logged.prediction)' }]
      : []),
  ].filter((d) => !found.some((r) => r.column === d.column) && !named.has(d.column));
  return [...found, ...declared];
}

export function referenceFromProfile(profile: ReferenceProfile, spec: ModelSpec): ReferenceInput {
  const recognised = recognisedFor(profile, spec);
  const skip = new Set(recognised.map((r) => r.column));
  const watch = watchedColumns(spec, Object.keys(profile.columns)).filter((c) => !skip.has(c));
  const columns: Record<string, ColumnSketch> = {};
  for (const name of watch) {
    const p = profile.columns[name];
    if (p) columns[name] = sketchFromProfile(p);
  }
  return {
    columns,
    watch,
    categorical: watch.filter((c) => profile.columns[c]?.kind === 'categorical' || spec.monitor.categorical.includes(c)),
    label: profile.label ? sketchFromProfile(profile.label.distribution) : undefined,
    prediction: profile.prediction ? sketchFromProfile(profile.prediction.distribution) : undefined,
    profile,
    recognised,
  };
}

/** Watched columns the reference data does not have are a mistake in the spec, not a column to skip. */
function checkWatchedColumns(spec: ModelSpec, tables: Table[]): void {
  for (const table of tables) {
    const present = table.fileColumns ?? [...table.columns.keys()];
    for (const field of ['categorical', 'numeric'] as const) {
      for (const column of spec.monitor[field]) {
        if (present.includes(column)) continue;
        throw new UpkeepError(
          'SchemaMismatch',
          `model ${spec.id}: reference file ${table.source}: column ${column} (monitor.${field}) is missing; ${columnsWord(present.length)}, none of that name${didYouMean(
            column,
            present.filter((c) => c.length <= 100),
          )}`,
        );
      }
    }
  }
}

/**
 * Profiles reference data with the model: columns, label, the model's predictions and its metrics
 * on that data (the baseline).
 */
export async function profileReferenceData(opts: {
  spec: ModelSpec;
  modelBytes: Uint8Array;
  modelKey: string;
  artifactName: string;
  files: WindowFile[];
  engine: EvaluationEngine;
  createdAt: string;
  source: string;
  /** The files already read (e.g. by a trainer), so they are not read twice. */
  tables?: Table[];
}): Promise<{ profile: ReferenceProfile; tables: Table[]; prediction?: ColumnSketch; label?: ColumnSketch; estimatorNotes: string[] }> {
  const { spec } = opts;
  // The tables first: the profile's columns give the segment search its bins, before the rows are scored.
  const tables = opts.tables ?? (await readTables(opts.files, `model ${spec.id}: reference`, undefined, spec.limits));
  checkWatchedColumns(spec, tables);
  const profile = buildReferenceProfile({
    data: tables,
    label: { column: spec.label.column, kind: spec.task === 'regression' ? 'numeric' : 'categorical' },
    // Filled once the rows are scored (below), in its place among the profile's keys.
    baselineMetrics: {},
    createdAt: opts.createdAt,
    source: opts.source,
    // Class labels are categories even when they are written as numbers.
    categorical: [...spec.monitor.categorical, ...(spec.task === 'regression' ? [] : [spec.label.column])],
    // Columns the owner watches by name are never taken for dates, timestamps or ids.
    recognise: { except: [...spec.monitor.numeric, ...spec.monitor.categorical] },
  });
  const plan = segmentPlan(spec, profile);
  const { summary, prediction, label, estimators, segmentBaseline } = await opts.engine.evaluateDetailed({ ...opts, sampleRows: true, segmentPlan: plan });
  Object.assign(profile.baselineMetrics!, summary.metrics);
  if (segmentBaseline) profile.segments = segmentBaseline;
  if (prediction) profile.prediction = { name: 'prediction', distribution: profileFromSketch(prediction) };
  // No labelled row (e.g. a rolling reference's recent days, labels not known yet): no label distribution to compare with.
  if (!label) delete profile.label;
  // CBPE or DLE, the reconstruction error and a row sample, fitted once here (estimators.ts).
  if (estimators && Object.keys(estimators.fitted).length > 0) profile.estimators = estimators.fitted;
  return { profile, tables, prediction, label, estimatorNotes: estimators?.notes ?? [] };
}

/** A reference from whole data files: every row is used, nothing is sampled. */
export async function referenceFromData(opts: Parameters<typeof profileReferenceData>[0]): Promise<ReferenceInput> {
  const { profile, tables, prediction, label } = await profileReferenceData(opts);
  const base = referenceFromProfile(profile, opts.spec);
  const columns: Record<string, ColumnSketch> = {};
  const categorical = new Set(base.categorical);
  for (const name of base.watch) {
    const sketches = tables.flatMap((t) => {
      const col = t.columns.get(name);
      return col ? [sketchColumn(col, t.rowCount, categorical.has(name))] : [];
    });
    if (sketches.length > 0) columns[name] = mergeSketches(sketches);
  }
  return { ...base, columns, label: label ?? base.label, prediction: prediction ?? base.prediction };
}
