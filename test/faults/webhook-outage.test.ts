/**
 * The webhook down for a while (a local HTTP server that answers 503, then 200): notifications are
 * retried and delivered once it is back, and meanwhile the workflows go on: the evaluation's
 * verdict is written and the approval gate's reminder timers fire.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WorkflowHandle } from '@temporalio/client';
import { createFileStore } from '../../engine/store/file-store.js';
import { readAuditTrail } from '../../engine/audit/read.js';
import { maintenanceStatusQuery, retrainWorkflowId, type EvaluateModelResult, type RetrainModelResult } from '../../workflows/definitions.js';
import type { MaintenanceStatus } from '../../domain/maintenance.js';
import { evaluateModel } from '../../workflows/index.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { createDemoWorkspace, OWNER, type DemoWorkspace } from '../helpers/demo-workspace.js';
import { decide } from '../helpers/decision.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { waitFor } from '../helpers/wait.js';

const WINDOW_END = '2026-11-20T06:00:00.000Z';
/**
 * Longer than an evaluation's own retry budget for a notification (4 attempts over about 7 s; the
 * evaluation's result, awaited while the webhook is down, comes after that budget in any case).
 * Not much longer: the notifications are retried with backoff (2, 4, 8, 16 s ...), so every second
 * of outage past the budget can cost the test several more of waiting for the next attempt.
 */
const MIN_OUTAGE_MS = 10_000;

interface Received {
  at: number;
  status: number;
  kind: string;
  key: string | undefined;
}

/** A webhook receiver on 127.0.0.1 that answers 503 until it is told it is up, then 200; records every POST. */
async function flakyWebhook(): Promise<{ url: string; received: Received[]; bringUp(): void; close(): Promise<void> }> {
  const received: Received[] = [];
  let up = false;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const status = up ? 200 : 503;
      let kind = '?';
      try {
        kind = (JSON.parse(body) as { kind: string }).kind;
      } catch {
        // recorded as '?'
      }
      received.push({ at: Date.now(), status, kind, key: req.headers['idempotency-key'] as string | undefined });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    bringUp: () => {
      up = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('faults: the webhook down for a while', function () {
  this.timeout(240_000);
  let ws: DemoWorkspace | undefined;
  let hook: Awaited<ReturnType<typeof flakyWebhook>> | undefined;
  after(async () => {
    await hook?.close();
    ws?.remove();
  });

  it('retries notifications until the webhook is back, without holding up verdicts or approval timers', async function () {
    hook = await flakyWebhook();
    const modelId = uniqueModelId('hook');
    const taskQueue = uniqueTaskQueue('hook');
    ws = createDemoWorkspace({
      modelId,
      end: new Date(WINDOW_END),
      days: 12,
      drifted: true,
      config: { notify: { webhook: hook.url } },
      model: { approval: { reminder_every: '2s', escalate_after: '1h', expire_after: '1d', escalation: [] } },
    });
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
    const storeDir = ws.storeDir;
    let outageMs = 0;
    try {
      await worker.runUntil(async () => {
        const downFrom = Date.now();
        const evaluation = await t.client.workflow.start(evaluateModel, {
          taskQueue,
          workflowId: `evaluate-${modelId}`,
          args: [{ modelId, windowEnd: WINDOW_END }],
        });

        // While the webhook is down: the evaluation writes its verdict and ends, and the retrain
        // request's reminder timers fire.
        const result: EvaluateModelResult = await evaluation.result();
        assert.equal(result.verdict.status, 'degraded');
        assert.equal(result.retrain, 'started');
        const entries = await readAuditTrail(createFileStore(storeDir), modelId, { evaluations: true });
        assert.equal(entries.find((e) => e.kind === 'evaluation')?.details?.verdict, 'degraded');
        const retrain: WorkflowHandle = t.client.workflow.getHandle(retrainWorkflowId(modelId));
        const reminded = await waitFor(
          'two reminders',
          async () => {
            const s: MaintenanceStatus = await retrain.query(maintenanceStatusQuery);
            return (s.gate?.reminders ?? 0) >= 2 ? s : undefined;
          },
          { ignoreErrors: true, intervalMs: 250 },
        );
        assert.equal(reminded.gate!.state, 'waiting');
        assert.equal(hook!.received.filter((r) => r.status === 200).length, 0);
        assert.ok(
          hook!.received.some((r) => r.kind === 'degraded') && hook!.received.some((r) => r.kind === 'approval-requested'),
          'both were tried while down',
        );
        // Down for at least MIN_OUTAGE_MS, and until all of the above happened.
        await new Promise((r) => setTimeout(r, Math.max(0, downFrom + MIN_OUTAGE_MS - Date.now())));
        hook!.bringUp();
        outageMs = Date.now() - downFrom;

        // Back up: the evaluation's alert (handed to its own workflow when the evaluation's short
        // budget ran out) and the approval request get through.
        const handedOff = t.client.workflow.getHandle(`evaluate-${modelId}-notify-${evaluation.firstExecutionRunId}-1`);
        assert.equal(await handedOff.result(), 'delivered');
        await waitFor(
          'the approval request delivered',
          () => (hook!.received.some((r) => r.kind === 'approval-requested' && r.status === 200) ? true : undefined),
          { timeoutMs: 120_000 },
        );
        const degraded = hook!.received.filter((r) => r.kind === 'degraded');
        assert.ok(degraded.length >= 2, 'the alert was retried');
        assert.deepEqual(
          degraded.map((r) => r.status).filter((s) => s === 200),
          [200],
          'delivered once',
        );
        assert.equal(new Set(degraded.map((r) => r.key)).size, 1, 'every attempt carried the same Idempotency-Key');
        await decide(retrain, { gate: 'retrain', decision: 'reject', approver: OWNER, comment: 'the feed is being fixed' });
        const closed: RetrainModelResult = await retrain.result();
        assert.equal(closed.outcome, 'retrain-rejected');
      });
      console.log(`      (webhook down for ${outageMs} ms)`);
    } finally {
      await engine.close();
    }
  });
});
