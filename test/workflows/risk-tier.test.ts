import assert from 'node:assert/strict';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { readAuditTrail } from '../../engine/audit/read.js';
import { verifyTrail } from '../../engine/audit/verify-trail.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { attachEvidenceSignal, decideUpdate, maintenanceStatusQuery, retrainWorkflowId, type RetrainModelResult } from '../../workflows/definitions.js';
import type { DecisionInput, MaintenanceStatus } from '../../domain/maintenance.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { APPROVER, createDemoWorkspace, OWNER, type DemoWorkspace } from '../helpers/demo-workspace.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { waitFor as waitUntil } from '../helpers/wait.js';

const VALIDATOR = 'model-risk@example.com';
const SECOND = 'second-line@example.com';
const waitFor = <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> =>
  waitUntil(what, probe, { timeoutMs: 90_000, intervalMs: 250, ignoreErrors: true });

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof WorkflowUpdateFailedError, `expected a refused update, got ${String(err)}`);
    return err.cause?.message ?? err.message;
  }
  assert.fail('the update was accepted');
}

describe('risk tiers through a worker: separation of duties at the promote gate', function () {
  this.timeout(180_000);
  let ws: DemoWorkspace | undefined;
  afterEach(() => ws?.remove());

  it('refuses a high-tier promotion approved by its owner or the requester, and promotes once two independent validators approved', async function () {
    const modelId = uniqueModelId('tier');
    const taskQueue = uniqueTaskQueue('tier');
    ws = createDemoWorkspace({ modelId, end: new Date(), days: 12, drifted: true, model: { risk_tier: 'high', approvers: [APPROVER, VALIDATOR, SECOND] } });
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
        // APPROVER asks for the retrain: under the high tier they may not approve its promotion.
        const handle: WorkflowHandle = await t.client.workflow.signalWithStart('retrainModel', {
          taskQueue,
          workflowId: retrainWorkflowId(modelId),
          args: [{ modelId }],
          signal: attachEvidenceSignal,
          signalArgs: [{ source: 'manual', at: new Date().toISOString(), reason: 'quarterly refresh', requestedBy: APPROVER }],
        });
        const decide = (input: DecisionInput) => handle.executeUpdate(decideUpdate, { args: [input] });
        await waitFor('the retrain gate', async () => ((await handle.query(maintenanceStatusQuery)) as MaintenanceStatus).gate);
        // The retrain gate is not tiered: the owner may let it train.
        await decide({ gate: 'retrain', decision: 'approve', approver: OWNER });
        const status = await waitFor('the promote gate', async () => {
          const s: MaintenanceStatus = await handle.query(maintenanceStatusQuery);
          return s.gate?.gate === 'promote' ? s : undefined;
        });
        assert.deepEqual(status.gate!.rule, {
          tier: 'high',
          approvalsRequired: 2,
          ownerMayApprove: false,
          requesterMayApprove: false,
          owner: OWNER,
          requester: APPROVER,
        });

        const approve = (approver: string) => decide({ gate: 'promote', decision: 'approve', approver, comment: 'reviewed the holdout' });
        assert.match(
          await refusal(approve(OWNER)),
          new RegExp(
            `^model ${modelId}: ${OWNER} is the model's owner, and the owner may not approve a promotion of a high-tier model: an independent validator must approve it \\(governance\\.tiers\\.high\\.owner_may_approve: false\\)$`,
          ),
        );
        assert.match(await refusal(approve(APPROVER)), /ml-lead@example\.com asked for this retrain.*requester_may_approve: false/);

        const first = await approve(VALIDATOR);
        assert.equal(first.state, 'waiting', 'one approval of two leaves the request open');
        assert.deepEqual(
          first.approvals!.map((a) => a.approver),
          [VALIDATOR],
        );
        assert.match(
          await refusal(approve(VALIDATOR)),
          /model-risk@example\.com already approved this promotion; a high-tier model needs 2 approvals by different people/,
        );
        const second = await approve(SECOND);
        assert.equal(second.state, 'approved');

        const result: RetrainModelResult = await handle.result();
        assert.equal(result.outcome, 'promoted');
        assert.deepEqual(
          result.decisions.map((d) => [d.gate, d.approver]),
          [
            ['retrain', OWNER],
            ['promote', VALIDATOR],
            ['promote', SECOND],
          ],
        );
        const trail = await readAuditTrail(createFileStore(ws!.storeDir), modelId);
        const asked = trail.find((e) => e.kind === 'approval-requested' && (e.details as { gate?: string }).gate === 'promote')!;
        assert.equal((asked.details as { tier?: string }).tier, 'high');
        assert.equal(
          (asked.details as { ruleText?: string }).ruleText,
          `high tier: a promotion needs 2 approvals by different people; neither the owner (${OWNER}) nor the requester (${APPROVER}) may approve`,
        );
        const decided = trail.filter((e) => e.kind === 'decision' && (e.details as { gate?: string }).gate === 'promote');
        assert.deepEqual(
          decided.map((e) => [e.actor, (e.details as { approvals?: unknown }).approvals]),
          [
            [VALIDATOR, { count: 1, required: 2 }],
            [SECOND, { count: 2, required: 2 }],
          ],
        );
        assert.match(decided[0]!.summary, /\(approval 1 of 2: the request stays open\)$/);
        // audit verify judges each promotion by the rule its request recorded: this one holds.
        const verified = await verifyTrail(createFileStore(ws!.storeDir), modelId);
        assert.deepEqual(verified.problems, []);
        // The refused attempts left nothing in the trail.
        assert.ok(
          !trail.some((e) => e.kind === 'decision' && (e.actor === OWNER || e.actor === APPROVER) && (e.details as { gate?: string }).gate === 'promote'),
        );
      });
    } finally {
      await engine.close();
    }
  });
});
