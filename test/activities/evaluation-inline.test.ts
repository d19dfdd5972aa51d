import assert from 'node:assert/strict';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { createEvaluationEngine, type EvaluationEngine } from '../../engine/evaluation/evaluate.js';
import type { ShardHandler } from '../../engine/evaluation/engine.js';
import { handle } from '../../engine/evaluation/shard-handler.js';
import { referenceFromData } from '../../engine/evaluation/reference.js';
import { sha256Hex } from '../../engine/util.js';
import type { WindowFile } from '../../engine/evaluation/types.js';
import type { EvaluationSummary } from '../../domain/evaluation.js';
import { fixtureBytes, specFor } from '../helpers/fixtures.js';
import { rng } from '../../scripts/bench/data.js';

/** A Parquet file for models/binary.onnx (x1..x4, y, region) in row groups of `group`. */
function generated(rows: number, group: number, seed: number, shift = 0): Uint8Array {
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
    region.push(['north', 'south', 'east', 'west'][Math.floor(u() * 4)]!);
  }
  return new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        ...x.map((data, j) => ({ name: `x${j + 1}`, data, type: 'DOUBLE' as const, nullable: false })),
        { name: 'y', data: y, type: 'INT32' as const, nullable: false },
        { name: 'region', data: region, type: 'STRING' as const },
      ],
      rowGroupSize: group,
    }),
  );
}

const withoutTime = (s: EvaluationSummary): Omit<EvaluationSummary, 'durationMs'> => {
  const { durationMs: _, ...rest } = s;
  return rest;
};

describe('a small window evaluated in the calling thread', function () {
  this.timeout(120_000);
  const modelBytes = fixtureBytes('models/binary.onnx');
  const modelKey = sha256Hex(modelBytes);
  const base = {
    task: 'binary' as const,
    inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }],
    label: { column: 'y', positive: 1 },
    thresholds: { metric: 'roc_auc', min: 0.5 },
  };
  const spec = specFor({ ...base, id: 'small', monitor: { segments: ['region'], significance: { resamples: 50, method: 'bootstrap', seed: 3 } } });
  // Above 20,000 rows, so that the bootstrap is a request of its own (spread over the threads).
  const a = generated(14_000, 4000, 1);
  const b = generated(9000, 9000, 2);
  const files = (rows: boolean): WindowFile[] => [
    { name: 'a.parquet', format: 'parquet', load: async () => a, ...(rows ? { rows: 14_000 } : {}) },
    { name: 'b.parquet', format: 'parquet', load: async () => b, ...(rows ? { rows: 9000 } : {}) },
  ];
  let threaded: EvaluationEngine;
  let inline: EvaluationEngine;
  let calls: string[] = [];
  const counted: ShardHandler = (msg) => {
    calls.push(msg.op);
    return handle(msg);
  };
  before(() => {
    threaded = createEvaluationEngine({ threads: 2 });
    inline = createEvaluationEngine({ threads: 2, inline: { rows: 50_000, handle: counted } });
  });
  after(async () => {
    await threaded.close();
    await inline.close();
  });

  it('gives the summary the evaluation threads give (metrics, slices, interval, drift and quality), without them', async () => {
    const refBytes = generated(2000, 2000, 9, 0.4);
    const reference = await referenceFromData({
      spec,
      modelBytes,
      modelKey,
      artifactName: 'binary.onnx',
      files: [{ name: 'ref.parquet', format: 'parquet', load: async () => refBytes }],
      engine: threaded,
      createdAt: '2026-11-01T00:00:00Z',
      source: 'ref.parquet',
    });
    const opts = { spec, modelBytes, modelKey, artifactName: 'binary.onnx', reference };
    const want = await threaded.evaluate({ ...opts, files: files(true) });
    calls = [];
    const got = await inline.evaluate({ ...opts, files: files(true) });
    assert.deepEqual(new Set(calls), new Set(['prepare', 'evaluate', 'finish', 'bootstrap']), 'every request was answered in this thread');
    assert.deepEqual(withoutTime(got), withoutTime(want));
    assert.ok(want.drift && Object.keys(want.drift).length > 0, 'drift was compared');
  });

  it('uses the threads for a larger window, and to read files whose rows are not known', async () => {
    calls = [];
    const opts = { spec, modelBytes, modelKey, artifactName: 'binary.onnx' };
    await inline.evaluate({ ...opts, files: files(false) });
    // Read and scored in the threads; the scored rows are then few enough to finish here.
    assert.deepEqual(new Set(calls), new Set(['prepare', 'finish', 'bootstrap']));
    calls = [];
    const small = createEvaluationEngine({ threads: 2, inline: { rows: 20_000, handle: counted } });
    try {
      await small.evaluate({ ...opts, files: files(true) });
      assert.deepEqual(calls, []);
    } finally {
      await small.close();
    }
  });

  it('reports unreadable data as the threads do', async () => {
    const broken = (): WindowFile[] => [{ name: 'bad.parquet', format: 'parquet', load: async () => new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), rows: 10 }];
    const opts = { spec, modelBytes, modelKey, artifactName: 'binary.onnx' };
    const fromThread = await threaded.evaluate({ ...opts, files: broken() }).then(
      () => undefined,
      (e: Error) => e,
    );
    const fromHere = await inline.evaluate({ ...opts, files: broken() }).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.ok(fromThread && fromHere);
    assert.equal(fromHere.constructor, fromThread.constructor);
    assert.equal(fromHere.message, fromThread.message);
  });
});
