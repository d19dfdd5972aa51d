import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readChain } from '../../engine/audit/chain.js';
import { renderWhoWasWatching, whoWasWatching } from '../../engine/audit/watching.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { stagedNotificationKey } from '../../engine/store/keys.js';
import type { NotificationEvent } from '../../domain/maintenance.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { createDemoWorkspace, type DemoWorkspace } from '../helpers/demo-workspace.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';

describe('deliverNotification', function () {
  this.timeout(120_000);
  let ws: DemoWorkspace | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    ws?.remove();
    ws = undefined;
    const s = server;
    server = undefined;
    if (s) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });

  it('records a notification it could not deliver with the channel, the HTTP status, the attempt and the worker clock', async function () {
    const t = await testTemporal();
    const modelId = uniqueModelId('notify');
    const taskQueue = uniqueTaskQueue('notify');
    // A webhook on 127.0.0.1 that refuses everything with 410.
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(410).end());
    });
    const s = server;
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const { port } = s.address() as AddressInfo;
    ws = createDemoWorkspace({
      modelId,
      end: new Date('2026-11-21T06:00:00Z'),
      days: 1,
      drifted: false,
      config: { notify: { webhook: `http://127.0.0.1:${port}/hook` } },
    });
    const store = createFileStore(ws.storeDir);
    const event: NotificationEvent = {
      kind: 'degraded',
      modelId,
      to: ['owner@example.com'],
      title: `${modelId} is degraded`,
      text: 'roc_auc fell',
      at: '2026-11-21T06:00:00.000Z',
      workflowId: `upkeep-evaluate-${modelId}`,
      runId: 'r-1',
      event: 12,
    };
    // Staged in the store as an upkeep workflow hands it over: deliverNotification takes only its reference.
    const bytes = `${JSON.stringify(event)}\n`;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    await store.put(stagedNotificationKey(modelId, sha256), bytes, { ifAbsent: true });
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
    try {
      // Anyone with namespace access can start it again with the same reference: its give-up is the
      // same write-once entry, not one more failure per run.
      const [outcome, again] = await worker.runUntil(async () => [
        await t.client.workflow.execute('deliverNotification', { taskQueue, workflowId: `notify-${modelId}`, args: [{ modelId, sha256 }] }),
        await t.client.workflow.execute('deliverNotification', { taskQueue, workflowId: `notify-${modelId}-again`, args: [{ modelId, sha256 }] }),
      ]);
      assert.equal(outcome, 'given-up');
      assert.equal(again, 'given-up');
    } finally {
      await engine.close();
    }
    const chain = await readChain(store, modelId);
    const failures = chain.filter((c) => c.entry.kind === 'failure');
    assert.equal(failures.length, 1, chain.map((c) => `${c.entry.kind} ${c.entry.id}`).join(', '));
    const failure = failures[0]!;
    assert.equal(failure.entry.at, event.at);
    const d = failure.entry.details?.delivery as Record<string, unknown>;
    assert.equal(d.channel, 'webhook');
    assert.equal(d.outcome, 'refused');
    assert.equal(d.status, 410);
    assert.equal(d.attempt, 1);
    assert.match(String(d.workerClock), /^\d{4}-\d\d-\d\dT/);
    assert.match(String(d.error), /answered HTTP 410/);
    // The refusal itself is the notify activity's own entry; who-was-watching lists it once, as not delivered.
    const w = whoWasWatching(modelId, chain, new Date('2026-11-22T00:00:00Z'), new Map());
    assert.deepEqual(
      w.notified.map((n) => [n.outcome, n.status]),
      [['refused', 410]],
    );
    assert.match(
      renderWhoWasWatching(w),
      /\(webhook: NOT delivered, refused, HTTP 410, attempt 1, worker clock [^)]+: webhook POST to 127\.0\.0\.1:\d+ answered HTTP 410 \(not retryable\)\)/,
    );
  });
});
