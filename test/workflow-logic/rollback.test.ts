/**
 * The rollback request through the approval gate in workflow time, on the time-skipping test server
 * with the activities mocked: approved, expired (nothing changed), and an emergency.
 */
import assert from 'node:assert/strict';
import { rollbackModel } from '../../workflows/index.js';
import { rollbackWorkflowId, type RollbackModelResult } from '../../workflows/definitions.js';
import { APPROVER, ONCALL, OWNER } from '../helpers/demo-workspace.js';
import {
  atStage,
  decide,
  HOUR,
  mockActivities,
  resolvedModel,
  timeSkippingOrSkip,
  uniqueId,
  withWorkers,
  type TimeSkipping,
} from '../helpers/time-skipping.js';

describe('workflow logic: rollback requests in workflow time (time-skipping server)', function () {
  this.timeout(120_000);
  let t: TimeSkipping;
  before(async function () {
    this.timeout(180_000);
    // A server of its own: the retrain tests before leave the shared one no longer skipping time
    // (a request started by an evaluation, whose parent has closed; see retrain-loop.test.ts).
    t = await timeSkippingOrSkip(this, { own: true });
  });
  after(async () => t?.env.teardown());

  const start = (modelId: string, taskQueue: string, extra: Record<string, unknown> = {}) =>
    t.env.client.workflow.start(rollbackModel, {
      taskQueue,
      workflowId: rollbackWorkflowId(modelId),
      args: [{ modelId, requestedBy: APPROVER, reason: 'complaints since the promotion', ...extra }],
    });

  it('rolls back to the previous version once approved, by compare-and-swap, and tells everyone', async function () {
    const modelId = uniqueId('rollback');
    const taskQueue = uniqueId('tq-rollback');
    const m = mockActivities(resolvedModel(modelId, 'c0ffee000001'));
    const result = await withWorkers(t, taskQueue, m.activities, async () => {
      const handle = await start(modelId, taskQueue);
      const status = await atStage(handle, 'awaiting-rollback-approval');
      assert.equal(status.gate!.gate, 'rollback');
      assert.equal(status.target, 'a11ce0000001');
      await t.env.sleep(30 * 60_000);
      await decide(handle, { gate: 'rollback', decision: 'approve', approver: OWNER, comment: 'confirmed with support' });
      return (await handle.result()) as RollbackModelResult;
    });
    assert.deepEqual([result.outcome, result.from, result.to], ['rolled-back', 'c0ffee000001', 'a11ce0000001']);
    const swap = m.named('setChampion')[0]!.input as { version: string; expected: string; change: string; approvals: { approver: string }[] };
    assert.deepEqual([swap.version, swap.expected, swap.change, swap.approvals.map((a) => a.approver)], ['a11ce0000001', 'c0ffee000001', 'rollback', [OWNER]]);
    assert.deepEqual(
      m.entries.map((e) => e.kind),
      ['rollback-requested', 'approval-requested', 'decision', 'rolled-back'],
    );
    assert.match(
      m.entries.at(-1)!.summary,
      /rolled back from c0ffee000001 to a11ce0000001 \(approved by churn-owner@example\.com\): complaints since the promotion/,
    );
    assert.ok(m.notifications.find((n) => n.kind === 'rolled-back')!.to.includes(ONCALL));
  });

  it('expires undecided after a day with the champion unchanged', async function () {
    const modelId = uniqueId('rbexpire');
    const taskQueue = uniqueId('tq-rbexpire');
    const m = mockActivities(resolvedModel(modelId, 'c0ffee000001'));
    const result = await withWorkers(t, taskQueue, m.activities, async () => (await start(modelId, taskQueue)).result());
    assert.equal(result.outcome, 'expired');
    assert.deepEqual(m.named('setChampion'), []);
    const requested = Date.parse(m.entries[0]!.at);
    const expired = m.entries.find((e) => e.kind === 'expired')!;
    assert.ok(Math.abs(Date.parse(expired.at) - requested - 24 * HOUR) < 60_000, `${expired.at} vs ${m.entries[0]!.at}`);
    assert.equal(m.entries.filter((e) => e.kind === 'reminder').length, 22);
    assert.equal(m.entries.filter((e) => e.kind === 'escalation').length, 1);
  });

  it('rolls back at once in an emergency declared by an approver: no gate, no wait', async function () {
    const modelId = uniqueId('rbemergency');
    const taskQueue = uniqueId('tq-rbemergency');
    const m = mockActivities(resolvedModel(modelId, 'c0ffee000001'));
    const result = await withWorkers(t, taskQueue, m.activities, async () => (await start(modelId, taskQueue, { emergency: true })).result());
    assert.equal(result.outcome, 'rolled-back');
    assert.deepEqual(result.decisions, []);
    assert.deepEqual(
      m.entries.map((e) => e.kind),
      ['rollback-requested', 'rolled-back'],
    );
    const [requested, done] = m.entries.map((e) => Date.parse(e.at));
    assert.ok(done! - requested! < 60_000, 'no workflow time waited');
    assert.ok(!m.entries.some((e) => e.kind === 'approval-requested'));
    const swap = m.named('setChampion')[0]!.input as { emergency?: { by: string } };
    assert.equal(swap.emergency!.by, APPROVER);
  });
});
