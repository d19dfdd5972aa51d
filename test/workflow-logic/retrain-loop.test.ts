/**
 * The retrain loop and its cooldown in workflow time, on the time-skipping test server with the
 * activities mocked: evaluate → request → gate → train → candidate checks → gate → promote, and a
 * rejected request not asked again before `retrain.cooldown` has passed (days, skipped).
 */
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import { evaluateModel } from '../../workflows/index.js';
import { retrainWorkflowId, type EvaluateModelResult, type RetrainModelResult } from '../../workflows/definitions.js';
import type { ResolvedModel } from '../../domain/evaluation.js';
import { APPROVER, ONCALL, OWNER } from '../helpers/demo-workspace.js';
import { waitFor } from '../helpers/wait.js';
import {
  atStage,
  decide,
  DAY,
  HOUR,
  mockActivities,
  refusal,
  resolvedModel,
  timeSkippingOrSkip,
  uniqueId,
  withWorkers,
  type TimeSkipping,
} from '../helpers/time-skipping.js';

describe('workflow logic: the retrain loop and its cooldown in workflow time (time-skipping server)', function () {
  this.timeout(150_000);
  let t: TimeSkipping;
  before(async function () {
    this.timeout(180_000);
    t = await timeSkippingOrSkip(this);
  });

  const evaluate = async (modelId: string, taskQueue: string): Promise<EvaluateModelResult> => {
    const windowEnd = new Date(await t.env.currentTimeMs()).toISOString();
    return t.env.client.workflow.execute(evaluateModel, { taskQueue, workflowId: uniqueId(`evaluate-${modelId}`), args: [{ modelId, windowEnd }] });
  };
  const retrainHandle = (modelId: string): WorkflowHandle => t.env.client.workflow.getHandle(retrainWorkflowId(modelId));

  it('does not promote a candidate that is not better: the owner is told, nothing changes', async function () {
    const modelId = uniqueId('worse');
    const taskQueue = uniqueId('tq-worse');
    const m = mockActivities(resolvedModel(modelId, 'a11ce0000001'), {
      evaluateSnapshot: (async (input: { model: ResolvedModel }) => ({
        rows: 2000,
        rowsRead: 2000,
        droppedRows: 0,
        invalid: [],
        metrics: { roc_auc: input.model.source === 'retrain' ? 0.65 : 0.66 },
        undefinedMetrics: {},
        metricWarnings: {},
        warnings: [],
        durationMs: 5,
      })) as never,
    });
    const result = await withWorkers(t, taskQueue, m.activities, async () => {
      const handle = await t.env.client.workflow.signalWithStart('retrainModel', {
        taskQueue,
        workflowId: retrainWorkflowId(modelId),
        args: [{ modelId }],
        signal: 'attachEvidence',
        signalArgs: [{ source: 'manual', at: new Date(await t.env.currentTimeMs()).toISOString(), reason: 'quarterly refresh', requestedBy: OWNER }],
      });
      await atStage(handle, 'awaiting-retrain-approval');
      await decide(handle, { gate: 'retrain', decision: 'approve', approver: APPROVER });
      return (await handle.result()) as RetrainModelResult;
    });
    assert.equal(result.outcome, 'not-recommended');
    assert.match(result.comparison!.reason, /is not better than champion a11ce0000001 .*: not recommended/);
    assert.deepEqual(m.named('setChampion'), []);
    assert.deepEqual(m.named('storeEvidence'), []);
    assert.equal(m.notifications.filter((n) => n.kind === 'not-recommended').length, 1);
  });

  it('does not ask again within retrain.cooldown (1 day) after a rejection, and asks once it has passed', async function () {
    const modelId = uniqueId('cooldown');
    const taskQueue = uniqueId('tq-cooldown');
    const m = mockActivities(resolvedModel(modelId, 'a11ce0000001'));
    await withWorkers(t, taskQueue, m.activities, async () => {
      // Asked for by hand (`upkeep retrain`) and rejected. (Not started by an evaluation here: the Java
      // test server stops skipping time for good once a child whose parent has closed completes.)
      const handle = await t.env.client.workflow.signalWithStart('retrainModel', {
        taskQueue,
        workflowId: retrainWorkflowId(modelId),
        args: [{ modelId }],
        signal: 'attachEvidence',
        signalArgs: [{ source: 'manual', at: new Date(await t.env.currentTimeMs()).toISOString(), reason: 'quarterly refresh', requestedBy: OWNER }],
      });
      await atStage(handle, 'awaiting-retrain-approval');
      await decide(handle, { gate: 'retrain', decision: 'reject', approver: OWNER, comment: 'upstream pricing bug, fix the feed first' });
      // Waited for without skipping time: awaiting the result lets the server skip to its next
      // timer, which may lie years ahead, and this test counts hours from here.
      const last = await waitFor(
        'the request closed',
        async () => ((await handle.describe()).status.name === 'COMPLETED' ? (m.state.last ?? undefined) : undefined),
        { timeoutMs: 30_000, intervalMs: 50 },
      );
      assert.equal(last.outcome, 'retrain-rejected');
      const closed = Date.parse(last.at);
      assert.ok((await t.env.currentTimeMs()) - closed < HOUR);

      // The next day's evaluation, 23 hours later, is degraded but within the cooldown: no request.
      await t.env.sleep(23 * HOUR);
      const again = await evaluate(modelId, taskQueue);
      assert.equal(again.verdict.status, 'degraded');
      assert.equal(again.retrain, undefined);
      const refused = m.entries.filter((e) => e.kind === 'evaluation' && e.summary.startsWith('no retrain requested'));
      assert.equal(refused.length, 1);
      assert.match(refused[0]!.summary, /the last retrain request closed retrain-rejected at .*, within the cooldown/);
      assert.ok(Date.parse(refused[0]!.at) - closed >= 23 * HOUR);
      assert.equal(m.notifications.filter((n) => n.kind === 'degraded').length, 1, 'the owner is still told it is degraded');

      // Two hours later the day has passed: the evaluation asks again.
      await t.env.sleep(2 * HOUR);
      const later = await evaluate(modelId, taskQueue);
      assert.equal(later.retrain, 'started');
      const next = await atStage(retrainHandle(modelId), 'awaiting-retrain-approval');
      assert.ok(Date.parse(next.gate!.openedAt) - closed >= DAY, `${next.gate!.openedAt} vs ${m.state.last!.at}`);
      assert.equal(next.evidence[0]!.source, 'evaluation');
      await retrainHandle(modelId).terminate('test over');
    });
    assert.equal(m.entries.filter((e) => e.kind === 'retrain-requested').length, 2);
  });
});

// A server of its own: once a retrain request started by an evaluation (a child whose parent has
// closed) completes, the Java test server (1.38.0) no longer skips time for anything after it.
describe('workflow logic: the retrain loop from an evaluation to a promotion (time-skipping server)', function () {
  this.timeout(150_000);
  let t: TimeSkipping;
  before(async function () {
    this.timeout(180_000);
    t = await timeSkippingOrSkip(this, { own: true });
  });
  after(async () => t?.env.teardown());

  const evaluate = async (modelId: string, taskQueue: string): Promise<EvaluateModelResult> => {
    const windowEnd = new Date(await t.env.currentTimeMs()).toISOString();
    return t.env.client.workflow.execute(evaluateModel, { taskQueue, workflowId: uniqueId(`evaluate-${modelId}`), args: [{ modelId, windowEnd }] });
  };
  const retrainHandle = (modelId: string): WorkflowHandle => t.env.client.workflow.getHandle(retrainWorkflowId(modelId));

  it('takes a degraded model through evaluate → approve → train → compare → approve → promote, with every step in the audit trail', async function () {
    const modelId = uniqueId('loop');
    const taskQueue = uniqueId('tq-loop');
    const m = mockActivities(resolvedModel(modelId, 'a11ce0000001'));
    const result = await withWorkers(t, taskQueue, m.activities, async () => {
      const first = await evaluate(modelId, taskQueue);
      assert.equal(first.verdict.status, 'degraded');
      assert.equal(first.retrain, 'started');
      const handle = retrainHandle(modelId);
      let status = await atStage(handle, 'awaiting-retrain-approval');
      assert.equal(status.evidence[0]!.verdict!.status, 'degraded');
      assert.deepEqual(status.plan, { trainer: 'builtin logistic regression', trainingDays: 6, holdoutDays: 2, minCoverage: 0.8 });
      // Decided two and a half hours in, after a reminder (1 h) and the escalation (2 h).
      await t.env.sleep(150 * 60_000);
      await decide(handle, { gate: 'retrain', decision: 'approve', approver: OWNER });

      status = await atStage(handle, 'awaiting-promotion-approval');
      const comparison = status.comparison!;
      assert.equal(comparison.recommended, true, comparison.reason);
      assert.equal(comparison.challenger.version, 'c0ffee000001');
      assert.equal(comparison.champion.value, 0.66);
      assert.equal(comparison.challenger.value, 0.81);
      assert.equal(status.gate!.candidate, 'c0ffee000001');
      assert.deepEqual(status.gate!.evidence, { uri: 'file:///store/evidence/e.json', sha256: 'e'.repeat(64) });
      assert.match(await refusal(decide(handle, { gate: 'retrain', decision: 'approve', approver: OWNER })), /the open request is "promote", not "retrain"/);
      await decide(handle, { gate: 'promote', decision: 'approve', approver: APPROVER, comment: 'holdout AUC clearly better' });
      return (await handle.result()) as RetrainModelResult;
    });
    assert.equal(result.outcome, 'promoted');
    assert.equal(result.champion, 'c0ffee000001');
    assert.deepEqual(
      result.decisions.map((d) => [d.gate, d.approver]),
      [
        ['retrain', OWNER],
        ['promote', APPROVER],
      ],
    );

    // Training used the snapshot before the holdout, on the training queue; the holdout compared both.
    const [holdout, training] = m
      .named('snapshotWindow')
      .slice(1)
      .map((c) => c.input as { days: number; skipDays?: number });
    assert.deepEqual([holdout!.days, training!.days, training!.skipDays], [2, 6, 2]);
    assert.equal(m.named('trainCandidate').length, 1);
    assert.deepEqual(
      m
        .named('evaluateSnapshot')
        .slice(1)
        .map((c) => (c.input as { model: ResolvedModel }).model.version),
      ['a11ce0000001', 'c0ffee000001'],
    );
    // Promoted by compare-and-swap from the champion the request started with, with both approvals.
    const swap = m.named('setChampion')[0]!.input as {
      version: string;
      expected: string;
      change: string;
      approvals: { approver: string }[];
      baseline: Record<string, number>;
    };
    assert.deepEqual([swap.version, swap.expected, swap.change], ['c0ffee000001', 'a11ce0000001', 'promotion']);
    assert.deepEqual(
      swap.approvals.map((a) => a.approver),
      [OWNER, APPROVER],
    );
    assert.equal(swap.baseline.roc_auc, 0.81);

    const retrainRun = m.entries.filter((e) => e.workflowId === retrainWorkflowId(modelId)).map((e) => e.kind);
    assert.deepEqual(retrainRun, [
      'retrain-requested',
      'approval-requested',
      'reminder',
      'escalation',
      'decision',
      'trained',
      'compared',
      'approval-requested',
      'decision',
      'promoted',
    ]);
    assert.match(m.entries.find((e) => e.kind === 'promoted')!.summary, /^promoted c0ffee000001 \(was a11ce0000001\)/);
    const promoted = m.notifications.find((n) => n.kind === 'promoted')!;
    assert.ok(promoted.to.includes(ONCALL));
    assert.match(promoted.text, /Approved by churn-owner@example\.com, ml-lead@example\.com \("holdout AUC clearly better"\)/);
    assert.equal(m.state.last!.outcome, 'promoted');
    assert.equal(m.state.last!.champion, 'c0ffee000001');
  });
});
