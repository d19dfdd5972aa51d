import { parquetMetadata } from 'hyparquet';
import type { RangeFile } from '../engine/open-regular.js';
import { readFooterByRanges } from '../engine/data/parquet/ranges.js';
import { baseName } from '../engine/data/source.js';
import { snapshotFiles } from '../engine/data/snapshot-files.js';
import { UpkeepError } from '../engine/errors.js';
import type { ActivityDeps } from './deps.js';
import type { EvaluationSummary, ResolvedModel, SnapshotRef } from '../domain/evaluation.js';
import { parseReferenceProfile } from '../engine/drift/profile.js';
import { referenceFromProfile } from '../engine/evaluation/reference.js';
import { sha256Hex } from '../engine/util.js';
import { evaluationMergedKey, evaluationShardKey } from '../engine/store/keys.js';
import { decodePartial, encodePartial, partialRows, planWindowShards, readPartial, type PlanUnit, type ShardSpec } from '../engine/evaluation/partial.js';
import { WindowArrays } from '../engine/evaluation/window-arrays.js';
import { readModelFile } from '../engine/evaluation/model-file.js';
import { resolveLimits } from '../domain/limits.js';
import type { FinishWindowOptions, WindowFile, WindowPartial } from '../engine/evaluation/types.js';

/** The most shards a window is split into by `evaluation.shard_rows`. */
export const MAX_SHARDS = 100;

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
async function readByRange(open: (uri: string, what: string) => Promise<RangeFile>, uri: string, what: string): ReturnType<typeof readPartial> {
  const f = await open(uri, 'evaluation shard result');
  try {
    return await readPartial((start, end, into) => f.read(start, Math.min(end, f.size), into), f.size, what);
  } finally {
    await f.close();
  }
}

/** What a shard activity returns to the workflow: a reference and a few numbers. */
export interface ShardResult {
  key: string;
  index: number;
  rows: number;
  bytes: number;
}

export function createEvaluationActivities(deps: Pick<ActivityDeps, 'data' | 'engine' | 'heartbeat' | 'cancellation' | 'store'>) {
  const mustRead = async (uri: string, what: string): Promise<Uint8Array> => {
    const signal = deps.cancellation?.();
    const bytes = await deps.data.read(uri, { what, ...(signal ? { signal } : {}) });
    // The store is immutable: a snapshot object that vanished is an operational fault, retried.
    if (!bytes) throw new Error(`${what} ${uri} is missing from the store`);
    return bytes;
  };
  const removePartials = async (shards: Pick<ShardResult, 'key'>[]): Promise<void> => {
    for (const sh of shards) await deps.store.delete(sh.key);
  };
  /** A snapshot file for reads by range, when the data source can (file:// and s3:// can). */
  const mustOpen = deps.data.open
    ? async (uri: string, what: string): Promise<RangeFile> => {
        const signal = deps.cancellation?.();
        const file = await deps.data.open!(uri, { what, ...(signal ? { signal } : {}) });
        if (!file) throw new Error(`${what} ${uri} is missing from the store`);
        return file;
      }
    : undefined;
  /** The model and its reference, as the engine takes them. */
  const modelInput = async (model: ResolvedModel): Promise<FinishWindowOptions> => {
    const signal = deps.cancellation?.();
    const modelBytes = await readModelFile(deps.data, model.artifactUri, {
      what: `model ${model.modelId}: stored copy of the artifact`,
      maxBytes: resolveLimits(model.spec.limits).max_model_bytes,
      ...(signal ? { signal } : {}),
    });
    if (!modelBytes) throw new Error(`model artifact ${model.artifactUri} is missing from the store`);
    // the copy is content-addressed: one that no longer matches its sha256 is not evaluated
    if (sha256Hex(modelBytes) !== model.artifactSha256) {
      throw new UpkeepError('InvalidModel', `model ${model.modelId}: the stored copy ${baseName(model.artifactUri)} does not match its sha256 ${model.artifactSha256} (altered in the store?)`);
    }
    let reference;
    if (model.referenceUri) {
      const text = new TextDecoder().decode(await mustRead(model.referenceUri, 'reference profile'));
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw new UpkeepError('InvalidConfig', `model ${model.modelId}: reference profile ${model.referenceUri} is not JSON: ${(err as Error).message}`);
      }
      reference = referenceFromProfile(parseReferenceProfile(json, `model ${model.modelId}: reference profile ${baseName(model.referenceUri)}`), model.spec);
    }
    return {
      reference,
      spec: model.spec,
      modelBytes,
      modelKey: model.artifactSha256,
      // Messages name the file a person knows: the config's artifact, or the registry version.
      artifactName: model.source === 'retrain' ? `version ${model.version}` : baseName(model.spec.artifact),
    };
  };
  /** Runs `work` with a heartbeat every 10 s besides its own progress beats. */
  const beating = async <T>(work: (progress: (p: unknown) => void) => Promise<T>): Promise<T> => {
    // Progress heartbeats come per shard; this keeps them coming while the evaluation threads
    // run a long finishing step (e.g. the bootstrap on a very large window).
    let last: unknown = { phase: 'starting' };
    const beat = setInterval(() => deps.heartbeat?.(last), 10_000);
    try {
      return await work((p) => deps.heartbeat?.((last = p)));
    } finally {
      clearInterval(beat);
    }
  };
  const shardKey = (model: ResolvedModel, snapshotSha256: string, index: number, of: number): string =>
    evaluationShardKey(model.modelId, snapshotSha256, model.artifactSha256, sha256Hex(JSON.stringify(model.spec)).slice(0, 16), index, of);

  return {
    /** Runs the model over the snapshot's files; heartbeats progress; returns a small summary. */
    async evaluateSnapshot(input: { model: ResolvedModel; snapshot: SnapshotRef }): Promise<EvaluationSummary> {
      const { model, snapshot } = input;
      const o = await modelInput(model);
      return beating((onProgress) => deps.engine.evaluate({ ...o, files: snapshotFiles(model.modelId, snapshot, mustRead, mustOpen), onProgress }));
    },

    /**
     * Splits the snapshot into about `shards` shards (by default rows / evaluation.shard_rows), by
     * files and Parquet row groups, balanced by rows; reads the Parquet files' footers.
     */
    async planEvaluationShards(input: { model: ResolvedModel; snapshot: SnapshotRef; shards?: number }): Promise<ShardSpec[]> {
      const { model, snapshot } = input;
      const perShard = model.spec.evaluation?.shard_rows;
      // At most MAX_SHARDS: each shard costs a few history events and a read of its files.
      const k = input.shards ?? Math.min(MAX_SHARDS, perShard ? Math.max(1, Math.ceil(snapshot.rows / perShard)) : 1);
      const units: PlanUnit[] = [];
      const files = snapshotFiles(model.modelId, snapshot, mustRead, mustOpen);
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
        deps.heartbeat?.({ planned: i + 1, files: files.length });
      }
      return planWindowShards(units, k);
    },

    /** Evaluates one shard's files and row groups; stores its partial result; returns its key. */
    async evaluateShard(input: { model: ResolvedModel; snapshot: Pick<SnapshotRef, 'sha256' | 'files'>; shard: ShardSpec }): Promise<ShardResult> {
      const { model, snapshot, shard } = input;
      const o = await modelInput(model);
      const all = snapshotFiles(model.modelId, snapshot, mustRead, mustOpen);
      const files = shard.parts.map((p) => ({ ...all[p.file]!, rows: p.rows, ...(p.rowGroups ? { rowGroups: p.rowGroups } : {}) }));
      const partial = await beating((onProgress) => deps.engine.collect({ ...o, files, onProgress }));
      const bytes = encodePartial(partial, { model: model.modelId, snapshot: snapshot.sha256, artifact: model.artifactSha256, index: shard.index, of: shard.of });
      const key = shardKey(model, snapshot.sha256, shard.index, shard.of);
      // Deterministic bytes: a retried shard that overwrites leaves the same object.
      await deps.store.put(key, bytes);
      return { key, index: shard.index, rows: partial.parts.reduce((n, p) => n + p.rows, 0), bytes: bytes.byteLength };
    },

    /**
     * Reads the shards' partial results, in order, and finishes the window as evaluateSnapshot does.
     * The rows are joined into arrays sized from the partials' headers as each partial is read, so
     * that only one partial's bytes are held beside them.
     */
    async mergeEvaluationShards(input: { model: ResolvedModel; snapshot: Pick<SnapshotRef, 'sha256'>; shards: Pick<ShardResult, 'key' | 'index'>[] }): Promise<EvaluationSummary> {
      const { model } = input;
      const o = await modelInput(model);
      const ordered = [...input.shards].sort((a, b) => a.index - b.index);
      // A retried merge whose first attempt got as far as removing the partials: its summary.
      const mergedKey = ordered.length > 0 ? evaluationMergedKey(ordered[0]!.key) : undefined;
      const merged = mergedKey ? await deps.store.tryGet(mergedKey) : undefined;
      if (merged) {
        await removePartials(ordered);
        return JSON.parse(new TextDecoder().decode(merged)) as EvaluationSummary;
      }
      let capacity = 0;
      if (mustOpen) {
        for (const s of ordered) {
          const f = await mustOpen(deps.store.uriFor(s.key), 'evaluation shard result');
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
        const { meta, partial } = mustOpen ? await readByRange(mustOpen, deps.store.uriFor(s.key), what) : decodePartial(await deps.store.get(s.key), what);
        if (meta.snapshot !== input.snapshot.sha256 || meta.index !== s.index || meta.artifact !== model.artifactSha256) {
          throw new Error(`store object ${s.key} holds shard ${String(meta.index)} of snapshot ${String(meta.snapshot)}, not shard ${s.index} of ${input.snapshot.sha256}`);
        }
        for (const part of partial.parts) {
          // The model's classes come first in every part's labels; proba has one column per class.
          const k = part.proba && part.rows > 0 ? part.proba.length / part.rows : undefined;
          if (!arrays && mustOpen && (part.task === 'regression' || k !== undefined)) {
            arrays = new WindowArrays(part.task, (part.labels ?? []).slice(0, k), capacity, o.spec.monitor.segments);
            for (const early of whole.parts.splice(0)) arrays.add(index++, early);
          }
          if (arrays) arrays.add(index++, part);
          else whole.parts.push(part);
        }
        whole.sketches.push(...partial.sketches);
        whole.fileColumns = [...new Set([...whole.fileColumns, ...partial.fileColumns])];
      }
      if (arrays) whole.parts.push(arrays.result());
      const summary = await beating(() => deps.engine.finish(o, [whole]));
      // The summary first, then the partials go: the store does not keep 32 bytes a row per run.
      if (mergedKey) await deps.store.put(mergedKey, JSON.stringify(summary));
      await removePartials(ordered);
      return summary;
    },
  };
}
