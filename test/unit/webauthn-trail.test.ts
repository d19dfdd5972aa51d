import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appendEntry } from '../../engine/audit/chain.js';
import { verifyTrail } from '../../engine/audit/verify-trail.js';
import { createFileStore } from '../../engine/store/file-store.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import { canonicalDecision, newKeyPair, signDecision, type DecisionKeys, type DecisionProof, type SignedAct } from '../../domain/signature.js';
import { decisionChallenge } from '../../domain/webauthn.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';

const M = 'churn';
const ALICE = 'alice@example.com';
const RETRAIN = `upkeep-retrain-${M}`;
const server = newKeyPair();

/** One retrain request and its decision, as the workflow records them, signed as `sign` says. */
async function requestAndDecision(
  store: ArtifactStore,
  run: string,
  day: number,
  keys: DecisionKeys,
  sign: (act: SignedAct, where: Omit<DecisionProof, 'signature'>) => DecisionProof,
  comment = 'go',
) {
  const openedAt = `2026-11-0${day}T06:00:00.000Z`;
  const at = `2026-11-0${day}T06:05:00.000Z`;
  const base = { modelId: M, workflowId: RETRAIN, runId: run };
  const act: SignedAct = { gate: 'retrain', decision: 'approve', approver: ALICE, comment: 'go' };
  const proof = sign(act, { model: M, workflow: RETRAIN, request: openedAt, signer: ALICE, at, nonce: `nonce-of-run-${run}-0000` });
  await appendEntry(store, {
    ...base,
    id: `${run}-0001`,
    at: openedAt,
    kind: 'approval-requested',
    summary: `asked ${ALICE}: retrain ${M}?`,
    details: { gate: 'retrain', openedAt, approvers: [ALICE], to: [ALICE], keys },
  });
  await appendEntry(store, {
    ...base,
    id: `${run}-0002`,
    at,
    kind: 'decision',
    summary: `${ALICE} approved retrain ${M}`,
    actor: ALICE,
    comment,
    details: { gate: 'retrain', openedAt, decision: 'approve', at, signer: proof.signer, proof },
  });
}

describe('audit verify re-checks device (WebAuthn) signatures offline', function () {
  let dir: string;
  let store: ArtifactStore;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-webauthn-trail-'));
    store = createFileStore(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const onDevice = (device: SoftAuthenticator, counter?: number) => (act: SignedAct, where: Omit<DecisionProof, 'signature'>) => {
    const { device: assertion, signature } = device.assert(decisionChallenge(canonicalDecision(act, where)), counter === undefined ? {} : { counter });
    return { ...where, signature, device: assertion };
  };

  it('verifies device-signed decisions against the keys in force and says who signed', async function () {
    const device = new SoftAuthenticator('inbox.example.com', 'https://inbox.example.com');
    const keys: DecisionKeys = { people: {}, authenticators: { 'upkeep-web@inbox': server.publicKey }, devices: { [ALICE]: [device.key] } };
    await requestAndDecision(store, 'r1', 1, keys, onDevice(device));
    await requestAndDecision(store, 'r2', 2, keys, (act, where) => signDecision(act, { ...where, signer: 'upkeep-web@inbox' }, server.secretKey));
    const v = await verifyTrail(store, M);
    assert.deepEqual(v.problems, []);
    assert.equal(v.signers, "signatures: 1 on the person's device (WebAuthn), 0 with the person's own key, 1 by a server on the person's behalf");
  });

  it('names a replayed counter across requests, a comment changed after signing, and a server signature where the person had to sign', async function () {
    const device = new SoftAuthenticator('inbox.example.com', 'https://inbox.example.com');
    const keys: DecisionKeys = { people: {}, authenticators: { 'upkeep-web@inbox': server.publicKey }, devices: { [ALICE]: [device.key] }, ownOnly: true };
    await requestAndDecision(store, 'r1', 1, keys, onDevice(device, 5));
    await requestAndDecision(store, 'r2', 2, keys, onDevice(device, 5));
    await requestAndDecision(store, 'r3', 3, keys, onDevice(device, 9), 'go, and more');
    await requestAndDecision(store, 'r4', 4, keys, (act, where) => signDecision(act, { ...where, signer: 'upkeep-web@inbox' }, server.secretKey));
    const v = await verifyTrail(store, M);
    const text = v.problems.join('\n');
    assert.match(text, /entry 4: the device sign counter 5 of alice@example\.com's credential .* is not above 5 \(entry 2\)/);
    assert.match(text, /entry 6 .*: the device signature of "alice@example\.com" is refused: the device signed another challenge/);
    assert.match(text, /entry 8 .*not by "upkeep-web@inbox" on their behalf \(require_own_signature\)/);
    assert.equal(v.problems.length, 3, text);
  });
});
