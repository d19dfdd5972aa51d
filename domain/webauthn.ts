/**
 * Decisions signed by a person's own device (WebAuthn / passkeys): the assertion checks, in pure
 * JavaScript (@noble/curves P-256, @noble/hashes SHA-256), so the `decide` Update's validator in
 * the workflow sandbox, the CLI and `audit verify` run the same code, deterministically and
 * offline. docs/signed-decisions.md ("Signed on the person's device") describes the format.
 *
 * The challenge a device signs is the sha256 of the decision's canonical bytes (the same bytes an
 * Ed25519 signature covers: domain/signature.ts), so the assertion binds the exact decision.
 * The device signs authenticatorData || sha256(clientDataJSON) with ECDSA P-256 (COSE ES256).
 */
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';

/** What a device adds to a proof (base64url, as the browser gives it); the DER signature is the proof's `signature` (hex). */
export interface DeviceAssertion {
  /** The credential id. */
  credential: string;
  authenticatorData: string;
  clientDataJSON: string;
}

/** A registered credential, as the keys file lists it under `passkeys`. */
export interface DeviceKey {
  /** The credential id (base64url). */
  credential: string;
  /** The uncompressed P-256 public key, 130 lowercase hex digits (04 || x || y). */
  publicKey: string;
  /** The relying party id the credential was made for (the inbox's host name). */
  rpId: string;
  /** The origin the inbox is served at (https://inbox.example.com). */
  origin: string;
}

/** Flags of authenticatorData (WebAuthn §6.1). */
export const FLAG_UP = 0x01;
export const FLAG_UV = 0x04;
export const FLAG_AT = 0x40;

/** A DER ECDSA P-256 signature is at most 72 bytes: 144 hex digits. */
const DEVICE_SIGNATURE_HEX = 144;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64_INDEX: Record<string, number> = Object.fromEntries([...B64].map((c, i) => [c, i]));

/** base64url without padding, as WebAuthn uses it. */
export function toBase64url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = i + 2 < bytes.length ? 4 : i + 1 < bytes.length ? 3 : 2;
    for (let k = 0; k < chars; k++) out += B64[(n >> (18 - 6 * k)) & 63];
  }
  return out;
}

/** Decodes base64url (no padding, no other characters); undefined when malformed. */
export function fromBase64url(s: unknown): Uint8Array | undefined {
  if (typeof s !== 'string' || s.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let j = 0;
  for (const c of s) {
    const v = B64_INDEX[c];
    if (v === undefined) return undefined;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (acc >> bits) & 0xff;
    }
  }
  // Left-over bits must be zero: one string, one value.
  if ((acc & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const equal = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** The challenge a device signs for a decision: the sha256 of its canonical bytes, base64url. */
export const decisionChallenge = (canonical: Uint8Array): string => toBase64url(sha256(canonical));

/** A registered public key as the keys file writes it: 04 || x || y, lowercase hex, a point on P-256. */
export function isDevicePublicKey(s: unknown): s is string {
  if (typeof s !== 'string' || !/^04[0-9a-f]{128}$/.test(s)) return false;
  try {
    p256.Point.fromHex(s).assertValidity();
    return true;
  } catch {
    return false;
  }
}

export interface AssertionExpectation {
  /** The decision's canonical bytes: the challenge must be their sha256. */
  canonical: Uint8Array;
  key: DeviceKey;
  /** The highest sign counter this credential has shown before (0: none, or a device without a counter). */
  lastCounter?: number;
}

/** What a verified assertion says: its sign counter and flags. */
export interface AssertionFacts {
  counter: number;
  userVerified: boolean;
}

/** How a ceremony words each problem of its client data (an assertion and a registration say it their way). */
export interface ClientDataWords {
  notJson: string;
  notObject: string;
  type: (type: unknown) => string;
  challenge: string;
  origin: (origin: unknown, expected: string) => string;
  crossOrigin: string;
}

/**
 * Why `bytes` is not the client data of a `type` ceremony answering `challenge` from `origin`,
 * outside any cross-origin frame (worded by `say`), or undefined when it is. Both ceremonies check
 * their client data so: a decision's assertion here, a device's registration in the web inbox.
 */
export function clientDataProblem(
  bytes: Uint8Array,
  expect: { type: 'webauthn.get' | 'webauthn.create'; challenge: string; origin: string },
  say: ClientDataWords,
): string | undefined {
  let client: { type?: unknown; challenge?: unknown; origin?: unknown; crossOrigin?: unknown };
  try {
    client = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as typeof client;
  } catch {
    return say.notJson;
  }
  if (typeof client !== 'object' || client === null) return say.notObject;
  if (client.type !== expect.type) return say.type(client.type);
  if (client.challenge !== expect.challenge) return say.challenge;
  if (client.origin !== expect.origin) return say.origin(client.origin, expect.origin);
  if (client.crossOrigin === true) return say.crossOrigin;
  return undefined;
}

/** Whether authenticator data is for the relying party `rpId` (its first 32 bytes are the id's sha256). */
export const isForRelyingParty = (authData: Uint8Array, rpId: string): boolean => authData.length >= 32 && equal(authData.subarray(0, 32), sha256(utf8(rpId)));

const ASSERTION_WORDS: ClientDataWords = {
  notJson: 'the assertion clientDataJSON is not JSON',
  notObject: 'the assertion clientDataJSON is not an object',
  type: (type) => `the assertion is of type ${JSON.stringify(type)}, not webauthn.get`,
  challenge: 'the device signed another challenge than this decision (its sha256)',
  origin: (origin, expected) => `the device signed for origin ${JSON.stringify(origin)}, not ${expected}`,
  crossOrigin: 'the device signed inside a cross-origin frame',
};

/**
 * Why the assertion does not sign `canonical` with `key`, or its facts when it does: the client
 * data is a `webauthn.get` for this challenge from the registered origin (not cross-origin), the
 * authenticator data is for the registered rpId with user presence and verification, the ECDSA
 * signature over authenticatorData || sha256(clientDataJSON) verifies, and a non-zero sign counter
 * is above the last one seen (a lower or equal one suggests a cloned authenticator).
 */
export function assertionProblem(a: DeviceAssertion, signatureHex: string, x: AssertionExpectation): { problem: string } | { facts: AssertionFacts } {
  const { key } = x;
  if (a.credential !== key.credential) return { problem: 'the assertion is from another credential' };
  const authData = fromBase64url(a.authenticatorData);
  const clientDataBytes = fromBase64url(a.clientDataJSON);
  if (!authData || authData.length < 37) return { problem: 'the assertion has no valid authenticatorData' };
  if (!clientDataBytes) return { problem: 'the assertion has no valid clientDataJSON' };
  const clientProblem = clientDataProblem(
    clientDataBytes,
    { type: 'webauthn.get', challenge: decisionChallenge(x.canonical), origin: key.origin },
    ASSERTION_WORDS,
  );
  if (clientProblem) return { problem: clientProblem };
  if (!isForRelyingParty(authData, key.rpId)) return { problem: `the device signed for another relying party than ${key.rpId}` };
  const flags = authData[32]!;
  if (!(flags & FLAG_UP)) return { problem: 'the device did not see the user present' };
  if (!(flags & FLAG_UV)) return { problem: 'the device did not verify the user (PIN, biometrics)' };
  const counter = ((authData[33]! << 24) >>> 0) + (authData[34]! << 16) + (authData[35]! << 8) + authData[36]!;
  if (typeof signatureHex !== 'string' || signatureHex.length > DEVICE_SIGNATURE_HEX || !/^[0-9a-f]+$/.test(signatureHex) || signatureHex.length % 2)
    return { problem: 'the device signature is not DER hex' };
  const signed = new Uint8Array(authData.length + 32);
  signed.set(authData, 0);
  signed.set(sha256(clientDataBytes), authData.length);
  let valid = false;
  try {
    // WebAuthn signatures are not normalised to low S: both forms are taken (the challenge and nonce make each unique).
    valid = p256.verify(fromHexBytes(signatureHex), signed, fromHexBytes(key.publicKey), { format: 'der', lowS: false, prehash: true });
  } catch {
    valid = false;
  }
  if (!valid) return { problem: 'the device signature does not match (altered, or another key)' };
  const last = x.lastCounter ?? 0;
  if ((counter !== 0 || last !== 0) && counter <= last)
    return { problem: `the device's sign counter ${counter} is not above ${last}, the last one seen: a replayed assertion or a cloned authenticator` };
  return { facts: { counter, userVerified: true } };
}

function fromHexBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The public key as 04||x||y hex from a COSE EC2 key's coordinates (registration). */
export const rawPublicKey = (x: Uint8Array, y: Uint8Array): string => `04${hex(x)}${hex(y)}`;

/** The sign counter an assertion's authenticatorData carries (0 when unreadable). */
export function assertionCounter(a: Pick<DeviceAssertion, 'authenticatorData'>): number {
  const d = fromBase64url(a.authenticatorData);
  if (!d || d.length < 37) return 0;
  return ((d[33]! << 24) >>> 0) + (d[34]! << 16) + (d[35]! << 8) + d[36]!;
}
