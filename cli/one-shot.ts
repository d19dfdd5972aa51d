/**
 * `upkeep evaluate`: one evaluation in this process, no Temporal, nothing written to the store.
 * Uses the same snapshot routine as the snapshotWindow activity (kept in memory), the same code
 * as the evaluateSnapshot activity and the same verdict policy as the workflow.
 */
import { withImportance } from '../engine/evaluation/importance/attach.js';
import { explainLoadFailure, readModelFile } from '../engine/evaluation/model-file.js';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { modelSpecBase, type ModelSpec } from '../domain/config.js';
import type { Task } from '../domain/metrics.js';
import { resolveUri } from '../engine/config/load.js';
import { formatOf } from '../engine/data/count-rows.js';
import { takeSnapshot, type SnapshotDays, type SnapshotDeps } from '../engine/data/snapshot.js';
import { baseName, type DataSource } from '../engine/data/source.js';
import { createDataSource } from '../engine/data/sources.js';
import type { SqlConnect } from '../engine/data/sql/connection.js';
import { connectSql } from '../engine/data/sql/connect.js';
import { queryProblem, redactSqlUri, sqlKind, sqlUriProblem } from '../domain/sql.js';
import { dataWindow } from '../engine/data/window.js';
import { buildReport, type EvaluationReport } from '../engine/evaluation/report.js';
import type { EvaluationEngine, ReferenceInput, WindowFile } from '../engine/evaluation/evaluate.js';
import type { InferenceRunner } from '../engine/evaluation/runner.js';
import { UpkeepError } from '../engine/errors.js';
import { sha256Hex } from '../engine/util.js';
import type { EvaluationFailure, EvaluationSummary } from '../domain/evaluation.js';
import { DATA_ERROR_TYPES } from '../domain/evaluation.js';
import { decideVerdict } from '../workflows/policy.js';

export const DEFAULT_PRIMARY: Record<Task, string> = { binary: 'roc_auc', multiclass: 'f1_macro', regression: 'rmse' };

const TENSOR_TO_SPEC: Record<string, 'float' | 'double' | 'int64' | 'string'> = { float32: 'float', float64: 'double', int64: 'int64', string: 'string' };

/** Builds a spec for any ONNX file from command-line options, reading input names from the model. */
export async function adHocSpec(opts: {
  onnx: string;
  task: Task;
  label: string;
  features: string[];
  positiveLabel?: string;
  /** Class labels in probability-column order, for a model that does not record them. */
  classes?: string[];
  metric?: string;
  min?: number;
  max?: number;
  minRows: number;
  runner: InferenceRunner;
}): Promise<{ spec: ModelSpec; bytes: Uint8Array }> {
  const artifact = resolveUri(opts.onnx, process.cwd());
  const bytes = await readModelFile(createDataSource(), artifact, { what: 'model file' });
  if (!bytes) throw new UpkeepError('InvalidModel', `model file ${opts.onnx} does not exist`);
  const name = baseName(artifact);
  let info;
  try {
    info = await opts.runner.load(sha256Hex(bytes), bytes);
  } catch (err) {
    throw new UpkeepError('InvalidModel', `model ${name}: ONNX Runtime cannot load it: ${explainLoadFailure((err as Error).message)}`, { cause: err });
  }
  let inputs;
  if (info.inputs.length === 1) {
    const only = info.inputs[0]!;
    inputs = [{ name: only.name, type: TENSOR_TO_SPEC[only.type ?? ''] ?? 'float', columns: opts.features }];
  } else {
    // Several named inputs: feed each from the column of the same name.
    const names = info.inputs.map((i) => i.name);
    const missing = names.filter((n) => !opts.features.includes(n));
    if (missing.length > 0 || opts.features.length !== names.length) {
      throw new UpkeepError(
        'InvalidModel',
        `model ${name} has several inputs (${names.join(', ')}): pass --features with exactly those names, or declare inputs in a config file`,
      );
    }
    inputs = info.inputs.map((i) => ({ name: i.name, type: TENSOR_TO_SPEC[i.type ?? ''] ?? 'float', columns: [i.name] }));
  }
  const id =
    name
      .replace(/\.onnx$/i, '')
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '') || 'model';
  // Numbers on the command line are numeric labels, as in a config file.
  const label = (v: string): string | number => (/^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v);
  const positive = opts.positiveLabel === undefined ? undefined : label(opts.positiveLabel);
  const parsed = modelSpecBase.safeParse({
    id,
    owner: 'command line',
    task: opts.task,
    artifact,
    inputs,
    label: { column: opts.label, ...(positive !== undefined ? { positive } : {}) },
    ...(opts.classes ? { classes: opts.classes.map(label) } : {}),
    data: { uri: 'unused' },
    schedule: { every: '1d' },
    thresholds: {
      metric: opts.metric ?? DEFAULT_PRIMARY[opts.task],
      ...(opts.min !== undefined ? { min: opts.min } : {}),
      ...(opts.max !== undefined ? { max: opts.max } : {}),
    },
    min_rows: opts.minRows,
  });
  if (!parsed.success) throw new UpkeepError('InvalidConfig', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
  if (opts.task === 'binary' && positive === undefined) throw new UpkeepError('InvalidConfig', 'a binary model needs --positive-label');
  return { spec: parsed.data, bytes };
}

export interface OneShotResult {
  report: EvaluationReport;
}

/**
 * Snapshots in memory: the one-shot command writes nothing, yet takes its snapshot with the
 * activity's routine (same files, same snapshot sha256).
 */
function memoryStore(): { store: SnapshotDeps['store']; read(uri: string): Uint8Array } {
  const objects = new Map<string, Uint8Array>();
  return {
    store: {
      async put(key, data) {
        const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
        const uri = `memory:///${key}`;
        const created = !objects.has(uri);
        if (created) objects.set(uri, bytes);
        return { uri, sha256: sha256Hex(bytes), size: bytes.byteLength, created };
      },
    },
    read(uri) {
      const bytes = objects.get(uri);
      if (!bytes) throw new Error(`no snapshot object ${uri}`);
      return bytes;
    },
  };
}

/** How far a one-shot evaluation got: the window's files being read, then its rows scored. */
export type OneShotProgress =
  { phase: 'reading'; date?: string; filesRead: number; files?: number } | { phase: 'evaluating'; rowsDone: number; rows: number; file: string };

/**
 * Evaluates `spec` on explicit data URIs, or on its window ending at `at`; `progress` hears of
 * each file read and each part scored (the hooks the activities heartbeat with).
 */
export async function evaluateOnce(opts: {
  spec: ModelSpec;
  modelBytes: Uint8Array;
  dataUris?: string[];
  at?: Date;
  engine: EvaluationEngine;
  reference?: ReferenceInput;
  data?: DataSource;
  /** How to reach the model's database when its data is a query (connectSql by default). */
  connect?: SqlConnect;
  progress?: (p: OneShotProgress) => void;
}): Promise<OneShotResult> {
  const { spec } = opts;
  const end = opts.at ?? new Date();
  const explicit = !!opts.dataUris && opts.dataUris.length > 0;
  const days: SnapshotDays = explicit
    ? {
        firstDay: '',
        lastDay: '',
        end: end.toISOString(),
        timezone: spec.schedule.timezone,
        days: opts.dataUris!.map((u) => ({ date: '', uri: u.includes('://') ? u : pathToFileURL(path.resolve(u)).href })),
      }
    : dataWindow({ template: spec.data.uri, end, days: spec.data.window.days, timezone: spec.schedule.timezone });
  const memory = memoryStore();
  let filesRead = 0;
  // A beat without `file` follows each file read; one with it comes while a large file is hashed.
  const heartbeat = opts.progress
    ? (d: unknown): void => {
        const beat = d as { date?: string; file?: string };
        if (beat.file === undefined) filesRead++;
        opts.progress!({ phase: 'reading', ...(beat.date ? { date: beat.date } : {}), filesRead, ...(explicit ? { files: days.days.length } : {}) });
      }
    : undefined;
  const snapshot = await takeSnapshot(
    { data: opts.data ?? createDataSource(), store: memory.store, connect: opts.connect ?? connectSql, ...(heartbeat ? { heartbeat } : {}) },
    // Files given on the command line are read as files, even for a model whose data is a query.
    explicit && spec.data.query !== undefined ? { ...spec, data: { uri: spec.data.uri, window: spec.data.window } } : spec,
    days,
    { allPresent: explicit },
  );
  const window: WindowFile[] = snapshot.files.map((f) => {
    const base = baseName(f.sourceUri);
    return { name: f.date ? `${f.date} ${base}` : base, format: formatOf(f.uri)!, load: async () => memory.read(f.uri), rows: f.rows };
  });
  const modelKey = sha256Hex(opts.modelBytes);
  let evaluation: EvaluationSummary | undefined;
  let failure: EvaluationFailure | undefined;
  if (window.length > 0) {
    try {
      const onProgress = opts.progress
        ? (p: { rowsDone: number; file: string }): void => opts.progress!({ phase: 'evaluating', rowsDone: p.rowsDone, rows: snapshot.rows, file: p.file })
        : undefined;
      evaluation = await opts.engine.evaluate({
        spec,
        modelBytes: opts.modelBytes,
        modelKey,
        artifactName: baseName(spec.artifact),
        files: window,
        reference: opts.reference,
        ...(onProgress ? { onProgress } : {}),
      });
      // Drift ranked by importance (measured for this run: a one-shot has no store to keep it in).
      const o = { spec, modelBytes: opts.modelBytes, modelKey, artifactName: baseName(spec.artifact), reference: opts.reference };
      evaluation = await withImportance({ store: memory.store, engine: opts.engine }, { modelId: spec.id, artifactSha256: modelKey }, o, evaluation);
    } catch (err) {
      if (err instanceof UpkeepError && DATA_ERROR_TYPES.includes(err.type)) failure = { type: err.type, message: err.message };
      else throw err;
    }
  }
  const verdict = decideVerdict({
    model: { primaryMetric: spec.thresholds.metric, thresholds: spec.thresholds, baseline: spec.baseline, minRows: spec.min_rows },
    snapshot,
    evaluation,
    failure,
  });
  const report = buildReport({
    model: { modelId: spec.id, spec, artifactUri: spec.artifact, artifactSha256: modelKey, artifactBytes: opts.modelBytes.byteLength },
    snapshot,
    evaluation,
    failure,
    verdict,
  });
  return { report };
}

/**
 * A query's window ending at `end` (the model's days, in its schedule's time zone) as window
 * files, read day by day through the snapshot routine into memory: `upkeep profile` with a query.
 */
export async function queryWindowFiles(spec: ModelSpec, end: Date, connect: SqlConnect = connectSql): Promise<{ files: WindowFile[]; rows: number }> {
  const memory = memoryStore();
  const days = dataWindow({ template: spec.data.uri, end, days: spec.data.window.days, timezone: spec.schedule.timezone });
  const snapshot = await takeSnapshot({ data: { read: async () => undefined }, store: memory.store, connect }, spec, days);
  const files = snapshot.files.map((f) => ({
    name: `${f.date} ${baseName(f.sourceUri)}`,
    format: formatOf(f.uri)!,
    load: async () => memory.read(f.uri),
    rows: f.rows,
  }));
  return { files, rows: snapshot.rows };
}

/**
 * `--data <database URI> --query <sql>` on the command line: the model's data becomes that query
 * (its window and time zone as configured), checked as the config loader checks one.
 */
export function withQueryData(spec: ModelSpec, data: string[] | undefined, query: string | undefined): ModelSpec {
  const uri = data?.length === 1 && sqlKind(data[0]!) ? data[0]! : undefined;
  if (query === undefined) {
    if (uri) throw new UpkeepError('InvalidConfig', `--data ${redactSqlUri(uri)} is a database: give the query to read with --query`);
    return spec;
  }
  if (!uri) throw new UpkeepError('InvalidConfig', '--query needs --data <postgres://user@host:port/db or duckdb:[///path/file.duckdb]>');
  const problem = sqlUriProblem(uri) ?? queryProblem(query);
  if (problem) throw new UpkeepError('InvalidConfig', `${sqlUriProblem(uri) ? `--data ${redactSqlUri(uri)}` : '--query'}: ${problem}`);
  return { ...spec, data: { ...spec.data, uri, query, format: undefined } };
}

/** Local files or file:// URIs as window files, read when needed. */
export async function windowFiles(uris: string[], declared?: ModelSpec['data']['format']): Promise<WindowFile[]> {
  const source = createDataSource();
  return uris.map((u) => {
    const uri = u.includes('://') ? u : pathToFileURL(path.resolve(u)).href;
    const format = formatOf(uri, declared);
    if (!format) throw new UpkeepError('InvalidConfig', `cannot tell the format of ${baseName(uri)}: use a .csv, .jsonl or .parquet file`);
    return {
      name: baseName(uri),
      format,
      load: async () => {
        const bytes = await source.read(uri);
        if (!bytes) throw new UpkeepError('UnreadableData', `data file ${uri} does not exist`);
        return bytes;
      },
    };
  });
}
