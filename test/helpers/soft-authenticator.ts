/**
 * A software WebAuthn authenticator for unit tests (@noble/curves P-256): it makes a credential
 * for a relying party and signs assertions as a device does (authenticatorData || sha256 of the
 * clientDataJSON, ECDSA P-256, DER), with knobs to make each kind of bad assertion.
 */
import { randomBytes } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { toBase64url, FLAG_UP, FLAG_UV, type DeviceAssertion, type DeviceKey } from '../../domain/webauthn.js';

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
