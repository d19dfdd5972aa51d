import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { readChain } from '../../engine/audit/chain.js';
import { exportClosedHistories, historyKeyOf } from '../../engine/audit/histories.js';
import { recordScheduleChange } from '../../engine/audit/schedule-entries.js';
import { loadConfig } from '../../engine/config/load.js';
import { createFileStore } from '../../engine/store/file-store.js';
import type { TemporalPort } from '../../engine/ports.js';
import { decideUpdate, maintenanceStatusQuery, retrainWorkflowId, type RetrainModelResult } from '../../workflows/definitions.js';
import { evaluateModel } from '../../workflows/index.js';
import { auditSyncChanges } from '../../workers/schedule-audit.js';
import { syncSchedules } from '../../workers/schedules.js';
import { createTemporalPort } from '../../workers/temporal-port.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { APPROVER, createDemoWorkspace, OWNER, type DemoWorkspace } from '../helpers/demo-workspace.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { waitFor } from '../helpers/wait.js';

const CLI = fileURLToPath(new URL('../../bin/upkeep.mjs', import.meta.url));
const WINDOW_END = '2026-11-20T06:00:00.000Z';

/** The CLI with no Temporal server reachable: what it prints comes from the store alone. */
function upkeep(ws: DemoWorkspace, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args, '--config', ws.configPath], {
    encoding: 'utf8',
    env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1', HOME: '/nonexistent' },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the audit trail: a hash-chained trail per model, exported histories, who-was-watching', function () {
  this.timeout(240_000);
  let ws: DemoWorkspace | undefined;
  afterEach(() => ws?.remove());

  it('records a whole retrain loop in order, answers who was watching at three instants from the store alone, also after the server lost the histories', async function () {
    const t = await testTemporal();
    const modelId = uniqueModelId('audit');
    const taskQueue = uniqueTaskQueue('audit');
    ws = createDemoWorkspace({ modelId, end: new Date('2026-11-21T06:00:00Z'), days: 12, drifted: true });
    const store = createFileStore(ws.storeDir);
    const config = await loadConfig(ws.configPath);
    const kinds = async (): Promise<string[]> => (await readChain(store, modelId)).map((c) => c.entry.kind);
    const settled = (probe: (k: string[]) => boolean) =>
      waitFor('the audit chain', async () => (probe(await kinds()) ? true : undefined), { timeoutMs: 60_000, intervalMs: 200 });

    // The schedule is created by a sync, as `npm start` and `schedules sync` do.
    const all = createTemporalPort(t.client);
    const mine: TemporalPort = { ...all, listWorkflows: (q, n) => all.listWorkflows(`${q} AND UpkeepModelId = '${modelId}'`, n) };
    const changes = await syncSchedules(t.client, config, { taskQueue, configName: 'upkeep.yaml' });
    await auditSyncChanges(store, config, changes, 'platform-bot');
    const schedule = t.client.schedule.getHandle(`upkeep-evaluate-${modelId}`);

    const { worker, engine } = await createUpkeepWorker({
      connection: t.connection,
      client: t.client,
      namespace: 'default',
      taskQueue,
      configPath: ws.configPath,
      workflowBundle: t.bundle,
      scratchDir: ws.dir,
      log: () => {},
    });
    let pending = new Date(0);
    try {
      await worker.runUntil(async () => {
        const first = await t.client.workflow.execute(evaluateModel, {
          taskQueue,
          workflowId: `audit-eval-${modelId}`,
          args: [{ modelId, windowEnd: WINDOW_END }],
        });
        assert.equal(first.verdict.status, 'degraded');
        const handle = t.client.workflow.getHandle(retrainWorkflowId(modelId));
        await waitFor('the retrain gate', async () => ((await handle.query(maintenanceStatusQuery).catch(() => undefined))?.gate ? true : undefined), {
          timeoutMs: 60_000,
          intervalMs: 200,
        });
        await settled((k) => k.includes('approval-requested') && k.filter((x) => x === 'notified').length >= 2);
        pending = new Date();
        await new Promise((r) => setTimeout(r, 20));

        await handle.executeUpdate(decideUpdate, { args: [{ gate: 'retrain', decision: 'approve', approver: OWNER }] });
        await waitFor('the promotion gate', async () => ((await handle.query(maintenanceStatusQuery)).gate?.gate === 'promote' ? true : undefined), {
          timeoutMs: 90_000,
          intervalMs: 250,
        });
        await handle.executeUpdate(decideUpdate, {
          args: [{ gate: 'promote', decision: 'approve', approver: APPROVER, comment: 'holdout AUC is clearly better' }],
        });
        const result: RetrainModelResult = await handle.result();
        assert.equal(result.outcome, 'promoted');
        await settled((k) => k.includes('promoted'));

        // The hourly export, as its schedule runs it on a worker (it copies every closed run of the server).
        await waitFor('closed runs listed', async () => ((await mine.listWorkflows("ExecutionStatus != 'Running'", 10)).length >= 2 ? true : undefined), {
          timeoutMs: 30_000,
          intervalMs: 500,
        });
        const run = await t.client.workflow.execute('exportHistories', { taskQueue, workflowId: `audit-export-${modelId}`, args: [] });
        assert.ok((run as { exported: number }).exported >= 2, JSON.stringify(run));
      });
    } finally {
      await engine.close();
    }
    const promoted = new Date();
    await new Promise((r) => setTimeout(r, 20));
    await schedule.pause('holiday freeze');
    await recordScheduleChange(store, {
      modelId,
      change: 'pause',
      paused: true,
      summary: 'schedule paused: holiday freeze',
      actor: 'platform-bot',
      note: 'holiday freeze',
    });
    const paused = new Date();

    // The chain: every entry in the order it happened, each citing its workflow, run and event.
    const chain = await readChain(store, modelId);
    const retrainRun = chain.filter((c) => c.entry.workflowId === retrainWorkflowId(modelId) && c.entry.kind !== 'notified').map((c) => c.entry.kind);
    assert.deepEqual(retrainRun, ['retrain-requested', 'approval-requested', 'decision', 'trained', 'compared', 'approval-requested', 'decision', 'promoted']);
    assert.deepEqual(
      chain.map((c) => c.seq),
      chain.map((_, i) => i + 1),
    );
    const evaluation = chain.find((c) => c.entry.kind === 'evaluation')!.entry;
    assert.equal(evaluation.details?.verdict, 'degraded');
    assert.match(String((evaluation.details?.config as { sha256: string }).sha256), /^[0-9a-f]{64}$/);
    assert.match(String((evaluation.details?.snapshot as { sha256: string }).sha256), /^[0-9a-f]{64}$/);
    for (const { entry } of chain.filter((c) => c.entry.workflowId && c.entry.kind !== 'schedule')) {
      assert.ok(entry.runId && entry.event! > 0, `${entry.kind} ${entry.id} names its run and history event`);
    }
    const verified = upkeep(ws, ['audit', 'verify', modelId]);
    assert.equal(verified.status, 0, verified.stderr);
    assert.match(
      verified.stdout,
      new RegExp(`the audit trail of ${modelId} is intact: ${chain.length} entries, \\d+ cited objects re-hashed, registry and trail agree`),
    );
    // Each request records the keys in force (none here): what its decisions are checked against later.
    for (const c of chain.filter((x) => x.entry.kind === 'approval-requested')) assert.deepEqual(c.entry.details?.keys, { people: {}, authenticators: {} });

    // Closed histories are in the store; each entry's event is a workflow task of its run.
    const again = await exportClosedHistories({ store, temporal: mine });
    assert.equal(again.exported, 0, 'a second export copies nothing again');
    const runs = await mine.listWorkflows("ExecutionStatus != 'Running'", 50);
    for (const { entry } of chain.filter((c) => c.entry.runId && c.entry.kind !== 'notified')) {
      const run = runs.find((r) => r.runId === entry.runId);
      assert.ok(run, `the run of ${entry.kind} was listed`);
      const history = historyFromJSON(JSON.parse(readFileSync(path.join(ws.storeDir, historyKeyOf(run)), 'utf8')));
      const event = history.events!.find((e) => Number(e.eventId) === entry.event);
      assert.ok(event?.workflowTaskStartedEventAttributes, `${entry.kind}: event ${entry.event} of ${run.workflowId} is a workflow task`);
    }

    const who = (at: Date) => {
      const r = upkeep(ws!, ['who-was-watching', modelId, '--at', at.toISOString(), '--format', 'json']);
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout);
    };
    const check = () => {
      const a = who(pending);
      assert.deepEqual([a.inForce.owner, a.inForce.approvers], [OWNER, [APPROVER]]);
      assert.equal(a.lastEvaluation.verdict, 'degraded');
      assert.equal(a.lastEvaluation.windowEnd, WINDOW_END);
      assert.deepEqual(
        a.openAlerts.map((x: { kind: string }) => x.kind),
        ['verdict'],
      );
      assert.deepEqual(
        a.pendingApprovals.map((p: { gate: string; approvers: string[] }) => [p.gate, p.approvers]),
        [['retrain', [OWNER, APPROVER]]],
      );
      assert.ok(
        a.notified.some((n: { kind: string; to: string[] }) => n.kind === 'approval-requested' && n.to.includes(OWNER)),
        JSON.stringify(a.notified),
      );
      assert.ok(a.notified.some((n: { kind: string }) => n.kind === 'degraded'));
      assert.deepEqual([a.schedule.state, a.schedule.actor], ['active', 'platform-bot']);
      assert.deepEqual(a.decisions, []);

      const b = who(promoted);
      assert.deepEqual(b.pendingApprovals, []);
      assert.deepEqual(
        b.decisions.map((d: { gate: string; approver: string }) => [d.gate, d.approver]),
        [
          ['promote', APPROVER],
          ['retrain', OWNER],
        ],
      );
      assert.equal(b.decisions[0].comment, 'holdout AUC is clearly better');
      assert.equal(b.schedule.state, 'active');

      const c = who(paused);
      assert.deepEqual([c.schedule.state, c.schedule.note], ['paused', 'holiday freeze']);
      return [a, b, c];
    };
    const before = check();

    // The server forgets the runs (as after its retention period): the answers do not change.
    for (const run of runs)
      await t.client.workflowService.deleteWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId: run.workflowId, runId: run.runId } });
    await waitFor('the histories deleted', async () => ((await mine.listWorkflows("ExecutionStatus != 'Running'", 10)).length === 0 ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    assert.deepEqual(check(), before);

    const md = upkeep(ws, ['audit', modelId, '--since', pending.toISOString()]);
    assert.equal(md.status, 0, md.stderr);
    assert.match(md.stdout, /\| decision \| ml-lead@example.com \| .*approved promote/);
    assert.doesNotMatch(md.stdout, /\| evaluation \|/, '--since leaves out what came before');

    // Tampering: the promotion's approval reworded.
    const decision = chain.filter((c) => c.entry.kind === 'decision').at(-1)!;
    const file = path.join(ws.storeDir, decision.uri.slice(`file://${ws.storeDir}/`.length));
    writeFileSync(file, readFileSync(file, 'utf8').replace('clearly better', 'fine, I guess'));
    const broken = upkeep(ws, ['audit', 'verify', modelId]);
    assert.equal(broken.status, 1);
    assert.match(broken.stderr, new RegExp(`link ${decision.seq}: entry ${decision.entry.id} .* was altered`));
  });
});
