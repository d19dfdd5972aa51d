/**
 * A model whose data is a query, through the activities the workflow runs: the snapshot activity
 * reads it through its SqlConnect port, and the evaluation reads the stored Parquet files whole or
 * sharded by row group, with a rolling reference read by the same query.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createDataActivities } from '../../activities/data.js';
import { createEvaluationActivities } from '../../activities/evaluation.js';
import type { ResolvedModel } from '../../domain/evaluation.js';
import { readTable } from '../../engine/data/read-table.js';
import { createFileDataSource } from '../../engine/data/source.js';
import type { Table } from '../../engine/data/table.js';
import { createEvaluationEngine } from '../../engine/evaluation/evaluate.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { sha256Hex } from '../../engine/util.js';
import { fixture, fixtureBytes, specFor } from '../helpers/fixtures.js';
import { fakeSql, sliceTable } from '../helpers/fake-sql.js';

describe('a query window through the activities', function () {
  this.timeout(120_000);
  const modelBytes = fixtureBytes('models/binary.onnx');
  let dir: string;
  let all: Table;
  const engine = createEvaluationEngine({ threads: 1 });
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-sql-activities-'));
    all = await readTable(fixtureBytes('data/binary.csv'), { source: 'binary.csv' });
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('snapshots by the port, and evaluates the snapshot whole and in shards to the same summary, with a rolling reference', async function () {
    const store = createFileStore(pathToFileURL(path.join(dir, 'store')).href);
    const files = createFileDataSource();
    // Every day of November holds 250 of the fixture's rows (a rotating slice).
    const sql = fakeSql({
      rows: (start) => {
        const at = (start.getUTCDate() * 250) % 1000;
        return sliceTable(all, at, at + 250);
      },
      batchRows: 100,
    });
    const data = createDataActivities({ store, data: files, sqlConnect: sql.connect });
    const evaluation = createEvaluationActivities({ store, data: files, engine });
    const spec = specFor({
      id: 'churn',
      task: 'binary',
      artifact: pathToFileURL(fixture('models/binary.onnx')).href,
      inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }],
      label: { column: 'y', positive: 1 },
      data: { uri: 'postgres://upkeep@db.internal:5432/analytics', query: 'select * from scored where t >= {start} and t < {end}', window: { days: 4 } },
      schedule: { cron: '0 6 * * *', timezone: 'UTC' },
      thresholds: { metric: 'roc_auc', min: 0.5 },
      reference: { rolling: '7d' },
      monitor: { significance: { resamples: 0 } },
    });
    const sha = sha256Hex(modelBytes);
    const artifact = await store.put(`models/churn/artifacts/${sha}.onnx`, modelBytes);
    const model: ResolvedModel = { modelId: 'churn', spec, artifactUri: artifact.uri, artifactSha256: sha, artifactBytes: modelBytes.byteLength };
    const windowEnd = '2026-11-20T06:00:00Z';
    const snapshot = await data.snapshotWindow({ model, windowEnd });
    const reference = await data.snapshotWindow({ model, windowEnd, reference: true });
    assert.deepEqual(
      snapshot.files.map((f) => f.date),
      ['2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19'],
    );
    assert.equal(reference.files.length, 7);
    assert.equal(reference.files[0]!.date, '2026-11-09');
    assert.equal(sql.closed, 2);
    const whole = await evaluation.evaluateSnapshot({ model, snapshot, reference });
    assert.equal(whole.rows, 1000);
    assert.equal(whole.rollingReference?.days.length, 7);
    const plan = await evaluation.planEvaluationShards({ model, snapshot, shards: 2, reference });
    assert.equal(plan.length, 2);
    const shards = await Promise.all(plan.map((shard) => evaluation.evaluateShard({ model, snapshot, shard, reference })));
    const merged = await evaluation.mergeEvaluationShards({ model, snapshot, shards, reference });
    assert.deepEqual(merged.metrics, whole.metrics);
    assert.deepEqual(merged.drift, whole.drift);
  });
});
