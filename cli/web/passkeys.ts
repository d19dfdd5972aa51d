/**
 * Devices that sign for their owner (WebAuthn passkeys) in the web inbox: registering one after
 * sign-in (the credential's public key is checked, kept in the store and recorded in the `_web`
 * trail; the platform team pastes the printed entry into the keys file, as with any key), and the
 * challenge of a decision: the sha256 of the decision's canonical bytes, so the device signs the
 * exact decision and the server only forwards it. docs/web.md, docs/signed-decisions.md.
 */
import { randomBytes } from 'node:crypto';
import type { ModelSpec } from '../../domain/config.js';
import { canonicalDecision, newNonce, type DecisionProof, type SignedAct } from '../../domain/signature.js';
import {
  clientDataProblem,
  decisionChallenge,
  fromBase64url,
  FLAG_AT,
  FLAG_UP,
  FLAG_UV,
  isDevicePublicKey,
  isForRelyingParty,
  rawPublicKey,
  toBase64url,
  type ClientDataWords,
  type DeviceAssertion,
} from '../../domain/webauthn.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import { sha256Hex } from '../../engine/util.js';
import { decodeCbor, type CborValue } from './cbor.js';

/** How long a registration or decision challenge stays usable (under the 10-minute signature window). */
export const CHALLENGE_TTL_MS = 5 * 60_000;
/** Where registered devices are kept: one write-once document per credential. */
export const PASSKEYS_PREFIX = 'web/passkeys';

/** The relying party: the inbox's host name and the origin people use. */
export interface RelyingParty {
  id: string;
  origin: string;
}

/** A registered device as the store keeps it and the keys file lists it (`passkeys:`). */
export interface RegisteredPasskey {
  id: string;
  credential: string;
  public_key: string;
  rp_id: string;
  origin: string;
  label?: string;
  registeredAt: string;
}

/** The keys-file line for a registered device (what the platform team pastes under `passkeys:`). */
export function passkeyYaml(p: RegisteredPasskey): string {
  const label = p.label ? `, label: ${JSON.stringify(p.label)}` : '';
  return `  - { id: ${JSON.stringify(p.id)}, credential: ${p.credential}, public_key: ${p.public_key}, rp_id: ${p.rp_id}, origin: ${JSON.stringify(p.origin)}${label} }`;
}

const get = (m: CborValue | undefined, k: number | string): CborValue | undefined => (m instanceof Map ? m.get(k) : undefined);
const bytesOf = (v: CborValue | undefined): Uint8Array | undefined => (v instanceof Uint8Array ? v : undefined);

const REGISTRATION_WORDS: ClientDataWords = {
  notJson: 'the registration clientDataJSON is not JSON',
  notObject: 'the registration is not a webauthn.create',
  type: () => 'the registration is not a webauthn.create',
  challenge: 'the registration answers another challenge (reload the page and register again)',
  origin: (origin, expected) => `the registration comes from ${JSON.stringify(origin)}, not ${expected}`,
  crossOrigin: 'the registration was made in a cross-origin frame',
};

/**
 * Checks a registration (navigator.credentials.create's response) against the challenge the
 * server gave and its relying party: a `webauthn.create` from the origin, authenticator data for
 * the rpId with the user present and verified and a credential attached, whose COSE key is ES256
 * on P-256. Attestation statements are not checked (`attestation: "none"`): the device is
 * trusted because the person registered it after signing in and the platform team listed it.
 */
export function registrationProblem(
  r: { clientDataJSON: string; attestationObject: string },
  expect: { challenge: string } & RelyingParty,
): { problem: string } | { credential: string; publicKey: string } {
  const clientBytes = fromBase64url(r.clientDataJSON);
  const attestation = fromBase64url(r.attestationObject);
  if (!clientBytes || !attestation) return { problem: 'the registration is not base64url' };
  const clientProblem = clientDataProblem(clientBytes, { type: 'webauthn.create', challenge: expect.challenge, origin: expect.origin }, REGISTRATION_WORDS);
  if (clientProblem) return { problem: clientProblem };
  let authData: Uint8Array | undefined;
  try {
    authData = bytesOf(get(decodeCbor(attestation).value, 'authData'));
  } catch (err) {
    return { problem: `the attestation object is not valid CBOR (${(err as Error).message})` };
  }
  if (!authData || authData.length < 55) return { problem: 'the attestation object has no authenticator data with a credential' };
  if (!isForRelyingParty(authData, expect.id)) return { problem: `the device registered for another relying party than ${expect.id}` };
  const flags = authData[32]!;
  if (!(flags & FLAG_UP) || !(flags & FLAG_UV)) return { problem: 'the device did not verify the user (a PIN or biometrics is needed to sign decisions)' };
  if (!(flags & FLAG_AT)) return { problem: 'the device sent no credential' };
  const idLength = (authData[53]! << 8) | authData[54]!;
  const idEnd = 55 + idLength;
  if (idLength < 16 || idLength > 1023 || authData.length <= idEnd) return { problem: 'the credential id has a bad length' };
  const credential = toBase64url(authData.subarray(55, idEnd));
  let cose: CborValue;
  try {
    cose = decodeCbor(authData, idEnd).value;
  } catch (err) {
    return { problem: `the credential's public key is not valid CBOR (${(err as Error).message})` };
  }
  const x = bytesOf(get(cose, -2));
  const y = bytesOf(get(cose, -3));
  if (get(cose, 1) !== 2 || get(cose, 3) !== -7 || get(cose, -1) !== 1 || x?.length !== 32 || y?.length !== 32)
    return { problem: 'the device offered a key other than ES256 on P-256 (the one kind upkeep verifies)' };
  const publicKey = rawPublicKey(x, y);
  if (!isDevicePublicKey(publicKey)) return { problem: 'the public key is not a point on P-256' };
  return { credential, publicKey };
}

/** Where a device is kept: by the sha256 of its credential id (any length, one name). */
export const passkeyKey = (credential: string): string => `${PASSKEYS_PREFIX}/${sha256Hex(credential)}.json`;

/** Keeps a registered device, write-once: false when its credential id was registered before (the first one is kept). */
export async function savePasskey(store: ArtifactStore, p: RegisteredPasskey): Promise<boolean> {
  const r = await store.put(passkeyKey(p.credential), `${JSON.stringify(p, null, 2)}\n`, { ifAbsent: true });
  return r.created !== false;
}

/** The devices a person registered through the inbox (what the store kept). */
export async function registeredPasskeys(store: ArtifactStore, person?: string): Promise<RegisteredPasskey[]> {
  const out: RegisteredPasskey[] = [];
  for (const key of await store.list(PASSKEYS_PREFIX)) {
    try {
      const p = JSON.parse(new TextDecoder().decode(await store.get(key))) as RegisteredPasskey;
      if (person === undefined || p.id === person) out.push(p);
    } catch {
      continue; // a damaged document lists nothing
    }
  }
  return out.sort((a, b) => a.registeredAt.localeCompare(b.registeredAt));
}

/** What a decision challenge was made for: the decision, the request and the unsigned proof. */
export interface PendingDecision {
  model: string;
  act: SignedAct;
  opened: string;
  evidence: string;
  proof: Omit<DecisionProof, 'signature'>;
  expires: number;
}

/** One pending challenge per session and purpose; taking it removes it (a challenge is used once). */
export class Challenges {
  private readonly registrations = new Map<string, { challenge: string; expires: number }>();
  private readonly decisions = new Map<string, PendingDecision>();
  constructor(private readonly now: () => number) {}

  registration(session: string): string {
    this.sweep();
    const challenge = toBase64url(randomBytes(32));
    this.registrations.set(session, { challenge, expires: this.now() + CHALLENGE_TTL_MS });
    return challenge;
  }

  takeRegistration(session: string): string | undefined {
    const r = this.registrations.get(session);
    this.registrations.delete(session);
    return r && r.expires > this.now() ? r.challenge : undefined;
  }

  /** The challenge of a decision: the sha256 of its canonical bytes, signed by `person` (the device's owner). */
  decision(
    session: string,
    pending: Omit<PendingDecision, 'proof' | 'expires'> & { where: Omit<DecisionProof, 'signature' | 'signer' | 'at' | 'nonce'> },
    person: string,
  ): string {
    this.sweep();
    const proof = { ...pending.where, signer: person, at: new Date(this.now()).toISOString(), nonce: newNonce((n) => randomBytes(n)) };
    this.decisions.set(session, {
      model: pending.model,
      act: pending.act,
      opened: pending.opened,
      evidence: pending.evidence,
      proof,
      expires: this.now() + CHALLENGE_TTL_MS,
    });
    return decisionChallenge(canonicalDecision(pending.act, proof));
  }

  takeDecision(session: string): PendingDecision | undefined {
    const d = this.decisions.get(session);
    this.decisions.delete(session);
    return d && d.expires > this.now() ? d : undefined;
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, v] of this.registrations) if (v.expires <= t) this.registrations.delete(k);
    for (const [k, v] of this.decisions) if (v.expires <= t) this.decisions.delete(k);
  }
}

/** The registered devices of `person` that a model's keys list (the ones its requests accept). */
export const devicesFor = (spec: ModelSpec | undefined, person: string): string[] =>
  (spec?.keys?.devices && Object.hasOwn(spec.keys.devices, person) ? spec.keys.devices[person]! : []).map((d) => d.credential);

/** The device's part of a proof from the form the page posts (base64url fields; the DER signature becomes hex). */
export function assertionFromForm(field: (k: string) => string | undefined): { device: DeviceAssertion; signature: string } | undefined {
  const credential = field('device_credential');
  const authenticatorData = field('device_authenticator_data');
  const clientDataJSON = field('device_client_data');
  const signature = fromBase64url(field('device_signature'));
  if (!credential || !authenticatorData || !clientDataJSON || !signature || signature.length > 72) return undefined;
  return { device: { credential, authenticatorData, clientDataJSON }, signature: Buffer.from(signature).toString('hex') };
}
