import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../../engine/config/load.js';
import { readAuditTrail } from '../../engine/audit/read.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { auditEntryKey, watchdogFindingKey } from '../../engine/store/keys.js';
import { readWatchdogReport } from '../../engine/watchdog/findings.js';
import type { AuditEntry } from '../../domain/maintenance.js';
import {
  anchorTrailScheduleId,
  decideUpdate,
  evaluateScheduleId,
  exportHistoriesScheduleId,
  retrainWorkflowId,
  watchdogScheduleId,
} from '../../workflows/definitions.js';
import { evaluateModel, retrainModel, watchdog } from '../../workflows/index.js';
import type { WatchdogResult } from '../../workflows/watchdog.js';
import { findSystemSchedule, syncSchedules } from '../../workers/schedules.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { waitFor } from '../helpers/wait.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

const OWNER = 'owner@example.com';
const APPROVER = 'approver@example.com';
const PLATFORM = 'platform@example.com';
const D = 86_400_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the watchdog workflow on a real server', function () {
  this.timeout(180_000);
  let ws: Workspace | undefined;
  afterEach(() => ws?.remove());

  it('reports a stale model, a long-paused schedule and an overdue approval once each, tells their people once, and lets resolved findings go', async function () {
    const t = await testTemporal();
    const taskQueue = uniqueTaskQueue('watchdog');
    const stale = uniqueModelId('stale');
    const paused = uniqueModelId('paused');
    const waiting = uniqueModelId('waiting');
    ws = createWorkspace(stale, { owner: OWNER, approvers: [APPROVER] });
    const config = parse(readFileSync(ws.configPath, 'utf8')) as { models: Record<string, unknown>[] };
    const base = config.models[0]!;
    config.models.push(
      { ...base, id: paused, schedule: { every: '1d', paused: true } },
      // an approval request is overdue one second after it was asked for
      // (it names a trainer: a model without one is never asked about a retrain)
      { ...base, id: waiting, approval: { reminder_every: '1h', escalate_after: '1s', expire_after: '1d' }, retrain: { trainer: { type: 'builtin' } } },
    );
    writeFileSync(ws.configPath, stringify({ ...config, watchdog: { paused_longer_than: '1s', platform: [PLATFORM] } }));
    const store = createFileStore((await loadConfig(ws.configPath)).store);
    const logEntry = async (e: Omit<AuditEntry, 'id'>, id: string): Promise<void> => {
      await store.put(auditEntryKey({ ...e, id }), JSON.stringify({ ...e, id }));
    };
    // The stale model was last evaluated ten days ago (its schedule runs daily).
    await logEntry(
      { modelId: stale, at: new Date(Date.now() - 10 * D).toISOString(), kind: 'evaluation', summary: 'evaluated', details: { verdict: 'healthy' } },
      'old-evaluation',
    );

    const changes = await syncSchedules(t.client, await loadConfig(ws.configPath), { taskQueue });
    assert.deepEqual(
      changes.filter((c) => 'system' in c).map((c) => [c.kind, c.scheduleId]),
      [
        ['create', watchdogScheduleId(taskQueue)],
        ['create', exportHistoriesScheduleId(taskQueue)],
        ['create', anchorTrailScheduleId(taskQueue)],
      ],
      "the watchdog, the history export and the anchor have their own schedules, made with the models'",
    );
    assert.equal((await t.client.schedule.getHandle(evaluateScheduleId(paused)).describe()).state.paused, true);

    const lines: string[] = [];
    const { worker, engine } = await createUpkeepWorker({
      connection: t.connection,
      client: t.client,
      namespace: 'default',
      taskQueue,
      configPath: ws.configPath,
      workflowBundle: t.bundle,
      scratchDir: ws.dir,
      log: (l) => lines.push(l),
    });
    let runs = 0;
    const runWatchdog = (): Promise<WatchdogResult> =>
      t.client.workflow.execute(watchdog, { taskQueue, workflowId: `${watchdogScheduleId(taskQueue)}-test-${++runs}`, args: [] });
    const watchdogLines = (): string[] => lines.filter((l) => l.startsWith('[upkeep] watchdog '));
    const watchdogEntries = async (modelId: string): Promise<AuditEntry[]> => (await readAuditTrail(store, modelId)).filter((e) => e.kind === 'watchdog');
    const cardOf = (modelId: string): string => readFileSync(path.join(ws!.storeDir, 'cards', `${modelId}.md`), 'utf8');
    try {
      await worker.runUntil(async () => {
        const retrain = await t.client.workflow.start(retrainModel, {
          taskQueue,
          workflowId: retrainWorkflowId(waiting),
          args: [{ modelId: waiting, evidence: { source: 'manual', at: new Date().toISOString(), reason: 'a test asks', requestedBy: OWNER } }],
        });
        await waitFor(
          'the approval request',
          async () => ((await readAuditTrail(store, waiting)).some((e) => e.kind === 'approval-requested') ? true : undefined),
          { timeoutMs: 60_000, intervalMs: 200 },
        );
        await sleep(1500); // past the paused schedule's and the approval's allowances

        const first = await runWatchdog();
        const approvalKey = first.opened.find((k) => k.startsWith(`${waiting}/approval-retrain-`));
        assert.ok(approvalKey, `the overdue approval is found: ${first.opened.join(', ')}`);
        assert.deepEqual([...first.opened].sort(), [`${paused}/paused`, `${stale}/stale`, approvalKey].sort());
        assert.deepEqual(first.skipped, ['unknown people: no watchdog.directory configured'], 'with a server, only the directory check is skipped');

        // Each finding told once, to the owner, the approvers and the platform contacts.
        const told = watchdogLines();
        assert.equal(told.length, 3, told.join('\n'));
        for (const m of [stale, paused, waiting]) {
          const line = told.find((l) => l.startsWith(`[upkeep] watchdog ${m} `));
          assert.ok(line, `${m} told: ${told.join('\n')}`);
          assert.match(line, new RegExp(`→ ${OWNER}, ${APPROVER}, ${PLATFORM}: Watchdog: ${m}: `));
          const entries = await watchdogEntries(m);
          assert.equal(entries.length, 1);
          assert.match(entries[0]!.summary, /^found: /);
          assert.equal(entries[0]!.details!.state, 'open');
          assert.match(cardOf(m), /## Watchdog\n/);
        }
        assert.match(
          told.find((l) => l.includes(stale))!,
          /no evaluation has looked at it since .*more than 2d without one/,
        );
        assert.match(
          told.find((l) => l.includes(paused))!,
          /its evaluation schedule has been paused since .*\(paused in upkeep\.yaml\), longer than 1s/,
        );
        assert.match(
          told.find((l) => l.includes(waiting))!,
          /the retrain approval asked for at .* is still undecided, past its deadline \(escalate_after 1s\)/,
        );
        const report = (await readWatchdogReport(store))!;
        assert.deepEqual(report.findings.map((f) => `${f.modelId}/${f.key}`).sort(), [...first.opened].sort());
        assert.ok(report.findings.every((f) => f.notified.includes(PLATFORM)));

        // Again: the same findings are open, nothing is new, nobody is told again.
        const second = await runWatchdog();
        assert.deepEqual(second.opened, []);
        assert.equal(second.open, 3);
        assert.equal(watchdogLines().length, 3);
        for (const m of [stale, paused, waiting]) assert.equal((await watchdogEntries(m)).length, 1);
        assert.equal((await readWatchdogReport(store))!.findings.length, 3);

        // Resolve all three: a fresh evaluation, the schedule resumed, the request decided.
        await logEntry(
          { modelId: stale, at: new Date().toISOString(), kind: 'evaluation', summary: 'evaluated', details: { verdict: 'healthy' } },
          'fresh-evaluation',
        );
        await t.client.schedule.getHandle(evaluateScheduleId(paused)).unpause('back to work');
        await retrain.executeUpdate(decideUpdate, { args: [{ gate: 'retrain', decision: 'reject', approver: APPROVER, comment: 'not now' }] });
        assert.equal((await retrain.result()).outcome, 'retrain-rejected');

        const third = await runWatchdog();
        assert.deepEqual([...third.resolved].sort(), [...first.opened].sort());
        assert.deepEqual(third.opened, []);
        assert.equal(third.open, 0);
        assert.equal(watchdogLines().length, 3, 'a resolution is logged, not told');
        for (const m of [stale, paused, waiting]) {
          const entries = await watchdogEntries(m);
          assert.deepEqual(
            entries.map((e) => e.details!.state),
            ['open', 'resolved'],
          );
          assert.doesNotMatch(cardOf(m), /## Watchdog/);
        }
        assert.equal(existsSync(path.join(ws!.storeDir, watchdogFindingKey(stale, 'stale'))), false);
        const last = (await readWatchdogReport(store))!;
        assert.deepEqual(last.findings, []);
        assert.equal(last.resolved.length, 3);
      });
    } finally {
      await engine.close();
    }
  });
  it("finds evaluation workflows that failed in a row, from the server's visibility", async function () {
    const t = await testTemporal();
    const taskQueue = uniqueTaskQueue('watchdog-failing');
    const broken = uniqueModelId('broken');
    // The artifact is missing: each evaluation fails (InvalidModel) without writing a verdict.
    ws = createWorkspace(broken, { owner: OWNER, artifact: 'models/missing.onnx' });
    const config = parse(readFileSync(ws.configPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(ws.configPath, stringify({ ...config, watchdog: { failures_in_a_row: 2 } }));
    await syncSchedules(t.client, await loadConfig(ws.configPath), { taskQueue });
    const lines: string[] = [];
    const { worker, engine } = await createUpkeepWorker({
      connection: t.connection,
      client: t.client,
      namespace: 'default',
      taskQueue,
      configPath: ws.configPath,
      workflowBundle: t.bundle,
      scratchDir: ws.dir,
      log: (l) => lines.push(l),
    });
    try {
      await worker.runUntil(async () => {
        const evaluateOnce = async (n: number): Promise<void> => {
          await assert.rejects(
            t.client.workflow.execute(evaluateModel, { taskQueue, workflowId: `evaluate-${broken}-${n}`, args: [{ modelId: broken }] }),
            /Workflow execution failed/,
          );
        };
        await evaluateOnce(1);
        const one = await t.client.workflow.execute(watchdog, { taskQueue, workflowId: `${watchdogScheduleId(taskQueue)}-test-1`, args: [] });
        assert.deepEqual(one.opened, [], 'one failure is not a run of two');
        await evaluateOnce(2);
        const query = `WorkflowType = 'evaluateModel' AND UpkeepModelId = '${broken}' AND ExecutionStatus = 'Failed'`;
        await waitFor('both failures listed', async () => ((await t.client.workflow.count(query)).count === 2 ? true : undefined), {
          timeoutMs: 30_000,
          intervalMs: 200,
        });
        const two = await t.client.workflow.execute(watchdog, { taskQueue, workflowId: `${watchdogScheduleId(taskQueue)}-test-2`, args: [] });
        assert.deepEqual(two.opened, [`${broken}/failing-in-a-row`]);
        assert.equal(
          lines.filter((l) => l.startsWith(`[upkeep] watchdog ${broken} → ${OWNER}: Watchdog: ${broken}: the last 2 evaluations failed`)).length,
          1,
          lines.join('\n'),
        );
      });
    } finally {
      await engine.close();
    }
  });
  it('has its schedule kept by schedules sync: created, unchanged, updated with the config, its pause state left as operators set it', async function () {
    const t = await testTemporal();
    const taskQueue = uniqueTaskQueue('watchdog-schedule');
    ws = createWorkspace(uniqueModelId('any'));
    const id = watchdogScheduleId(taskQueue);
    assert.equal(watchdogScheduleId('upkeep'), 'upkeep-watchdog', 'the default task queue has the plain id');
    assert.equal(findSystemSchedule('watchdog', taskQueue)?.scheduleId(taskQueue), id);
    assert.equal(findSystemSchedule(id, taskQueue)?.name, 'watchdog');
    const watchdogChange = async (config: Record<string, unknown>, opts: { dryRun?: boolean } = {}) => {
      const original = parse(readFileSync(ws!.configPath, 'utf8')) as Record<string, unknown>;
      writeFileSync(ws!.configPath, stringify({ ...original, watchdog: config }));
      return (await syncSchedules(t.client, await loadConfig(ws!.configPath), { taskQueue, ...opts })).find((c) => c.scheduleId === id)!;
    };
    assert.equal((await watchdogChange({}, { dryRun: true })).kind, 'create');
    await assert.rejects(t.client.schedule.getHandle(id).describe(), /not found/i, 'a dry run creates nothing');
    assert.equal((await watchdogChange({})).kind, 'create');
    let d = await t.client.schedule.getHandle(id).describe();
    assert.deepEqual(
      d.spec.intervals?.map((i) => Number(i.every)),
      [86_400_000],
    );
    assert.equal(d.action.type === 'startWorkflow' && d.action.workflowType, 'watchdog');
    assert.equal(d.action.type === 'startWorkflow' && d.action.taskQueue, taskQueue);
    assert.equal((await watchdogChange({})).kind, 'unchanged');
    // Settings that do not shape the schedule change nothing.
    assert.equal((await watchdogChange({ failures_in_a_row: 5 })).kind, 'unchanged');
    await t.client.schedule.getHandle(id).pause('quiet week');
    const updated = await watchdogChange({ schedule: { cron: '0 7 * * 1-5', timezone: 'Europe/Berlin' } });
    assert.equal(updated.kind, 'update');
    assert.match(updated.summary, /cron "0 7 \* \* 1-5" Europe\/Berlin/);
    d = await t.client.schedule.getHandle(id).describe();
    assert.equal(d.spec.timezone, 'Europe/Berlin');
    assert.equal(d.state.paused, true, 'the pause an operator set stays');
    assert.equal(d.state.note, 'quiet week');
  });
});
