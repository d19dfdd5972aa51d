/**
 * The maintenance digest on a real Temporal dev server (docs/governance.md#the-weekly-digest): the
 * digest workflow reads the audit trail of the past period, sends the fleet's digest and the
 * owner's through the Slack channel whose route names `digest` (a loopback stand-in that checks
 * Block Kit), and records a `digest` entry in the trail of the model it covers. Only a run its
 * schedule started does: one started by hand, even with the schedule's search attributes set as a
 * schedule would set them, is refused with nothing sent or recorded.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import path from 'node:path';
import { appendEntry, readChain } from '../../engine/audit/chain.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { loadConfig } from '../../engine/config/load.js';
import { digestScheduleId, TemporalScheduledById, TemporalScheduledStartTime } from '../../workflows/definitions.js';
import { findSystemSchedule, systemScheduleOptions } from '../../workers/schedules.js';
import type { DigestResult } from '../../workflows/digest.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { createDemoWorkspace, OWNER, type DemoWorkspace } from '../helpers/demo-workspace.js';
import { startSlack, type SlackStandIn } from '../helpers/slack.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { waitFor } from '../helpers/wait.js';

describe('the maintenance digest arrives (real dev server)', function () {
  this.timeout(180_000);
  let ws: DemoWorkspace | undefined;
  let slack: SlackStandIn | undefined;
  afterEach(async () => {
    ws?.remove();
    await slack?.close();
  });

  it('sends the past week, from the trail, to the platform team and the owner through the route that names digest', async function () {
    const t = await testTemporal();
    slack = await startSlack();
    const modelId = uniqueModelId('digest');
    const taskQueue = uniqueTaskQueue('digest');
    const notify = {
      channels: { chat: { type: 'slack', webhook_file: 'slack-url' }, pager: { type: 'slack', webhook_file: 'pager-url' } },
      // A route for every event does not get the digest; the one naming it does.
      routes: [{ channels: ['chat'], on: ['digest'] }, { channels: ['pager'] }],
    };
    ws = createDemoWorkspace({
      modelId,
      end: new Date(),
      days: 1,
      drifted: false,
      config: { notify, governance: { digest: { every: '7d', to: ['ml-platform@example.com'] } } },
    });
    writeFileSync(path.join(ws.dir, 'slack-url'), `${slack.url}/chat\n`, { mode: 0o600 });
    writeFileSync(path.join(ws.dir, 'pager-url'), `${slack.url}/pager\n`, { mode: 0o600 });
    const store = createFileStore(ws.storeDir);
    const ago = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
    let n = 0;
    const entry = (h: number, kind: string, details: Record<string, unknown>) =>
      appendEntry(store, { id: `seed-${++n}`, modelId, at: ago(h), kind: kind as 'evaluation', summary: kind, details });
    await entry(24 * 10, 'evaluation', { verdict: 'failing' }); // before the week: not counted
    await entry(72, 'evaluation', { verdict: 'degraded' });
    await entry(71, 'approval-requested', { gate: 'retrain', openedAt: ago(71) });
    await entry(67, 'decision', { gate: 'retrain', decision: 'approve', openedAt: ago(71), at: ago(67) });
    await entry(24, 'evaluation', { verdict: 'healthy' });
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
    let result: DigestResult | undefined;
    const refusals: string[] = [];
    const chat = () => slack!.posts.filter((p) => p.path.endsWith('/chat'));
    const schedule = await t.client.schedule.create(systemScheduleOptions(findSystemSchedule('digest')!, await loadConfig(ws.configPath), taskQueue));
    try {
      await worker.runUntil(async () => {
        // Anyone on the namespace may start the digest, and set the search attributes a schedule sets
        // (the server takes them): both runs are refused before anything is sent or written.
        const scheduleId = digestScheduleId(taskQueue);
        for (const [n, typedSearchAttributes] of [
          [1, []],
          [
            2,
            [
              { key: TemporalScheduledById, value: scheduleId },
              { key: TemporalScheduledStartTime, value: new Date() },
            ],
          ],
        ] as const) {
          const forged = t.client.workflow.execute('maintenanceDigest', {
            taskQueue,
            workflowId: `${scheduleId}-forged-${n}`,
            args: [],
            typedSearchAttributes: [...typedSearchAttributes],
          });
          await assert.rejects(forged, (err: unknown) => {
            assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure, String(err));
            refusals.push(err.cause.message);
            return err.cause.type === 'Unauthenticated';
          });
        }
        assert.equal(chat().length, 0, 'nothing sent by the refused runs');
        await schedule.trigger();
        const action = await waitFor('the scheduled run', async () => (await schedule.describe()).info.recentActions[0]);
        result = (await t.client.workflow.getHandle(action.action.workflow.workflowId).result()) as DigestResult;
        await waitFor('both digests on the chat channel', async () => (chat().length >= 2 ? true : undefined), { timeoutMs: 60_000 });
      });
    } finally {
      await schedule.delete();
      await engine.close();
    }
    assert.match(
      refusals[0]!,
      /^maintenanceDigest runs only when its schedule \S+ starts it \(.*\); this run was started by hand: refused, nothing sent or recorded$/,
    );
    assert.match(refusals[1]!, /this run is not in the schedule's record of the runs it started: refused/);
    assert.deepEqual(result!.sent, ['ml-platform@example.com: 1 model', `${OWNER}: 1 model`]);
    assert.equal(chat().length, 2);
    for (const p of chat()) {
      assert.deepEqual(p.errors, []);
      const text = JSON.stringify(p.body);
      assert.match(text, /Maintenance digest/);
      assert.match(text, /1 of 1 model healthy at the end of the period/);
      assert.match(text, /2 evaluations run: 1 degraded, 1 healthy/);
      assert.match(text, /request → decision median 4\.0 h/);
    }
    assert.deepEqual(
      slack.posts.filter((p) => p.path.endsWith('/pager')),
      [],
      'a route without on: does not carry the digest',
    );
    const entries = (await readChain(store, modelId)).map((c) => c.entry);
    const digests = entries.filter((e) => e.kind === 'digest');
    assert.deepEqual(
      digests.map((e) => e.details?.to),
      [['ml-platform@example.com'], [OWNER]],
    );
    assert.equal((digests[0]!.details?.figures as { evaluations: number }).evaluations, 2);
    assert.equal(entries.filter((e) => e.kind === 'notified' && e.details?.notification === 'digest' && e.details?.channel === 'chat').length, 2);
  });
});
