import assert from 'node:assert/strict';
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  canonicalDecision,
  fromHex,
  newKeyPair,
  proofProblem,
  publicKeyOf,
  signatureValid,
  signDecision,
  storedDecisionProblem,
  toHex,
  SIGNATURE_WINDOW_MS,
  type DecisionKeys,
  type DecisionProof,
  type SignedAct,
} from '../../domain/signature.js';

const ALICE = 'alice@example.com';
const OPENED = '2026-03-01T06:00:00.000Z';
const NOW = Date.parse('2026-03-01T07:00:00.000Z');
const act: SignedAct = { gate: 'promote', decision: 'reject', approver: ALICE, comment: 'holdout is "odd"\nlook again' };
const where = {
  model: 'churn',
  workflow: 'upkeep-retrain-churn',
  request: OPENED,
  signer: ALICE,
  at: '2026-03-01T07:00:00.000Z',
  nonce: '0123456789abcdef0123',
};

describe('signed decisions: canonical bytes, Ed25519 signatures, verification', function () {
  it('is RFC 8032 Ed25519 (test vector 1)', function () {
    const sk = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 32)!;
    assert.equal(toHex(ed25519.getPublicKey(sk)), 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    assert.equal(
      toHex(ed25519.sign(new Uint8Array(0), sk)),
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
  });

  it('encodes a decision as sorted-key JSON of exactly the documented fields, all strings', function () {
    const text = new TextDecoder().decode(canonicalDecision(act, where));
    assert.equal(
      text,
      '{"approver":"alice@example.com","at":"2026-03-01T07:00:00.000Z","comment":"holdout is \\"odd\\"\\nlook again","decision":"reject","gate":"promote","model":"churn",' +
        '"nonce":"0123456789abcdef0123","request":"2026-03-01T06:00:00.000Z","signer":"alice@example.com","v":"upkeep-decision-1","workflow":"upkeep-retrain-churn"}',
    );
    // No comment and an empty comment are the same bytes; extra properties are not signed.
    const bare = { gate: 'retrain', decision: 'approve', approver: ALICE };
    assert.deepEqual(canonicalDecision(bare, where), canonicalDecision({ ...bare, comment: '' }, where));
    assert.deepEqual(canonicalDecision({ ...bare, extra: 'x' } as SignedAct, where), canonicalDecision(bare, where));
  });

  it('format 2 also signs the candidate version and the evidence sha256; format 1 decisions still verify', function () {
    const evidence = 'e'.repeat(64);
    const text = new TextDecoder().decode(canonicalDecision(act, { ...where, candidate: 'bbbbbbbbbbbb', evidence }));
    assert.equal(
      text,
      '{"approver":"alice@example.com","at":"2026-03-01T07:00:00.000Z","candidate":"bbbbbbbbbbbb","comment":"holdout is \\"odd\\"\\nlook again","decision":"reject","evidence":"' +
        evidence +
        '","gate":"promote","model":"churn","nonce":"0123456789abcdef0123","request":"2026-03-01T06:00:00.000Z","signer":"alice@example.com","v":"upkeep-decision-2","workflow":"upkeep-retrain-churn"}',
    );
    const { secretKey, publicKey } = newKeyPair();
    const v2 = signDecision(act, { ...where, candidate: 'bbbbbbbbbbbb', evidence }, secretKey);
    assert.equal(signatureValid(act, v2, publicKey), true);
    for (const [k, v] of Object.entries({ candidate: 'cccccccccccc', evidence: 'f'.repeat(64) }))
      assert.equal(signatureValid(act, { ...v2, [k]: v }, publicKey), false, `altered proof.${k}`);
    // Stripping the new fields does not turn it into a valid format-1 signature.
    const { candidate: _c, evidence: _e, ...stripped } = v2;
    assert.equal(signatureValid(act, stripped, publicKey), false, 'downgraded to format 1');
    // A format-1 decision (signed before format 2) verifies as it did.
    assert.equal(signatureValid(act, signDecision(act, where, secretKey), publicKey), true);
    const keys: DecisionKeys = { people: { [ALICE]: publicKey }, authenticators: {} };
    assert.equal(storedDecisionProblem('churn', { ...act, proof: signDecision(act, where, secretKey) }, keys), undefined);
    assert.equal(storedDecisionProblem('churn', { ...act, proof: v2 }, keys, 'upkeep-retrain-churn', 'bbbbbbbbbbbb'), undefined);
    assert.match(
      storedDecisionProblem('churn', { ...act, proof: v2 }, keys, 'upkeep-retrain-churn', 'dddddddddddd')!,
      /signed for candidate "bbbbbbbbbbbb", but is recorded for the promotion of "dddddddddddd"/,
    );
  });

  it('verifies its own signature, and no altered field, other key or altered signature', function () {
    const { secretKey, publicKey } = newKeyPair();
    assert.equal(publicKeyOf(secretKey), publicKey);
    const proof = signDecision(act, where, secretKey);
    assert.equal(signatureValid(act, proof, publicKey), true);
    for (const [k, v] of Object.entries({ gate: 'retrain', decision: 'approve', approver: 'bob@example.com', comment: 'fine' })) {
      assert.equal(signatureValid({ ...act, [k]: v }, proof, publicKey), false, `altered ${k}`);
    }
    for (const [k, v] of Object.entries({
      model: 'fraud',
      workflow: 'upkeep-rollback-churn',
      request: '2026-03-02T06:00:00.000Z',
      signer: 'inbox',
      at: '2026-03-01T07:00:01.000Z',
      nonce: 'ffffffffffffffffffff',
    })) {
      assert.equal(signatureValid(act, { ...proof, [k]: v }, publicKey), false, `altered proof.${k}`);
    }
    assert.equal(signatureValid(act, proof, newKeyPair().publicKey), false, 'another key');
    const flipped = proof.signature.slice(0, -1) + (proof.signature.endsWith('0') ? '1' : '0');
    assert.equal(signatureValid(act, { ...proof, signature: flipped }, publicKey), false, 'altered signature');
    assert.equal(signatureValid(act, { ...proof, signature: 'zz' }, publicKey), false, 'not hex');
  });

  describe('proofProblem', function () {
    const alice = newKeyPair();
    const inbox = newKeyPair();
    const keys: DecisionKeys = { people: { [ALICE]: alice.publicKey }, authenticators: { 'inbox.example.com': inbox.publicKey } };
    const ctx = { model: 'churn', workflow: 'upkeep-retrain-churn', request: OPENED, now: NOW, keys, deciders: [ALICE, 'bob@example.com'] };
    const signed = (over: Partial<Omit<DecisionProof, 'signature'>> = {}, key = alice.secretKey, a: SignedAct = act): DecisionProof =>
      signDecision(a, { ...where, ...over }, key);

    const rows: {
      name: string;
      act?: SignedAct;
      proof: () => DecisionProof | undefined;
      ctx?: Partial<typeof ctx> & { usedNonces?: Set<string> };
      error: RegExp | undefined;
    }[] = [
      { name: "accepts the approver's own signature", proof: () => signed(), error: undefined },
      {
        name: 'accepts an authenticator signing for a listed approver without a key',
        act: { ...act, approver: 'bob@example.com' },
        proof: () => signed({ signer: 'inbox.example.com' }, inbox.secretKey, { ...act, approver: 'bob@example.com' }),
        error: undefined,
      },
      { name: 'refuses an unsigned decision when the model has keys', proof: () => undefined, error: /must be signed, and this one is not/ },
      { name: 'refuses a signature with another key', proof: () => signed({}, newKeyPair().secretKey), error: /does not match this decision/ },
      {
        name: 'refuses an unknown signer',
        proof: () => signed({ signer: 'evil-server' }, newKeyPair().secretKey),
        error: /"evil-server" is not a configured authenticator/,
      },
      {
        name: 'refuses an approver who has no key signing for themselves',
        act: { ...act, approver: 'bob@example.com' },
        proof: () => signed({ signer: 'bob@example.com' }, newKeyPair().secretKey, { ...act, approver: 'bob@example.com' }),
        error: /no public key is configured for "bob@example.com"/,
      },
      { name: 'refuses a replayed nonce', proof: () => signed(), ctx: { usedNonces: new Set([where.nonce]) }, error: /already used/ },
      {
        name: "refuses a time too far from the workflow's time",
        proof: () => signed({ at: new Date(NOW - SIGNATURE_WINDOW_MS - 1000).toISOString() }),
        error: /more than 10 minutes from the workflow's time/,
      },
      { name: 'refuses a signature for another model', proof: () => signed({ model: 'fraud' }), error: /signature is for model "fraud"/ },
      {
        name: 'refuses a signature for another workflow',
        proof: () => signed({ workflow: 'upkeep-rollback-churn' }),
        error: /signature is for workflow "upkeep-rollback-churn"/,
      },
      {
        name: 'refuses a signature for an earlier gate',
        proof: () => signed({ request: '2026-02-01T06:00:00.000Z' }),
        error: /signature is for another promote request/,
      },
      { name: 'refuses a malformed nonce', proof: () => signed({ nonce: 'short' }), error: /nonce must be 16 to 64/ },
      {
        name: 'takes an unsigned decision on a model without keys',
        proof: () => undefined,
        ctx: { keys: { people: {}, authenticators: {} } },
        error: undefined,
      },
    ];
    for (const r of rows) {
      it(r.name, function () {
        const problem = proofProblem(r.act ?? act, r.proof(), { ...ctx, ...r.ctx });
        if (r.error) assert.match(problem ?? 'accepted', r.error);
        else assert.equal(problem, undefined);
      });
    }
  });

  it('re-verifies a stored decision later, and refuses it once altered', function () {
    const alice = newKeyPair();
    const keys: DecisionKeys = { people: { [ALICE]: alice.publicKey }, authenticators: {} };
    const stored = { ...act, at: '2026-03-01T07:00:02.000Z', proof: signDecision(act, where, alice.secretKey) };
    // Stored as JSON (registry, audit trail) and read back, long after the window.
    const readBack = JSON.parse(JSON.stringify(stored)) as typeof stored;
    assert.equal(storedDecisionProblem('churn', readBack, keys), undefined);
    assert.match(storedDecisionProblem('churn', { ...readBack, comment: 'approved after all' }, keys)!, /does not match/);
    // Copied from another run into this record: its own signature holds, but not for this workflow.
    assert.equal(storedDecisionProblem('churn', readBack, keys, readBack.proof!.workflow), undefined);
    assert.match(
      storedDecisionProblem('churn', readBack, keys, 'upkeep-retrain-other')!,
      /was signed for workflow .*, but is recorded for "upkeep-retrain-other"/,
    );
    assert.match(storedDecisionProblem('churn', { ...readBack, decision: 'approve' }, keys)!, /does not match/);
    assert.match(storedDecisionProblem('fraud', readBack, keys)!, /signature is for model "churn"/);
    const { proof: _unsigned, ...bare } = readBack;
    assert.match(storedDecisionProblem('churn', bare, keys)!, /is not signed/);
  });
});
