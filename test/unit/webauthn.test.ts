import assert from 'node:assert/strict';
import { createHash, createPrivateKey, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import {
  canonicalDecision,
  newKeyPair,
  proofProblem,
  signDecision,
  signatureKind,
  type DecisionKeys,
  type DecisionProof,
  type SignedAct,
} from '../../domain/signature.js';
import { assertionProblem, decisionChallenge, fromBase64url, isDevicePublicKey, toBase64url, FLAG_UP, FLAG_UV, type DeviceKey } from '../../domain/webauthn.js';
import { decisionInputProblem } from '../../domain/inputs.js';
import { validateDecision } from '../../workflows/approval.js';
import type { DecisionInput, GateStatus } from '../../domain/maintenance.js';
import { SoftAuthenticator, type AssertOptions } from '../helpers/soft-authenticator.js';

const ALICE = 'alice@example.com';
const RP = 'inbox.example.com';
const ORIGIN = 'https://inbox.example.com';
const OPENED = '2026-03-01T06:00:00.000Z';
const NOW = Date.parse('2026-03-01T07:00:00.000Z');
const act: SignedAct = { gate: 'promote', decision: 'approve', approver: ALICE, comment: 'looks right' };
const where = {
  model: 'churn',
  workflow: 'upkeep-retrain-churn',
  request: OPENED,
  signer: ALICE,
  at: '2026-03-01T07:00:00.000Z',
  nonce: '0123456789abcdef0123',
  candidate: 'bbbbbbbbbbbb',
  evidence: 'e'.repeat(64),
};
const ctx = (keys: DecisionKeys, extra: Partial<Parameters<typeof proofProblem>[2]> = {}) => ({
  model: 'churn',
  workflow: 'upkeep-retrain-churn',
  request: OPENED,
  now: NOW,
  keys,
  deciders: [ALICE],
  ...extra,
});

/** A decision signed on `device` (what the inbox page forwards). */
function deviceProof(device: SoftAuthenticator, o: AssertOptions = {}, signedAct: SignedAct = act, proofWhere = where): DecisionProof {
  const { device: assertion, signature } = device.assert(decisionChallenge(canonicalDecision(signedAct, proofWhere)), o);
  return { ...proofWhere, signature, device: assertion };
}

const keysOf = (device: SoftAuthenticator, extra: Partial<DecisionKeys> = {}): DecisionKeys => ({
  people: {},
  authenticators: {},
  devices: { [ALICE]: [device.key] },
  ...extra,
});

describe("decisions signed on the person's device (WebAuthn assertions)", function () {
  it('base64url round-trips every length and refuses padding, other alphabets and stray bits', function () {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      const text = toBase64url(bytes);
      assert.equal(text, Buffer.from(bytes).toString('base64url'));
      assert.deepEqual(fromBase64url(text), bytes);
    }
    assert.equal(fromBase64url('YQ=='), undefined);
    assert.equal(fromBase64url('a+/b'), undefined);
    assert.equal(fromBase64url('YR'), undefined, 'non-zero left-over bits: a second spelling of "a"');
    assert.equal(fromBase64url('Y'), undefined);
  });

  it('accepts an assertion whose challenge is the sha256 of the decision, from the registered origin and rpId', function () {
    const device = new SoftAuthenticator(RP, ORIGIN);
    const proof = deviceProof(device);
    assert.equal(decisionInputProblem({ ...act, proof }), undefined);
    assert.equal(proofProblem(act, proof, ctx(keysOf(device))), undefined);
    assert.equal(signatureKind(proof, ALICE), 'device');
  });

  it('verifies a signature made by an independent ECDSA implementation (node:crypto) the same way', function () {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const key: DeviceKey = {
      credential: 'Y3JlZA',
      publicKey: `04${Buffer.from(jwk.x!, 'base64url').toString('hex')}${Buffer.from(jwk.y!, 'base64url').toString('hex')}`,
      rpId: RP,
      origin: ORIGIN,
    };
    assert.ok(isDevicePublicKey(key.publicKey));
    const canonical = canonicalDecision(act, where);
    const client = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: decisionChallenge(canonical), origin: ORIGIN }));
    const authData = Buffer.alloc(37);
    createHash('sha256').update(RP).digest().copy(authData, 0);
    authData[32] = FLAG_UP | FLAG_UV;
    const signed = Buffer.concat([authData, createHash('sha256').update(client).digest()]);
    const der = nodeSign('sha256', signed, { key: createPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' })), dsaEncoding: 'der' });
    const device = { credential: key.credential, authenticatorData: authData.toString('base64url'), clientDataJSON: client.toString('base64url') };
    assert.deepEqual(assertionProblem(device, der.toString('hex'), { canonical, key }), { facts: { counter: 0, userVerified: true } });
    // The same assertion over one changed byte of the decision is refused.
    const other = canonicalDecision({ ...act, comment: 'looks right!' }, where);
    assert.match(JSON.stringify(assertionProblem(device, der.toString('hex'), { canonical: other, key })), /another challenge/);
  });

  it('refuses a forged challenge, wrong origin, wrong rpId, bad signature, missing flags and a replayed counter, naming each', function () {
    const device = new SoftAuthenticator(RP, ORIGIN);
    const keys = keysOf(device);
    const refused = (proof: DecisionProof, pattern: RegExp, extra = {}, signedAct = act) => {
      const problem = proofProblem(signedAct, proof, ctx(keys, extra));
      assert.match(problem ?? 'accepted', pattern);
    };
    // Signed for a rejection, presented as an approval; signed for another candidate.
    refused(deviceProof(device, {}, { ...act, decision: 'reject' }), /another challenge/);
    refused({ ...deviceProof(device), candidate: 'cccccccccccc' }, /another challenge/);
    refused(deviceProof(device, { origin: 'https://evil.example.net' }), /origin "https:\/\/evil.example.net"/);
    refused(deviceProof(device, { rpId: 'evil.example.net' }), /another relying party/);
    refused(deviceProof(device, { otherKey: true }), /does not match/);
    refused(deviceProof(device, { flags: FLAG_UV }), /user present/);
    refused(deviceProof(device, { flags: FLAG_UP }), /verify the user/);
    refused(deviceProof(device, { type: 'webauthn.create' }), /not webauthn.get/);
    refused(deviceProof(device, { crossOrigin: true }), /cross-origin/);
    // A counting device: the counter must rise past the last one the workflow saw.
    const proof = deviceProof(device);
    refused(proof, /sign counter \d+ is not above/, { deviceCounters: new Map([[device.credential, device.counter]]) });
    refused(deviceProof(device, { counter: 0 }), /sign counter 0 is not above 7/, { deviceCounters: new Map([[device.credential, 7]]) });
    // Tampering with the assertion's bytes after signing.
    const p = deviceProof(device);
    const data = fromBase64url(p.device!.authenticatorData)!;
    data[36] = data[36]! ^ 1;
    refused({ ...p, device: { ...p.device!, authenticatorData: toBase64url(data) } }, /does not match/);
    // A credential registered for someone else, or not at all.
    const mallory = new SoftAuthenticator(RP, ORIGIN);
    refused(deviceProof(mallory), /not registered for "alice@example.com"/);
    // A device signature names the person as signer, never a server.
    refused(deviceProof(device, {}, act, { ...where, signer: 'upkeep-web@inbox' }), /must be the approver/);
    // Out of the time window, and a nonce used before.
    refused(deviceProof(device, {}, act, { ...where, at: '2026-03-01T06:00:00.000Z' }), /more than 10 minutes/);
    refused(deviceProof(device), /already used/, { usedNonces: new Set([where.nonce]) });
  });

  it('takes a device that does not count (synced passkeys send 0) every time; nonces still stop replays', function () {
    const device = new SoftAuthenticator(RP, ORIGIN, false);
    const keys = keysOf(device);
    const first = deviceProof(device);
    assert.equal(proofProblem(act, first, ctx(keys, { deviceCounters: new Map([[device.credential, 0]]) })), undefined);
    assert.match(proofProblem(act, first, ctx(keys, { usedNonces: new Set([where.nonce]) })) ?? '', /already used/);
  });

  it("with require_own_signature, refuses a server signing on the person's behalf and takes the device and the person's key", function () {
    const device = new SoftAuthenticator(RP, ORIGIN);
    const server = newKeyPair();
    const own = newKeyPair();
    const keys: DecisionKeys = { ...keysOf(device), people: { [ALICE]: own.publicKey }, authenticators: { 'upkeep-web@inbox': server.publicKey } };
    const byServer = signDecision(act, { ...where, signer: 'upkeep-web@inbox' }, server.secretKey);
    assert.equal(signatureKind(byServer, ALICE), 'authenticator');
    assert.equal(proofProblem(act, byServer, ctx(keys)), undefined, 'allowed when the setting is off');
    assert.match(proofProblem(act, byServer, ctx({ ...keys, ownOnly: true })) ?? '', /not by "upkeep-web@inbox" on their behalf \(require_own_signature\)/);
    assert.equal(proofProblem(act, deviceProof(device), ctx({ ...keys, ownOnly: true })), undefined);
    const byKey = signDecision(act, where, own.secretKey);
    assert.equal(signatureKind(byKey, ALICE), 'person-key');
    assert.equal(proofProblem(act, byKey, ctx({ ...keys, ownOnly: true })), undefined);
  });

  it("the decide Update's validator takes a device signature once and refuses its replay with a lower counter", function () {
    const device = new SoftAuthenticator(RP, ORIGIN);
    const open: GateStatus = {
      gate: 'promote',
      state: 'waiting',
      openedAt: OPENED,
      expiresAt: '2026-03-08T06:00:00.000Z',
      approvers: [ALICE],
      notified: [],
      reminders: 0,
      escalated: false,
      candidate: where.candidate,
      evidence: { uri: 'audit/churn/evidence/x.json', sha256: where.evidence },
    };
    const auth = { workflowId: where.workflow, now: NOW, keys: keysOf(device) };
    const input: DecisionInput = { ...act, gate: 'promote', decision: 'approve', proof: deviceProof(device) };
    assert.equal(validateDecision('churn', open, input, auth), undefined);
    // An oversized or unknown device field is refused by the shape check first.
    assert.throws(
      () => validateDecision('churn', open, { ...input, proof: { ...input.proof!, device: { ...input.proof!.device!, extra: 'x' } as never } }, auth),
      (err: unknown) => err instanceof ApplicationFailure && /unknown field "extra"/.test(err.message),
    );
    assert.throws(
      () => validateDecision('churn', open, input, { ...auth, deviceCounters: new Map([[device.credential, device.counter]]) }),
      (err: unknown) => err instanceof ApplicationFailure && err.type === 'InvalidRequest' && /sign counter/.test(err.message),
    );
  });
});
