/**
 * Evaluating a stored snapshot: whole, or in shards (planned by files and Parquet row groups,
 * each shard's partial result stored, then merged and finished as one window).
 */
import { capturedColumns } from './segments/plan.js';
import { parquetMetadata } from 'hyparquet';
import type { EvaluationSummary, ResolvedModel, RollingReferenceUsed, SnapshotRef } from '../../domain/evaluation.js';
import { readFooterByRanges } from '../data/parquet/ranges.js';
import { snapshotFiles } from '../data/snapshot-files.js';
import type { DataSource } from '../data/source.js';
import { storedReaders, type StoredReaders } from '../data/stored-files.js';
import { isUpkeepError, UpkeepError, type UpkeepErrorType } from '../errors.js';
import { evaluationMergedKey, evaluationShardKey } from '../store/keys.js';
import type { ArtifactStore } from '../store/store.js';
import { sha256Hex } from '../util.js';
import { storeDistributions } from './distributions.js';
import { loadModelInput } from './model-input.js';
import { decodePartial, encodePartial, partialRows, planWindowShards, readPartial, type PlanUnit, type ShardSpec } from './partial.js';
import { parseReferenceProfile } from '../drift/profile.js';
import { referenceFromData, referenceFromProfile } from './reference.js';
import type { EvaluationEngine, FinishWindowOptions, ReferenceInput, WindowFile, WindowPartial } from './types.js';
import { WindowArrays } from './window-arrays.js';
import { withImportance } from './importance/attach.js';

/** The most shards a window is split into by `evaluation.shard_rows`. */
export const MAX_SHARDS = 100;

/** What evaluating a snapshot needs. */
export interface SnapshotEvaluationPorts {
  data: DataSource;
  store: ArtifactStore;
  engine: EvaluationEngine;
  /** Progress (per shard, and every 10 s while a long step runs). */
  heartbeat?(details: unknown): void;
  /** A cancellation: reads stop between chunks when it is aborted. */
  signal?: AbortSignal;
}

/** What evaluating a shard returns: a reference to its stored partial result and a few numbers. */
export interface ShardResult {
  key: string;
  index: number;
  rows: number;
  bytes: number;
}

/** Runs `work` with a heartbeat every 10 s besides its own progress beats. */
async function beating<T>(heartbeat: SnapshotEvaluationPorts['heartbeat'], work: (progress: (p: unknown) => void) => Promise<T>): Promise<T> {
  // Progress heartbeats come per shard; this keeps them coming while the evaluation threads
  // run a long finishing step (e.g. the bootstrap on a very large window).
  let last: unknown = { phase: 'starting' };
  const beat = setInterval(() => heartbeat?.(last), 10_000);
  try {
    return await work((p) => heartbeat?.((last = p)));
  } finally {
    clearInterval(beat);
  }
}

/** A Parquet file's row groups, from its footer alone when it can be read by range. */
async function footerGroups(file: WindowFile): Promise<{ num_rows: bigint }[]> {
  if (!file.open) return parquetMetadata(await file.load()).row_groups;
  const f = await file.open();
  try {
    return (await readFooterByRanges(f, file.name)).row_groups;
  } finally {
    await f.close();
  }
}

/** A stored partial read by range (see readPartial). */
async function readByRange(open: NonNullable<StoredReaders['open']>, uri: string, what: string): ReturnType<typeof readPartial> {
  const f = await open(uri, 'evaluation shard result');
  try {
    return await readPartial((start, end, into) => f.read(start, Math.min(end, f.size), into), f.size, what);
  } finally {
    await f.close();
  }
}

function filesOf(ports: SnapshotEvaluationPorts, modelId: string, snapshot: Pick<SnapshotRef, 'files'>): WindowFile[] {
  const r = storedReaders(ports.data, ports.signal);
  return snapshotFiles(modelId, snapshot, r.read, r.open);
}

const shardKey = (model: ResolvedModel, snapshotSha256: string, index: number, of: number): string =>
  evaluationShardKey(model.modelId, snapshotSha256, model.artifactSha256, sha256Hex(JSON.stringify(model.spec)).slice(0, 16), index, of);

async function removePartials(store: ArtifactStore, shards: Pick<ShardResult, 'key'>[]): Promise<void> {
  for (const sh of shards) await store.delete(sh.key);
}

/** Errors in the reference days that leave the window without drift checks rather than failing it. */
const REFERENCE_DATA_ERRORS: UpkeepErrorType[] = ['InvalidData', 'SchemaMismatch', 'UnreadableData', 'InsufficientData', 'ModelOutputInvalid'];

/** Where a window in shards keeps its rolling reference's profile: built once (by the plan), read by every shard and the merge. */
const rollingProfileKey = (model: ResolvedModel, reference: SnapshotRef): string =>
  `profiles/${model.modelId}/rolling/${reference.sha256}-${model.artifactSha256.slice(0, 16)}.json`;

/**
 * A rolling reference (`reference: { rolling: 28d }`) read from its snapshot like a window, in
 * place of the stored profile: profiled exactly (every row) with the model. `shared`: a window in
 * shards, whose shards must sketch the same columns: the profile is stored once and read back
 * (sampled beyond 100,000 values, as a stored profile is). Too few days with data leave the
 * window without drift checks, and `why` says so.
 */
async function withRollingReference(
  ports: SnapshotEvaluationPorts,
  o: FinishWindowOptions,
  model: ResolvedModel,
  reference: SnapshotRef | undefined,
  shared = false,
): Promise<{ o: FinishWindowOptions; used?: RollingReferenceUsed }> {
  const r = model.spec.reference;
  if (!reference || typeof r !== 'object') return { o };
  const days = [...new Set(reference.files.map((f) => f.date))].sort();
  const used: RollingReferenceUsed = {
    rolling: r.rolling,
    ...(r.same ? { same: r.same } : {}),
    days,
    missing: [...new Set(reference.missing.map((m) => m.date))].sort(),
    rows: reference.rows,
    snapshot: { uri: reference.uri, sha256: reference.sha256 },
  };
  const needed = r.min_days ?? 1;
  const asked = days.length + used.missing.length;
  if (days.length < needed || reference.rows === 0) {
    const what = `${days.length} of the ${asked} reference day${asked === 1 ? '' : 's'} (${reference.firstDay}..${reference.lastDay}${r.same ? `, same ${r.same}` : ''}) hold data`;
    const why = `rolling reference: ${what}${reference.rows === 0 && days.length > 0 ? ' but no rows' : ''}, fewer than min_days ${needed}: drift and data quality were not checked`;
    // Without a reference of its own the window is not compared with the stored profile either.
    const { reference: _profile, ...rest } = o;
    return { o: rest, used: { ...used, why } };
  }
  const key = rollingProfileKey(model, reference);
  const stored = shared ? await ports.store.tryGet(key) : undefined;
  if (stored) {
    const what = `model ${model.modelId}: rolling reference profile ${key}`;
    return { o: { ...o, reference: referenceFromProfile(parseReferenceProfile(JSON.parse(new TextDecoder().decode(stored)), what), model.spec) }, used };
  }
  let input: ReferenceInput;
  try {
    input = await referenceFromData({
      ...o,
      files: filesOf(ports, model.modelId, reference),
      engine: ports.engine,
      createdAt: reference.windowEnd,
      source: reference.uri,
    });
  } catch (err) {
    // Reference days the model cannot profile (e.g. their labels have not arrived, a column
    // changed): the window is still judged on its own rows, and the verdict says why.
    if (!isUpkeepError(err) || !REFERENCE_DATA_ERRORS.includes(err.type)) throw err;
    const { reference: _profile, ...rest } = o;
    return { o: rest, used: { ...used, why: `rolling reference: ${err.message}: drift and data quality were not checked` } };
  }
  if (!shared) return { o: { ...o, reference: input }, used };
  // Deterministic content: a shard that builds it at the same time writes the same bytes.
  await ports.store.put(key, JSON.stringify(input.profile));
  return withRollingReference(ports, o, model, reference, true);
}

/** Runs the model over the snapshot's files as one sample; returns a small summary. */
export async function evaluateSnapshot(
  ports: SnapshotEvaluationPorts,
  model: ResolvedModel,
  snapshot: SnapshotRef,
  reference?: SnapshotRef,
): Promise<EvaluationSummary> {
  const { o, used } = await withRollingReference(ports, await loadModelInput(ports.data, model, ports.signal), model, reference);
  const evaluated = await beating(ports.heartbeat, (onProgress) => ports.engine.evaluate({ ...o, files: filesOf(ports, model.modelId, snapshot), onProgress }));
  // Drift ranked by the inputs' importance (measured once per model version and reference).
  const summary = await withImportance(ports, model, o, evaluated);
  // The distributions go to the store: the summary travels through workflow history.
  return storeDistributions(ports.store, model.modelId, used ? { ...summary, rollingReference: used } : summary);
}

/**
 * Splits the snapshot into about `shards` shards (by default rows / evaluation.shard_rows, at most
 * MAX_SHARDS), by files and Parquet row groups, balanced by rows; reads the Parquet files' footers.
 */
export async function planEvaluationShards(
  ports: SnapshotEvaluationPorts,
  model: ResolvedModel,
  snapshot: SnapshotRef,
  shards?: number,
  reference?: SnapshotRef,
): Promise<ShardSpec[]> {
  // A rolling reference is profiled here, once, for the shards and the merge to read.
  if (reference) await withRollingReference(ports, await loadModelInput(ports.data, model, ports.signal), model, reference, true);
  const perShard = model.spec.evaluation?.shard_rows;
  // At most MAX_SHARDS: each shard costs a few history events and a read of its files.
  const k = shards ?? Math.min(MAX_SHARDS, perShard ? Math.max(1, Math.ceil(snapshot.rows / perShard)) : 1);
  const units: PlanUnit[] = [];
  const files = filesOf(ports, model.modelId, snapshot);
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    if (file.format !== 'parquet' || k === 1) {
      units.push({ file: i, rows: snapshot.files[i]!.rows });
      continue;
    }
    let groups: { num_rows: bigint }[];
    try {
      groups = await footerGroups(file);
    } catch (err) {
      throw new UpkeepError('UnreadableData', `model ${model.modelId}: file ${file.name}: not a readable Parquet file: ${(err as Error).message}`);
    }
    if (groups.length === 0) units.push({ file: i, rows: 0 });
    groups.forEach((g, group) => units.push({ file: i, group, rows: Number(g.num_rows) }));
    ports.heartbeat?.({ planned: i + 1, files: files.length });
  }
  return planWindowShards(units, k);
}

/** Evaluates one shard's files and row groups and stores its partial result. */
export async function evaluateShard(
  ports: SnapshotEvaluationPorts,
  model: ResolvedModel,
  snapshot: Pick<SnapshotRef, 'sha256' | 'files'>,
  shard: ShardSpec,
  reference?: SnapshotRef,
): Promise<ShardResult> {
  const { o } = await withRollingReference(ports, await loadModelInput(ports.data, model, ports.signal), model, reference, true);
  const all = filesOf(ports, model.modelId, snapshot);
  const files = shard.parts.map((p) => ({ ...all[p.file]!, rows: p.rows, ...(p.rowGroups ? { rowGroups: p.rowGroups } : {}) }));
  // The whole window's rows, as evaluateSnapshot sees them: the segment search takes the same rows in every shard.
  const windowRows = all.every((f) => f.rows !== undefined) ? all.reduce((n, f) => n + f.rows!, 0) : undefined;
  const partial = await beating(ports.heartbeat, (onProgress) =>
    ports.engine.collect({ ...o, files, onProgress, ...(windowRows !== undefined ? { windowRows } : {}) }),
  );
  const bytes = encodePartial(partial, { model: model.modelId, snapshot: snapshot.sha256, artifact: model.artifactSha256, index: shard.index, of: shard.of });
  const key = shardKey(model, snapshot.sha256, shard.index, shard.of);
  // Deterministic bytes: a retried shard that overwrites leaves the same object.
  await ports.store.put(key, bytes);
  return { key, index: shard.index, rows: partial.parts.reduce((n, p) => n + p.rows, 0), bytes: bytes.byteLength };
}

/**
 * Reads the shards' partial results, in order, and finishes the window as evaluateSnapshot does.
 * The rows are joined into arrays sized from the partials' headers as each partial is read, so
 * that only one partial's bytes are held beside them. The summary is kept and the partials removed.
 */
export async function mergeEvaluationShards(
  ports: SnapshotEvaluationPorts,
  model: ResolvedModel,
  snapshot: Pick<SnapshotRef, 'sha256'>,
  shards: Pick<ShardResult, 'key' | 'index'>[],
  reference?: SnapshotRef,
): Promise<EvaluationSummary> {
  const { store } = ports;
  const { o, used } = await withRollingReference(ports, await loadModelInput(ports.data, model, ports.signal), model, reference, true);
  const open = storedReaders(ports.data, ports.signal).open;
  const ordered = [...shards].sort((a, b) => a.index - b.index);
  // A retried merge whose first attempt got as far as removing the partials: its summary.
  const mergedKey = ordered.length > 0 ? evaluationMergedKey(ordered[0]!.key) : undefined;
  const merged = mergedKey ? await store.tryGet(mergedKey) : undefined;
  if (merged) {
    await removePartials(store, ordered);
    // (One kept by a merge before the distributions were stored apart still holds them.)
    return storeDistributions(store, model.modelId, JSON.parse(new TextDecoder().decode(merged)) as EvaluationSummary);
  }
  let capacity = 0;
  if (open) {
    for (const s of ordered) {
      const f = await open(store.uriFor(s.key), 'evaluation shard result');
      try {
        capacity += await partialRows((start, end) => f.read(start, Math.min(end, f.size)), `store object ${s.key}`);
      } finally {
        await f.close();
      }
    }
  }
  let arrays: WindowArrays | undefined;
  const whole: WindowPartial = { parts: [], sketches: [], fileColumns: [] };
  let index = 0;
  for (const s of ordered) {
    const what = `store object ${s.key}`;
    const { meta, partial } = open ? await readByRange(open, store.uriFor(s.key), what) : decodePartial(await store.get(s.key), what);
    if (meta.snapshot !== snapshot.sha256 || meta.index !== s.index || meta.artifact !== model.artifactSha256) {
      throw new Error(
        `store object ${s.key} holds shard ${String(meta.index)} of snapshot ${String(meta.snapshot)}, not shard ${s.index} of ${snapshot.sha256}`,
      );
    }
    for (const part of partial.parts) {
      // The model's classes come first in every part's labels; proba has one column per class.
      const k = part.proba && part.rows > 0 ? part.proba.length / part.rows : undefined;
      if (!arrays && open && (part.task === 'regression' || k !== undefined)) {
        arrays = new WindowArrays(part.task, (part.labels ?? []).slice(0, k), capacity, capturedColumns(o.spec));
        for (const early of whole.parts.splice(0)) arrays.add(index++, early);
      }
      if (arrays) arrays.add(index++, part);
      else whole.parts.push(part);
    }
    whole.sketches.push(...partial.sketches);
    whole.fileColumns = [...new Set([...whole.fileColumns, ...partial.fileColumns])];
  }
  if (arrays) whole.parts.push(arrays.result());
  const finished = await withImportance(ports, model, o, await beating(ports.heartbeat, () => ports.engine.finish(o, [whole])));
  // The distributions are stored before the summary that references them.
  const summary = await storeDistributions(store, model.modelId, used ? { ...finished, rollingReference: used } : finished);
  // The summary first, then the partials go: the store does not keep 32 bytes a row per run.
  if (mergedKey) await store.put(mergedKey, JSON.stringify(summary));
  await removePartials(store, ordered);
  return summary;
}
