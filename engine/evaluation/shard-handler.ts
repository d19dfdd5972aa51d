/**
 * What an evaluation thread does with one request: decodes one shard (a file, or a range of a
 * Parquet file's row groups) and runs the model over it, merges sketches, finishes the metrics or
 * draws bootstrap resamples. Run in a worker thread (shard.ts), or in the calling thread for a
 * small window (engine.ts, `inline`).
 */
import { groupColumns } from '../../domain/fairness-config.js';
import { parquetMetadata } from 'hyparquet';
import { isDataReadError } from '../data/errors.js';
import { readTable } from '../data/read-table.js';
import { UpkeepError } from '../errors.js';
import { EXACT_VALUES, mergeSketches, sketchBuffers, sketchColumn, type ColumnSketch } from '../drift/sketch.js';
import { Evaluator, type Collected } from './evaluator.js';
import { sortFloat32, sortFloat64 } from '../math/sort.js';
import { finishEvaluation } from './evaluate.js';
import { probabilityMetricsOf } from './deferred-metrics.js';
import { searchAside } from './segments/aside.js';
import { bootstrapSamples } from './significance/bootstrap.js';
import { declaredSamples } from './declared-bootstrap.js';
import type { ModelMessage, ShardReply, ShardRequest } from './types.js';
import { createInProcessRunner, MAX_MODELS } from './in-process-runner.js';
import { columnsToRead } from './stream.js';
import { compareLogged, LoggedComparer, loggedOptions } from './logged.js';
import { prepareModel, type PreparedModel } from './model.js';
import { computeImportance } from './importance/compute.js';

const runner = createInProcessRunner();
const prepared = new Map<string, Promise<PreparedModel>>();

/** Prepared per model bytes and spec: the same artifact can be declared differently. */
function prepare(m: ModelMessage): Promise<PreparedModel> {
  const key = `${m.modelKey}:${JSON.stringify([m.spec.id, m.spec.task, m.spec.inputs, m.spec.outputs, m.spec.classes, m.spec.label])}`;
  const cached = prepared.get(key);
  const p = cached ?? prepareModel(m.spec, m.modelBytes, m.modelKey, runner, m.artifactName);
  if (!cached) {
    p.catch(() => {
      if (prepared.get(key) === p) prepared.delete(key);
    });
  }
  // Bounded as the runner's remembered models are, least recently used first out.
  prepared.delete(key);
  prepared.set(key, p);
  while (prepared.size > MAX_MODELS) prepared.delete(prepared.keys().next().value!);
  // The runner may have released the model's session (it keeps fewer than this cache): loaded again, and kept recent.
  return cached ? p.then(async (model) => (await runner.load(m.modelKey, m.modelBytes), model)) : p;
}

function transferList(c: Collected): ArrayBuffer[] {
  return [
    c.yTrueClass,
    c.yPredClass,
    c.proba,
    c.yTrueValue,
    c.yPredValue,
    c.sortedScores?.pos,
    c.sortedScores?.neg,
    ...Object.values(c.segments ?? {}).map((s) => s.codes),
    c.search?.position,
    ...Object.values(c.search?.columns ?? {}).map((s) => s.codes),
  ]
    .filter((a): a is NonNullable<typeof a> => a !== undefined)
    .map((a) => a.buffer as ArrayBuffer);
}

/**
 * The shard's share of the ranking metrics' sort, done here in parallel: P(positive) split by true
 * class and sorted. Undefined when a true label is unknown to the model (the metric is then null).
 */
function sortScores(c: Collected, positive: number, k: number): Collected['sortedScores'] {
  const y = c.yTrueClass!;
  const p = c.proba!;
  let nPos = 0;
  let nNeg = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i]! >= k) return undefined;
    if (y[i] === positive) nPos++;
    else if (y[i]! >= 0) nNeg++;
  }
  // Unlabelled rows (-1) take no part in the ranking metrics. Float32 probabilities give float32
  // scores: kept and sorted so, they are the same numbers in half the bytes.
  const f32 = p instanceof Float32Array;
  const pos = f32 ? new Float32Array(nPos) : new Float64Array(nPos);
  const neg = f32 ? new Float32Array(nNeg) : new Float64Array(nNeg);
  for (let i = 0, a = 0, b = 0; i < y.length; i++) {
    if (y[i]! < 0) continue;
    const s = p[i * k + positive]!;
    if (s - s !== 0) return undefined; // non-finite: leave it to the metric's own checks
    if (y[i] === positive) pos[a++] = s;
    else neg[b++] = s;
  }
  if (pos instanceof Float32Array) sortFloat32(pos);
  else sortFloat64(pos);
  if (neg instanceof Float32Array) sortFloat32(neg);
  else sortFloat64(neg);
  return { pos, neg };
}

/** Table rows where the row groups of the range start (after the first): batches break there. */
function groupStarts(bytes: Uint8Array, range?: { start: number; end: number }): number[] {
  const groups = parquetMetadata(bytes).row_groups;
  const starts: number[] = [];
  let at = 0;
  for (let g = range?.start ?? 0; g < (range?.end ?? groups.length) - 1; g++) starts.push((at += Number(groups[g]!.num_rows)));
  return starts;
}

export async function handle(msg: ShardRequest): Promise<{ reply: ShardReply; transfer: ArrayBuffer[] }> {
  if (msg.op === 'bootstrap') return { reply: { id: msg.id, ok: true, samples: bootstrapSamples(msg.input, msg.range) }, transfer: [] };
  if (msg.op === 'declared') {
    const { cells, rows, seed } = msg.pending;
    return { reply: { id: msg.id, ok: true, declared: declaredSamples(cells, rows, seed, msg.range) }, transfer: [] };
  }
  if (msg.op === 'fold') {
    const sketches = Object.fromEntries(Object.entries(msg.lists).map(([name, list]) => [name, mergeSketches(list, EXACT_VALUES)]));
    return { reply: { id: msg.id, ok: true, sketches }, transfer: sketchBuffers(sketches) };
  }
  if (msg.op === 'finish') return { reply: { id: msg.id, ok: true, finished: finishEvaluation(msg) }, transfer: [] };
  if (msg.op === 'probability') return { reply: { id: msg.id, ok: true, probability: probabilityMetricsOf(msg.input) }, transfer: [] };
  if (msg.op === 'search') return { reply: { id: msg.id, ok: true, segments: searchAside(msg.input) }, transfer: [] };
  const model = await prepare(msg);
  if (msg.op === 'prepare') return { reply: { id: msg.id, ok: true, prepared: model }, transfer: [] };
  if (msg.op === 'importance') {
    const importance = await computeImportance(model, runner, msg.task, `model ${msg.spec.id}`);
    return { reply: { id: msg.id, ok: true, importance }, transfer: [] };
  }
  const { spec } = msg;
  const columns = columnsToRead(model, spec, msg.sketch);
  let table;
  try {
    const { rowGroupFile, lineOffset, firstRow } = msg.file;
    table = await readTable(msg.file.bytes, {
      source: msg.file.name,
      format: msg.file.format,
      columns,
      rowGroups: msg.file.rowGroups,
      ...(spec.limits ? { limits: spec.limits } : {}),
      ...(rowGroupFile ? { rowGroupFile } : {}),
      ...(lineOffset ? { lineOffset } : {}),
    });
    if (firstRow) table.firstRow = firstRow;
  } catch (err) {
    if (isDataReadError(err)) throw new UpkeepError('UnreadableData', `model ${spec.id}: ${err.message}`, { cause: err });
    throw err;
  }
  const evaluator = new Evaluator(model, runner, spec.label.column, {
    batchSize: msg.batchSize,
    invalidRows: { action: spec.invalid_rows.action, maxShare: spec.invalid_rows.max_share },
    segments: msg.segments ?? groupColumns(spec),
    ...(msg.bins ? { bins: msg.bins } : {}),
    ...(msg.sample ? { sample: true } : {}),
    ...(msg.search ? { search: msg.search } : {}),
  });
  // The logged outputs (data.logged): their columns checked before any row is scored.
  const logged = spec.data.logged ? new LoggedComparer(model, loggedOptions(spec)!) : undefined;
  logged?.columns(table);
  // One row group read by range has no break inside it.
  await evaluator.addTable(table, msg.file.format === 'parquet' && !msg.file.rowGroupFile ? groupStarts(msg.file.bytes, msg.file.rowGroups) : []);
  // Compact copies: the evaluator's growable buffers are larger than their contents.
  const collected = evaluator.finish(true);
  if (logged) compareLogged(logged, table, evaluator.kept, collected);
  if (model.task === 'binary') collected.sortedScores = sortScores(collected, model.positiveIndex!, model.classes!.length);
  const transfer = transferList(collected);
  let sketches: Record<string, ColumnSketch> | undefined;
  if (msg.sketch) {
    sketches = {};
    const categorical = new Set(msg.sketch.categorical);
    for (const name of msg.sketch.columns) {
      const col = table.columns.get(name);
      if (!col) continue;
      const s = sketchColumn(col, table.rowCount, categorical.has(name));
      sketches[name] = s;
      if (s.kind === 'numeric') transfer.push(s.sorted.buffer as ArrayBuffer);
    }
  }
  return {
    reply: { id: msg.id, ok: true, collected, ...(sketches ? { sketches, fileColumns: table.fileColumns ?? [...table.columns.keys()] } : {}) },
    transfer,
  };
}
