/**
 * Who owned a model at an instant (engine/audit/owners.ts): the config's owner, then an accepted
 * handover (signed, verified from the entry alone), until the config changes its owner again; a
 * pending, rejected or forged handover changes nothing. And the shape checks of a staged request.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ChainedEntry } from '../../engine/audit/chain.js';
import { configOwnerLag, ownerAt, type SpecPeople } from '../../engine/audit/owners.js';
import { renderWhoWasWatching, whoWasWatching } from '../../engine/audit/watching.js';
import type { AuditEntry } from '../../domain/maintenance.js';
import { newKeyPair, newNonce, signDecision } from '../../domain/signature.js';
import { handoverRequestProblem, stagedHandoverProblem } from '../../domain/handover.js';

const M = 'churn';
const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
const CAROL = 'carol@example.com';
const MALLORY = 'mallory@example.com';
const SPEC_A = 'a'.repeat(64); // owner alice
const SPEC_A2 = 'c'.repeat(64); // owner alice, another threshold
const SPEC_B = 'b'.repeat(64); // owner bob
const SPEC_C = 'd'.repeat(64); // owner carol
const specs = new Map<string, SpecPeople>([
  [SPEC_A, { owner: ALICE, approvers: [], escalation: [] }],
  [SPEC_A2, { owner: ALICE, approvers: [], escalation: [] }],
  [SPEC_B, { owner: BOB, approvers: [], escalation: [] }],
  [SPEC_C, { owner: CAROL, approvers: [], escalation: [] }],
]);
const WF = 'upkeep-handover-churn';
const bobKey = newKeyPair();
const malloryKey = newKeyPair();
const keys = { people: { [BOB]: bobKey.publicKey }, authenticators: {} };

/** A handover-accepted entry as the workflow records it, signed with `secret` (bob's key unless told). */
function accepted(at: string, o: { secret?: string; signer?: string; to?: string; workflow?: string; comment?: string } = {}): Partial<AuditEntry> {
  const to = o.to ?? BOB;
  const act = { gate: 'handover', decision: 'approve', approver: to, ...(o.comment ? { comment: o.comment } : {}) };
  const proof = signDecision(
    act,
    { model: M, workflow: o.workflow ?? WF, request: '2026-11-03T00:00:00.000Z', signer: o.signer ?? to, at, nonce: newNonce((n) => randomBytes(n)) },
    o.secret ?? bobKey.secretKey,
  );
  return {
    kind: 'handover-accepted',
    workflowId: WF,
    runId: 'h1',
    actor: to,
    ...(o.comment ? { comment: o.comment } : {}),
    summary: `${to} accepted`,
    details: { from: ALICE, to, signer: proof.signer, proof, keys },
  };
}

function chainOf(steps: [string, Partial<AuditEntry>][]): ChainedEntry[] {
  return steps.map(([at, e], i) => ({
    seq: i + 1,
    uri: `file:///store/${i}`,
    entry: { id: `e${i}`, modelId: M, at: new Date(at).toISOString(), kind: 'evaluation', summary: '', ...e } as AuditEntry,
  }));
}

const evaluation = (sha: string): Partial<AuditEntry> => ({
  kind: 'evaluation',
  summary: 'healthy',
  details: { verdict: 'healthy', reasons: [], config: { sha256: sha } },
});
const requested: Partial<AuditEntry> = {
  kind: 'handover-requested',
  workflowId: WF,
  runId: 'h1',
  actor: ALICE,
  summary: 'handover asked',
  details: { from: ALICE, to: [BOB], source: 'manual', reason: 'moving team' },
};

/** Alice owns it; she asks Bob on the 3rd; Bob accepts on the 5th; the config still says Alice on the 6th; then says Bob on the 8th. */
const history = chainOf([
  ['2026-11-01T00:00:00Z', evaluation(SPEC_A)],
  ['2026-11-03T00:00:00Z', requested],
  [
    '2026-11-03T00:00:01Z',
    {
      kind: 'approval-requested',
      workflowId: WF,
      runId: 'h1',
      summary: 'asked',
      details: { gate: 'handover', openedAt: '2026-11-03T00:00:00.000Z', approvers: [BOB], to: [BOB, ALICE], keys },
    },
  ],
  [
    '2026-11-05T00:00:00Z',
    { kind: 'decision', workflowId: WF, runId: 'h1', actor: BOB, summary: 'bob approved', details: { gate: 'handover', decision: 'approve' } },
  ],
  ['2026-11-05T00:00:01Z', accepted('2026-11-05T00:00:00.000Z')],
  ['2026-11-06T00:00:00Z', evaluation(SPEC_A2)],
  ['2026-11-08T00:00:00Z', evaluation(SPEC_B)],
]);
const at = (t: string, chain = history) => ownerAt(M, chain, new Date(t), specs);

describe('handover: who owned the model at an instant', function () {
  it('before the request: the config’s owner, nothing pending', function () {
    const o = at('2026-11-02T00:00:00Z');
    assert.deepEqual([o.owner, o.how, o.pending, o.problems], [ALICE, 'config', undefined, []]);
  });

  it('while the request waits: the owner before stays accountable, the request is pending', function () {
    const o = at('2026-11-04T00:00:00Z');
    assert.equal(o.owner, ALICE);
    assert.equal(o.how, 'config');
    assert.deepEqual(o.pending?.to, [BOB]);
    assert.equal(o.pending?.requestedBy, ALICE);
  });

  it('after the acceptance: the new owner, from the signed entry, although the config still names the old one', function () {
    for (const t of ['2026-11-05T00:00:01Z', '2026-11-07T00:00:00Z']) {
      const o = at(t);
      assert.deepEqual([o.owner, o.how, o.since, o.seq, o.configOwner], [BOB, 'handover', '2026-11-05T00:00:01.000Z', 5, ALICE], t);
      assert.deepEqual(o.handover, { from: ALICE, signer: BOB, workflowId: WF });
      assert.equal(o.pending, undefined);
    }
    // An instant before the entry was recorded still answers Alice.
    assert.equal(at('2026-11-05T00:00:00.500Z').owner, ALICE);
  });

  it('the config that catches up names the same owner; a later change of the config’s owner wins over the handover', function () {
    const o = at('2026-11-09T00:00:00Z');
    assert.deepEqual([o.owner, o.how, o.configOwner], [BOB, 'config', BOB]);
    const later = chainOf([...history.map((c): [string, Partial<AuditEntry>] => [c.entry.at, c.entry]), ['2026-11-10T00:00:00Z', evaluation(SPEC_C)]]);
    assert.deepEqual([at('2026-11-11T00:00:00Z', later).owner, at('2026-11-11T00:00:00Z', later).how], [CAROL, 'config']);
  });

  it('upkeep check’s comparison: stale while the config names the owner before, agreed once it names the new one', function () {
    const lag = configOwnerLag(at('2026-11-07T00:00:00Z'), ALICE);
    assert.equal(lag?.stale, true);
    assert.match(
      lag!.text,
      /bob@example\.com accepted the handover at 2026-11-05T00:00:01\.000Z \(signed by bob@example\.com\), but the config still says owner: alice@example\.com: set owner: bob@example\.com/,
    );
    assert.equal(configOwnerLag(at('2026-11-07T00:00:00Z'), BOB), undefined);
    // Someone else named in the config since (not recorded yet): a note, not a failure.
    assert.equal(configOwnerLag(at('2026-11-07T00:00:00Z'), CAROL)?.stale, false);
    assert.equal(configOwnerLag(at('2026-11-02T00:00:00Z'), ALICE), undefined);
  });

  it('a rejection or an expiry ends the request and changes nothing', function () {
    for (const end of [
      { kind: 'decision', workflowId: WF, runId: 'h1', actor: BOB, comment: 'no', summary: 'rejected', details: { gate: 'handover', decision: 'reject' } },
      { kind: 'expired', workflowId: WF, runId: 'h1', summary: 'expired', details: { gate: 'handover' } },
    ] as Partial<AuditEntry>[]) {
      const chain = chainOf([
        ['2026-11-01T00:00:00Z', evaluation(SPEC_A)],
        ['2026-11-03T00:00:00Z', requested],
        ['2026-11-05T00:00:00Z', end],
      ]);
      const o = at('2026-11-06T00:00:00Z', chain);
      assert.deepEqual([o.owner, o.how, o.pending], [ALICE, 'config', undefined], end.kind);
    }
  });

  it('an acceptance that does not verify is not counted, and says why: another key, another signer, unsigned, another workflow', function () {
    const forged: [string, Partial<AuditEntry>, RegExp][] = [
      ['mallory’s key for bob', accepted('2026-11-05T00:00:00.000Z', { secret: malloryKey.secretKey }), /does not match this decision/],
      [
        'mallory accepting for herself',
        accepted('2026-11-05T00:00:00.000Z', { to: MALLORY, secret: malloryKey.secretKey }),
        /no public key is configured for mallory@example\.com/,
      ],
      [
        'unsigned',
        { kind: 'handover-accepted', workflowId: WF, runId: 'h1', actor: BOB, summary: 'bob accepted', details: { from: ALICE, to: BOB, keys } },
        /is not signed/,
      ],
      [
        'signed for another workflow',
        accepted('2026-11-05T00:00:00.000Z', { workflow: 'upkeep-handover-other' }),
        /was signed for workflow "upkeep-handover-other"/,
      ],
      ['actor and new owner disagree', { ...accepted('2026-11-05T00:00:00.000Z'), actor: MALLORY }, /names no new owner/],
    ];
    for (const [name, entry, why] of forged) {
      const chain = chainOf([
        ['2026-11-01T00:00:00Z', evaluation(SPEC_A)],
        ['2026-11-05T00:00:01Z', entry],
      ]);
      const o = at('2026-11-06T00:00:00Z', chain);
      assert.equal(o.owner, ALICE, name);
      assert.equal(o.problems.length, 1, name);
      assert.match(o.problems[0]!, why, name);
    }
  });

  it('who-was-watching answers the owner before, during and after the handover', function () {
    const w = (t: string) => renderWhoWasWatching(whoWasWatching(M, history, new Date(t), specs));
    assert.match(w('2026-11-02T00:00:00Z'), /^owner: +alice@example\.com$/m);
    assert.doesNotMatch(w('2026-11-02T00:00:00Z'), /handover/);
    const during = w('2026-11-04T00:00:00Z');
    assert.match(during, /^owner: +alice@example\.com$/m);
    assert.match(
      during,
      /^handover: +pending since 2026-11-03T00:00:00\.000Z, to bob@example\.com, asked by alice@example\.com: not accepted yet, so the owner stays accountable$/m,
    );
    const after = w('2026-11-07T00:00:00Z');
    assert.match(
      after,
      /^owner: +bob@example\.com \(accepted the handover from alice@example\.com at 2026-11-05T00:00:01\.000Z, signed by bob@example\.com, entry 5; the config's spec still named alice@example\.com\)$/m,
    );
    assert.equal(after.match(/^owner:/gm)?.length, 1);
    assert.equal(whoWasWatching(M, history, new Date('2026-11-07T00:00:00Z'), specs).owner.owner, BOB);
  });
});

describe('handover: what a workflow takes, and what a staged request may say', function () {
  const sha = 'e'.repeat(64);
  it('the workflow takes { modelId, sha256 } and nothing else', function () {
    assert.equal(stagedHandoverProblem({ modelId: M, sha256: sha }), undefined);
    assert.match(stagedHandoverProblem({ modelId: M, sha256: sha, to: [MALLORY] })!, /takes only \{ modelId, sha256 \}.*"to"/);
    assert.match(stagedHandoverProblem({ modelId: M, to: MALLORY })!, /not "to"|"to"/);
    assert.match(stagedHandoverProblem({ modelId: '../x', sha256: sha })!, /is not a model id/);
    assert.match(stagedHandoverProblem({ modelId: M, sha256: 'E'.repeat(64) })!, /64 lowercase hex digits/);
    assert.match(stagedHandoverProblem('churn')!, /takes \{ modelId, sha256 \}/);
  });

  it('a staged request names one new owner (by hand) or the platform contacts (a departure), with a reason and who asked', function () {
    const ok = { modelId: M, to: [BOB], reason: 'moving team', requestedBy: ALICE, source: 'manual', at: '2026-11-03T00:00:00.000Z' };
    assert.equal(handoverRequestProblem(ok), undefined);
    assert.equal(handoverRequestProblem({ ...ok, to: [BOB, CAROL], source: 'departure', left: ALICE }), undefined);
    assert.match(handoverRequestProblem({ ...ok, to: [BOB, CAROL] })!, /names one new owner/);
    assert.match(handoverRequestProblem({ ...ok, to: [] })!, /at least one person/);
    assert.match(handoverRequestProblem({ ...ok, to: ['bob\u001b[31m'] })!, /people ids/);
    assert.match(handoverRequestProblem({ ...ok, reason: ' ' })!, /reason/);
    assert.match(handoverRequestProblem({ ...ok, source: 'departure' })!, /names the person who left/);
    assert.match(handoverRequestProblem({ ...ok, extra: 1 })!, /unknown field "extra"/);
    assert.match(handoverRequestProblem({ ...ok, at: 'yesterday' })!, /ISO 8601/);
  });
});
