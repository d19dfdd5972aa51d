/**
 * Routes on a real Temporal dev server (docs/channels.md): a degraded model's alert reaches the
 * channel its routes name, and the model healthy again sends `recovered` to the same channel, in
 * that order, through the model's channel outbox; each delivery is one audit entry naming the channel.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { readChain } from '../../engine/audit/chain.js';
import type { ChannelMessage, ChannelSender } from '../../engine/notify/channels/types.js';
import { createFileStore } from '../../engine/store/file-store.js';
import type { EvaluateModelResult } from '../../workflows/definitions.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { createDemoWorkspace, demoModel, type DemoWorkspace } from '../helpers/demo-workspace.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { waitFor } from '../helpers/wait.js';

describe('routes: a degraded model alerts its channel, and resolves it when healthy again (real dev server)', function () {
  this.timeout(180_000);
  let ws: DemoWorkspace | undefined;
  afterEach(() => ws?.remove());

  it('sends degraded then recovered (previous, metric, value) to the routed channel only, one audit entry each', async function () {
    const t = await testTemporal();
    const modelId = uniqueModelId('routes');
    const taskQueue = uniqueTaskQueue('routes');
    const end = new Date('2026-11-21T06:00:00Z');
    const notify = {
      channels: { pager: { type: 'pagerduty', routing_key_file: 'pd-key' }, chat: { type: 'slack', webhook_file: 'slack-url' } },
      routes: [
        { channels: ['pager'], on: ['degraded', 'failing', 'recovered'] },
        { channels: ['chat'], on: ['approval-requested'] },
      ],
    };
    // A minimum the demo model (roc_auc about 0.81) misses: degraded, not retrained.
    const strict = { thresholds: { metric: 'roc_auc', min: 0.9 }, retrain: { on: 'never' } };
    ws = createDemoWorkspace({ modelId, end, days: 5, drifted: false, model: strict, config: { notify } });
    const got: ChannelMessage[] = [];
    const channels: string[] = [];
    const send: ChannelSender = async (name, spec, message) => {
      channels.push(name);
      got.push(message);
      return {
        channel: name,
        type: spec.type,
        status: 202,
        responseId: `upkeep/${modelId}/verdict`,
        action: message.event.kind === 'recovered' ? 'resolve' : 'trigger',
      };
    };
    const { worker, engine } = await createUpkeepWorker({
      connection: t.connection,
      namespace: 'default',
      taskQueue,
      configPath: ws.configPath,
      workflowBundle: t.bundle,
      scratchDir: ws.dir,
      log: () => {},
      channelSender: send,
    });
    const evaluate = (windowEnd: string) =>
      t.client.workflow.execute('evaluateModel', {
        taskQueue,
        workflowId: `${modelId}-${windowEnd.slice(0, 10)}`,
        args: [{ modelId, windowEnd }],
      }) as Promise<EvaluateModelResult>;
    const outbox = () => t.client.workflow.getHandle(`upkeep-channel/${modelId}/pager`);
    try {
      await worker.runUntil(async () => {
        const first = await evaluate('2026-11-20T06:00:00Z');
        assert.ok(first.verdict.status === 'degraded' || first.verdict.status === 'failing', first.verdict.status);
        await waitFor('the alert', async () => (got.length === 1 ? true : undefined), { timeoutMs: 30_000 });
        // The config edited: the same model now meets its threshold (activities read the config when they run).
        writeFileSync(ws!.configPath, stringify({ version: 1, store: 'store', notify, models: [demoModel(modelId, { retrain: { on: 'never' } })] }), {
          mode: 0o644,
        });
        const second = await evaluate('2026-11-21T06:00:00Z');
        assert.equal(second.verdict.status, 'healthy');
        await waitFor('the resolve', async () => (got.length === 2 ? true : undefined), { timeoutMs: 30_000 });
        await outbox().result();
      });
    } finally {
      await engine.close();
    }
    assert.deepEqual(channels, ['pager', 'pager']);
    assert.deepEqual(
      got.map((m) => m.event.kind),
      [got[0]!.event.kind, 'recovered'],
    );
    const d = got[1]!.event.details!;
    assert.equal(d.verdict, 'healthy');
    assert.equal(d.previous, got[0]!.event.kind);
    assert.equal(d.metric, 'roc_auc');
    assert.equal(typeof d.value, 'number');
    assert.equal(got[0]!.event.details!.verdict, got[0]!.event.kind);
    const chain = await readChain(createFileStore(ws.storeDir), modelId);
    const delivered = chain.map((c) => c.entry).filter((e) => e.kind === 'notified' && e.details?.channel === 'pager');
    assert.deepEqual(
      delivered.map((e) => [e.details?.notification, (e.details?.delivery as { action?: string }).action]),
      [
        [got[0]!.event.kind, 'trigger'],
        ['recovered', 'resolve'],
      ],
    );
  });
});
