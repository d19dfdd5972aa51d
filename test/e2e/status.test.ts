import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { retrainWorkflowId, type EvaluateModelResult } from '../../workflows/definitions.js';
import { evaluateModel } from '../../workflows/index.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import type { FleetStatus } from '../../cli/status/types.js';
import { atStage } from '../helpers/decision.js';
import { APPROVER, createDemoWorkspace, demoModel, OWNER, type DemoWorkspace } from '../helpers/demo-workspace.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';

const CLI = fileURLToPath(new URL('../../bin/upkeep.mjs', import.meta.url));
const run = promisify(execFile);
const WINDOW_END = '2026-11-20T06:00:00.000Z';
const NEXT_WINDOW_END = '2026-11-21T06:00:00.000Z';

/** The CLI in a child process (asynchronously: the worker of this process must keep answering). */
async function upkeep(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [CLI, ...args], { env: { ...process.env, HOME: '/nonexistent', ...env }, timeout: 90_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

describe('fleet status and backfill progress on a real server', function () {
  this.timeout(240_000);
  let ws: DemoWorkspace | undefined;
  afterEach(() => ws?.remove());

  it('shows an evaluated model and one waiting for a retrain approval; the store alone answers when the server is gone', async () => {
    const t = await testTemporal();
    const evaluated = uniqueModelId('status-eval');
    const waiting = uniqueModelId('status-wait');
    const taskQueue = uniqueTaskQueue('status');
    ws = createDemoWorkspace({ modelId: evaluated, end: new Date(NEXT_WINDOW_END), days: 6, drifted: false });
    // The second model shares the data and the artifact.
    const config = parse(readFileSync(ws.configPath, 'utf8')) as { models: unknown[] };
    config.models.push(demoModel(waiting));
    writeFileSync(ws.configPath, stringify(config));
    const env = { TEMPORAL_ADDRESS: t.address, UPKEEP_TASK_QUEUE: taskQueue, UPKEEP_CONFIG: ws.configPath, UPKEEP_STATE_DIR: ws.dir };

    const { worker, engine } = await createUpkeepWorker({
      connection: t.connection,
      namespace: 'default',
      taskQueue,
      configPath: ws.configPath,
      workflowBundle: t.bundle,
      scratchDir: ws.dir,
      log: () => {},
    });
    try {
      await worker.runUntil(async () => {
        // Piped, the sync prints its result and not a byte of progress.
        const sync = await upkeep(['schedules', 'sync'], env);
        assert.equal(sync.code, 0, sync.stderr);
        assert.equal(sync.stderr, '');
        assert.match(sync.stdout, new RegExp(`\\+ upkeep-evaluate-${evaluated}\\s+create`));

        for (const windowEnd of [WINDOW_END, NEXT_WINDOW_END]) {
          const r: EvaluateModelResult = await t.client.workflow.execute(evaluateModel, {
            taskQueue,
            workflowId: `evaluate-${evaluated}-${windowEnd.slice(0, 10)}`,
            args: [{ modelId: evaluated, windowEnd }],
          });
          assert.equal(r.verdict.status, 'healthy', r.verdict.reasons.join('; '));
        }
        const retrain = await upkeep(['retrain', waiting, '--reason', 'labels were late all week', '--as', OWNER], env);
        assert.equal(retrain.code, 0, retrain.stderr);
        const pending = await atStage(t.client.workflow.getHandle(retrainWorkflowId(waiting)), 'awaiting-retrain-approval');

        const json = await upkeep(['status', '--format', 'json'], env);
        assert.equal(json.code, 0, json.stderr);
        const status = JSON.parse(json.stdout) as FleetStatus;
        assert.equal(status.server.reachable, true);
        assert.deepEqual(
          status.models.map((m) => m.id),
          [evaluated, waiting],
        );
        const [a, b] = status.models;

        // The evaluated model: the verdict and metric of its newest window, against the one before.
        assert.equal(a!.owner, OWNER);
        assert.deepEqual(a!.approvers, [APPROVER]);
        assert.equal(a!.lastEvaluation?.windowEnd, NEXT_WINDOW_END);
        assert.equal(a!.lastEvaluation?.verdict, 'healthy');
        assert.equal(a!.lastEvaluation?.metric, 'roc_auc');
        assert.ok(typeof a!.lastEvaluation?.value === 'number' && a!.lastEvaluation.value > 0.72, String(a!.lastEvaluation?.value));
        assert.equal(a!.recent.length, 2);
        assert.equal(a!.lastEvaluation?.trend.previous, a!.recent[0]!.value);
        assert.notEqual(a!.lastEvaluation?.trend.direction, 'unknown');
        assert.deepEqual(a!.champion, { version: a!.lastEvaluation!.version, source: 'config' });
        assert.match(a!.champion!.version, /^[0-9a-f]{12}$/);
        // Past windows, but evaluated a moment ago: someone is watching.
        assert.equal(a!.staleness.state, 'fresh');
        assert.ok(Date.now() - Date.parse(a!.staleness.lastLookedAt!) < 120_000, a!.staleness.lastLookedAt ?? 'null');
        assert.equal(a!.scheduleState?.state, 'active');
        assert.ok(Date.parse(a!.scheduleState!.nextRun!) > Date.now() - 60_000, a!.scheduleState?.nextRun);
        assert.match(a!.scheduleState!.nextRun!, /T06:00:00\.000Z$/, 'the cron 0 6 * * * in UTC');
        assert.deepEqual(a!.pendingApprovals, []);
        assert.deepEqual(a!.unknown, []);

        // The waiting model: its retrain gate, since when, how long it waits, who decides.
        assert.equal(b!.lastEvaluation, null);
        assert.equal(b!.champion, null);
        assert.deepEqual(b!.unknown, ['champion']);
        assert.equal(b!.staleness.state, 'never');
        assert.equal(b!.pendingApprovals?.length, 1);
        const gate = b!.pendingApprovals![0]!;
        assert.equal(gate.gate, 'retrain');
        assert.equal(gate.kind, 'retrain');
        assert.equal(gate.workflowId, retrainWorkflowId(waiting));
        assert.equal(gate.since, pending.gate!.openedAt);
        assert.equal(gate.expiresAt, pending.gate!.expiresAt);
        assert.deepEqual(gate.approvers, [OWNER, APPROVER]);
        assert.ok(gate.waitingMs >= 0 && gate.waitingMs < 120_000, String(gate.waitingMs));
        assert.equal(gate.overdue, false);
        assert.deepEqual(
          b!.maintenance?.map((m) => m.stage),
          ['awaiting-retrain-approval'],
        );
        assert.equal(status.totals.pendingApprovals, 1);

        // The table names both, with the verdict of one and the gate of the other.
        const table = await upkeep(['status'], env);
        assert.equal(table.code, 0, table.stderr);
        const lines = table.stdout.split('\n');
        assert.match(lines[0]!, /^model\s+owner\s+champion/);
        assert.match(lines.find((l) => l.startsWith(evaluated)) ?? '', /healthy\s+roc_auc 0\.\d{4} [↑↓→]/);
        assert.match(lines.find((l) => l.startsWith(waiting)) ?? '', /never\s+.*retrain \d+s$/);

        const detail = await upkeep(['status', waiting], env);
        assert.equal(detail.code, 0, detail.stderr);
        assert.match(
          detail.stdout,
          new RegExp(`approval:\\s+retrain \\(retrain ${retrainWorkflowId(waiting)}\\) waiting \\d+s since ${pending.gate!.openedAt.replace(/\./g, '\\.')}`),
        );

        const unknown = await upkeep(['status', 'no-such-model'], env);
        assert.equal(unknown.code, 2);
        assert.match(unknown.stderr, /^upkeep: no model no-such-model in upkeep\.yaml \(models: /);

        // No server at the address (as when it is stopped): the store answers, the server's columns are unknown.
        const offline = await upkeep(['status', '--format', 'json'], { ...env, TEMPORAL_ADDRESS: '127.0.0.1:1' });
        assert.equal(offline.code, 0, offline.stderr);
        const alone = JSON.parse(offline.stdout) as FleetStatus;
        assert.equal(alone.server.reachable, false);
        assert.match(alone.server.note ?? '', /^cannot reach Temporal at 127\.0\.0\.1:1 \(.+\): schedules, next runs and pending approvals are unknown$/);
        assert.equal(alone.models[0]!.lastEvaluation?.verdict, 'healthy');
        assert.equal(alone.models[0]!.lastEvaluation?.value, a!.lastEvaluation?.value);
        assert.equal(alone.models[0]!.scheduleState, null);
        assert.equal(alone.models[1]!.pendingApprovals, null);
        // (never evaluated and nothing promoted: the config's version is not known yet either)
        assert.deepEqual(alone.models[1]!.unknown, ['scheduleState', 'pendingApprovals', 'maintenance', 'champion']);
        const offlineTable = await upkeep(['status'], { ...env, TEMPORAL_ADDRESS: '127.0.0.1:1' });
        assert.equal(offlineTable.code, 0, offlineTable.stderr);
        assert.match(offlineTable.stdout, /^note: cannot reach Temporal at 127\.0\.0\.1:1 /m);
        assert.ok(offlineTable.stdout.includes(evaluated) && offlineTable.stdout.includes(waiting));

        // A paused schedule: its note, and no next run.
        assert.equal((await upkeep(['schedules', 'pause', evaluated, '--note', 'labels are late this week'], env)).code, 0);
        const paused = JSON.parse((await upkeep(['status', evaluated, '--format', 'json'], env)).stdout) as FleetStatus;
        assert.deepEqual(paused.models[0]!.scheduleState, { scheduleId: `upkeep-evaluate-${evaluated}`, state: 'paused', note: 'labels are late this week' });
      });
      // The worker has stopped: the request's status query goes unanswered, and the model says so.
      const noWorker = await upkeep(['status', '--format', 'json'], env);
      assert.equal(noWorker.code, 0, noWorker.stderr);
      const [a, b] = (JSON.parse(noWorker.stdout) as FleetStatus).models;
      assert.equal(a!.scheduleState?.state, 'paused');
      assert.equal(b!.pendingApprovals, null);
      assert.deepEqual(b!.unknown, ['pendingApprovals', 'maintenance', 'champion']);
      assert.match(b!.problems[0]!, new RegExp(`^${retrainWorkflowId(waiting)}: status unavailable: no worker answered the status query`));
      await t.client.workflow.getHandle(retrainWorkflowId(waiting)).terminate('test over');
    } finally {
      await engine.close();
      for (const id of [evaluated, waiting])
        await t.client.schedule
          .getHandle(`upkeep-evaluate-${id}`)
          .delete()
          .catch(() => {});
    }
  });

  it('backfills past windows and, with --wait, waits for their evaluations; piped, without progress bytes', async () => {
    const t = await testTemporal();
    const modelId = uniqueModelId('backfill');
    const taskQueue = uniqueTaskQueue('backfill');
    ws = createDemoWorkspace({ modelId, end: new Date(NEXT_WINDOW_END), days: 6, drifted: false });
    const env = { TEMPORAL_ADDRESS: t.address, UPKEEP_TASK_QUEUE: taskQueue, UPKEEP_CONFIG: ws.configPath, UPKEEP_STATE_DIR: ws.dir };
    const { worker, engine } = await createUpkeepWorker({
      connection: t.connection,
      namespace: 'default',
      taskQueue,
      configPath: ws.configPath,
      workflowBundle: t.bundle,
      scratchDir: ws.dir,
      log: () => {},
    });
    try {
      await worker.runUntil(async () => {
        assert.equal((await upkeep(['schedules', 'sync'], env)).code, 0);
        // The daily 06:00 runs of 19 and 20 November.
        const r = await upkeep(['schedules', 'backfill', modelId, '--from', '2026-11-19', '--to', '2026-11-21', '--wait'], env);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, '');
        assert.equal(
          r.stdout,
          `backfilling upkeep-evaluate-${modelId} from 2026-11-19T00:00:00.000Z to 2026-11-21T00:00:00.000Z: 2 windows\nbackfill of upkeep-evaluate-${modelId} done: 2 healthy\n`,
        );
        const status = JSON.parse((await upkeep(['status', modelId, '--format', 'json'], env)).stdout) as FleetStatus;
        assert.deepEqual(
          status.models[0]!.recent.map((p) => p.windowEnd),
          ['2026-11-19T06:00:00.000Z', '2026-11-20T06:00:00.000Z'],
        );
        // Both ends on a scheduled time: the server's backfill takes [from, to] and its matching
        // times (from, to]; the windows announced are those started and counted, [from, to).
        const edges = await upkeep(['schedules', 'backfill', modelId, '--from', '2026-11-19T06:00:00Z', '--to', '2026-11-21T06:00:00Z', '--wait'], env);
        assert.equal(edges.code, 0, edges.stderr);
        assert.equal(
          edges.stdout,
          `backfilling upkeep-evaluate-${modelId} from 2026-11-19T06:00:00.000Z to 2026-11-21T06:00:00.000Z: 2 windows\nbackfill of upkeep-evaluate-${modelId} done: 2 healthy\n`,
        );
      });
    } finally {
      await engine.close();
      await t.client.schedule
        .getHandle(`upkeep-evaluate-${modelId}`)
        .delete()
        .catch(() => {});
    }
  });
});
