/**
 * The worker killed (SIGKILL) mid-activity and started again: Temporal retries the activity on the
 * new worker once the old attempt times out, and every write is idempotent, so a window gets
 * exactly one report and one audit entry, and a retrain run exactly one new version.
 *
 * The workers run upkeep's workflows bundled with a heartbeat timeout of 5 s on every activity and
 * beat every second (fastFailover of startWorkerProcess): the server notices the killed worker
 * seconds after the kill rather than after the production timeouts of a minute, which only made
 * the file wait. What happens after the kill is the same: the attempt times out on the server and
 * is retried on the next worker.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { createFileStore } from '../../engine/store/file-store.js';
import { createRegistry } from '../../engine/registry/registry.js';
import { readAuditTrail } from '../../engine/audit/read.js';
import { retrainWorkflowId, type EvaluateModelResult, type RetrainModelResult } from '../../workflows/definitions.js';
import { evaluateModel } from '../../workflows/index.js';
import { createDemoWorkspace, createSlowTrainerWorkspace, OWNER, type DemoWorkspace } from '../helpers/demo-workspace.js';
import { atStage, decide } from '../helpers/decision.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { waitFor } from '../helpers/wait.js';
import { fastFailoverBundleFile, startWorkerProcess, type WorkerProcess } from '../helpers/worker-processes.js';

const WINDOW_END = '2026-11-20T06:00:00.000Z';
const NEXT_WINDOW_END = '2026-11-21T06:00:00.000Z';
/** A killed attempt is retried 5 s after its last heartbeat (plus the retry's backoff); the rest is slack for a loaded machine. */
const RETRY_WAIT_MS = 150_000;

/** Waits for a worker process that was told to kill itself to be dead by SIGKILL. */
async function killedItself(w: WorkerProcess, what: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const exit = await Promise.race([w.exited, new Promise<undefined>((r) => (timer = setTimeout(r, 90_000) as unknown as typeof timer))]);
  clearTimeout(timer); // else it keeps a standalone mocha run waiting after the last test
  assert.ok(exit, `the worker was not killed ${what}:\n${w.output().slice(-2000)}`);
  assert.equal(exit.signal, 'SIGKILL', w.output());
  assert.match(w.output(), /killed at/);
}

/** The activity types that ran more than one attempt, from the workflow's history. */
async function retriedActivities(handle: WorkflowHandle): Promise<string[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  const types = new Map<string, string>();
  for (const e of events)
    if (e.activityTaskScheduledEventAttributes) types.set(String(e.eventId), e.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
  const retried = events.filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
  return [...new Set(retried.map((e) => types.get(String(e.activityTaskStartedEventAttributes!.scheduledEventId)) ?? '?'))];
}

/** Waits for all (none is left running into the next test), then fails with every failure. */
async function allOf(runs: Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(runs)).flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  if (failed.length === 1) throw failed[0];
  if (failed.length > 1) throw new Error(failed.map((e) => `${e.message}${e.cause instanceof Error ? `: ${e.cause.message}` : ''}`).join('\n---\n'));
}

describe('faults: the worker killed and restarted', function () {
  this.timeout(300_000);
  const workspaces: DemoWorkspace[] = [];
  const workers: WorkerProcess[] = [];
  before(async function () {
    await fastFailoverBundleFile();
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill()));
    for (const ws of workspaces.splice(0)) ws.remove();
  });

  it('mid-evaluation, after the report is written, after the audit entry is written: one report and one audit entry for the window', async function () {
    const t = await testTemporal();
    const scenario = async (name: string, killAt: string, retried: string) => {
      const modelId = uniqueModelId(`kill-${name}`);
      const taskQueue = uniqueTaskQueue(`kill-${name}`);
      const ws = createDemoWorkspace({ modelId, end: new Date(WINDOW_END), days: 4, drifted: false });
      workspaces.push(ws);
      const opts = { address: t.address, taskQueue, configPath: ws.configPath, scratchDir: ws.dir, fastFailover: true };
      // The worker that takes over starts beside the doomed one and polls once it is dead.
      const [doomed, restarted] = await Promise.all([startWorkerProcess({ ...opts, killAt }), startWorkerProcess({ ...opts, held: true })]);
      workers.push(doomed, restarted);
      await doomed.ready;
      const handle = await t.client.workflow.start(evaluateModel, { taskQueue, workflowId: `evaluate-${modelId}`, args: [{ modelId, windowEnd: WINDOW_END }] });
      await killedItself(doomed, `at ${killAt}`);
      restarted.release();
      await restarted.ready;
      const result: EvaluateModelResult = await handle.result();

      const reports = readdirSync(path.join(ws.storeDir, 'reports', modelId)).sort();
      assert.deepEqual(
        reports.map((f) => path.extname(f)),
        ['.html', '.json', '.md'],
        `${name}: ${reports.join(', ')}`,
      );
      assert.equal(result.report.jsonUri.endsWith(reports[1]!), true);
      const report = JSON.parse(readFileSync(path.join(ws.storeDir, 'reports', modelId, reports[1]!), 'utf8'));
      assert.equal(report.verdict.status, result.verdict.status);
      const entries = (await readAuditTrail(createFileStore(ws.storeDir), modelId, { evaluations: true })).filter((e) => e.kind === 'evaluation');
      assert.equal(entries.length, 1, `${name}: ${entries.map((e) => e.summary).join('; ')}`);
      assert.equal(entries[0]!.details?.windowEnd, WINDOW_END);
      assert.deepEqual(await retriedActivities(handle), [retried], `${name}: the killed attempt was retried`);
    };
    // In parallel: each waits for the killed attempt to time out.
    await allOf([
      scenario('eval', 'read:/snapshots/.+/files/', 'evaluateSnapshot'),
      scenario('report', String.raw`put:^reports/.+\.json$`, 'writeReport'),
      scenario('log', 'put:^audit/.+/evaluations/', 'recordLedger'),
    ]);
  });

  it('during training, after the job is recorded, after the champion is swapped: exactly one new version, promoted once', async function () {
    const t = await testTemporal();
    /** `killAt` undefined: killed from outside while the trainer runs. */
    const scenario = async (name: string, killAt: string | undefined, retried: string, trainerStarts: number) => {
      const modelId = uniqueModelId(`kill-${name}`);
      const taskQueue = uniqueTaskQueue(`kill-${name}`);
      // Records each start, and each finish: a trainer left running by a dead worker would finish too.
      const ws = await createSlowTrainerWorkspace(modelId, {
        end: new Date(NEXT_WINDOW_END),
        timeout: '2m',
        trainer:
          "import { appendFileSync, copyFileSync } from 'node:fs';\nappendFileSync('starts.txt', `${process.pid}\\n`);\nsetTimeout(() => { copyFileSync('good.onnx', process.argv[2]); appendFileSync('finishes.txt', `${process.pid}\\n`); }, 4000);\n",
      });
      workspaces.push(ws);
      const opts = { address: t.address, taskQueue, configPath: ws.configPath, scratchDir: ws.dir, fastFailover: true };
      const [doomed, restarted] = await Promise.all([
        startWorkerProcess({ ...opts, ...(killAt ? { killAt } : {}) }),
        startWorkerProcess({ ...opts, held: true }),
      ]);
      workers.push(doomed, restarted);
      await doomed.ready;
      await t.client.workflow.execute(evaluateModel, { taskQueue, workflowId: `evaluate-${modelId}`, args: [{ modelId, windowEnd: WINDOW_END }] });
      const handle = t.client.workflow.getHandle(retrainWorkflowId(modelId));
      await atStage(handle, 'awaiting-retrain-approval', RETRY_WAIT_MS);
      await decide(handle, { gate: 'retrain', decision: 'approve', approver: OWNER });
      const starts = path.join(ws.dir, 'starts.txt');
      const restart = async (): Promise<void> => {
        if (killAt) {
          await killedItself(doomed, `at ${killAt}`);
        } else {
          await waitFor('training to start', () => (existsSync(starts) ? true : undefined), { timeoutMs: 90_000 });
          await doomed.kill();
        }
        restarted.release();
        await restarted.ready;
      };
      const promoting = retried === 'setChampion';
      if (!promoting) await restart();
      const status = await atStage(handle, 'awaiting-promotion-approval', RETRY_WAIT_MS);
      assert.equal(status.comparison!.recommended, true, status.comparison!.reason);
      await decide(handle, { gate: 'promote', decision: 'approve', approver: OWNER });
      if (promoting) await restart();
      const result: RetrainModelResult = await handle.result();
      assert.equal(result.outcome, 'promoted');
      assert.ok((await retriedActivities(handle)).includes(retried), `${name}: the killed ${retried} attempt was retried`);

      const registry = createRegistry(createFileStore(ws.storeDir));
      const retrained = (await registry.versions(modelId)).filter((v) => v.source === 'retrain');
      assert.equal(retrained.length, 1, `${name}: ${retrained.map((v) => v.version).join(', ')}`);
      const champion = (await registry.champion(modelId))!.pointer;
      assert.equal(champion.version, retrained[0]!.version);
      assert.equal(champion.generation, 1, `${name}: promoted once`);
      assert.deepEqual(
        (await registry.history(modelId)).map((h) => h.generation),
        [1],
        `${name}: one entry in the champion's history`,
      );
      assert.equal(readdirSync(path.join(ws.storeDir, 'registry', modelId, 'jobs')).filter((f) => f.endsWith('.json')).length, 1);
      const started = readFileSync(starts, 'utf8').trim().split('\n');
      // Killed after the job was recorded: the retry finds the record and does not train again.
      assert.equal(started.length, trainerStarts, `${name}: trainer starts`);
      const finished = readFileSync(path.join(ws.dir, 'finishes.txt'), 'utf8').trim().split('\n');
      assert.deepEqual(finished, [started.at(-1)], `${name}: only the last trainer ran to the end (the killed worker's trainer was stopped)`);
      await waitFor('the scratch folders removed', () => (readdirSync(ws.dir).some((f) => f.startsWith('upkeep-train-')) ? undefined : true), {
        timeoutMs: 30_000,
      });
    };
    await allOf([
      scenario('train', undefined, 'trainCandidate', 2),
      scenario('job', String.raw`put:^registry/.+/jobs/.+\.json$`, 'trainCandidate', 1),
      // The pointer is swapped (compare-and-swap), its history entry not yet written.
      scenario('promote', String.raw`put:^registry/[^/]+/champion\.json$`, 'setChampion', 1),
    ]);
  });
});
