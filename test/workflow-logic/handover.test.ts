/**
 * The handover request in workflow time, on the time-skipping test server with the activities
 * mocked: accepted only by the person named, with a signature (anyone else, an unsigned or a forged
 * acceptance is refused); a rejection or an expiry changes nothing; a workflow started by hand with
 * anything but a staged request's reference, or under another id, records nothing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { handoverModel } from '../../workflows/index.js';
import { handoverWorkflowId, refreshApproversUpdate, type HandoverModelResult } from '../../workflows/definitions.js';
import { newKeyPair, newNonce, signDecision } from '../../domain/signature.js';
import type { DecisionInput } from '../../domain/maintenance.js';
import type { HandoverRequest, StagedHandover } from '../../domain/handover.js';
import type { DecisionKeys } from '../../domain/decision-keys.js';
import { acceptanceProblem, ownerAt } from '../../engine/audit/owners.js';
import { ONCALL, OWNER } from '../helpers/demo-workspace.js';
import {
  atStage,
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

const BOB = 'bob@example.com';
const MALLORY = 'mallory@example.com';
const PLATFORM = 'ml-platform@example.com';
const bob = newKeyPair();
const mallory = newKeyPair();
const bobKeys: DecisionKeys = { people: { [BOB]: bob.publicKey }, authenticators: {} };
const SHA = 'f'.repeat(64);

describe('workflow logic: handover requests in workflow time (time-skipping server)', function () {
  this.timeout(120_000);
  let t: TimeSkipping;
  before(async function () {
    this.timeout(180_000);
    t = await timeSkippingOrSkip(this);
  });
  after(async () => t?.env.teardown());

  /** The activities: the staged request (to Bob, from the owner) and the keys the config gives now. */
  function activities(modelId: string, o: { keys?: DecisionKeys; later?: DecisionKeys; refuse?: string } = {}) {
    const request: HandoverRequest = {
      modelId,
      to: [BOB],
      reason: 'moving to the fraud team',
      requestedBy: OWNER,
      source: 'manual',
      at: '2026-11-03T00:00:00.000Z',
    };
    const state = { keys: o.keys, opened: 0 };
    const m = mockActivities(resolvedModel(modelId, 'c0ffee000001'), {
      async openHandover(input: { ref: StagedHandover }) {
        state.opened++;
        if (o.refuse) throw ApplicationFailure.create({ type: 'InvalidRequest', nonRetryable: true, message: o.refuse });
        assert.equal(input.ref.sha256, SHA);
        return {
          request,
          from: OWNER,
          ...(state.keys ? { keys: state.keys } : {}),
          escalation: [ONCALL, PLATFORM],
          timing: { reminder_every: '1d', escalate_after: '3d', expire_after: '7d' },
        };
      },
      async handoverDeciders(input: { to: string[] }) {
        const keys = o.later ?? state.keys;
        return { approvers: input.to, ...(keys ? { keys } : {}) };
      },
    } as never);
    return { ...m, state };
  }

  const start = (modelId: string, taskQueue: string, args: unknown[] = [{ modelId, sha256: SHA }], workflowId = handoverWorkflowId(modelId)) =>
    t.env.client.workflow.start(handoverModel, { taskQueue, workflowId, args: args as [StagedHandover] });

  /** A decision signed as `upkeep approve --as <approver>` signs it, at the workflow's time (the gate's opening). */
  async function signed(h: WorkflowHandle, input: DecisionInput, secretKey: string, signer = input.approver): Promise<DecisionInput> {
    const gate = (await statusOf(h)).gate!;
    const proof = signDecision(
      input,
      {
        model: h.workflowId.replace('upkeep-handover-', ''),
        workflow: h.workflowId,
        request: gate.openedAt,
        signer,
        at: gate.openedAt,
        nonce: newNonce((n) => randomBytes(n)),
      },
      secretKey,
    );
    return { ...input, proof };
  }

  it('is accepted only by the person named, signed: the owner, an unsigned and a forged acceptance are refused', async function () {
    const modelId = uniqueId('handover');
    const taskQueue = uniqueId('tq-handover');
    const m = activities(modelId, { keys: bobKeys });
    const result = await withWorkers(t, taskQueue, m.activities, async () => {
      const h = await start(modelId, taskQueue);
      const status = await atStage(h, 'awaiting-handover-acceptance');
      assert.deepEqual(
        [status.kind, status.handover?.from, status.handover?.to, status.gate?.gate, status.gate?.approvers],
        ['handover', OWNER, [BOB], 'handover', [BOB]],
      );
      assert.equal(status.gate?.signaturesRequired, true);
      const accept: DecisionInput = { gate: 'handover', decision: 'approve', approver: BOB, comment: 'taking it over' };
      // The owner (or anyone else) cannot accept for Bob, signed or not.
      assert.match(
        await refusal(decide(h, await signed(h, { ...accept, approver: OWNER }, mallory.secretKey))),
        /"churn-owner@example\.com" is not an approver of this model \(approvers: bob@example\.com\)/,
      );
      assert.match(await refusal(decide(h, accept)), /decisions on this model must be signed, and this one is not/);
      assert.match(await refusal(decide(h, await signed(h, accept, mallory.secretKey))), /the signature of "bob@example\.com" does not match this decision/);
      assert.match(
        await refusal(decide(h, await signed(h, accept, mallory.secretKey, MALLORY))),
        /"mallory@example\.com" is not a configured authenticator and may not sign for "bob@example\.com"/,
      );
      // Still waiting, still the owner's: nothing was recorded for the refusals.
      assert.equal((await statusOf(h)).gate?.state, 'waiting');
      await decide(h, await signed(h, accept, bob.secretKey));
      return (await h.result()) as HandoverModelResult;
    });
    assert.deepEqual([result.outcome, result.from, result.to, result.decisions.map((d) => d.approver)], ['accepted', OWNER, BOB, [BOB]]);
    assert.deepEqual(
      m.entries.map((e) => e.kind),
      ['handover-requested', 'approval-requested', 'decision', 'handover-accepted'],
    );
    const acceptedEntry = m.entries.at(-1)!;
    assert.equal(acceptanceProblem(modelId, acceptedEntry), undefined);
    assert.deepEqual([acceptedEntry.actor, acceptedEntry.details?.from, acceptedEntry.details?.to, acceptedEntry.details?.signer], [BOB, OWNER, BOB, BOB]);
    // The trail alone names the owner: Alice's config before, Bob from the acceptance on.
    const chain = m.entries.map((entry, i) => ({ seq: i + 1, entry, uri: '' }));
    const owner = ownerAt(modelId, chain, new Date(Date.parse(acceptedEntry.at) + 1000), new Map());
    assert.deepEqual([owner.owner, owner.how, owner.handover?.from], [BOB, 'handover', null]);
    assert.deepEqual(ownerAt(modelId, chain, new Date(Date.parse(acceptedEntry.at) - 1), new Map()).pending?.to, [BOB]);
    // The owner before, the new one and the escalation contacts are told, and told to update the config.
    const told = m.notifications.find((n) => n.title.endsWith(`${BOB} is now its owner`))!;
    assert.deepEqual(told.to.sort(), [BOB, OWNER, ONCALL, PLATFORM].sort());
    assert.match(told.text, /set owner: bob@example\.com for .* in the config/);
  });

  it('a rejection or an expiry changes nothing: no acceptance is recorded', async function () {
    const rejected = uniqueId('horeject');
    const tqR = uniqueId('tq-horeject');
    const r = activities(rejected, { keys: bobKeys });
    const outcome = await withWorkers(t, tqR, r.activities, async () => {
      const h = await start(rejected, tqR);
      await atStage(h, 'awaiting-handover-acceptance');
      await decide(h, await signed(h, { gate: 'handover', decision: 'reject', approver: BOB, comment: 'not my area' }, bob.secretKey));
      return (await h.result()) as HandoverModelResult;
    });
    assert.deepEqual([outcome.outcome, outcome.to], ['rejected', undefined]);
    assert.ok(!r.entries.some((e) => e.kind === 'handover-accepted'));

    const expired = uniqueId('hoexpire');
    const tqE = uniqueId('tq-hoexpire');
    const e = activities(expired, { keys: bobKeys });
    const ended = await withWorkers(t, tqE, e.activities, async () => (await start(expired, tqE)).result());
    assert.equal(ended.outcome, 'expired');
    assert.ok(!e.entries.some((x) => x.kind === 'handover-accepted'));
    const requested = Date.parse(e.entries[0]!.at);
    const gone = e.entries.find((x) => x.kind === 'expired')!;
    assert.ok(Math.abs(Date.parse(gone.at) - requested - 7 * DAY) < 60_000, `${gone.at} vs ${e.entries[0]!.at}`);
    assert.equal(e.entries.filter((x) => x.kind === 'escalation').length, 1);
    assert.ok(e.notifications.find((n) => n.kind === 'escalation')!.to.includes(PLATFORM));
    const chain = e.entries.map((entry, i) => ({ seq: i + 1, entry, uri: '' }));
    const after = ownerAt(expired, chain, new Date(Date.parse(gone.at) + 1000), new Map());
    assert.deepEqual([after.how, after.pending], ['unknown', undefined]);
  });

  it('a person without a key cannot accept until the config gives them one (refreshApprovers reads it)', async function () {
    const modelId = uniqueId('hokey');
    const taskQueue = uniqueId('tq-hokey');
    const m = activities(modelId, { later: bobKeys });
    const result = await withWorkers(t, taskQueue, m.activities, async () => {
      const h = await start(modelId, taskQueue);
      await atStage(h, 'awaiting-handover-acceptance');
      const accept: DecisionInput = { gate: 'handover', decision: 'approve', approver: BOB };
      assert.match(await refusal(decide(h, accept)), /accepted or declined only with a signed decision, and no public key is configured for bob@example\.com/);
      const gate = await h.executeUpdate(refreshApproversUpdate);
      assert.equal(gate.signaturesRequired, true);
      await decide(h, await signed(h, accept, bob.secretKey));
      return (await h.result()) as HandoverModelResult;
    });
    assert.equal(result.outcome, 'accepted');
    assert.ok(m.entries.some((e) => e.kind === 'approvers-refreshed'));
    assert.equal(
      acceptanceProblem(
        modelId,
        m.entries.find((e) => e.kind === 'handover-accepted')!,
      ),
      undefined,
    );
  });

  it('a workflow started by hand records nothing: a request passed in, another workflow id, a reference nobody staged', async function () {
    const modelId = uniqueId('hoforge');
    const taskQueue = uniqueId('tq-hoforge');
    const m = activities(modelId, { keys: bobKeys });
    const failure = async (p: Promise<WorkflowHandle>): Promise<string> => {
      try {
        await (await p).result();
      } catch (err) {
        if (err instanceof WorkflowFailedError) return err.cause?.message ?? err.message;
        throw err;
      }
      throw new Error('the workflow succeeded');
    };
    const refused = await withWorkers(t, taskQueue, m.activities, async () => [
      await failure(start(modelId, taskQueue, [{ modelId, sha256: SHA, to: [MALLORY] }])),
      await failure(start(modelId, taskQueue, [{ modelId, to: [MALLORY], reason: 'x', requestedBy: OWNER, source: 'manual', at: '2026-11-03T00:00:00Z' }])),
      await failure(start(modelId, taskQueue, [{ modelId, sha256: SHA }], `upkeep-retrain-${modelId}`)),
    ]);
    assert.match(refused[0]!, /takes only \{ modelId, sha256 \} of a request staged in the store, not "to"/);
    assert.match(refused[1]!, /takes only \{ modelId, sha256 \}/);
    assert.match(refused[2]!, /is handed over by workflow upkeep-handover-hoforge-[0-9a-f]+, not upkeep-retrain-/);
    assert.equal(m.state.opened, 0, 'the staged request was not even looked up');

    const unstaged = uniqueId('hounstaged');
    const n = activities(unstaged, { refuse: `model ${unstaged}: no handover request ${SHA.slice(0, 12)} was staged` });
    const why = await withWorkers(t, taskQueue, n.activities, () => failure(start(unstaged, taskQueue)));
    assert.match(why, /no handover request ffffffffffff was staged/);
    assert.deepEqual(m.entries, []);
    assert.deepEqual(n.entries, []);
    assert.deepEqual(n.notifications, []);
  });
});
