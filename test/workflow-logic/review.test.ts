/**
 * Periodic reviews in workflow time (docs/governance.md#periodic-reviews), on the time-skipping test
 * server with the activities mocked: a review that nobody attests is reminded weekly, escalated
 * after 14 days, and is then attested with a signed decision that answers every question; one that
 * is never attested expires after 30 days; a run started when no review is due writes nothing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { DecisionInput, GateStatus } from '../../domain/maintenance.js';
import { newKeyPair, newNonce, signDecision } from '../../domain/signature.js';
import type { ReviewRequestFacts } from '../../engine/audit/reviews.js';
import { reviewPolicy, reviewStanding } from '../../domain/review.js';
import { reviewWorkflowId } from '../../workflows/definitions.js';
import type { ReviewModelResult } from '../../workflows/review.js';
import { APPROVER, ONCALL, OWNER } from '../helpers/demo-workspace.js';
import {
  DAY,
  decide,
  mockActivities,
  refusal,
  resolvedModel,
  statusOf,
  timeSkippingOrSkip,
  uniqueId,
  withWorkers,
  type TimeSkipping,
} from '../helpers/time-skipping.js';
import { waitFor } from '../helpers/wait.js';

const QUESTIONS = ['Still used to target retention offers?', 'Are the offers still sent by email?'];

describe('workflow logic: a periodic review lapses, is reminded, escalated and attested (time-skipping server)', function () {
  this.timeout(120_000);
  let t: TimeSkipping;
  before(async function () {
    this.timeout(180_000);
    t = await timeSkippingOrSkip(this);
  });
  after(async () => t?.env.teardown());

  const setup = (modelId: string, keys?: { people: Record<string, string>; authenticators: Record<string, string> }) => {
    const review = { every: '90d', questions: QUESTIONS, reviewers: [APPROVER], reminder_every: '7d', escalate_after: '14d', expire_after: '30d' };
    const model = resolvedModel(modelId, 'a11ce0000001', { review, approval: { escalation: [ONCALL] }, intended_use: 'retention offers' });
    if (keys) model.spec.keys = keys;
    let due = true;
    const facts = async (input: { modelId: string; at: string }): Promise<ReviewRequestFacts | null> => {
      if (!due) return null;
      const policy = reviewPolicy(review, '90d')!;
      const since = new Date(Date.parse(input.at) - 120 * DAY).toISOString();
      return {
        standing: reviewStanding({ bornAt: since, every: policy.every, now: input.at }),
        policy,
        evidence: { uri: 'file:///store/audit/m/evidence/r.json', sha256: 'b'.repeat(64) },
        summary: {
          since,
          until: input.at,
          evaluations: { healthy: 11, degraded: 1 },
          drift: 2,
          incidentsOpened: 1,
          incidentsClosed: 1,
          decisions: 2,
          promotions: 1,
          rollbacks: 0,
          watchdogFindings: 0,
        },
        chainProblems: [],
      };
    };
    const m = mockActivities(model, { reviewRequest: facts } as never);
    return { m, model, notDue: () => void (due = false) };
  };

  const start = (modelId: string, taskQueue: string): Promise<WorkflowHandle> =>
    t.env.client.workflow.start('reviewModel', { taskQueue, workflowId: reviewWorkflowId(modelId), args: [{ modelId }] });

  const openGate = (h: WorkflowHandle): Promise<GateStatus> =>
    waitFor('the review gate', async () => (await statusOf(h)).gate, { timeoutMs: 30_000, intervalMs: 50, ignoreErrors: true });

  it('reminds weekly, escalates after 14 days, and takes a signed attestation answering both questions on day 20', async function () {
    const modelId = uniqueId('review');
    const taskQueue = uniqueId('tq-review');
    const owner = newKeyPair();
    const { m } = setup(modelId, { people: { [OWNER]: owner.publicKey }, authenticators: {} });
    const { result, refusals } = await withWorkers(t, taskQueue, m.activities, async () => {
      const h = await start(modelId, taskQueue);
      const gate = await openGate(h);
      await t.env.sleep(20 * DAY);
      const now = new Date(await t.env.currentTimeMs()).toISOString();
      const sign = (input: DecisionInput, signer: string, secret: string) => ({
        ...input,
        proof: signDecision(
          input,
          {
            model: modelId,
            workflow: h.workflowId,
            request: gate.openedAt,
            candidate: gate.candidate ?? '',
            evidence: gate.evidence!.sha256,
            signer,
            at: now,
            nonce: newNonce((n) => randomBytes(n)),
          },
          secret,
        ),
      });
      const refusals = [
        // Not a reviewer of this model.
        await refusal(decide(h, sign({ gate: 'review', decision: 'approve', approver: ONCALL, comment: '1. yes\n2. yes' }, OWNER, owner.secretKey))),
        // Unsigned, though the owner has a key.
        await refusal(decide(h, { gate: 'review', decision: 'approve', approver: OWNER, comment: '1. yes\n2. yes' })),
        // One question left unanswered.
        await refusal(decide(h, sign({ gate: 'review', decision: 'approve', approver: OWNER, comment: '1. yes, retention offers' }, OWNER, owner.secretKey))),
      ];
      await decide(
        h,
        sign(
          { gate: 'review', decision: 'approve', approver: OWNER, comment: '1. yes, retention offers\n2. by email and,\nsince May, by SMS' },
          OWNER,
          owner.secretKey,
        ),
      );
      return { result: (await h.result()) as ReviewModelResult, refusals };
    });
    assert.deepEqual(result, { modelId, outcome: 'fit', by: OWNER });
    assert.match(refusals[0]!, /ml-oncall@example.com" is not an approver of this model/);
    assert.match(refusals[1]!, /must be signed, and this one is not/);
    assert.match(refusals[2]!, /unanswered: 2 of 2/);

    const kinds = m.entries.map((e) => e.kind);
    assert.deepEqual(
      kinds.filter((k) => k !== 'reminder'),
      ['review-requested', 'approval-requested', 'escalation', 'decision', 'reviewed'],
    );
    // Reminders at 7 days (the one due at 14 days is the escalation), in workflow time from the request.
    const requested = Date.parse(m.entries.find((e) => e.kind === 'review-requested')!.at);
    const days = (kind: string) => m.entries.filter((e) => e.kind === kind).map((e) => Math.round((Date.parse(e.at) - requested) / DAY));
    assert.deepEqual(days('reminder'), [7]);
    assert.deepEqual(days('escalation'), [14]);
    assert.deepEqual(days('reviewed'), [20]);
    const escalation = m.notifications.find((n) => n.kind === 'escalation')!;
    assert.deepEqual([...escalation.to].sort(), [APPROVER, ONCALL, OWNER].sort());
    const asked = m.notifications.find((n) => n.kind === 'approval-requested')!;
    assert.deepEqual(asked.to, [OWNER, APPROVER]);
    assert.match(asked.text, /unreviewed for 120 days/);
    assert.match(asked.text, /12 evaluations \(11 healthy, 1 degraded\)/);
    assert.match(asked.text, /1\. Still used to target retention offers\?/);

    const reviewed = m.entries.find((e) => e.kind === 'reviewed')!;
    assert.equal(reviewed.actor, OWNER);
    assert.equal(reviewed.details?.outcome, 'fit');
    assert.equal(reviewed.details?.signer, OWNER);
    assert.deepEqual(reviewed.details?.answers, [
      { question: QUESTIONS[0], answer: 'yes, retention offers' },
      { question: QUESTIONS[1], answer: 'by email and, since May, by SMS' },
    ]);
    assert.deepEqual(reviewed.details?.evidence, { uri: 'file:///store/audit/m/evidence/r.json', sha256: 'b'.repeat(64) });
    const requestedEntry = m.entries.find((e) => e.kind === 'review-requested')!;
    assert.equal(requestedEntry.details?.unreviewedDays, 120);
    assert.deepEqual(requestedEntry.details?.reviewers, [OWNER, APPROVER]);
    assert.deepEqual(m.state.cards, ['periodic review: fit']);
  });

  it('expires after 30 days unattested (3 reminders and an escalation), recording no review', async function () {
    const modelId = uniqueId('lapse');
    const taskQueue = uniqueId('tq-lapse');
    const { m } = setup(modelId);
    const result = await withWorkers(t, taskQueue, m.activities, async () => (await start(modelId, taskQueue)).result());
    assert.deepEqual(result, { modelId, outcome: 'expired' });
    const requested = Date.parse(m.entries.find((e) => e.kind === 'review-requested')!.at);
    const days = (kind: string) => m.entries.filter((e) => e.kind === kind).map((e) => Math.round((Date.parse(e.at) - requested) / DAY));
    assert.deepEqual(days('reminder'), [7, 21, 28]);
    assert.deepEqual(days('escalation'), [14]);
    assert.deepEqual(days('expired'), [30]);
    assert.equal(m.entries.filter((e) => e.kind === 'reviewed').length, 0);
  });

  it('writes nothing when no review is due, and refuses to run under another workflow id', async function () {
    const modelId = uniqueId('notdue');
    const taskQueue = uniqueId('tq-notdue');
    const { m, notDue } = setup(modelId);
    notDue();
    const [result, other] = await withWorkers(t, taskQueue, m.activities, async () => {
      const r = await (await start(modelId, taskQueue)).result();
      const h = await t.env.client.workflow.start('reviewModel', { taskQueue, workflowId: `${modelId}-by-hand`, args: [{ modelId }] });
      return [r, await h.result().then(String, (e: Error) => (e.cause as Error | undefined)?.message ?? e.message)] as const;
    });
    assert.deepEqual(result, { modelId, outcome: 'not-due' });
    assert.match(other, /is reviewed by workflow upkeep-review-/);
    assert.deepEqual(m.entries, []);
    assert.deepEqual(m.notifications, []);
  });
});
