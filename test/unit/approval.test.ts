import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { deciderChange, validateDecision, type DecisionAuth } from '../../workflows/approval.js';
import type { DecisionInput, GateStatus } from '../../domain/maintenance.js';
import { signaturesRequired } from '../../domain/decision-keys.js';

const MODEL = 'churn';
const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
/** A model without keys: decisions are not signed (test/attacks/decisions.test.ts has the signed rows). */
const NO_KEYS: DecisionAuth = { workflowId: 'upkeep-retrain-churn', now: 0 };

const waiting = (overrides: Partial<GateStatus> = {}): GateStatus => ({
  gate: 'promote',
  state: 'waiting',
  openedAt: '2026-03-01T06:00:00.000Z',
  expiresAt: '2026-03-08T06:00:00.000Z',
  approvers: [ALICE, BOB],
  notified: [],
  reminders: 0,
  escalated: false,
  ...overrides,
});

/** Calls validateDecision and returns the refusal, asserting it is an InvalidRequest ApplicationFailure. */
function refusal(open: GateStatus | undefined, input: DecisionInput): ApplicationFailure {
  let caught: unknown;
  try {
    validateDecision(MODEL, open, input, NO_KEYS);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(caught)}`);
  assert.equal(caught.type, 'InvalidRequest');
  assert.equal(caught.nonRetryable, true);
  return caught;
}

describe('the approval gate decision validator', function () {
  const refused: { name: string; open: GateStatus | undefined; input: DecisionInput; message: string }[] = [
    {
      name: 'refuses a decision when no gate is open',
      open: undefined,
      input: { gate: 'promote', decision: 'approve', approver: ALICE },
      message: 'model churn: no request is waiting for a decision',
    },
    {
      name: 'refuses a decision for another gate than the open one',
      open: waiting({ gate: 'promote' }),
      input: { gate: 'retrain', decision: 'approve', approver: ALICE },
      message: 'model churn: the open request is "promote", not "retrain"',
    },
    {
      name: 'refuses a decision on a gate that was already decided',
      open: waiting({
        state: 'approved',
        decision: { gate: 'promote', decision: 'approve', approver: BOB, at: '2026-03-02T09:00:00.000Z' },
      }),
      input: { gate: 'promote', decision: 'reject', approver: ALICE, comment: 'too late' },
      message: `model churn: the promote request was already decided (approve by ${BOB} at 2026-03-02T09:00:00.000Z)`,
    },
    {
      name: 'refuses a decision on a gate that is no longer waiting',
      open: waiting({ state: 'expired', closedAt: '2026-03-08T06:00:00.000Z' }),
      input: { gate: 'promote', decision: 'approve', approver: ALICE },
      message: 'model churn: the promote request is expired',
    },
    {
      name: 'refuses a decision that is neither approve nor reject',
      open: waiting(),
      input: { gate: 'promote', decision: 'maybe' as DecisionInput['decision'], approver: ALICE },
      message: 'model churn: decision must be approve or reject, not "maybe"',
    },
    {
      name: 'refuses an approver who is not listed, naming them and the approvers',
      open: waiting(),
      input: { gate: 'promote', decision: 'approve', approver: 'mallory@example.com' },
      message: `model churn: "mallory@example.com" is not an approver of this model (approvers: ${ALICE}, ${BOB})`,
    },
    {
      name: 'refuses a rejection without a comment',
      open: waiting(),
      input: { gate: 'promote', decision: 'reject', approver: BOB },
      message: 'model churn: a rejection needs a comment saying why',
    },
    {
      name: 'refuses an approval without a comment when the gate needs one (a candidate that still fails the threshold), naming why',
      open: waiting({
        commentRequired: "candidate bbbbbbbbbbbb is not recommended: it still fails the model's threshold: brier 0.2213 is above the maximum 0.18",
      }),
      input: { gate: 'promote', decision: 'approve', approver: ALICE, comment: '  ' },
      message:
        "model churn: approving this promote request needs a comment saying why, because candidate bbbbbbbbbbbb is not recommended: it still fails the model's threshold: brier 0.2213 is above the maximum 0.18",
    },
    {
      name: 'refuses a rejection whose comment is only whitespace',
      open: waiting(),
      input: { gate: 'promote', decision: 'reject', approver: BOB, comment: ' \n\t ' },
      message: 'model churn: a rejection needs a comment saying why',
    },
  ];
  for (const c of refused) {
    it(c.name, function () {
      assert.equal(refusal(c.open, c.input).message, c.message);
    });
  }

  it('accepts an approval by a listed approver on the open waiting gate', function () {
    assert.equal(validateDecision(MODEL, waiting(), { gate: 'promote', decision: 'approve', approver: ALICE }, NO_KEYS), undefined);
  });

  it('accepts an approval with a comment on a gate that needs one', function () {
    assert.equal(
      validateDecision(
        MODEL,
        waiting({ commentRequired: 'it trained on 3 of the 28 days asked' }),
        { gate: 'promote', decision: 'approve', approver: ALICE, comment: 'better than the failing champion; retrain again next month' },
        NO_KEYS,
      ),
      undefined,
    );
  });

  it('accepts a rejection with a comment by a listed approver', function () {
    assert.equal(
      validateDecision(
        MODEL,
        waiting({ gate: 'retrain' }),
        { gate: 'retrain', decision: 'reject', approver: BOB, comment: 'the drift is a holiday effect' },
        NO_KEYS,
      ),
      undefined,
    );
  });

  it('refuses a request that is not an object before looking at the gate', function () {
    const f = refusal(waiting(), null as unknown as DecisionInput);
    assert.equal(f.message, 'a decision needs gate, decision and approver');
  });
});

describe('what an open gate reports when it reads its approvers and keys again', function () {
  const keys = (people: Record<string, string>, authenticators: Record<string, string> = {}) => ({ people, authenticators });
  it('names added, removed and replaced keys and approvers, and nothing when nothing changed', function () {
    const before = { approvers: [ALICE, BOB], keys: keys({ [ALICE]: 'a'.repeat(64) }) };
    assert.equal(deciderChange(before, { approvers: [ALICE, BOB], keys: keys({ [ALICE]: 'a'.repeat(64) }) }), undefined);
    assert.equal(
      deciderChange(before, { approvers: [ALICE, BOB], keys: keys({ [ALICE]: 'a'.repeat(64), [BOB]: 'b'.repeat(64) }) }),
      `keys changed for ${BOB} (added)`,
    );
    assert.equal(
      deciderChange(before, { approvers: [ALICE, 'carol@example.com'], keys: keys({ [ALICE]: 'c'.repeat(64) }, { 'inbox.example.com': 'd'.repeat(64) }) }),
      `approvers added: carol@example.com; approvers removed: ${BOB}; keys changed for ${ALICE} (replaced); authenticator keys changed for inbox.example.com (added)`,
    );
    assert.equal(deciderChange(before, { approvers: [ALICE, BOB] }), `keys changed for ${ALICE} (removed)`);
  });
});

// domain/decision-keys.ts: the one rule both the opening of a gate and a refresh of its approvers apply.
describe('whether a gate needs signed decisions (signaturesRequired)', () => {
  const keys = { people: { [ALICE]: 'key' }, authenticators: {} };
  it('always at a handover; at another gate only when keys apply to its deciders', () => {
    assert.equal(signaturesRequired('handover', undefined, [BOB]), true);
    for (const gate of ['retrain', 'promote', 'rollback', 'review'] as const) {
      assert.equal(signaturesRequired(gate, undefined, [ALICE]), false, gate);
      assert.equal(signaturesRequired(gate, keys, [BOB]), false, gate);
      assert.equal(signaturesRequired(gate, keys, [BOB, ALICE]), true, gate);
    }
  });
});
