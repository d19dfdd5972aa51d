import assert from 'node:assert/strict';
import { decodeCbor } from '../../cli/web/cbor.js';
import { registrationProblem } from '../../cli/web/passkeys.js';
import { FLAG_AT, FLAG_UP, FLAG_UV } from '../../domain/webauthn.js';
import { SoftAuthenticator, type RegisterOptions } from '../helpers/soft-authenticator.js';

const RP = { id: 'inbox.example.com', origin: 'https://inbox.example.com' };
const CHALLENGE = 'Y2hhbGxlbmdlLWNoYWxsZW5nZS1jaGFsbGVuZ2UtMzI';

describe('registering a device in the web inbox (WebAuthn attestation, "none")', function () {
  it('takes a registration for this challenge, origin and rpId and returns the credential id and its P-256 key', function () {
    const device = new SoftAuthenticator(RP.id, RP.origin);
    const r = registrationProblem(device.register({ challenge: CHALLENGE }), { challenge: CHALLENGE, ...RP });
    assert.deepEqual(r, { credential: device.credential, publicKey: device.key.publicKey });
  });

  it('refuses another challenge, origin or rpId, a device that did not verify the user, a non-ES256 key, and an assertion posing as one', function () {
    const device = new SoftAuthenticator(RP.id, RP.origin);
    const refused = (o: Partial<RegisterOptions>, pattern: RegExp) => {
      const r = registrationProblem(device.register({ challenge: CHALLENGE, ...o }), { challenge: CHALLENGE, ...RP });
      assert.match('problem' in r ? r.problem : 'accepted', pattern);
    };
    refused({ challenge: 'b3RoZXItY2hhbGxlbmdl' }, /another challenge/);
    refused({ origin: 'https://evil.example.net' }, /comes from "https:\/\/evil.example.net"/);
    refused({ rpId: 'evil.example.net' }, /another relying party/);
    refused({ flags: FLAG_UP | FLAG_AT }, /did not verify the user/);
    refused({ flags: FLAG_UP | FLAG_UV }, /sent no credential/);
    refused({ alg: -257 }, /other than ES256 on P-256/);
    refused({ type: 'webauthn.get' }, /not a webauthn.create/);
    assert.match(JSON.stringify(registrationProblem({ clientDataJSON: '!!', attestationObject: 'AA' }, { challenge: CHALLENGE, ...RP })), /not base64url/);
  });

  it('decodes CBOR strictly: truncated, indefinite, tagged, deeply nested and duplicate-key input is refused', function () {
    assert.deepEqual(decodeCbor(Uint8Array.from([0xa1, 0x01, 0x22])).value, new Map([[1, -3]]));
    for (const [bytes, pattern] of [
      [[0x58, 0x05, 1, 2], /truncated/],
      [[0x5f], /indefinite/],
      [[0xc0, 0x00], /tagged/],
      [Array(20).fill(0x81), /nested too deeply/],
      [[0xa2, 0x01, 0x00, 0x01, 0x00], /duplicate map key/],
    ] as const) {
      assert.throws(() => decodeCbor(Uint8Array.from(bytes)), pattern);
    }
  });
});
