/**
 * Attacks on decisions and bad Update / signal / workflow arguments, one row each, against the
 * real validators (the `decide` Update's, the attachEvidence signal's, the rollback input's).
 * Every refused row also checks that the open gate was not touched. End to end (a worker, a
 * dev server): test/workflows/signed-decisions.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ApplicationFailure } from '@temporalio/common';
import { validateDecision, type DecisionAuth } from '../../workflows/approval.js';
import { evidenceProblem, rollbackInputProblem, LIMITS } from '../../domain/inputs.js';
import {
  newKeyPair,
  proofProblem,
  rollbackAct,
  rollbackRequestId,
  signDecision,
  SIGNATURE_WINDOW_MS,
  type DecisionKeys,
  type DecisionProof,
} from '../../domain/signature.js';
import type { DecisionInput, GateStatus } from '../../domain/maintenance.js';

const MODEL = 'churn';
const WORKFLOW = 'upkeep-retrain-churn';
const OWNER = 'owner@example.com';
const BOB = 'bob@example.com';
const OPENED = '2026-03-01T06:00:00.000Z';
const NOW = Date.parse('2026-03-01T06:30:00.000Z');
const owner = newKeyPair();
const inbox = newKeyPair();
const mallory = newKeyPair();
const KEYS: DecisionKeys = { people: { [OWNER]: owner.publicKey }, authenticators: { 'inbox.example.com': inbox.publicKey } };

const gate = (): GateStatus => ({
  gate: 'promote',
  state: 'waiting',
  openedAt: OPENED,
  expiresAt: '2026-03-08T06:00:00.000Z',
  approvers: [OWNER, BOB],
  notified: [],
  reminders: 0,
  escalated: false,
  signaturesRequired: true,
});
const auth = (over: Partial<DecisionAuth> = {}): DecisionAuth => ({
  workflowId: WORKFLOW,
  now: NOW,
  keys: KEYS,
  usedNonces: new Set(['a-nonce-used-before-0001']),
  ...over,
});
const base = { gate: 'promote' as const, decision: 'approve' as const, approver: OWNER };
const proof = (input: Omit<DecisionInput, 'proof'>, over: Partial<DecisionProof> = {}, key = owner.secretKey): DecisionProof =>
  signDecision(
    input,
    { model: MODEL, workflow: WORKFLOW, request: OPENED, signer: input.approver, at: new Date(NOW).toISOString(), nonce: 'n0nce-0123456789abcdef', ...over },
    key,
  );
const signed = (input: Omit<DecisionInput, 'proof'>, over: Partial<DecisionProof> = {}, key = owner.secretKey): DecisionInput => ({
  ...input,
  proof: proof(input, over, key),
});

interface Row {
  attack: string;
  kind: 'attack' | 'input';
  input: () => unknown;
  auth?: DecisionAuth;
  /** The refusal, or undefined when the decision is accepted. */
  refused: RegExp | undefined;
}

const rows: Row[] = [
  {
    attack: 'decision without a signature on a model with keys',
    kind: 'attack',
    input: () => base,
    refused: /model churn: decisions on this model must be signed, and this one is not/,
  },
  {
    attack: 'forged signature (random bytes)',
    kind: 'attack',
    input: () => ({ ...base, proof: { ...proof(base), signature: 'ab'.repeat(64) } }),
    refused: /signature of "owner@example.com" does not match this decision/,
  },
  {
    attack: 'signed by another key, claiming to be the owner',
    kind: 'attack',
    input: () => signed(base, {}, mallory.secretKey),
    refused: /does not match this decision/,
  },
  {
    attack: 'signed approval turned into a rejection',
    kind: 'attack',
    input: () => ({ ...signed(base), decision: 'reject', comment: 'no' }),
    refused: /does not match this decision/,
  },
  {
    attack: 'comment changed after signing',
    kind: 'attack',
    input: () => ({ ...signed({ ...base, comment: 'ok' }), comment: 'ok, and promote fraud too' }),
    refused: /does not match this decision/,
  },
  {
    attack: 'unknown server signing for someone',
    kind: 'attack',
    input: () => signed({ ...base, approver: BOB }, { signer: 'evil.example.com' }, mallory.secretKey),
    refused: /"evil\.example\.com" is not a configured authenticator/,
  },
  { attack: 'replayed nonce', kind: 'attack', input: () => signed(base, { nonce: 'a-nonce-used-before-0001' }), refused: /this signature was already used/ },
  {
    attack: 'signature older than the window',
    kind: 'attack',
    input: () => signed(base, { at: new Date(NOW - SIGNATURE_WINDOW_MS - 1).toISOString() }),
    refused: /more than 10 minutes from the workflow's time/,
  },
  {
    attack: 'signature from the future beyond the window',
    kind: 'attack',
    input: () => signed(base, { at: new Date(NOW + SIGNATURE_WINDOW_MS + 1).toISOString() }),
    refused: /more than 10 minutes/,
  },
  { attack: 'signature for another model', kind: 'attack', input: () => signed(base, { model: 'fraud' }), refused: /signature is for model "fraud"/ },
  {
    attack: 'signature for another workflow (a rollback)',
    kind: 'attack',
    input: () => signed(base, { workflow: 'upkeep-rollback-churn' }),
    refused: /signature is for workflow "upkeep-rollback-churn"/,
  },
  {
    attack: 'signature for an earlier gate of the same workflow',
    kind: 'attack',
    input: () => signed(base, { request: '2026-02-01T06:00:00.000Z' }),
    refused: /signature is for another promote request/,
  },
  {
    attack: 'signed for the retrain gate, sent to the promote gate',
    kind: 'attack',
    input: () => ({ ...signed({ ...base, gate: 'retrain' }), gate: 'promote' }),
    refused: /does not match this decision/,
  },
  {
    attack: 'a signed decision after the request expired, processed before the expiry timer (the worker was down when it expired)',
    kind: 'attack',
    input: () => signed(base, { at: '2026-03-09T06:00:00.000Z' }),
    auth: auth({ now: Date.parse('2026-03-09T06:00:00.000Z') }),
    refused: /model churn: the promote request expired at 2026-03-08T06:00:00.000Z/,
  },
  {
    attack: 'signed by an unlisted person with their own key',
    kind: 'attack',
    input: () => signed({ ...base, approver: 'mallory@example.com' }, {}, mallory.secretKey),
    refused: /"mallory@example\.com" is not an approver/,
  },
  {
    attack: 'non-string comment (breaks model cards later)',
    kind: 'input',
    input: () => ({ ...base, comment: { text: 'x' } }),
    refused: /model churn: comment must be a string, not object/,
  },
  {
    attack: 'comment of 1 MB',
    kind: 'input',
    input: () => ({ ...base, comment: 'x'.repeat(1_000_000) }),
    refused: new RegExp(`comment is 1000000 characters; at most ${LIMITS.text}`),
  },
  { attack: 'approver that is a number', kind: 'input', input: () => ({ ...base, approver: 42 }), refused: /approver must be a string, not number/ },
  { attack: 'unknown field in the decision', kind: 'input', input: () => ({ ...base, admin: true }), refused: /unknown field "admin"/ },
  { attack: 'proof that is a string', kind: 'input', input: () => ({ ...base, proof: 'trust me' }), refused: /proof must be an object/ },
  { attack: 'null decision', kind: 'input', input: () => null, refused: /a decision needs gate, decision and approver/ },
  { attack: "the owner's valid signature", kind: 'input', input: () => signed(base), refused: undefined },
  {
    attack: 'an authenticator signing for an approver without a key',
    kind: 'input',
    input: () => signed({ ...base, approver: BOB }, { signer: 'inbox.example.com' }, inbox.secretKey),
    refused: undefined,
  },
  {
    attack: 'unsigned decision on a model without keys (works as before)',
    kind: 'input',
    input: () => base,
    auth: auth({ keys: undefined }),
    refused: undefined,
  },
];

describe('attacks on decisions: the decide Update validator', function () {
  for (const r of rows) {
    it(`${r.refused ? 'refuses' : 'accepts'} ${r.attack}`, function () {
      const open = gate();
      const before = JSON.stringify(open);
      let caught: unknown;
      try {
        validateDecision(MODEL, open, r.input() as DecisionInput, r.auth ?? auth());
      } catch (err) {
        caught = err;
      }
      // The validator never changes the gate: a refused decision leaves nothing half-written.
      assert.equal(JSON.stringify(open), before);
      if (!r.refused) return assert.equal(caught, undefined, String(caught));
      assert.ok(caught instanceof ApplicationFailure, `expected a refusal, got ${String(caught)}`);
      assert.equal(caught.type, 'InvalidRequest');
      assert.equal(caught.nonRetryable, true);
      assert.match(caught.message, r.refused);
      assert.ok(!caught.message.includes('\n'), 'one line');
    });
  }
});

describe('attacks on a promotion signed over its evidence (format 2)', function () {
  const EVIDENCE = { uri: 'file:///store/audit/churn/evidence/aa.json', sha256: 'a'.repeat(64) };
  const CANDIDATE = 'bbbbbbbbbbbb';
  const shownGate = (): GateStatus => ({ ...gate(), candidate: CANDIDATE, evidence: EVIDENCE });
  const v2 = { candidate: CANDIDATE, evidence: EVIDENCE.sha256 };
  const cases: { attack: string; kind: 'attack' | 'input'; input: () => DecisionInput; refused: RegExp | undefined }[] = [
    {
      attack: 'a format-1 signature (no candidate, no evidence) on a gate that shows stored evidence',
      kind: 'attack',
      input: () => signed(base),
      refused: /the signature is in the old format \(upkeep-decision-1\), which does not cover the candidate and the evidence shown/,
    },
    {
      attack: 'a signature over other evidence (a table the approver did not see)',
      kind: 'attack',
      input: () => signed(base, { ...v2, evidence: 'c'.repeat(64) }),
      refused: /covers other evidence \(sha256 "c{64}"\) than this request shows \(sha256 a{64}\)/,
    },
    {
      attack: 'a signature for another candidate',
      kind: 'attack',
      input: () => signed(base, { ...v2, candidate: 'cccccccccccc' }),
      refused: /the signature is for candidate "cccccccccccc", this request's is "bbbbbbbbbbbb"/,
    },
    {
      attack: 'a signed approval whose evidence hash was swapped after signing',
      kind: 'attack',
      input: () => ({ ...base, proof: { ...proof(base, { ...v2, evidence: 'c'.repeat(64) }), evidence: EVIDENCE.sha256 } }),
      refused: /does not match this decision/,
    },
    {
      attack: 'an evidence field that is not a string',
      kind: 'input',
      input: () => ({ ...base, proof: { ...proof(base, v2), evidence: 7 as never } }),
      refused: /evidence must be a string, not number/,
    },
    { attack: "the owner's signature over the candidate and the evidence shown", kind: 'input', input: () => signed(base, v2), refused: undefined },
  ];
  for (const r of cases) {
    it(`${r.refused ? 'refuses' : 'accepts'} ${r.attack}`, function () {
      let caught: unknown;
      try {
        validateDecision(MODEL, shownGate(), r.input(), auth());
      } catch (err) {
        caught = err;
      }
      if (!r.refused) return assert.equal(caught, undefined, String(caught));
      assert.ok(caught instanceof ApplicationFailure, `expected a refusal, got ${String(caught)}`);
      assert.match(caught.message, r.refused);
    });
  }
  it('still accepts a format-1 signature on a gate opened before evidence was stored (no evidence on the gate)', function () {
    assert.equal(validateDecision(MODEL, gate(), signed(base), auth()), undefined);
  });
});

describe('bad attachEvidence signals are recognised (the workflow logs and drops them)', function () {
  const good = { source: 'manual', at: '2026-03-01T06:00:00.000Z', reason: 'quarterly refresh', requestedBy: OWNER };
  const evidence: { name: string; value: unknown; problem: RegExp | undefined }[] = [
    { name: 'a null payload', value: null, problem: /evidence must be an object, not null/ },
    { name: 'an array', value: [good], problem: /not an array/ },
    { name: 'a non-string reason', value: { ...good, reason: { html: '<b>' } }, problem: /reason must be a string, not object/ },
    { name: 'an unknown source', value: { ...good, source: 'root' }, problem: /source must be evaluation or manual/ },
    { name: 'a time that is not a time', value: { ...good, at: 'yesterday' }, problem: /at must be an ISO 8601 time/ },
    { name: 'a verdict without reasons', value: { ...good, verdict: { status: 'degraded' } }, problem: /verdict must be/ },
    { name: 'metrics that are strings', value: { ...good, metrics: { auc: 'high' } }, problem: /metrics must be numbers/ },
    { name: 'a reason of 100 kB', value: { ...good, reason: 'x'.repeat(100_000) }, problem: /reason is 100000 characters/ },
    {
      name: 'verdict reasons of 100 kB in all',
      value: { ...good, verdict: { status: 'degraded', reasons: Array.from({ length: 100 }, () => 'y'.repeat(1000)) } },
      problem: /larger than 65536 bytes/,
    },
    {
      name: 'a window end that is not a time (it chose the retrain windows by string order)',
      value: { ...good, windowEnd: 'zzz' },
      problem: /windowEnd must be an ISO 8601 time/,
    },
    {
      name: 'a window end far in the future (it would empty the holdout)',
      value: { ...good, windowEnd: '9999-12-31T00:00:00Z' },
      problem: /windowEnd 9999-12-31T00:00:00Z is in the future/,
    },
    { name: 'a good manual request', value: good, problem: undefined },
    {
      name: 'a good evaluation',
      value: {
        source: 'evaluation',
        at: good.at,
        reason: 'roc_auc 0.61 < 0.7',
        verdict: { status: 'degraded', reasons: ['roc_auc'] },
        metrics: { roc_auc: 0.61, brier: null },
        windowEnd: good.at,
      },
      problem: undefined,
    },
  ];
  for (const e of evidence) {
    it(`${e.problem ? 'drops' : 'keeps'} ${e.name}`, function () {
      const problem = evidenceProblem(e.value, Date.parse(good.at));
      if (e.problem) assert.match(problem ?? 'accepted', e.problem);
      else assert.equal(problem, undefined);
    });
  }
});

describe('attacks on rollback requests (checked by the workflow at start and by the CLI)', function () {
  const workflow = 'upkeep-rollback-churn';
  const request = rollbackRequestId('bbbbbbbbbbbb', 'aaaaaaaaaaaa');
  const input = { modelId: MODEL, reason: 'complaints', requestedBy: OWNER, emergency: true };
  const sign = (over: Partial<DecisionProof> = {}, key = owner.secretKey, i = input): DecisionProof =>
    signDecision(
      rollbackAct(i),
      { model: MODEL, workflow, request, signer: i.requestedBy, at: new Date(NOW).toISOString(), nonce: 'n0nce-0123456789abcdef', ...over },
      key,
    );
  const check = (i: typeof input, p: DecisionProof | undefined, req = request) =>
    proofProblem(rollbackAct(i), p, { model: MODEL, workflow, request: req, now: NOW, keys: KEYS, deciders: [OWNER, BOB] });

  it('refuses an unsigned emergency rollback on a model with keys', function () {
    assert.match(check(input, undefined)!, /must be signed, and this one is not/);
  });
  it('refuses a signed request turned into an emergency', function () {
    assert.match(check(input, sign({}, owner.secretKey, { ...input, emergency: false }))!, /does not match/);
  });
  it('refuses a request replayed after the champion changed (or with another target)', function () {
    assert.match(
      check(input, sign(), rollbackRequestId('cccccccccccc', 'aaaaaaaaaaaa'))!,
      /signature is for another rollback \(champion->target\): signed for "bbbbbbbbbbbb->aaaaaaaaaaaa", this one is "cccccccccccc->aaaaaaaaaaaa"/,
    );
  });
  it('refuses a request replayed in a later run after the champion left and came back (the generation is signed)', function () {
    const at = (generation: number) => rollbackRequestId('bbbbbbbbbbbb', 'aaaaaaaaaaaa', generation);
    const proof = sign({ request: at(3) });
    assert.equal(check(input, proof, at(3)), undefined);
    assert.match(
      check(input, proof, at(5))!,
      /signature is for another rollback \(champion->target\): signed for "3:bbbbbbbbbbbb->aaaaaaaaaaaa", this one is "5:bbbbbbbbbbbb->aaaaaaaaaaaa"/,
    );
  });
  it("refuses an emergency signed with someone else's key", function () {
    assert.match(check(input, sign({}, mallory.secretKey))!, /does not match/);
  });
  it("accepts the owner's signed emergency request", function () {
    assert.equal(check(input, sign()), undefined);
  });
  const shapes: { name: string; value: unknown; problem: RegExp }[] = [
    { name: 'a null input', value: null, problem: /a rollback needs modelId, reason and requestedBy/ },
    { name: 'emergency as a string', value: { ...input, emergency: 'yes' }, problem: /emergency must be true or false/ },
    { name: 'a reason that is a number', value: { ...input, reason: 7 }, problem: /reason must be a string, not number/ },
    { name: 'a requester of 10 kB', value: { ...input, requestedBy: 'r'.repeat(10_000) }, problem: /requestedBy is 10000 characters; at most 200/ },
  ];
  for (const s of shapes) {
    it(`refuses ${s.name} at the workflow's start`, function () {
      assert.match(rollbackInputProblem(s.value)!, s.problem);
    });
  }
});

describe('the CLI refuses what the workflow would drop or refuse, before contacting Temporal', function () {
  const project = fileURLToPath(new URL('../..', import.meta.url));
  // An address nothing listens on: reaching Temporal would be a different error.
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['bin/upkeep.mjs', ...args, '--config', 'upkeep.example.yaml'], {
      cwd: project,
      encoding: 'utf8',
      env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:9' },
    });
  const long = 'x'.repeat(LIMITS.text + 1);
  for (const [name, args, message] of [
    [
      'a retrain reason longer than 4000 characters',
      ['retrain', 'churn', '--reason', long],
      /^upkeep: retrain churn: --reason is 4001 characters; at most 4000$/m,
    ],
    [
      'a rollback reason longer than 4000 characters',
      ['rollback', 'churn', '--as', OWNER, '--reason', long],
      /^upkeep: rollback churn: --reason is 4001 characters; at most 4000$/m,
    ],
  ] as const) {
    it(`refuses ${name} with exit 2`, function () {
      this.timeout(30_000);
      const r = run(...args);
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /cannot reach Temporal/);
    });
  }
});
