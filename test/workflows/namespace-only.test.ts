/**
 * What someone with access to the namespace only (no signing key, no store access, no payload key)
 * can do through the registered workflows (RELIABILITY.md, "Threat model by capability").
 * deliverNotification is registered on the worker, so anyone who may start workflows can start it:
 * it must not send, nor record as sent, a notification no upkeep workflow made; it takes only the
 * reference of one staged in the store. evaluateModel refuses a window that has not ended.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { readChain, verifyChain } from '../../engine/audit/chain.js';
import { loadConfig } from '../../engine/config/load.js';
import { createTrailActivities } from '../../activities/trail.js';
import { createFileStore } from '../../engine/store/file-store.js';
import type { NotificationEvent } from '../../domain/maintenance.js';
import { evaluateModel } from '../../workflows/index.js';
import { retrainWorkflowId, rollbackWorkflowId } from '../../workflows/definitions.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { createDemoWorkspace, OWNER, type DemoWorkspace } from '../helpers/demo-workspace.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';

async function webhook(): Promise<{ url: string; bodies: string[]; close(): Promise<void> }> {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      bodies.push(body);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, bodies, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('namespace access only: no door into the audit trail or the notifications', function () {
  this.timeout(120_000);
  let ws: DemoWorkspace | undefined;
  let hook: Awaited<ReturnType<typeof webhook>> | undefined;
  afterEach(async () => {
    await hook?.close();
    ws?.remove();
  });

  it('refuses an event passed in by whoever starts it (nothing sent, nothing in the chain) and delivers one an upkeep workflow staged', async function () {
    hook = await webhook();
    const modelId = uniqueModelId('door');
    const taskQueue = uniqueTaskQueue('door');
    ws = createDemoWorkspace({ modelId, end: new Date('2026-11-20T06:00:00Z'), days: 3, drifted: false, config: { notify: { webhook: hook.url } } });
    const store = createFileStore(ws.storeDir);
    const t = await testTemporal();
    const { worker, engine } = await createUpkeepWorker({
      connection: t.connection,
      namespace: 'default',
      taskQueue,
      configPath: ws.configPath,
      workflowBundle: t.bundle,
      scratchDir: ws.dir,
      log: () => {},
    });
    // Someone with namespace access only: no signing key, no store access, no payload key.
    const forged: NotificationEvent = {
      kind: 'decision',
      modelId,
      to: [OWNER],
      title: `${OWNER} approved promote ${modelId}`,
      text: 'all good',
      at: '2026-01-01T00:00:00.000Z',
      workflowId: `upkeep-retrain-${modelId}`,
    };
    const config = await loadConfig(ws.configPath);
    const activities = createTrailActivities({ store, loadConfig: async () => ({ ...config, name: 'upkeep.yaml' }), log: () => {} });
    try {
      await worker.runUntil(async () => {
        const refused = t.client.workflow.execute('deliverNotification', { taskQueue, workflowId: `door-forged-${modelId}`, args: [forged] });
        await assert.rejects(refused, (err: unknown) => {
          assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure, String(err));
          assert.equal(err.cause.type, 'Unauthenticated');
          assert.match(err.cause.message, /only a notification an upkeep workflow staged/);
          return true;
        });
        // A reference to nothing staged (a guessed or made-up hash) is refused too.
        const guessed = t.client.workflow.execute('deliverNotification', {
          taskQueue,
          workflowId: `door-guessed-${modelId}`,
          args: [{ modelId, sha256: 'a'.repeat(64) }],
        });
        await assert.rejects(
          guessed,
          (err: unknown) =>
            err instanceof WorkflowFailedError && /no notification aaaaaaaaaaaa was staged/.test(String((err.cause as { cause?: Error })?.cause?.message)),
        );
        assert.deepEqual(hook!.bodies, [], 'nothing was sent');
        assert.deepEqual(await readChain(store, modelId), [], 'nothing was recorded');

        // What a workflow hands off (after its own retries failed): staged in the store, then delivered by reference.
        const genuine: NotificationEvent = { ...forged, kind: 'failing', title: `${modelId} is failing`, at: '2026-11-20T06:00:01.000Z' };
        const ref = await activities.stageNotification({ event: genuine });
        const delivered = await t.client.workflow.execute('deliverNotification', { taskQueue, workflowId: `door-staged-${modelId}`, args: [ref] });
        assert.equal(delivered, 'delivered');
      });
    } finally {
      await engine.close();
    }
    assert.equal(hook.bodies.length, 1);
    assert.equal((JSON.parse(hook.bodies[0]!) as { title: string }).title, `${modelId} is failing`);
    const chain = await readChain(store, modelId);
    assert.deepEqual(
      chain.map((c) => [c.entry.kind, c.entry.at]),
      [['notified', '2026-11-20T06:00:01.000Z']],
    );
    assert.equal((await verifyChain(store, modelId)).ok, true);
  });

  it('evaluateModel refuses a window end that is not a time or lies after the workflow started: nothing recorded, no report', async function () {
    const modelId = uniqueModelId('future');
    const taskQueue = uniqueTaskQueue('future');
    ws = createDemoWorkspace({ modelId, end: new Date('2026-11-20T06:00:00Z'), days: 3, drifted: false });
    const store = createFileStore(ws.storeDir);
    const t = await testTemporal();
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
        for (const [i, windowEnd] of ['2099-01-01T06:00:00Z', 'zzz'].entries()) {
          await assert.rejects(
            t.client.workflow.execute(evaluateModel, { taskQueue, workflowId: `future-${modelId}-${i}`, args: [{ modelId, windowEnd }] }),
            (err: unknown) => {
              assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure, String(err));
              assert.equal(err.cause.type, 'InvalidRequest');
              assert.match(err.cause.message, new RegExp(`model ${modelId}: windowEnd .* is not a time at or before the workflow's start`));
              return true;
            },
          );
        }
      });
    } finally {
      await engine.close();
    }
    assert.deepEqual(await readChain(store, modelId), []);
    assert.deepEqual(await store.list(`reports/${modelId}`), []);
  });

  it("retrainModel and rollbackModel run only under their model's own workflow id: a rollback squatting the retrain id is refused", async function () {
    const modelId = uniqueModelId('squat');
    const taskQueue = uniqueTaskQueue('squat');
    ws = createDemoWorkspace({ modelId, end: new Date('2026-11-20T06:00:00Z'), days: 3, drifted: false });
    const store = createFileStore(ws.storeDir);
    const t = await testTemporal();
    const { worker, engine } = await createUpkeepWorker({
      connection: t.connection,
      namespace: 'default',
      taskQueue,
      configPath: ws.configPath,
      workflowBundle: t.bundle,
      scratchDir: ws.dir,
      log: () => {},
    });
    const refused = (err: unknown): boolean =>
      err instanceof WorkflowFailedError &&
      err.cause instanceof ApplicationFailure &&
      err.cause.type === 'InvalidRequest' &&
      /runs as workflow|is rolled back by workflow/.test(err.cause.message);
    try {
      await worker.runUntil(async () => {
        // A rollback waiting for approval under upkeep-retrain-<model> would swallow every retrain request.
        await assert.rejects(
          t.client.workflow.execute('rollbackModel', {
            taskQueue,
            workflowId: retrainWorkflowId(modelId),
            args: [{ modelId, reason: 'squat', requestedBy: OWNER }],
          }),
          refused,
        );
        await assert.rejects(
          t.client.workflow.execute('retrainModel', {
            taskQueue,
            workflowId: `squat-${modelId}`,
            args: [{ modelId, evidence: { source: 'manual', at: new Date().toISOString(), reason: 'x', requestedBy: OWNER } }],
          }),
          refused,
        );
      });
    } finally {
      await engine.close();
    }
    assert.deepEqual(await readChain(store, modelId), [], 'nothing recorded');
  });
  it('a model id with "/" records nothing: retrainModel as upkeep-retrain-<model>/chain cannot write inside the model\'s chain', async function () {
    const modelId = uniqueModelId('nest');
    const taskQueue = uniqueTaskQueue('nest');
    ws = createDemoWorkspace({ modelId, end: new Date('2026-11-20T06:00:00Z'), days: 3, drifted: false });
    const store = createFileStore(ws.storeDir);
    const t = await testTemporal();
    const { worker, engine } = await createUpkeepWorker({
      connection: t.connection,
      namespace: 'default',
      taskQueue,
      configPath: ws.configPath,
      workflowBundle: t.bundle,
      scratchDir: ws.dir,
      log: () => {},
    });
    const nested = `${modelId}/chain`;
    const refused = (err: unknown): boolean =>
      err instanceof WorkflowFailedError &&
      err.cause instanceof ApplicationFailure &&
      err.cause.type === 'InvalidRequest' &&
      /is not a model id/.test(err.cause.message);
    try {
      await worker.runUntil(async () => {
        // Before: its retrain-requested and failure entries were a second chain under audit/<model>/chain/,
        // and the model's own trail no longer verified (audit verify stopped with a TypeError).
        await assert.rejects(
          t.client.workflow.execute('retrainModel', {
            taskQueue,
            workflowId: retrainWorkflowId(nested),
            args: [{ modelId: nested, evidence: { source: 'manual', at: new Date().toISOString(), reason: 'x', requestedBy: OWNER } }],
          }),
          refused,
        );
        await assert.rejects(
          t.client.workflow.execute('rollbackModel', {
            taskQueue,
            workflowId: rollbackWorkflowId(nested),
            args: [{ modelId: nested, reason: 'x', requestedBy: OWNER }],
          }),
          refused,
        );
      });
    } finally {
      await engine.close();
    }
    assert.deepEqual(await store.list(`audit/${modelId}`), [], 'nothing recorded under the model');
  });
  it('retrainModel for a model the config does not hold records nothing in its name', async function () {
    const modelId = uniqueModelId('ghost');
    const ghost = `${modelId}-gone`;
    const taskQueue = uniqueTaskQueue('ghost');
    ws = createDemoWorkspace({ modelId, end: new Date('2026-11-20T06:00:00Z'), days: 3, drifted: false });
    const store = createFileStore(ws.storeDir);
    const t = await testTemporal();
    const { worker, engine } = await createUpkeepWorker({
      connection: t.connection,
      namespace: 'default',
      taskQueue,
      configPath: ws.configPath,
      workflowBundle: t.bundle,
      scratchDir: ws.dir,
      log: () => {},
    });
    const refused = (err: unknown): boolean =>
      err instanceof WorkflowFailedError &&
      err.cause instanceof ApplicationFailure &&
      err.cause.type === 'UnknownModel' &&
      /nothing was recorded/.test(err.cause.message);
    try {
      await worker.runUntil(async () => {
        // Before: a retrain-requested entry (and a failure) in the chain of a model removed from the config, or of one made up.
        await assert.rejects(
          t.client.workflow.execute('retrainModel', {
            taskQueue,
            workflowId: retrainWorkflowId(ghost),
            args: [{ modelId: ghost, evidence: { source: 'manual', at: new Date().toISOString(), reason: 'x', requestedBy: OWNER } }],
          }),
          refused,
        );
      });
    } finally {
      await engine.close();
    }
    assert.deepEqual(await readChain(store, ghost), [], 'nothing recorded');
  });
});
