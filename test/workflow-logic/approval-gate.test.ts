/**
 * The approval gate's timing and decisions, at the durations a config uses (hours, a day), on the
 * time-skipping test server with the activities mocked (test/helpers/time-skipping.ts).
 */
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import { retrainWorkflowId, type RetrainModelResult } from '../../workflows/definitions.js';
import { APPROVER, ONCALL, OWNER } from '../helpers/demo-workspace.js';
import {
  atStage,
  decide,
  DAY,
  HOUR,
  mockActivities,
  refusal,
  resolvedModel,
  statusOf,
  timeSkippingOrSkip,
  uniqueId,
  withWorkers,
  type TimeSkipping,
} from '../helpers/time-skipping.js';

describe('workflow logic: the approval gate in workflow time (time-skipping server)', function () {
  this.timeout(120_000);
  let t: TimeSkipping;
  before(async function () {
    this.timeout(180_000);
    t = await timeSkippingOrSkip(this);
  });

  const startRetrain = async (modelId: string, taskQueue: string): Promise<WorkflowHandle> =>
    t.env.client.workflow.signalWithStart('retrainModel', {
      taskQueue,
      workflowId: retrainWorkflowId(modelId),
      args: [{ modelId }],
      signal: 'attachEvidence',
      signalArgs: [{ source: 'manual', at: new Date(await t.env.currentTimeMs()).toISOString(), reason: 'quarterly refresh', requestedBy: OWNER }],
    });

  it('reminds every hour, escalates after two hours, and expires after a day undecided: nothing trained or changed', async function () {
    const modelId = uniqueId('expire');
    const taskQueue = uniqueId('tq-expire');
    const model = resolvedModel(modelId, 'a11ce0000001');
    const m = mockActivities(model);
    // A query needs a worker: the status is read while it still runs.
    const [result, status] = await withWorkers(t, taskQueue, m.activities, async () => {
      const handle = await startRetrain(modelId, taskQueue);
      return [(await handle.result()) as RetrainModelResult, await statusOf(handle)] as const;
    });
    assert.equal(result.outcome, 'retrain-expired');
    assert.deepEqual(result.decisions, []);

    // The gate's notices, in workflow time from when it opened: reminders at 1 h and 3 h…23 h (the
    // one due at 2 h is the escalation), the escalation at 2 h, the expiry at 24 h.
    const gate = status.gates[0]!;
    const opened = Date.parse(gate.openedAt);
    const at = (kind: string) => gate.notified.filter((n) => n.kind === kind).map((n) => Math.round((Date.parse(n.at) - opened) / 60_000) / 60);
    assert.deepEqual(at('approval-requested'), [0]);
    assert.deepEqual(at('escalation'), [2]);
    assert.deepEqual(at('reminder'), [1, ...Array.from({ length: 21 }, (_, i) => i + 3)]);
    assert.deepEqual(at('expired'), [24]);
    assert.equal(gate.state, 'expired');
    assert.equal(gate.reminders, 22);
    assert.equal(gate.escalated, true);
    assert.equal(Date.parse(gate.expiresAt) - opened, DAY);

    // The same in the audit trail and the notifications, to the right people.
    const kinds = m.entries.map((e) => e.kind);
    assert.deepEqual(
      kinds.filter((k) => k !== 'reminder'),
      ['retrain-requested', 'approval-requested', 'escalation', 'expired'],
    );
    assert.equal(kinds.filter((k) => k === 'reminder').length, 22);
    assert.match(m.entries.find((e) => e.kind === 'expired')!.summary, /expired undecided after 22 reminders and an escalation/);
    const escalation = m.notifications.find((n) => n.kind === 'escalation')!;
    assert.deepEqual(escalation.to.sort(), [APPROVER, ONCALL, OWNER].sort());
    assert.ok(Math.abs(Date.parse(escalation.at) - opened - 2 * HOUR) < 60_000, escalation.at);
    assert.deepEqual(m.notifications.find((n) => n.kind === 'reminder')!.to, [OWNER, APPROVER]);
    const expired = m.notifications.find((n) => n.kind === 'expired')!;
    assert.ok(expired.to.includes(ONCALL));
    assert.match(expired.text, /nothing was changed/);

    // Nothing was snapshotted, trained or promoted; the outcome and the card were written.
    for (const name of ['snapshotWindow', 'trainCandidate', 'setChampion']) assert.deepEqual(m.named(name), [], `${name} was called`);
    assert.equal(m.state.last!.outcome, 'retrain-expired');
    assert.ok(Math.abs(Date.parse(m.state.last!.at) - opened - DAY) < 60_000, m.state.last!.at);
    assert.deepEqual(m.state.cards, ['retrain request retrain-expired']);
  });

  it('takes a decision before the escalation: no escalation after it; refuses a stranger, a rejection without a comment and the wrong gate', async function () {
    const modelId = uniqueId('reject');
    const taskQueue = uniqueId('tq-reject');
    const m = mockActivities(resolvedModel(modelId, 'a11ce0000001'));
    await withWorkers(t, taskQueue, m.activities, async () => {
      const handle = await startRetrain(modelId, taskQueue);
      const opened = Date.parse((await atStage(handle, 'awaiting-retrain-approval')).gate!.openedAt);
      // 90 minutes of workflow time pass: one reminder, no escalation yet.
      await t.env.sleep(90 * 60_000);
      let gate = (await statusOf(handle)).gate!;
      assert.equal(gate.reminders, 1);
      assert.equal(gate.escalated, false);

      assert.match(
        await refusal(decide(handle, { gate: 'retrain', decision: 'approve', approver: 'mallory@example.com' })),
        /"mallory@example\.com" is not an approver/,
      );
      assert.match(await refusal(decide(handle, { gate: 'retrain', decision: 'reject', approver: OWNER })), /a rejection needs a comment/);
      assert.match(await refusal(decide(handle, { gate: 'promote', decision: 'approve', approver: OWNER })), /the open request is "retrain", not "promote"/);
      gate = await decide(handle, { gate: 'retrain', decision: 'reject', approver: APPROVER, comment: 'fix the feed first' });
      assert.equal(gate.state, 'rejected');
      assert.match(await refusal(decide(handle, { gate: 'retrain', decision: 'approve', approver: OWNER })), /no request is waiting|already decided/);

      const result: RetrainModelResult = await handle.result();
      assert.equal(result.outcome, 'retrain-rejected');
      assert.deepEqual(
        result.decisions.map((d) => [d.gate, d.decision, d.approver, d.comment]),
        [['retrain', 'reject', APPROVER, 'fix the feed first']],
      );
      const decided = Date.parse(result.decisions[0]!.at) - opened;
      assert.ok(decided >= 90 * 60_000 && decided < 2 * HOUR, `decided ${decided} ms after opening`);
    });
    const kinds = m.entries.map((e) => e.kind);
    assert.deepEqual(kinds, ['retrain-requested', 'approval-requested', 'reminder', 'decision']);
    const decision = m.entries.at(-1)!;
    assert.equal(decision.actor, APPROVER);
    assert.equal(decision.comment, 'fix the feed first');
    assert.deepEqual(
      m.notifications.map((n) => n.kind),
      ['approval-requested', 'reminder', 'decision'],
    );
    for (const name of ['snapshotWindow', 'trainCandidate', 'setChampion']) assert.deepEqual(m.named(name), [], `${name} was called`);
    assert.equal(m.state.last!.outcome, 'retrain-rejected');
  });

  it('follows the config: reminders every 6 hours, escalation after 12, expiry after 2 days', async function () {
    const modelId = uniqueId('slow');
    const taskQueue = uniqueId('tq-slow');
    const m = mockActivities(
      resolvedModel(modelId, 'a11ce0000001', { approval: { reminder_every: '6h', escalate_after: '12h', expire_after: '2d', escalation: [ONCALL] } }),
    );
    const [result, status] = await withWorkers(t, taskQueue, m.activities, async () => {
      const handle = await startRetrain(modelId, taskQueue);
      return [(await handle.result()) as RetrainModelResult, await statusOf(handle)] as const;
    });
    assert.equal(result.outcome, 'retrain-expired');
    const gate = status.gates[0]!;
    const opened = Date.parse(gate.openedAt);
    const at = (kind: string) => gate.notified.filter((n) => n.kind === kind).map((n) => Math.round((Date.parse(n.at) - opened) / 60_000) / 60);
    // The reminder due at 12 h is the escalation; at 48 h the request expires instead.
    assert.deepEqual(at('reminder'), [6, 18, 24, 30, 36, 42]);
    assert.deepEqual(at('escalation'), [12]);
    assert.deepEqual(at('expired'), [48]);
  });
});
