import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../engine/config/load.js';
import { appendEntry, readChain } from '../../engine/audit/chain.js';
import {
  anchorsFromExportedHistories,
  anchorsFromTemporal,
  anchorsFromGit,
  anchorsFromStore,
  historyOutcome,
  isAnchorRecord,
  readChainHeads,
  type AnchorRecord,
} from '../../engine/audit/anchor.js';
import { exportClosedHistories } from '../../engine/audit/histories.js';
import { createFileStore } from '../../engine/store/file-store.js';
import type { TemporalPort } from '../../engine/ports.js';
import { anchorTrailScheduleId } from '../../workflows/definitions.js';
import { anchorTrail, evaluateModel } from '../../workflows/index.js';
import { syncSchedules } from '../../workers/schedules.js';
import { createTemporalPort } from '../../workers/temporal-port.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { waitFor } from '../helpers/wait.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { rebuildChain } from '../helpers/rebuild-chain.js';
import { verifyChain } from '../../engine/audit/chain.js';

const CLI = fileURLToPath(new URL('../../bin/upkeep.mjs', import.meta.url));
function upkeep(configPath: string, args: string[], env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args, '--config', configPath], {
    encoding: 'utf8',
    env: { ...process.env, HOME: '/nonexistent', ...env },
    timeout: 90_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Triggers the anchor schedule and waits for the run it starts: the only kind of run that anchors. */
async function scheduledAnchor(t: Awaited<ReturnType<typeof testTemporal>>, taskQueue: string): Promise<AnchorRecord> {
  const handle = t.client.schedule.getHandle(anchorTrailScheduleId(taskQueue));
  const before = (await handle.describe()).info.recentActions.length;
  await handle.trigger();
  const started = await waitFor(
    'the scheduled anchor run',
    async () => {
      const actions = (await handle.describe()).info.recentActions;
      return actions.length > before ? actions.at(-1)!.action.workflow : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  return (await t.client.workflow.getHandle(started.workflowId, started.firstExecutionRunId).result()) as AnchorRecord;
}

/** A run started by hand, claiming the schedule's search attributes as a forger would: it fails for good. */
async function handStartedAnchor(t: Awaited<ReturnType<typeof testTemporal>>, taskQueue: string, workflowId: string): Promise<string> {
  const h = await t.client.workflow.start(anchorTrail, {
    taskQueue,
    workflowId,
    args: [],
    searchAttributes: { TemporalScheduledById: [anchorTrailScheduleId(taskQueue)], TemporalScheduledStartTime: [new Date()] },
  });
  const failure = await h.result().then(
    () => 'completed',
    (err: unknown) => {
      const cause = (err as { cause?: { type?: string; message?: string } }).cause;
      return `${cause?.type}: ${cause?.message ?? String(err)}`;
    },
  );
  assert.match(failure, /^Unauthenticated: anchorTrail runs only when its schedule .* starts it .*: refused/, 'a hand-started anchor run fails');
  return h.firstExecutionRunId;
}

describe('anchoring the audit chain heads in Temporal history, on a real server', function () {
  this.timeout(180_000);
  let ws: Workspace | undefined;
  afterEach(() => ws?.remove());

  it('has its own schedule, keeps every model’s head in its history, and the export copies it', async function () {
    const t = await testTemporal();
    const taskQueue = uniqueTaskQueue('anchor');
    const modelId = uniqueModelId('anchor');
    ws = createWorkspace(modelId);
    // A copy of each anchor also goes to a second store and a git repository.
    const repo = path.join(ws.dir, 'anchors-repo');
    execFileSync('git', ['init', '-q', repo]);
    const yaml = parse(readFileSync(ws.configPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(ws.configPath, stringify({ ...yaml, audit: { anchor_store: 'second-store', anchor_git: 'anchors-repo' } }));
    const config = await loadConfig(ws.configPath);
    const store = createFileStore(config.store);
    for (let i = 1; i <= 3; i++)
      await appendEntry(store, {
        id: `e-${i}`,
        modelId,
        at: `2026-12-0${i}T00:00:00.000Z`,
        kind: 'schedule',
        summary: `change ${i}`,
        details: { change: 'update' },
      });

    const changes = await syncSchedules(t.client, config, { taskQueue });
    const created = changes.find((c) => c.scheduleId === anchorTrailScheduleId(taskQueue));
    assert.equal(created?.kind, 'create', 'the anchor has its own schedule, made with the models’');
    const schedule = await t.client.schedule.getHandle(anchorTrailScheduleId(taskQueue)).describe();
    assert.deepEqual(
      (schedule.spec.intervals ?? []).map((i) => i.every),
      [3_600_000],
      'hourly by default (audit.anchor_every)',
    );
    assert.equal(schedule.action.type === 'startWorkflow' && schedule.action.workflowType, 'anchorTrail');

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
    const handId = `${anchorTrailScheduleId(taskQueue)}-by-hand`;
    let record: AnchorRecord | undefined;
    try {
      await worker.runUntil(async () => {
        record = await scheduledAnchor(t, taskQueue);
        await handStartedAnchor(t, taskQueue, handId);
      });
    } finally {
      await t.client.schedule.getHandle(anchorTrailScheduleId(taskQueue)).delete();
      for (const c of changes)
        if (c.scheduleId !== anchorTrailScheduleId(taskQueue))
          await t.client.schedule
            .getHandle(c.scheduleId)
            .delete()
            .catch(() => undefined);
      await engine.close();
    }
    assert.ok(record && isAnchorRecord(record));
    const links = (await readChain(store, modelId)).length;
    assert.equal(links, 3);
    assert.deepEqual(record.heads, await readChainHeads(store, [modelId]), 'the head anchored is the chain’s last link and its sha256');
    assert.equal(record.heads[0]!.links, 3);
    assert.match(record.heads[0]!.sha256!, /^[0-9a-f]{64}$/);

    // The server's history holds it (the result event), and the export copies that history to the store.
    const port = createTemporalPort(t.client);
    const fromServer = historyOutcome(await port.history(record.workflowId, record.runId));
    assert.deepEqual(fromServer.result, record);
    assert.equal(fromServer.scheduledBy, anchorTrailScheduleId(taskQueue), 'its start event names the schedule');
    const only: TemporalPort = {
      ...port,
      listWorkflows: (q, n) => port.listWorkflows(`${q} AND WorkflowId IN ('${record!.workflowId}', '${handId}')`, n),
    };
    await waitFor(
      'the closed anchor runs listed',
      async () => ((await only.listWorkflows("ExecutionStatus != 'Running'", 5)).length === 2 ? true : undefined),
      {
        timeoutMs: 30_000,
        intervalMs: 300,
      },
    );
    assert.equal((await exportClosedHistories({ store, temporal: only })).exported, 2);
    const exported = await anchorsFromExportedHistories(store, anchorTrailScheduleId(taskQueue));
    assert.deepEqual(
      exported.anchors.map((a) => a.record),
      [record],
      'the scheduled run only: the hand-started one failed',
    );
    const fromTemporal = await anchorsFromTemporal(port, `TaskQueue = '${taskQueue}'`, anchorTrailScheduleId(taskQueue));
    assert.deepEqual(
      fromTemporal.anchors.map((a) => a.record),
      [record],
    );
    assert.match(exported.anchors[0]!.source, /^exported history histories\/_fleet\//);
    // The copies: write-once in the second store, committed in the repository.
    assert.deepEqual(
      (await anchorsFromStore(createFileStore(path.join(ws.dir, 'second-store')), 'second store')).map((a) => a.record),
      [record],
    );
    assert.deepEqual(
      (await anchorsFromGit(repo)).map((a) => a.record),
      [record],
    );
    assert.match(execFileSync('git', ['-C', repo, 'log', '--oneline'], { encoding: 'utf8' }), /anchor the audit chains at /);
  });

  it('audit verify: an honest trail passes; an evaluation removed with the chain rebuilt is named, by its anchor and by its completed run, from Temporal and from the exported histories', async function () {
    const t = await testTemporal();
    const taskQueue = uniqueTaskQueue('anchorv');
    const modelId = uniqueModelId('anchorv');
    ws = createWorkspace(modelId);
    ws.addDay('2026-06-01', 'data/binary.csv');
    ws.addDay('2026-06-02', 'data/binary.csv');
    ws.addDay('2026-06-03', 'data/binary.csv');
    const config = await loadConfig(ws.configPath);
    const store = createFileStore(config.store);
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
    const ids = [`${modelId}-eval-1`, `${modelId}-eval-2`];
    const runIds: string[] = [];
    // The anchor schedule alone (its runs are the only anchors), triggered once.
    const anchors = await t.client.schedule.create({
      scheduleId: anchorTrailScheduleId(taskQueue),
      spec: { intervals: [{ every: '1h' }] },
      action: { type: 'startWorkflow', workflowType: anchorTrail, taskQueue, args: [] },
    });
    try {
      await worker.runUntil(async () => {
        for (const [i, end] of ['2026-06-04T06:00:00Z', '2026-06-04T07:00:00Z'].entries()) {
          const h = await t.client.workflow.start(evaluateModel, { taskQueue, workflowId: ids[i]!, args: [{ modelId, windowEnd: end }] });
          await h.result();
          runIds.push(h.firstExecutionRunId);
        }
        ids.push((await scheduledAnchor(t, taskQueue)).workflowId);
      });
    } finally {
      await anchors.delete();
      await engine.close();
    }
    const port = createTemporalPort(t.client);
    const mine: TemporalPort = { ...port, listWorkflows: (q, n) => port.listWorkflows(`${q} AND WorkflowId IN (${ids.map((i) => `'${i}'`).join(', ')})`, n) };
    await waitFor('the closed runs listed', async () => ((await mine.listWorkflows("ExecutionStatus != 'Running'", 5)).length === 3 ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 300,
    });
    assert.equal((await exportClosedHistories({ store, temporal: mine })).exported, 3);
    const env = { TEMPORAL_ADDRESS: t.address, UPKEEP_TASK_QUEUE: taskQueue };

    const honest = upkeep(ws.configPath, ['audit', 'verify', modelId], env);
    assert.equal(honest.status, 0, honest.stderr);
    assert.match(
      honest.stdout,
      new RegExp(`the audit trail of ${modelId} is intact: .*registry and trail agree; 1 anchor and 2 completed evaluation runs agree; head [0-9a-f]{64}`),
    );

    // The second evaluation's entries and report are removed and the chain rebuilt: the store alone is consistent.
    const dropped = runIds[1]!;
    for (const key of await store.list(`reports/${modelId}`)) if (new TextDecoder().decode(await store.get(key)).includes(dropped)) await store.delete(key);
    await rebuildChain(store, modelId, (es) => es.filter((e) => e.runId !== dropped));
    assert.equal((await verifyChain(store, modelId)).ok, true);

    for (const [how, extra, where] of [
      ['from Temporal', [], 'temporal'],
      ['from the exported histories', ['--no-temporal'], 'exported history histories/'],
    ] as const) {
      const r = upkeep(ws.configPath, ['audit', 'verify', modelId, ...extra], env);
      assert.equal(r.status, 1, `${how}: ${r.stdout}`);
      assert.match(r.stderr, /is BROKEN \(2 problems/, `${how}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`but the chain ends at link \\d+: the end of the chain was removed`), how);
      assert.match(r.stderr, new RegExp(`evaluation run ${dropped} \\(${ids[1]}\\) of ${modelId} completed \\(${where}`), how);
    }
  });
});
