/**
 * Training on its own task queue with its own slots: while a slow trainer runs, an evaluation
 * started afterwards still completes, both in one worker process with one slot of each kind and
 * with an evaluation-only process next to a training-only one (the trainer runs in the latter).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { maintenanceStatusQuery, retrainWorkflowId, trainingTaskQueue, type EvaluateModelResult } from '../../workflows/definitions.js';
import type { MaintenanceStatus } from '../../domain/maintenance.js';
import { evaluateModel } from '../../workflows/index.js';
import { createSlowTrainerWorkspace, OWNER, type DemoWorkspace } from '../helpers/demo-workspace.js';
import { decide } from '../helpers/decision.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { waitFor } from '../helpers/wait.js';
import { startWorkerProcess, workflowBundleFile, type WorkerProcess } from '../helpers/worker-processes.js';

const WINDOW_END = '2026-11-20T06:00:00.000Z';
const NEXT_WINDOW_END = '2026-11-21T06:00:00.000Z';
/** An evaluation of the demo window takes seconds; waiting for a training's slot would take until release. */
const EVALUATION_WAIT_MS = 60_000;

/** The task queue each activity type was scheduled on, from a workflow's history. */
async function queuesOf(handle: WorkflowHandle): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of (await handle.fetchHistory()).events ?? []) {
    const a = e.activityTaskScheduledEventAttributes;
    if (a) out[a.activityType?.name ?? '?'] = a.taskQueue?.name ?? '?';
  }
  return out;
}

describe('task queues: training never holds an evaluation slot', function () {
  this.timeout(300_000);
  const workspaces: DemoWorkspace[] = [];
  const workers: WorkerProcess[] = [];
  before(async function () {
    await workflowBundleFile();
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill()));
    for (const ws of workspaces.splice(0)) ws.remove();
  });

  const scenario = async (name: string, layout: Record<string, string>[]): Promise<void> => {
    const t = await testTemporal();
    const modelId = uniqueModelId(`queues-${name}`);
    const taskQueue = uniqueTaskQueue(`queues-${name}`);
    // Records the worker process it runs under, then trains until the test writes `release`.
    const ws = await createSlowTrainerWorkspace(modelId, {
      end: new Date(NEXT_WINDOW_END),
      timeout: '5m',
      trainer:
        "import { appendFileSync, copyFileSync, existsSync } from 'node:fs';\nappendFileSync('starts.txt', `${process.ppid}\\n`);\nconst t = setInterval(() => { if (!existsSync('release')) return; clearInterval(t); copyFileSync('good.onnx', process.argv[2]); appendFileSync('finishes.txt', 'done\\n'); }, 200);\n",
    });
    workspaces.push(ws);
    const started = await Promise.all(
      layout.map((env) => startWorkerProcess({ address: t.address, taskQueue, configPath: ws.configPath, scratchDir: ws.dir, env })),
    );
    workers.push(...started);
    await Promise.all(started.map((w) => w.ready));

    await t.client.workflow.execute(evaluateModel, { taskQueue, workflowId: `evaluate-${modelId}`, args: [{ modelId, windowEnd: WINDOW_END }] });
    const retrain = t.client.workflow.getHandle(retrainWorkflowId(modelId));
    await waitFor('the retrain gate', async () => ((await retrain.query(maintenanceStatusQuery)) as MaintenanceStatus).gate, {
      timeoutMs: 60_000,
      ignoreErrors: true,
    });
    await decide(retrain, { gate: 'retrain', decision: 'approve', approver: OWNER });
    const starts = path.join(ws.dir, 'starts.txt');
    await waitFor('training to start', () => (existsSync(starts) ? true : undefined), { timeoutMs: 90_000 });

    // Every evaluation slot is free although a training runs: the evaluation does not wait for it.
    const t0 = Date.now();
    const evaluation = await t.client.workflow.start(evaluateModel, {
      taskQueue,
      workflowId: `evaluate-${modelId}-next`,
      args: [{ modelId, windowEnd: NEXT_WINDOW_END }],
    });
    const result = await Promise.race([evaluation.result() as Promise<EvaluateModelResult>, new Promise<undefined>((r) => setTimeout(r, EVALUATION_WAIT_MS))]);
    assert.ok(result, `${name}: the evaluation did not finish within ${EVALUATION_WAIT_MS / 1000} s while training ran`);
    assert.equal(result.windowEnd, NEXT_WINDOW_END);
    assert.equal(existsSync(path.join(ws.dir, 'finishes.txt')), false, `${name}: training had finished already`);
    const pending = (await retrain.describe()).raw.pendingActivities ?? [];
    assert.deepEqual(
      pending.map((p) => p.activityType?.name),
      ['trainCandidate'],
      `${name}: training still runs`,
    );
    console.log(`      ${name}: the evaluation took ${((Date.now() - t0) / 1000).toFixed(1)} s while training ran`);

    assert.equal((await queuesOf(retrain)).trainCandidate, trainingTaskQueue(taskQueue));
    assert.equal((await queuesOf(evaluation)).evaluateSnapshot, taskQueue);
    // The trainer ran under the process that polls the training queue.
    const trainer = started[layout.findIndex((env) => env.UPKEEP_WORKER_QUEUES !== 'evaluation')]!;
    assert.deepEqual(readFileSync(starts, 'utf8').trim().split('\n'), [String(trainer.child.pid)]);

    writeFileSync(path.join(ws.dir, 'release'), '');
    const status = await waitFor(
      'the comparison after training',
      async () => {
        const s: MaintenanceStatus = await retrain.query(maintenanceStatusQuery);
        return s.stage === 'awaiting-promotion-approval' && s.gate ? s : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500, ignoreErrors: true },
    );
    assert.ok(status.candidate, `${name}: a candidate was trained`);
    await retrain.terminate('test over');
  };

  it('one process, one evaluation slot and one training slot: the evaluation completes while the trainer runs', async function () {
    await scenario('one', [{ UPKEEP_EVALUATION_SLOTS: '1', UPKEEP_TRAINING_SLOTS: '1' }]);
  });

  it('an evaluation-only process and a training-only process: the trainer runs in the training one', async function () {
    await scenario('two', [
      { UPKEEP_WORKER_QUEUES: 'evaluation', UPKEEP_EVALUATION_SLOTS: '1' },
      { UPKEEP_WORKER_QUEUES: 'training', UPKEEP_TRAINING_SLOTS: '1' },
    ]);
  });
});
