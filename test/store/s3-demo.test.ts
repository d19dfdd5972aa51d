/**
 * The demo's whole loop with `store: s3://…` on a real S3 server (versitygw): a drifted window is
 * degraded, the retrain is approved, the candidate trained and compared, the promotion approved
 * (the champion pointer moves by compare-and-swap on the ETag), and the next evaluation runs the
 * new champion. Registry, reports and the card are objects in the bucket.
 */
import assert from 'node:assert/strict';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { WorkflowHandle } from '@temporalio/client';
import { createS3Store } from '../../engine/store/s3-store.js';
import { createRegistry } from '../../engine/registry/registry.js';
import { decideUpdate, maintenanceStatusQuery, retrainWorkflowId, type RetrainModelResult } from '../../workflows/definitions.js';
import type { MaintenanceStage, MaintenanceStatus } from '../../domain/maintenance.js';
import { evaluateModel } from '../../workflows/index.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { APPROVER, createDemoWorkspace, OWNER, type DemoWorkspace } from '../helpers/demo-workspace.js';
import { useS3Server } from '../helpers/s3-server.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { waitFor } from '../helpers/wait.js';

const WINDOW_END = '2026-11-20T06:00:00.000Z';

describe('the demo loop with store: s3:// (versitygw)', function () {
  this.timeout(180_000);
  const s3 = useS3Server({ credentialsInEnv: true });
  let ws: DemoWorkspace | undefined;
  after(() => ws?.remove());

  it('degrades, retrains on approval, promotes on approval and evaluates the new champion, all in the bucket', async function () {
    const t = await testTemporal();
    const modelId = uniqueModelId('s3demo');
    const taskQueue = uniqueTaskQueue('s3demo');
    await s3().createBucket('ml-upkeep');
    const s3Settings = { region: 'us-east-1', endpoint: s3().endpoint };
    ws = createDemoWorkspace({
      modelId,
      end: new Date('2026-11-21T06:00:00.000Z'),
      days: 12,
      drifted: true,
      config: { store: 's3://ml-upkeep/demo', s3: s3Settings },
    });
    const { worker, engine } = await createUpkeepWorker({
      connection: t.connection,
      namespace: 'default',
      taskQueue,
      configPath: ws.configPath,
      workflowBundle: t.bundle,
      scratchDir: ws.dir,
    });
    const evaluate = () =>
      t.client.workflow.execute(evaluateModel, { taskQueue, workflowId: `evaluate-${modelId}-${Date.now()}`, args: [{ modelId, windowEnd: WINDOW_END }] });
    const atStage = (h: WorkflowHandle, stage: MaintenanceStage): Promise<MaintenanceStatus> =>
      waitFor(
        `stage ${stage}`,
        async () => {
          const s = await h.query(maintenanceStatusQuery);
          return s.stage === stage && s.gate ? s : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 250, ignoreErrors: true },
      );
    try {
      await worker.runUntil(async () => {
        const first = await evaluate();
        assert.equal(first.verdict.status, 'degraded', first.verdict.reasons.join('; '));
        assert.match(first.report.jsonUri, new RegExp(`^s3://ml-upkeep/demo/reports/${modelId}/`));
        const handle = t.client.workflow.getHandle(retrainWorkflowId(modelId));
        await atStage(handle, 'awaiting-retrain-approval');
        await handle.executeUpdate(decideUpdate, { args: [{ gate: 'retrain', decision: 'approve', approver: OWNER }] });
        const status = await atStage(handle, 'awaiting-promotion-approval');
        assert.equal(status.comparison!.recommended, true, status.comparison!.reason);
        await handle.executeUpdate(decideUpdate, { args: [{ gate: 'promote', decision: 'approve', approver: APPROVER, comment: 'better on the holdout' }] });
        const result: RetrainModelResult = await handle.result();
        assert.equal(result.outcome, 'promoted');
        const after = await evaluate();
        assert.equal(after.artifactSha256, result.candidate!.sha256);
        assert.notEqual(after.verdict.status, 'degraded', after.verdict.reasons.join('; '));
      });
    } finally {
      await engine.close();
    }
    const store = createS3Store('s3://ml-upkeep/demo', s3Settings);
    const champion = (await createRegistry(store).champion(modelId))!.pointer;
    assert.equal(champion.change, 'promotion');
    assert.deepEqual(
      champion.approvals.map((d) => d.approver),
      [OWNER, APPROVER],
    );
    const client = s3().client();
    try {
      const keys = ((await client.send(new ListObjectsV2Command({ Bucket: 'ml-upkeep', Prefix: 'demo/' }))).Contents ?? []).map((o) => o.Key!);
      assert.ok(
        keys.some((k) => k.startsWith(`demo/registry/${modelId}/`)),
        keys.join('\n'),
      );
      assert.ok(
        keys.some((k) => k.startsWith(`demo/snapshots/${modelId}/files/`)),
        keys.join('\n'),
      );
      const card = await (await client.send(new GetObjectCommand({ Bucket: 'ml-upkeep', Key: `demo/cards/${modelId}.md` }))).Body!.transformToString();
      assert.match(card, /better on the holdout/);
    } finally {
      client.destroy();
    }
  });
});
