import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScheduleOverlapPolicy, WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { readChain } from '../../engine/audit/chain.js';
import { loadConfig } from '../../engine/config/load.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { classifierModel } from '../helpers/bad-models.js';
import { evaluateScheduleId, UpkeepModelId, UpkeepVerdict, type EvaluateModelResult } from '../../workflows/definitions.js';
import { evaluateModel } from '../../workflows/index.js';
import { syncSchedules } from '../../workers/schedules.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { waitFor } from '../helpers/wait.js';

describe('the evaluateModel workflow on a real Temporal dev server', function () {
  this.timeout(120_000);
  let ws: Workspace | undefined;
  afterEach(() => ws?.remove());

  async function withWorker<T>(taskQueue: string, configPath: string, fn: () => Promise<T>): Promise<T> {
    const t = await testTemporal();
    const { worker, engine } = await createUpkeepWorker({ connection: t.connection, namespace: 'default', taskQueue, configPath, workflowBundle: t.bundle });
    try {
      return await worker.runUntil(fn);
    } finally {
      await engine.close();
    }
  }

  it('evaluates the window that ends at the scheduled time when the schedule is triggered, and records the verdict', async function () {
    const t = await testTemporal();
    const modelId = uniqueModelId('trigger');
    const taskQueue = uniqueTaskQueue('trigger');
    const today = new Date();
    const day = (back: number) => new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - back)).toISOString().slice(0, 10);
    ws = createWorkspace(modelId);
    ws.addDay(day(1), 'data/binary.csv');
    ws.addDay(day(2), 'data/binary.csv');
    ws.addDay(day(3), 'data/binary.csv');
    const config = await loadConfig(ws.configPath);
    const handle = t.client.schedule.getHandle(evaluateScheduleId(modelId));
    const result = await withWorker(taskQueue, ws.configPath, async () => {
      await syncSchedules(t.client, config, { taskQueue });
      try {
        await handle.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
        const action = await waitFor('the triggered run', async () => (await handle.describe()).info.recentActions[0]);
        const wf = t.client.workflow.getHandle(action.action.workflow.workflowId, action.action.workflow.firstExecutionRunId);
        const r: EvaluateModelResult = await wf.result();
        const desc = await wf.describe();
        assert.equal(desc.typedSearchAttributes.get(UpkeepModelId), modelId);
        assert.equal(desc.typedSearchAttributes.get(UpkeepVerdict), 'healthy');
        // The verdict line the UI shows on the workflow page, from the workflow's own metadata.
        const metadata = await wf.query<{ currentDetails?: string | null }>('__temporal_workflow_metadata');
        const details = metadata.currentDetails ?? '';
        assert.match(details.split('\n')[0]!, new RegExp(`^${modelId}: healthy — roc_auc 0\\.8097 is at or above the minimum `));
        assert.ok(details.includes(`\n- report: ${r.report.jsonUri}`), details);
        // TemporalScheduledStartTime is kept to the second.
        assert.equal(r.windowEnd, new Date(Math.floor(action.scheduledAt.getTime() / 1000) * 1000).toISOString());
        return r;
      } finally {
        await handle.delete();
      }
    });
    assert.equal(result.verdict.status, 'healthy');
    assert.equal(result.rows, 3000);
    assert.equal(result.firstDay, day(3));
    assert.equal(result.lastDay, day(1));
    assert.ok(Math.abs(result.metrics.roc_auc! - 0.8096813883170355) < 1e-12);
    const report = JSON.parse(readFileSync(fileURLToPath(result.report.jsonUri), 'utf8'));
    assert.equal(report.modelId, modelId);
    assert.equal(report.verdict.status, 'healthy');
    assert.equal(report.snapshot.files.length, 3);
    assert.equal(report.snapshot.files[0].rows, 1000);
    assert.match(readFileSync(fileURLToPath(result.report.markdownUri), 'utf8'), new RegExp(`^# ${modelId}: healthy`));
    // The page with the pictures, next to the JSON and the Markdown.
    assert.equal(result.report.htmlUri, result.report.jsonUri.replace(/[.]json$/, '.html'));
    assert.match(
      readFileSync(fileURLToPath(result.report.htmlUri!), 'utf8'),
      new RegExp(`^<!doctype html>[^]*<h1>${modelId} <span class="badge"[^>]*>healthy</span></h1>`),
    );
  });

  it('backfills two past windows, each ending at its own scheduled time', async function () {
    const t = await testTemporal();
    const modelId = uniqueModelId('backfill');
    const taskQueue = uniqueTaskQueue('backfill');
    ws = createWorkspace(modelId);
    // Daily runs at 06:00 UTC; each 3-day window ends the day before its run.
    for (const d of ['2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05']) ws.addDay(d, 'data/binary.csv');
    const config = await loadConfig(ws.configPath);
    const handle = t.client.schedule.getHandle(evaluateScheduleId(modelId));
    const results = await withWorker(taskQueue, ws.configPath, async () => {
      await syncSchedules(t.client, config, { taskQueue });
      try {
        await handle.backfill({ start: new Date('2026-10-05T00:00:00Z'), end: new Date('2026-10-07T00:00:00Z'), overlap: ScheduleOverlapPolicy.ALLOW_ALL });
        const actions = await waitFor('two backfilled runs', async () => {
          const a = (await handle.describe()).info.recentActions;
          return a.length >= 2 ? a : undefined;
        });
        return Promise.all(
          actions.map(
            (a) => t.client.workflow.getHandle(a.action.workflow.workflowId, a.action.workflow.firstExecutionRunId).result() as Promise<EvaluateModelResult>,
          ),
        );
      } finally {
        await handle.delete();
      }
    });
    const byEnd = results.sort((a, b) => a.windowEnd.localeCompare(b.windowEnd));
    assert.deepEqual(
      byEnd.map((r) => [r.windowEnd, r.firstDay, r.lastDay, r.rows, r.verdict.status]),
      [
        ['2026-10-05T06:00:00.000Z', '2026-10-02', '2026-10-04', 3000, 'healthy'],
        ['2026-10-06T06:00:00.000Z', '2026-10-03', '2026-10-05', 3000, 'healthy'],
      ],
    );
  });

  it('gives insufficient-data for an empty window without failing', async function () {
    const t = await testTemporal();
    const modelId = uniqueModelId('empty');
    const taskQueue = uniqueTaskQueue('empty');
    ws = createWorkspace(modelId);
    const result = await withWorker(taskQueue, ws.configPath, () =>
      t.client.workflow.execute(evaluateModel, { taskQueue, workflowId: `${modelId}-run`, args: [{ modelId, windowEnd: '2020-01-01T06:00:00Z' }] }),
    );
    assert.equal(result.verdict.status, 'insufficient-data');
    assert.equal(result.verdict.reasons[0], 'no data files in window 2019-12-29..2019-12-31');
    assert.match(result.verdict.reasons[1]!, /^3 of 3 files missing from window 2019-12-29\.\.2019-12-31/);
    assert.equal(result.snapshot.files, 0);
  });

  it('marks the window failing, naming file and column, when the data breaks the schema', async function () {
    const t = await testTemporal();
    const modelId = uniqueModelId('schema');
    const taskQueue = uniqueTaskQueue('schema');
    ws = createWorkspace(modelId);
    ws.addDay('2026-03-01', 'data/binary.csv');
    ws.addDay('2026-03-02', 'data/binary_wrong_type.csv');
    const result = await withWorker(taskQueue, ws.configPath, () =>
      t.client.workflow.execute(evaluateModel, { taskQueue, workflowId: `${modelId}-run`, args: [{ modelId, windowEnd: '2026-03-03T06:00:00Z' }] }),
    );
    assert.equal(result.verdict.status, 'failing');
    assert.match(result.verdict.reasons[0]!, new RegExp(`^SchemaMismatch: model ${modelId}: file 2026-03-02 2026-03-02\\.csv: column x3 holds text`));
    const report = JSON.parse(readFileSync(fileURLToPath(result.report.jsonUri), 'utf8'));
    assert.equal(report.failure.type, 'SchemaMismatch');
  });

  it('marks the window failing and tells the owner when the model outputs NaN probabilities', async function () {
    const t = await testTemporal();
    const modelId = uniqueModelId('nan-out');
    const taskQueue = uniqueTaskQueue('nan-out');
    ws = createWorkspace(modelId, { artifact: 'models/nan.onnx', classes: [0, 1] });
    // Sqrt of the features: NaN for every row with a negative feature.
    writeFileSync(
      path.join(ws.dir, 'models', 'nan.onnx'),
      classifierModel({ sqrt: true, W: [0.1, -0.2, 0.3, 0.1, 0, 0.5, -0.1, 0.2], b: [0, 0], activation: 'softmax' }),
    );
    ws.addDay('2026-03-01', 'data/binary.csv');
    const result = await withWorker(taskQueue, ws.configPath, () =>
      t.client.workflow.execute(evaluateModel, { taskQueue, workflowId: `${modelId}-run`, args: [{ modelId, windowEnd: '2026-03-02T06:00:00Z' }] }),
    );
    assert.equal(result.verdict.status, 'failing');
    assert.match(
      result.verdict.reasons[0]!,
      new RegExp(
        `^ModelOutputInvalid: model ${modelId}: output probabilities: \\d+ of 1000 rows are not finite \\(first: 2026-03-01 2026-03-01\\.csv row 1, NaN\\)$`,
      ),
    );
    const report = JSON.parse(readFileSync(fileURLToPath(result.report.jsonUri), 'utf8'));
    assert.equal(report.failure.type, 'ModelOutputInvalid');
    // A failing window alerts like any other: the owner is told, and the trail says so.
    const notified = (await readChain(createFileStore(ws.storeDir), modelId)).filter((c) => c.entry.kind === 'notified');
    assert.equal(notified.length, 1);
    assert.deepEqual(notified[0]!.entry.details!.to, ['model-owners@example.com']);
    assert.equal(notified[0]!.entry.details!.title, `${modelId} is failing`);
  });

  it('fails with a non-retryable InvalidModel when the artifact is not an ONNX model', async function () {
    const t = await testTemporal();
    const modelId = uniqueModelId('corrupt');
    const taskQueue = uniqueTaskQueue('corrupt');
    ws = createWorkspace(modelId, { artifact: 'upkeep.yaml' });
    ws.addDay('2026-03-01', 'data/binary.csv');
    const err = await withWorker(taskQueue, ws.configPath, () =>
      t.client.workflow.execute(evaluateModel, { taskQueue, workflowId: `${modelId}-run`, args: [{ modelId, windowEnd: '2026-03-02T06:00:00Z' }] }).then(
        () => assert.fail('expected the workflow to fail'),
        (e: unknown) => e,
      ),
    );
    assert.ok(err instanceof WorkflowFailedError);
    assert.ok(err.cause instanceof ActivityFailure);
    assert.ok(err.cause.cause instanceof ApplicationFailure);
    assert.equal(err.cause.cause.type, 'InvalidModel');
    assert.equal(err.cause.cause.nonRetryable, true);
    // Refused from its first bytes, before it is read whole or copied into the store.
    assert.match(
      err.cause.cause.message,
      new RegExp(
        `^model ${modelId}: artifact .*upkeep\\.yaml: not an ONNX model \\(its first bytes are not those of a protobuf ModelProto\\); not read further$`,
      ),
    );
  });

  it('ends a triggered run of a model that left the config at once, with one line naming the model and the config', async function () {
    const t = await testTemporal();
    const gone = uniqueModelId('gone');
    const taskQueue = uniqueTaskQueue('gone');
    const old = createWorkspace(gone);
    ws = createWorkspace(uniqueModelId('kept'));
    const handle = t.client.schedule.getHandle(evaluateScheduleId(gone));
    try {
      // The schedule was made from the old config; the worker now runs with another one.
      await syncSchedules(t.client, await loadConfig(old.configPath), { taskQueue });
      const err = await withWorker(taskQueue, ws.configPath, async () => {
        await handle.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
        const action = await waitFor('the triggered run', async () => (await handle.describe()).info.recentActions[0]);
        const wf = t.client.workflow.getHandle(action.action.workflow.workflowId, action.action.workflow.firstExecutionRunId);
        return wf.result().then(
          () => assert.fail('expected the run to end as failed'),
          (e: unknown) => e,
        );
      });
      assert.ok(err instanceof WorkflowFailedError);
      assert.ok(err.cause instanceof ApplicationFailure);
      assert.equal(err.cause.type, 'UnknownModel');
      assert.equal(err.cause.nonRetryable, true);
      assert.match(err.cause.message, new RegExp(`^upkeep\\.yaml: no model with id ${gone} \\(known: kept-[0-9a-f]+\\): this run ends here`));
      assert.doesNotMatch(err.cause.message, /\n/);
      assert.equal(err.cause.stack, `UnknownModel: ${err.cause.message}`);
      assert.equal(err.cause.cause, undefined);
    } finally {
      await handle.delete().catch(() => undefined);
      old.remove();
    }
  });

  it('keeps history small: no payload over 64 KB even for a week of 1000-row files', async function () {
    const t = await testTemporal();
    const modelId = uniqueModelId('history');
    const taskQueue = uniqueTaskQueue('history');
    ws = createWorkspace(modelId, { data: { uri: 'data/{date}.csv', window: { days: 7 } } });
    for (let d = 1; d <= 7; d++) ws.addDay(`2026-04-0${d}`, 'data/binary.csv');
    const workflowId = `${modelId}-run`;
    await withWorker(taskQueue, ws.configPath, () =>
      t.client.workflow.execute(evaluateModel, { taskQueue, workflowId, args: [{ modelId, windowEnd: '2026-04-08T06:00:00Z' }] }),
    );
    const history = await t.client.workflow.getHandle(workflowId).fetchHistory();
    let largest = 0;
    for (const event of history.events ?? []) {
      const payloads = JSON.stringify(event, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));
      largest = Math.max(largest, payloads.length);
    }
    assert.ok(largest < 64 * 1024, `largest history event is ${largest} bytes`);
  });
});
