/**
 * A window split into evaluation shards shared by two worker processes: the shards run on both,
 * history holds the plan and the stored partials' keys, and the merged report equals the one of
 * the same window evaluated in one activity.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import { parse, stringify } from 'yaml';
import type { EvaluateModelResult } from '../../workflows/definitions.js';
import { evaluateModel } from '../../workflows/index.js';
import { createDemoWorkspace, type DemoWorkspace } from '../helpers/demo-workspace.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { startWorkerProcess, workflowBundleFile, type WorkerProcess } from '../helpers/worker-processes.js';

const WINDOW_END = '2026-11-20T06:00:00.000Z';
const DAYS = 8;

/** Per activity type: the identities of the workers that ran it, and the largest result in bytes. */
async function activityRuns(handle: WorkflowHandle): Promise<Map<string, { workers: string[]; largestResult: number }>> {
  const events = (await handle.fetchHistory()).events ?? [];
  const types = new Map<string, string>();
  const starts = new Map<string, string>();
  const runs = new Map<string, { workers: string[]; largestResult: number }>();
  for (const e of events) {
    const id = String(e.eventId);
    if (e.activityTaskScheduledEventAttributes) types.set(id, e.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
    const started = e.activityTaskStartedEventAttributes;
    if (started) starts.set(String(started.scheduledEventId), started.identity ?? '?');
    const done = e.activityTaskCompletedEventAttributes;
    if (done) {
      const scheduled = String(done.scheduledEventId);
      const run = runs.get(types.get(scheduled)!) ?? { workers: [], largestResult: 0 };
      run.workers.push(starts.get(scheduled)!);
      run.largestResult = Math.max(run.largestResult, ...(done.result?.payloads ?? []).map((p) => p.data?.length ?? 0));
      runs.set(types.get(scheduled)!, run);
    }
  }
  return runs;
}

const reportOf = (r: EvaluateModelResult): { evaluation: Record<string, unknown>; verdict: unknown } => {
  const report = JSON.parse(readFileSync(fileURLToPath(r.report.jsonUri), 'utf8')) as { evaluation: Record<string, unknown>; verdict: unknown };
  delete report.evaluation.durationMs;
  return report;
};

describe('a window split into evaluation shards over two worker processes', function () {
  this.timeout(300_000);
  let ws: DemoWorkspace | undefined;
  const workers: WorkerProcess[] = [];
  before(async function () {
    await workflowBundleFile();
  });
  after(async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill()));
    ws?.remove();
  });

  it('runs the shards on both workers and merges them into the single-activity result exactly', async function () {
    const t = await testTemporal();
    const modelId = uniqueModelId('shards');
    const taskQueue = uniqueTaskQueue('shards');
    // 400 rows a day: shard_rows 400 makes one shard a day.
    ws = createDemoWorkspace({
      modelId,
      end: new Date(WINDOW_END),
      days: DAYS,
      drifted: false,
      model: { data: { uri: 'data/{date}.csv', window: { days: DAYS } }, retrain: { on: 'never' }, evaluation: { shard_rows: 400 } },
    });
    // Each shard holds a worker's activity slot a while: more shards than one worker's four slots.
    const opts = { address: t.address, taskQueue, configPath: ws.configPath, scratchDir: ws.dir, snapshotReadMs: 1500 };
    for (let i = 0; i < 2; i++) workers.push(await startWorkerProcess(opts));
    await Promise.all(workers.map((w) => w.ready));

    const sharded = t.client.workflow.getHandle(
      (await t.client.workflow.start(evaluateModel, { taskQueue, workflowId: `evaluate-${modelId}-sharded`, args: [{ modelId, windowEnd: WINDOW_END }] }))
        .workflowId,
    );
    const shardedResult: EvaluateModelResult = await sharded.result();
    assert.equal(shardedResult.rows, DAYS * 400);
    const runs = await activityRuns(sharded);
    assert.equal(runs.has('evaluateSnapshot'), false);
    const shards = runs.get('evaluateShard');
    assert.equal(shards?.workers.length, DAYS, `one shard a day: ${JSON.stringify([...runs])}`);
    assert.equal(new Set(shards.workers).size, 2, `shards ran on both workers: ${shards.workers.join(', ')}`);
    assert.equal(runs.get('mergeEvaluationShards')?.workers.length, 1);
    // History carries references: a shard's result is its store key and a few numbers.
    assert.ok(shards.largestResult < 400, `a shard's result is ${shards.largestResult} bytes`);

    // The same window in one activity: the config (re-read per activity) without the setting.
    const config = parse(readFileSync(ws.configPath, 'utf8')) as { models: Record<string, unknown>[] };
    delete config.models[0]!.evaluation;
    writeFileSync(ws.configPath, stringify(config));
    const single = t.client.workflow.getHandle(
      (await t.client.workflow.start(evaluateModel, { taskQueue, workflowId: `evaluate-${modelId}-single`, args: [{ modelId, windowEnd: WINDOW_END }] }))
        .workflowId,
    );
    const singleResult: EvaluateModelResult = await single.result();
    assert.deepEqual(
      [...(await activityRuns(single)).keys()].filter((k) => /Shard|Snapshot/.test(k)),
      ['evaluateSnapshot'],
    );
    assert.equal(singleResult.snapshot.sha256, shardedResult.snapshot.sha256);
    const [a, b] = [reportOf(shardedResult), reportOf(singleResult)];
    assert.ok(a.evaluation.confidence && a.evaluation.metrics, 'the interval and the metrics are compared');
    assert.deepEqual(a.evaluation, b.evaluation);
    assert.deepEqual(a.verdict, b.verdict);
  });
});
