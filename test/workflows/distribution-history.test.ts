/**
 * The watched columns' distributions stay out of workflow history: a model watching 200 numeric and
 * 50 categorical columns is evaluated by the real workflow (whole, and in shards), its history holds
 * no distribution (only the stored object's reference), and the stored report still has every one.
 * Prints the history's payload bytes (the figures docs/pictures.md quotes: 567 KiB before the
 * distributions were stored apart, 340 KiB after, for the whole window of 3,000 rows).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import { findModel, loadConfig } from '../../engine/config/load.js';
import { createEvaluationEngine } from '../../engine/evaluation/evaluate.js';
import { profileReferenceData } from '../../engine/evaluation/reference.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { profileKey } from '../../engine/store/keys.js';
import { sha256Hex } from '../../engine/util.js';
import type { EvaluateModelResult } from '../../workflows/definitions.js';
import { evaluateModel } from '../../workflows/index.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { lcg } from '../helpers/columns.js';
import { fixture } from '../helpers/fixtures.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

const NUMERIC = Array.from({ length: 196 }, (_, i) => `n${i + 5}`); // and the inputs x1..x4: 200 numeric
const CATEGORICAL = Array.from({ length: 50 }, (_, i) => `c${i + 1}`);

/** The binary fixture's rows with 196 numeric (200 with the inputs) and 50 categorical (40 categories, skewed) columns more. */
function wide(seed: number, shift = 0): string {
  const [header, ...rows] = readFileSync(fixture('data/binary.csv'), 'utf8').trim().split('\n');
  const next = lcg(seed);
  const out = rows.map((line) => {
    const numbers = NUMERIC.map((_, j) => ((next() + next() + next()) * (j + 1) + shift).toFixed(3));
    const categories = CATEGORICAL.map(() => `category-${Math.floor(40 * next() * next())}`);
    return [line, ...numbers, ...categories].join(',');
  });
  return `${[[header, ...NUMERIC, ...CATEGORICAL].join(','), ...out].join('\n')}\n`;
}

/** Every payload of the history: its bytes, and its text (for what it must not hold). */
async function payloads(handle: WorkflowHandle): Promise<{ bytes: number; texts: string[] }> {
  const history = await handle.fetchHistory();
  const texts: string[] = [];
  let bytes = 0;
  const walk = (v: unknown): void => {
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach(walk);
    if (ArrayBuffer.isView(v)) return;
    for (const [k, x] of Object.entries(v)) {
      if (k === 'payloads' && Array.isArray(x)) {
        for (const p of x as { data?: Uint8Array | null }[]) {
          bytes += p.data?.length ?? 0;
          texts.push(Buffer.from(p.data ?? []).toString('utf8'));
        }
      } else walk(x);
    }
  };
  walk(history.events);
  return { bytes, texts };
}

describe('the drift distributions stay out of the evaluation workflow history', function () {
  this.timeout(300_000);
  let ws: Workspace | undefined;
  afterEach(() => ws?.remove());

  async function run(name: string, model: Record<string, unknown>) {
    const t = await testTemporal();
    const modelId = uniqueModelId(name);
    const taskQueue = uniqueTaskQueue(name);
    ws = createWorkspace(modelId, {
      data: { uri: 'data/{date}.csv', window: { days: 3 } },
      monitor: { numeric: NUMERIC, categorical: CATEGORICAL, significance: { resamples: 0 } },
      retrain: { on: 'never' },
      ...model,
    });
    writeFileSync(path.join(ws.dir, 'reference.csv'), wide(1));
    const config = await loadConfig(ws.configPath);
    const spec = findModel(config, modelId);
    const bytes = new Uint8Array(readFileSync(new URL(spec.artifact)));
    const engine = createEvaluationEngine();
    try {
      const { profile } = await profileReferenceData({
        spec,
        modelBytes: bytes,
        modelKey: sha256Hex(bytes),
        artifactName: 'binary.onnx',
        files: [{ name: 'reference.csv', format: 'csv', load: async () => new Uint8Array(readFileSync(path.join(ws!.dir, 'reference.csv'))) }],
        engine,
        createdAt: '2026-01-01T00:00:00Z',
        source: 'reference.csv',
      });
      await createFileStore(config.store).put(profileKey(modelId, sha256Hex(bytes)), JSON.stringify(profile));
    } finally {
      await engine.close();
    }
    for (const [i, day] of ['2026-01-30', '2026-01-31', '2026-02-01'].entries()) writeFileSync(path.join(ws.dataDir, `${day}.csv`), wide(2 + i, 0.5));
    const { worker, engine: workerEngine } = await createUpkeepWorker({
      connection: t.connection,
      namespace: 'default',
      taskQueue,
      configPath: ws.configPath,
      workflowBundle: t.bundle,
    });
    return worker
      .runUntil(async () => {
        const handle = await t.client.workflow.start(evaluateModel, {
          taskQueue,
          workflowId: `${modelId}-2026-02-01`,
          args: [{ modelId, windowEnd: '2026-02-02T06:00:00Z' }],
        });
        const result: EvaluateModelResult = await handle.result();
        return { result, history: await payloads(handle), store: config.store };
      })
      .finally(() => workerEngine.close());
  }

  function check(r: Awaited<ReturnType<typeof run>>, label: string) {
    // The figure: bytes of the history's payloads.
    const largest = Math.max(...r.history.texts.map((t) => Buffer.byteLength(t)));
    console.log(`      ${label}: history payloads ${(r.history.bytes / 1024).toFixed(1)} KiB, the largest ${(largest / 1024).toFixed(1)} KiB`);
    const report = JSON.parse(readFileSync(fileURLToPath(r.result.report.jsonUri), 'utf8'));
    const columns = Object.entries(report.drift.columns) as [string, { distribution?: { kind: string } }][];
    assert.equal(columns.length, 250);
    // The report has every watched column's distribution, and no reference to the stored object.
    for (const [name, c] of columns) assert.ok(c.distribution, `column ${name} has no distribution in the report`);
    assert.equal(report.drift.columns.c7.distribution.kind, 'categories');
    assert.equal(report.drift.columns.n100.distribution.kind, 'histogram');
    assert.equal(report.evaluation.distributions, undefined);
    // History: no distribution, only the object's reference (in the evaluation's result and writeReport's input).
    for (const text of r.history.texts) {
      assert.ok(!text.includes('"distribution"'), `a payload holds a distribution: ${text.slice(0, 200)}`);
      assert.ok(!text.includes('category-1'), 'a payload holds a category of the distributions');
    }
    const refs = r.history.texts.flatMap((t) => [...t.matchAll(/"distributions":\{"uri":"([^"]+)","sha256":"([0-9a-f]{64})"\}/g)]);
    assert.equal(refs.length, 2, 'the evaluation returns the reference and writeReport is given it');
    assert.deepEqual(refs[0]!.slice(1), refs[1]!.slice(1));
    // The object it names holds them all, under its sha256.
    const stored = readFileSync(fileURLToPath(refs[0]![1]!));
    assert.equal(sha256Hex(stored), refs[0]![2]);
    assert.equal(Object.keys(JSON.parse(stored.toString('utf8')).columns).length, 250);
    console.log(`      ${label}: the distributions stored apart: ${(stored.length / 1024).toFixed(1)} KiB`);
  }

  it('a window evaluated whole', async function () {
    check(await run('hist-whole', {}), 'whole window');
  });

  it('a window evaluated in shards', async function () {
    // A file a day of 1,000 rows: shard_rows 1000 makes a shard of each.
    const r = await run('hist-shards', { evaluation: { shard_rows: 1000 } });
    check(r, 'three shards');
    assert.ok(
      r.history.texts.some((t) => t.includes('0002-of-0003.bin')),
      'the window was evaluated in three shards',
    );
  });
});
