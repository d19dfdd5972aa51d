/**
 * Signed decisions: the canonical bytes of an approval, rejection or rollback request, and their
 * Ed25519 signature (@noble/curves: audited, pure JavaScript, so the workflow sandbox verifies it
 * too). Shared by the CLI (signs), the workflows (verify in the Update's validator and at start)
 * and anything that re-verifies a stored decision later.
 *
 * Canonical form (docs/signed-decisions.md): the UTF-8 bytes of JSON.stringify of an object
 * with exactly the keys of CANONICAL_KEYS (format 1) or CANONICAL_KEYS_2 (format 2: also the
 * candidate version and the sha256 of the evidence shown), in that (alphabetical) order, every
 * value a string ("" when absent). A proof with `candidate` or `evidence` is format 2; old
 * decisions (format 1) still verify. Keys and signatures are lowercase hex (32 and 64 bytes).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { assertionProblem, type DeviceAssertion, type DeviceKey } from './webauthn.js';

export const SIGNATURE_VERSION = 'upkeep-decision-1';
/** Format 2: the signed bytes also cover the candidate version and the evidence's sha256. */
export const SIGNATURE_VERSION_2 = 'upkeep-decision-2';
/** How far a signature's time may be from the workflow's time when it arrives (either side). */
export const SIGNATURE_WINDOW_MS = 10 * 60_000;

export const CANONICAL_KEYS = ['approver', 'at', 'comment', 'decision', 'gate', 'model', 'nonce', 'request', 'signer', 'v', 'workflow'] as const;
export const CANONICAL_KEYS_2 = [
  'approver',
  'at',
  'candidate',
  'comment',
  'decision',
  'evidence',
  'gate',
  'model',
  'nonce',
  'request',
  'signer',
  'v',
  'workflow',
] as const;

/** What is signed, besides the decision itself: where it applies, who signed, when, and a nonce. */
export interface DecisionProof {
  /** The model id. */
  model: string;
  /** The workflow id of the request. */
  workflow: string;
  /** The request's identity: a gate's openedAt, or "<from>-><to>" for a rollback request. */
  request: string;
  /** Whose key signed: the approver, or an authenticator acting for them. */
  signer: string;
  /** When it was signed (ISO 8601). */
  at: string;
  nonce: string;
  /** Format 2: the candidate version decided on ("" when the request has none). */
  candidate?: string;
  /** Format 2: the sha256 of the evidence document the approver was shown ("" when none). */
  evidence?: string;
  /** Ed25519 signature of the canonical bytes, hex; with `device`, the device's DER ECDSA P-256 signature, hex. */
  signature: string;
  /**
   * Signed on the person's own device (WebAuthn): the assertion whose challenge is the sha256 of
   * the canonical bytes; `signer` is then the person (docs/signed-decisions.md).
   */
  device?: DeviceAssertion;
}

/** Who signed a decision: the person's device (WebAuthn), the person's own key, or a server acting for them. */
export type SignatureKind = 'device' | 'person-key' | 'authenticator';

/** Which kind of signature a proof is (the trail records it with the decision). */
export const signatureKind = (proof: Pick<DecisionProof, 'device' | 'signer'>, approver: string): SignatureKind =>
  proof.device ? 'device' : proof.signer === approver ? 'person-key' : 'authenticator';

/** Whether a proof is in format 2 (it names a candidate and an evidence hash, possibly ""). */
export const isFormat2 = (proof: Pick<DecisionProof, 'candidate' | 'evidence'>): boolean => proof.candidate !== undefined || proof.evidence !== undefined;

/** What a proof is about: a gate decision, or a rollback request (gate "rollback-request"). */
export interface SignedAct {
  gate: string;
  decision: string;
  approver: string;
  comment?: string | undefined;
}

/** What a rollback request's signature covers: who asks, why, and whether it skips the gate. */
export const rollbackAct = (input: { requestedBy: string; reason: string; emergency?: boolean | undefined }): SignedAct => ({
  gate: 'rollback-request',
  decision: input.emergency ? 'emergency' : 'request',
  approver: input.requestedBy,
  comment: input.reason,
});

/** A rollback request's identity: the champion it replaces and the version it restores. */
/**
 * With the champion's generation (a count of promotions and rollbacks), a signed request names one
 * moment of the registry: it cannot be replayed after the champion left and came back to `from`.
 */
export const rollbackRequestId = (from: string, to: string, generation?: number): string => `${generation !== undefined ? `${generation}:` : ''}${from}->${to}`;

import { keysApply, signaturesRequired, type DecisionKeys } from './decision-keys.js';

export { keysApply, signaturesRequired, type DecisionKeys };

const HEX = /^[0-9a-f]*$/;
const NONCE = /^[A-Za-z0-9_-]{16,64}$/;

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

export function fromHex(hex: string, bytes: number): Uint8Array | undefined {
  if (typeof hex !== 'string' || hex.length !== bytes * 2 || !HEX.test(hex)) return undefined;
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A public key as written in the config: 64 lowercase hex digits (32 bytes). */
export const isPublicKey = (s: unknown): s is string => typeof s === 'string' && fromHex(s, 32) !== undefined;

function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** The exact bytes that are signed: format 2 when the proof names a candidate or evidence, else format 1. */
export function canonicalDecision(act: SignedAct, proof: Omit<DecisionProof, 'signature'>): Uint8Array {
  const common = {
    approver: act.approver,
    at: proof.at,
    comment: act.comment ?? '',
    decision: act.decision,
    gate: act.gate,
    model: proof.model,
    nonce: proof.nonce,
    request: proof.request,
    signer: proof.signer,
    workflow: proof.workflow,
  };
  const ordered: Record<string, string> = {};
  if (isFormat2(proof)) {
    const fields: Record<(typeof CANONICAL_KEYS_2)[number], string> = {
      ...common,
      candidate: proof.candidate ?? '',
      evidence: proof.evidence ?? '',
      v: SIGNATURE_VERSION_2,
    };
    for (const k of CANONICAL_KEYS_2) ordered[k] = String(fields[k]);
  } else {
    const fields: Record<(typeof CANONICAL_KEYS)[number], string> = { ...common, v: SIGNATURE_VERSION };
    for (const k of CANONICAL_KEYS) ordered[k] = String(fields[k]);
  }
  return utf8(JSON.stringify(ordered));
}

export function newKeyPair(): { secretKey: string; publicKey: string } {
  const { secretKey, publicKey } = ed25519.keygen();
  return { secretKey: toHex(secretKey), publicKey: toHex(publicKey) };
}

export function publicKeyOf(secretKeyHex: string): string {
  const sk = fromHex(secretKeyHex, 32);
  if (!sk) throw new Error('a secret key is 64 hex digits');
  return toHex(ed25519.getPublicKey(sk));
}

/** A random nonce (from the platform's crypto; not for workflow code). */
export function newNonce(random: (n: number) => Uint8Array): string {
  return toHex(random(16));
}

/** Signs `act` for the request named in `proof`; returns the proof with its signature. */
export function signDecision(act: SignedAct, proof: Omit<DecisionProof, 'signature'>, secretKeyHex: string): DecisionProof {
  const sk = fromHex(secretKeyHex, 32);
  if (!sk) throw new Error('a secret key is 64 hex digits');
  return { ...proof, signature: toHex(ed25519.sign(canonicalDecision(act, proof), sk)) };
}

/** True when `proof.signature` is `publicKey`'s signature of the canonical bytes (RFC 8032, strict). */
export function signatureValid(act: SignedAct, proof: DecisionProof, publicKeyHex: string): boolean {
  const sig = fromHex(proof.signature, 64);
  const pk = fromHex(publicKeyHex, 32);
  if (!sig || !pk) return false;
  try {
    return ed25519.verify(sig, canonicalDecision(act, proof), pk, { zip215: false });
  } catch {
    return false;
  }
}

export interface ExpectedContext {
  model: string;
  workflow: string;
  request: string;
  /** Workflow time (ms) when the decision arrives. */
  now: number;
  keys: DecisionKeys | undefined;
  /** Who may decide; a decision by anyone else is refused before this check. */
  deciders: readonly string[];
  /** Nonces already used in this workflow. */
  usedNonces?: ReadonlySet<string>;
  /** Skip the time window: re-verifying a stored decision later. */
  anyTime?: boolean;
  /** The highest sign counter seen per device credential in this workflow (a device's must grow when it counts). */
  deviceCounters?: ReadonlyMap<string, number>;
  /**
   * What the request showed the approver (a gate opened with stored evidence): the signature must
   * be format 2 and name this candidate ("" for none) and this evidence sha256. Absent: either format.
   */
  shown?: { candidate: string; evidence: string };
}

/**
 * Why `proof` does not authenticate `act` in `ctx`, or undefined when it does (or when the model
 * has no keys and the act is unsigned).
 */
export function proofProblem(act: SignedAct, proof: DecisionProof | undefined, ctx: ExpectedContext): string | undefined {
  const who = `model ${ctx.model}`;
  if (!keysApply(ctx.keys, ctx.deciders)) return undefined;
  const keys = ctx.keys!;
  if (!proof) return `${who}: decisions on this model must be signed, and this one is not (create a key with: upkeep keys create --id ${act.approver})`;
  if (proof.model !== ctx.model) return `${who}: the signature is for model ${JSON.stringify(proof.model)}, not this one`;
  if (proof.workflow !== ctx.workflow) return `${who}: the signature is for workflow ${JSON.stringify(proof.workflow)}, not ${ctx.workflow}`;
  if (proof.request !== ctx.request)
    return `${who}: the signature is for another ${act.gate === 'rollback-request' ? 'rollback (champion->target)' : `${act.gate} request`}: signed for ${JSON.stringify(proof.request)}, this one is ${JSON.stringify(ctx.request)}`;
  if (ctx.shown) {
    if (!isFormat2(proof))
      return `${who}: the signature is in the old format (${SIGNATURE_VERSION}), which does not cover the candidate and the evidence shown; sign again with a current upkeep`;
    if ((proof.candidate ?? '') !== ctx.shown.candidate)
      return `${who}: the signature is for candidate ${JSON.stringify(proof.candidate ?? '')}, this request's is ${JSON.stringify(ctx.shown.candidate)}`;
    if ((proof.evidence ?? '') !== ctx.shown.evidence)
      return `${who}: the signature covers other evidence (sha256 ${JSON.stringify(proof.evidence ?? '')}) than this request shows (sha256 ${ctx.shown.evidence}); look at the request again and sign again`;
  }
  if (keys.ownOnly && proof.signer !== act.approver)
    return `${who}: decisions on this model must be signed by the person (their device or their own key), not by ${JSON.stringify(proof.signer)} on their behalf (require_own_signature)`;
  if (proof.device) return deviceProofProblem(act, proof, proof.device, ctx);
  let key: string | undefined;
  if (proof.signer === act.approver) key = Object.hasOwn(keys.people, act.approver) ? keys.people[act.approver] : undefined;
  else key = Object.hasOwn(keys.authenticators, proof.signer) ? keys.authenticators[proof.signer] : undefined;
  if (!key) {
    return proof.signer === act.approver
      ? `${who}: no public key is configured for ${JSON.stringify(act.approver)}, so their signature cannot be checked`
      : `${who}: ${JSON.stringify(proof.signer)} is not a configured authenticator and may not sign for ${JSON.stringify(act.approver)}`;
  }
  const timing = timeAndNonceProblem(proof, ctx);
  if (timing) return timing;
  if (!signatureValid(act, proof, key))
    return `${who}: the signature of ${JSON.stringify(proof.signer)} does not match this decision (altered, or signed with another key)`;
  if (ctx.usedNonces?.has(proof.nonce)) return `${who}: this signature was already used (nonce ${proof.nonce}); sign again`;
  return undefined;
}

/** The time, nonce and replay checks every proof passes, whoever signed it. */
function timeAndNonceProblem(proof: DecisionProof, ctx: ExpectedContext): string | undefined {
  const who = `model ${ctx.model}`;
  if (!NONCE.test(proof.nonce)) return `${who}: the signature's nonce must be 16 to 64 letters, digits, "-" or "_"`;
  const at = Date.parse(proof.at);
  if (!Number.isFinite(at)) return `${who}: the signature's time ${JSON.stringify(proof.at)} is not an ISO 8601 time`;
  if (!ctx.anyTime && Math.abs(at - ctx.now) > SIGNATURE_WINDOW_MS) {
    return `${who}: the signature's time ${proof.at} is more than ${SIGNATURE_WINDOW_MS / 60_000} minutes from the workflow's time ${new Date(ctx.now).toISOString()}; sign again`;
  }
  return undefined;
}

/** A proof signed on the person's device: their registered credential, then the assertion (domain/webauthn.ts). */
function deviceProofProblem(act: SignedAct, proof: DecisionProof, device: DeviceAssertion, ctx: ExpectedContext): string | undefined {
  const who = `model ${ctx.model}`;
  if (proof.signer !== act.approver)
    return `${who}: a device signature is the person's own: its signer ${JSON.stringify(proof.signer)} must be the approver ${JSON.stringify(act.approver)}`;
  // Keys re-read from a stored trail are untrusted JSON: anything but a list registers nothing.
  const registered: unknown = Object.hasOwn(ctx.keys?.devices ?? {}, act.approver) ? ctx.keys!.devices![act.approver] : [];
  const key = Array.isArray(registered) ? (registered as DeviceKey[]).find((k) => k?.credential === device.credential) : undefined;
  if (!key)
    return `${who}: the device credential ${JSON.stringify(device.credential.slice(0, 40))} is not registered for ${JSON.stringify(act.approver)} (passkeys in the keys file)`;
  const timing = timeAndNonceProblem(proof, ctx);
  if (timing) return timing;
  const checked = assertionProblem(device, proof.signature, {
    canonical: canonicalDecision(act, proof),
    key,
    lastCounter: ctx.deviceCounters?.get(device.credential) ?? 0,
  });
  if ('problem' in checked) return `${who}: the device signature of ${JSON.stringify(act.approver)} is refused: ${checked.problem}`;
  if (ctx.usedNonces?.has(proof.nonce)) return `${who}: this signature was already used (nonce ${proof.nonce}); sign again`;
  return undefined;
}

/**
 * Re-verifies a stored decision (the registry's champion history, the audit trail) against
 * `keys`, at any later time: undefined when its signature holds, else why not. `workflow`: the
 * workflow the record says made the decision; a signature made for another one does not count.
 */
export function storedDecisionProblem(
  modelId: string,
  d: SignedAct & { proof?: DecisionProof | undefined },
  keys: DecisionKeys | undefined,
  workflow?: string,
  promoted?: string,
): string | undefined {
  if (!d.proof) return `model ${modelId}: the ${d.gate} decision by ${d.approver} is not signed`;
  if (workflow !== undefined && d.proof.workflow !== workflow)
    return `model ${modelId}: the ${d.gate} decision by ${d.approver} was signed for workflow ${JSON.stringify(d.proof.workflow)}, but is recorded for ${JSON.stringify(workflow)}`;
  // `promoted`: the version the record says this promote decision promoted; a format-2 signature names it.
  if (promoted !== undefined && d.gate === 'promote' && isFormat2(d.proof) && d.proof.candidate !== promoted) {
    return `model ${modelId}: the promote decision by ${d.approver} was signed for candidate ${JSON.stringify(d.proof.candidate ?? '')}, but is recorded for the promotion of ${JSON.stringify(promoted)}`;
  }
  if (!keysApply(keys, [d.approver])) return `model ${modelId}: no public key is configured for ${d.approver} or any authenticator`;
  return proofProblem(d, d.proof, {
    model: modelId,
    workflow: d.proof.workflow,
    request: d.proof.request,
    now: 0,
    anyTime: true,
    keys,
    deciders: [d.approver],
  });
}
