import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { createEvaluationActivities } from '../../activities/evaluation.js';
import { MAX_SHARDS } from '../../engine/evaluation/snapshot-evaluation.js';
import { createEvaluationEngine, type EvaluationEngine } from '../../engine/evaluation/evaluate.js';
import { decodePartial, encodePartial, partialRows, planWindowShards, readPartial } from '../../engine/evaluation/partial.js';
import { createFileDataSource } from '../../engine/data/source.js';
import { isUpkeepError } from '../../engine/errors.js';
import { profileReferenceData } from '../../engine/evaluation/reference.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { sha256Hex } from '../../engine/util.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import type { ModelSpec } from '../../domain/config.js';
import type { EvaluationSummary, ResolvedModel, SnapshotRef } from '../../domain/evaluation.js';
import { fixtureBytes, specFor } from '../helpers/fixtures.js';
import { rng } from '../../scripts/bench/data.js';

/** The summary without its timing. */
const numbers = (s: EvaluationSummary): Omit<EvaluationSummary, 'durationMs'> => {
  const { durationMs: _, ...rest } = s;
  return rest;
};

/** A Parquet file for models/binary.onnx (x1..x4, y) with a region column, in row groups of `group`; x2 NaN every `nanEvery` rows. */
function generated(rows: number, group: number, seed: number, shift = 0, nanEvery = 0): Uint8Array {
  const u = rng(seed);
  const x = [0, 1, 2, 3].map(() => new Float64Array(rows));
  const y = new Int32Array(rows);
  const region: string[] = [];
  for (let r = 0; r < rows; r++) {
    let logit = -0.2;
    for (let j = 0; j < 4; j++) {
      const v = Math.round((u() * 4 - 2 + (j === 0 ? shift : 0)) * 1e4) / 1e4;
      x[j]![r] = v;
      logit += (j + 1) * 0.4 * v;
    }
    y[r] = u() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    if (nanEvery > 0 && r % nanEvery === 7) x[1]![r] = Number.NaN;
    region.push(['north', 'south', 'east', 'west'][Math.floor(u() * 4)]!);
  }
  const buffer = parquetWriteBuffer({
    columnData: [
      ...x.map((data, j) => ({ name: `x${j + 1}`, data, type: 'DOUBLE' as const, nullable: false })),
      { name: 'y', data: y, type: 'INT32' as const, nullable: false },
      { name: 'region', data: region, type: 'STRING' as const },
    ],
    rowGroupSize: group,
  });
  return new Uint8Array(buffer);
}

describe('a window evaluated in shards and merged', function () {
  this.timeout(180_000);
  let dir: string;
  let store: ArtifactStore;
  let engine: EvaluationEngine;
  let activities: ReturnType<typeof createEvaluationActivities>;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-shards-'));
    store = createFileStore(pathToFileURL(dir).href);
    engine = createEvaluationEngine({ threads: 2, batchSize: 333 });
    activities = createEvaluationActivities({ store, data: createFileDataSource(), engine, heartbeat: () => undefined });
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Puts the model and the files in the store as a snapshot of one day per file. */
  async function stage(
    spec: ModelSpec,
    modelBytes: Uint8Array,
    files: { name: string; bytes: Uint8Array; rows: number }[],
    reference?: string,
  ): Promise<{ model: ResolvedModel; snapshot: SnapshotRef }> {
    const sha = sha256Hex(modelBytes);
    const artifact = await store.put(`models/${spec.id}/artifacts/${sha}.onnx`, modelBytes);
    const staged = [];
    for (const [i, f] of files.entries()) {
      const fileSha = sha256Hex(f.bytes);
      const put = await store.put(`snapshots/${spec.id}/files/${fileSha}.${f.name.split('.').pop()}`, f.bytes);
      staged.push({
        date: `2026-11-${String(10 + i).padStart(2, '0')}`,
        sourceUri: `file:///data/${f.name}`,
        uri: put.uri,
        sha256: fileSha,
        bytes: f.bytes.byteLength,
        rows: f.rows,
      });
    }
    const snapshotSha = sha256Hex(JSON.stringify(staged));
    const model: ResolvedModel = {
      modelId: spec.id,
      spec,
      artifactUri: artifact.uri,
      artifactSha256: sha,
      artifactBytes: modelBytes.byteLength,
      ...(reference ? { referenceUri: reference } : {}),
    };
    const snapshot: SnapshotRef = {
      uri: store.uriFor(`snapshots/${spec.id}/manifests/${snapshotSha}.json`),
      sha256: snapshotSha,
      firstDay: staged[0]!.date,
      lastDay: staged.at(-1)!.date,
      windowEnd: '2026-11-30T00:00:00Z',
      rows: files.reduce((n, f) => n + f.rows, 0),
      files: staged,
      missing: [],
    };
    return { model, snapshot };
  }

  /** Plan, shards (each stored) and merge, as the workflow runs them. */
  async function sharded(model: ResolvedModel, snapshot: SnapshotRef, k: number): Promise<{ summary: EvaluationSummary; shards: number }> {
    const plan = await activities.planEvaluationShards({ model, snapshot, shards: k });
    const results = await Promise.all(
      plan.map((shard) => activities.evaluateShard({ model, snapshot: { sha256: snapshot.sha256, files: snapshot.files }, shard })),
    );
    for (const r of results) assert.ok(await store.exists(r.key), `shard ${r.index} is in the store`);
    // Listed out of order: the merge puts them back in window order.
    const shards = results.reverse().map((r) => ({ key: r.key, index: r.index }));
    const summary = await activities.mergeEvaluationShards({ model, snapshot, shards });
    // The partials are gone once merged; a retried merge answers from the stored summary.
    for (const r of results) assert.equal(await store.exists(r.key), false, `shard ${r.index} is removed after the merge`);
    assert.deepEqual(await activities.mergeEvaluationShards({ model, snapshot, shards }), JSON.parse(JSON.stringify(summary)));
    return { summary, shards: plan.length };
  }

  it('plans contiguous shards balanced by rows, joining adjacent row groups', () => {
    const units = [{ file: 0, rows: 500 }, ...Array.from({ length: 6 }, (_, g) => ({ file: 1, group: g, rows: 100 })), { file: 2, rows: 300 }];
    const plan = planWindowShards(units, 3);
    assert.deepEqual(
      plan.map((s) => s.parts),
      [
        [{ file: 0, rows: 500 }],
        [{ file: 1, rowGroups: { start: 0, end: 5 }, rows: 500 }],
        [
          { file: 1, rowGroups: { start: 5, end: 6 }, rows: 100 },
          { file: 2, rows: 300 },
        ],
      ],
    );
    assert.deepEqual(
      plan.map((s) => [s.index, s.of, s.rows]),
      [
        [0, 3, 500],
        [1, 3, 500],
        [2, 3, 400],
      ],
    );
    // More shards than units: one unit each, none empty.
    assert.equal(planWindowShards(units, 20).length, units.length);
    assert.throws(() => planWindowShards(units, 0), /positive integer/);
  });

  it('keeps a partial result exact through its stored form', async () => {
    const spec = specFor({
      task: 'binary',
      inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }],
      label: { column: 'y', positive: 1 },
      monitor: { segments: ['region'] },
    });
    const bytes = generated(3000, 1000, 3);
    const modelBytes = fixtureBytes('models/binary.onnx');
    const partial = await engine.collect({
      spec,
      modelBytes,
      modelKey: sha256Hex(modelBytes),
      artifactName: 'binary.onnx',
      files: [{ name: 'g.parquet', format: 'parquet', load: async () => bytes }],
    });
    partial.parts[0]!.invalid.push({ file: 'g.parquet', column: 'x1', nulls: 0, nan: Number.NaN, infinite: Number.POSITIVE_INFINITY });
    const encoded = encodePartial(partial, { index: 4 });
    const { meta, partial: back } = decodePartial(encoded, 'shard');
    assert.deepEqual(meta, { index: 4 });
    assert.deepEqual(back, partial);
    // The model's float32 probabilities are kept as float32 (the same numbers in half the bytes).
    assert.ok(back.parts[0]!.proba instanceof Float32Array && back.parts[0]!.yTrueClass instanceof Int32Array);
    assert.throws(() => decodePartial(encoded.subarray(0, encoded.length - 8), 'shard 4'), /shard 4 is truncated/);
    // Read by range, array by array: the same partial; a truncated object is refused as such.
    const ranged = (b: Uint8Array) => (start: number, end: number, into?: Uint8Array) => {
      const out = into ?? new Uint8Array(end - start);
      out.set(b.subarray(start, Math.min(end, b.length)));
      return Promise.resolve(out);
    };
    assert.deepEqual(await readPartial(ranged(encoded), encoded.length, 'shard'), { meta: { index: 4 }, partial });
    await assert.rejects(readPartial(ranged(encoded), encoded.length - 8, 'shard 4'), /shard 4 is truncated/);
    assert.equal(await partialRows(ranged(encoded), 'shard'), 3000);
    assert.throws(() => decodePartial(new TextEncoder().encode('{"not":"a shard"}'), 'object x'), /object x is not an evaluation shard's result/);
  });

  it('refuses a stored model copy that no longer matches its sha256 (it is read, never rewritten)', async () => {
    const spec = specFor({ task: 'binary', inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }], label: { column: 'y', positive: 1 } });
    const modelBytes = fixtureBytes('models/binary.onnx');
    const { model, snapshot } = await stage({ ...spec, id: 'altered-copy' }, modelBytes, [
      { name: 'binary.csv', bytes: fixtureBytes('data/binary.csv'), rows: 1000 },
    ]);
    const altered = Buffer.from(modelBytes);
    altered.writeUInt8(altered.readUInt8(altered.length - 1) ^ 1, altered.length - 1);
    writeFileSync(fileURLToPath(model.artifactUri), altered);
    await assert.rejects(activities.evaluateSnapshot({ model, snapshot }), (err: unknown) => {
      assert.ok(isUpkeepError(err, 'InvalidModel'), String(err));
      assert.equal(
        (err as Error).message,
        `model altered-copy: the stored copy ${model.artifactSha256}.onnx does not match its sha256 ${model.artifactSha256} (altered in the store?)`,
      );
      return true;
    });
  });

  it('equals the single activity exactly on the fixture data', async () => {
    const binary = specFor({
      task: 'binary',
      inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }],
      label: { column: 'y', positive: 1 },
      thresholds: { metric: 'roc_auc', min: 0.5 },
    });
    const windows = [
      {
        spec: binary,
        model: 'models/binary.onnx',
        files: ['data/binary.csv', 'data/binary.jsonl', 'data/binary.parquet', 'data/binary.gzip.parquet'],
        rows: 1000,
      },
      {
        spec: specFor({
          task: 'multiclass',
          inputs: [{ name: 'input', columns: ['f1', 'f2', 'f3', 'f4', 'f5'] }],
          label: { column: 'tier' },
          thresholds: { metric: 'log_loss', max: 5 },
        }),
        model: 'models/multiclass.onnx',
        files: ['data/multiclass.csv', 'data/multiclass.csv'],
        rows: 0,
      },
      {
        spec: specFor({ task: 'regression', inputs: [{ name: 'input', columns: ['r1', 'r2', 'r3'] }], label: { column: 'target' } }),
        model: 'models/regression.onnx',
        files: ['data/regression.csv', 'data/regression.csv'],
        rows: 0,
      },
    ];
    for (const w of windows) {
      const files = w.files.map((rel) => ({ name: path.basename(rel), bytes: fixtureBytes(rel), rows: w.rows }));
      const { model, snapshot } = await stage({ ...w.spec, id: `fixture-${w.spec.task}` }, fixtureBytes(w.model), files);
      const single = await activities.evaluateSnapshot({ model, snapshot });
      assert.ok(single.rows > 0);
      for (const k of [2, 3]) {
        const { summary, shards } = await sharded(model, snapshot, k);
        assert.equal(shards, Math.min(k, files.length));
        assert.deepEqual(numbers(summary), numbers(single), `${w.spec.task} in ${k} shards`);
      }
    }
  });

  it('equals the single activity exactly on a generated window: metrics, slices, bootstrap interval, drift and quality', async () => {
    const modelBytes = fixtureBytes('models/binary.onnx');
    const base = {
      task: 'binary' as const,
      inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }],
      label: { column: 'y', positive: 1 },
      thresholds: { metric: 'roc_auc', min: 0.5 },
      baseline: { roc_auc: 0.8 },
      // The weak-segment search too: its rows are kept per shard and joined (segments/sample.ts).
      segments: { search: true, min_rows: 100 },
    };
    // A reference profile from other data (shifted), so that drift and quality have something to say.
    const refSpec = specFor({ ...base, id: 'generated', monitor: { significance: { resamples: 0 } } });
    const refBytes = generated(4000, 4000, 99, 0.3);
    const { profile } = await profileReferenceData({
      spec: refSpec,
      modelBytes,
      modelKey: sha256Hex(modelBytes),
      artifactName: 'binary.onnx',
      files: [{ name: 'ref.parquet', format: 'parquet', load: async () => refBytes }],
      engine,
      createdAt: '2026-11-01T00:00:00Z',
      source: 'ref.parquet',
    });
    const reference = await store.put('profiles/generated/ref.json', JSON.stringify(profile));
    // Above 20,000 rows: the bootstrap is spread over the evaluation threads (seeded per resample).
    // Declared business metrics and fairness across the same column ride along: their values and bootstrap intervals must merge exactly too.
    const metrics = [
      { name: 'cost', kind: 'cost_matrix', matrix: { 1: { 1: 0, 0: 20 }, 0: { 1: 3, 0: 0 } }, gate: { max: 9 } },
      { name: 'recall_at_p80', kind: 'recall_at_precision', precision: 0.8, gate: { min: 0.3 } },
      { name: 'f1_at_06', kind: 'at_threshold', metric: 'f1', threshold: 0.6 },
    ];
    const spec = specFor({
      ...base,
      id: 'generated',
      metrics,
      monitor: { segments: ['region'], significance: { resamples: 40, method: 'bootstrap', seed: 7 } },
      fairness: { columns: ['region'], gates: { demographic_parity_difference: { max: 0.5 } } },
    });
    const files = [
      { name: 'a.parquet', bytes: generated(12_000, 1000, 1), rows: 12_000 },
      { name: 'b.parquet', bytes: generated(9_500, 700, 2, 0, 150), rows: 9_500 },
      { name: 'c.parquet', bytes: generated(2_000, 2000, 4, 0.5), rows: 2_000 },
    ];
    const { model, snapshot } = await stage(spec, modelBytes, files, reference.uri);
    const single = await activities.evaluateSnapshot({ model, snapshot });
    // Dropped rows (NaN in x2) shift the batches' starts within row groups: checked as well.
    assert.equal(single.rowsRead, 23_500);
    assert.equal(single.droppedRows, Math.ceil((9_500 - 7) / 150));
    assert.equal(single.confidence?.method, 'bootstrap');
    assert.ok(single.drift && single.quality && single.slices, 'drift, quality and slices are compared too');
    assert.equal(single.fairness?.families[0]?.groups.length, 4, 'fairness is compared too');
    assert.deepEqual(single.segments?.columns, ['x1', 'x2', 'x3', 'x4'], 'the segment search is compared too');
    assert.ok(single.segments.tested > 100 && single.segments.againstReference > 0, `${single.segments.tested} segments tested`);
    assert.deepEqual(
      single.gated?.filter((g) => g.kind === 'fairness').map((g) => g.name),
      ['demographic_parity_difference[region]'],
    );
    assert.deepEqual(
      single.gated?.filter((g) => g.kind === 'business').map((g) => [g.name, g.interval?.method, g.value !== null]),
      metrics.map((m) => [m.name, 'bootstrap', true]),
      'the declared metrics are compared too',
    );
    // The activity streams the Parquet files a row group at a time, read by range; read whole, the
    // same window gives the same summary.
    const files0 = createFileDataSource();
    const wholeFiles = createEvaluationActivities({ store, data: { read: files0.read, list: files0.list }, engine, heartbeat: () => undefined });
    assert.deepEqual(numbers(await wholeFiles.evaluateSnapshot({ model, snapshot })), numbers(single), 'streamed by row groups = read whole');
    for (const k of [10, 7]) {
      const { summary, shards } = await sharded(model, snapshot, k);
      assert.equal(shards, k);
      assert.deepEqual(numbers(summary), numbers(single), `${k} shards`);
    }
  });

  it('takes the number of shards from evaluation.shard_rows, at most MAX_SHARDS', async () => {
    const files = Array.from({ length: 3 }, () => ({ name: 'g.parquet', bytes: generated(1000, 10, 5), rows: 1000 }));
    const spec = (shardRows: number) =>
      specFor({
        task: 'binary',
        id: 'planned',
        inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }],
        label: { column: 'y', positive: 1 },
        evaluation: { shard_rows: shardRows },
      });
    const plan = async (shardRows: number) => {
      const { model, snapshot } = await stage(spec(shardRows), fixtureBytes('models/binary.onnx'), files);
      return activities.planEvaluationShards({ model, snapshot });
    };
    assert.deepEqual(
      (await plan(1000)).map((s) => s.rows),
      [1000, 1000, 1000],
    );
    assert.deepEqual(
      (await plan(700)).map((s) => s.rows),
      [600, 600, 600, 600, 600],
    );
    // 3,000 row groups of 10 rows would allow 300 shards of one group.
    const capped = await plan(1);
    assert.equal(capped.length, MAX_SHARDS);
    assert.ok(capped.every((s) => s.rows === 30 && s.parts.every((p) => p.rowGroups!.end - p.rowGroups!.start <= 3)));
  });

  it('refuses a stored partial of another shard', async () => {
    const files = [
      { name: 'binary.csv', bytes: fixtureBytes('data/binary.csv'), rows: 1000 },
      { name: 'binary.jsonl', bytes: fixtureBytes('data/binary.jsonl'), rows: 1000 },
    ];
    const spec = specFor({ task: 'binary', id: 'mixed', inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }], label: { column: 'y', positive: 1 } });
    const { model, snapshot } = await stage(spec, fixtureBytes('models/binary.onnx'), files);
    const plan = await activities.planEvaluationShards({ model, snapshot, shards: 2 });
    const [a, b] = await Promise.all(plan.map((shard) => activities.evaluateShard({ model, snapshot, shard })));
    await assert.rejects(
      activities.mergeEvaluationShards({
        model,
        snapshot,
        shards: [
          { key: b!.key, index: 0 },
          { key: a!.key, index: 1 },
        ],
      }),
      /holds shard 1 of snapshot [0-9a-f]+, not shard 0/,
    );
  });
});
