/**
 * A software WebAuthn authenticator for unit tests (@noble/curves P-256): it makes a credential
 * for a relying party and signs assertions as a device does (authenticatorData || sha256 of the
 * clientDataJSON, ECDSA P-256, DER), with knobs to make each kind of bad assertion.
 */
import { randomBytes } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { fromBase64url, toBase64url, FLAG_AT, FLAG_UP, FLAG_UV, type DeviceAssertion, type DeviceKey } from '../../domain/webauthn.js';

export interface AssertOptions {
  /** What the browser puts in clientDataJSON (defaults: the credential's origin, webauthn.get). */
  origin?: string;
  type?: string;
  crossOrigin?: boolean;
  /** The rpId whose hash starts authenticatorData (default: the credential's). */
  rpId?: string;
  flags?: number;
  /** The sign counter to report (default: one more than the last). */
  counter?: number;
  /** Sign with another key (a forged signature). */
  otherKey?: boolean;
}

/** Just enough CBOR to write an attestation object: small ints, byte and text strings, maps. */
function cbor(v: number | string | Uint8Array | Map<number | string, unknown>): number[] {
  const head = (major: number, n: number): number[] => (n < 24 ? [(major << 5) | n] : n < 256 ? [(major << 5) | 24, n] : [(major << 5) | 25, n >> 8, n & 0xff]);
  if (typeof v === 'number') return v >= 0 ? head(0, v) : head(1, -1 - v);
  if (typeof v === 'string') {
    const b = new TextEncoder().encode(v);
    return [...head(3, b.length), ...b];
  }
  if (v instanceof Uint8Array) return [...head(2, v.length), ...v];
  return [...head(5, v.size), ...[...v].flatMap(([k, x]) => [...cbor(k), ...cbor(x as never)])];
}

export interface RegisterOptions {
  challenge: string;
  origin?: string;
  rpId?: string;
  flags?: number;
  /** The COSE algorithm the key claims (-7: ES256). */
  alg?: number;
  type?: string;
}

export class SoftAuthenticator {
  readonly secretKey = p256.utils.randomSecretKey();
  readonly credential = toBase64url(randomBytes(16));
  counter = 0;
  constructor(
    readonly rpId: string,
    readonly origin: string,
    /** Whether the device counts its signatures (synced passkeys send 0). */
    readonly counts = true,
  ) {}

  /** The registered credential, as the keys file lists it. */
  get key(): DeviceKey {
    return {
      credential: this.credential,
      publicKey: Buffer.from(p256.getPublicKey(this.secretKey, false)).toString('hex'),
      rpId: this.rpId,
      origin: this.origin,
    };
  }

  /** What navigator.credentials.create returns (attestation "none"), base64url. */
  register(o: RegisterOptions): { clientDataJSON: string; attestationObject: string } {
    const client = JSON.stringify({ type: o.type ?? 'webauthn.create', challenge: o.challenge, origin: o.origin ?? this.origin, crossOrigin: false });
    const point = p256.getPublicKey(this.secretKey, false);
    const cose = cbor(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, o.alg ?? -7],
        [-1, 1],
        [-2, point.slice(1, 33)],
        [-3, point.slice(33, 65)],
      ]),
    );
    const id = fromBase64url(this.credential)!;
    const authData = new Uint8Array([
      ...sha256(new TextEncoder().encode(o.rpId ?? this.rpId)),
      o.flags ?? FLAG_UP | FLAG_UV | FLAG_AT,
      0,
      0,
      0,
      0,
      ...new Uint8Array(16),
      id.length >> 8,
      id.length & 0xff,
      ...id,
      ...cose,
    ]);
    const attestation = cbor(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]) as never,
    );
    return { clientDataJSON: toBase64url(new TextEncoder().encode(client)), attestationObject: toBase64url(Uint8Array.from(attestation)) };
  }

  /** An assertion over `challenge` (base64url) and the DER signature in hex. */
  assert(challenge: string, o: AssertOptions = {}): { device: DeviceAssertion; signature: string } {
    if (this.counts) this.counter += 1;
    const counter = o.counter ?? this.counter;
    const client = JSON.stringify({ type: o.type ?? 'webauthn.get', challenge, origin: o.origin ?? this.origin, crossOrigin: o.crossOrigin ?? false });
    const clientBytes = new TextEncoder().encode(client);
    const authData = new Uint8Array(37);
    authData.set(sha256(new TextEncoder().encode(o.rpId ?? this.rpId)), 0);
    authData[32] = o.flags ?? FLAG_UP | FLAG_UV;
    new DataView(authData.buffer).setUint32(33, counter);
    const signed = new Uint8Array([...authData, ...sha256(clientBytes)]);
    const key = o.otherKey ? p256.utils.randomSecretKey() : this.secretKey;
    const sig = p256.sign(signed, key, { prehash: true, format: 'der', lowS: false });
    return {
      device: { credential: this.credential, authenticatorData: toBase64url(authData), clientDataJSON: toBase64url(clientBytes) },
      signature: Buffer.from(sig).toString('hex'),
    };
  }
}
