/**
 * Routes on a real Temporal dev server (docs/channels.md): a degraded model pages the PagerDuty
 * channel its routes name (a loopback stand-in that checks the Events v2 schema), and the model
 * healthy again resolves the incident, in that order, through the model's channel outbox; each
 * delivery is one audit entry naming the channel.
 */
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { readChain } from '../../engine/audit/chain.js';
import type { NotificationEvent } from '../../domain/maintenance.js';
import { createFileStore } from '../../engine/store/file-store.js';
import type { EvaluateModelResult } from '../../workflows/definitions.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { createDemoWorkspace, demoModel, type DemoWorkspace } from '../helpers/demo-workspace.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { waitFor } from '../helpers/wait.js';
import { startPagerDuty, type PagerDutyStandIn } from '../helpers/pagerduty.js';

const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';

describe('routes: a degraded model alerts its channel, and resolves it when healthy again (real dev server)', function () {
  this.timeout(180_000);
  let ws: DemoWorkspace | undefined;
  let pd: PagerDutyStandIn | undefined;
  afterEach(async () => {
    ws?.remove();
    await pd?.close();
  });

  it('triggers the incident when degraded and resolves it when healthy again (previous, metric, value), one audit entry each', async function () {
    const t = await testTemporal();
    const stand = await startPagerDuty({ routingKey: ROUTING_KEY });
    pd = stand;
    const modelId = uniqueModelId('routes');
    const taskQueue = uniqueTaskQueue('routes');
    const end = new Date('2026-11-21T06:00:00Z');
    const notify = {
      channels: { pager: { type: 'pagerduty', routing_key_file: 'pd-key', url: stand.url }, chat: { type: 'slack', webhook_file: 'slack-url' } },
      routes: [
        { channels: ['pager'], on: ['degraded', 'failing', 'recovered'] },
        { channels: ['chat'], on: ['approval-requested'] },
      ],
    };
    // A minimum the demo model (roc_auc about 0.81) misses: degraded, not retrained.
    const strict = { thresholds: { metric: 'roc_auc', min: 0.9 }, retrain: { on: 'never' } };
    ws = createDemoWorkspace({ modelId, end, days: 5, drifted: false, model: strict, config: { notify } });
    writeFileSync(path.join(ws.dir, 'pd-key'), `${ROUTING_KEY}\n`, { mode: 0o600 });
    chmodSync(path.join(ws.dir, 'pd-key'), 0o600);
    const got = () => stand.received.filter((r) => r.status === 202);
    const { worker, engine } = await createUpkeepWorker({
      connection: t.connection,
      namespace: 'default',
      taskQueue,
      configPath: ws.configPath,
      workflowBundle: t.bundle,
      scratchDir: ws.dir,
      log: () => {},
    });
    let first = '';
    const evaluate = (windowEnd: string) =>
      t.client.workflow.execute('evaluateModel', {
        taskQueue,
        workflowId: `${modelId}-${windowEnd.slice(0, 10)}`,
        args: [{ modelId, windowEnd }],
      }) as Promise<EvaluateModelResult>;
    const outbox = () => t.client.workflow.getHandle(`upkeep-channel/${modelId}/pager`);
    try {
      await worker.runUntil(async () => {
        const r1 = await evaluate('2026-11-20T06:00:00Z');
        first = r1.verdict.status;
        assert.ok(first === 'degraded' || first === 'failing', first);
        await waitFor('the alert', async () => (got().length === 1 ? true : undefined), { timeoutMs: 30_000 });
        // The config edited: the same model now meets its threshold (activities read the config when they run).
        writeFileSync(ws!.configPath, stringify({ version: 1, store: 'store', notify, models: [demoModel(modelId, { retrain: { on: 'never' } })] }), {
          mode: 0o644,
        });
        const second = await evaluate('2026-11-21T06:00:00Z');
        assert.equal(second.verdict.status, 'healthy');
        await waitFor('the resolve', async () => (got().length === 2 ? true : undefined), { timeoutMs: 30_000 });
        await outbox().result();
      });
    } finally {
      await engine.close();
    }
    // Every event valid Events v2; one incident, triggered once, then resolved.
    assert.deepEqual(
      stand.received.map((r) => [r.status, r.errors]),
      [
        [202, []],
        [202, []],
      ],
    );
    const [trigger, resolve] = stand.received.map((r) => r.body);
    assert.equal(trigger!.event_action, 'trigger');
    assert.equal(resolve!.event_action, 'resolve');
    assert.equal(trigger!.dedup_key, `upkeep/${modelId}/verdict`);
    assert.equal(resolve!.dedup_key, `upkeep/${modelId}/verdict`);
    assert.deepEqual(
      [...stand.incidents.values()].map((i) => [i.dedupKey, i.status, i.triggers]),
      [[`upkeep/${modelId}/verdict`, 'resolved', 1]],
    );
    const details = (trigger!.payload as { custom_details?: Record<string, unknown> }).custom_details ?? {};
    assert.match(String(details.metric), /^roc_auc 0\.\d+ \[0\.\d+, 0\.\d+\]$/);
    // The recovered event as the evaluation staged it for the outbox: the agreed details.
    const store = createFileStore(ws.storeDir);
    const staged = await Promise.all(
      (await store.list(`notifications/${modelId}/staged`)).map(async (k) => JSON.parse(new TextDecoder().decode(await store.get(k))) as NotificationEvent),
    );
    const recovered = staged.find((e) => e.kind === 'recovered')!;
    assert.deepEqual(
      [recovered.details?.verdict, recovered.details?.previous, recovered.details?.metric, typeof recovered.details?.value],
      ['healthy', first, 'roc_auc', 'number'],
    );
    const chain = await readChain(store, modelId);
    const delivered = chain.map((c) => c.entry).filter((e) => e.kind === 'notified' && e.details?.channel === 'pager');
    assert.deepEqual(
      delivered.map((e) => [e.details?.notification, (e.details?.delivery as { action?: string }).action]),
      [
        [first, 'trigger'],
        ['recovered', 'resolve'],
      ],
    );
  });
});
