import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../engine/config/load.js';
import { isUpkeepError } from '../../engine/errors.js';
import { newKeyPair } from '../../domain/signature.js';
import { modelYaml } from '../helpers/config-text.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';

const S = newKeyPair().publicKey;
const device = new SoftAuthenticator('inbox.example.com', 'https://inbox.example.com');
const entry = (id: string, d = device) =>
  `{ id: ${id}, credential: ${d.credential}, public_key: ${d.key.publicKey}, rp_id: ${d.rpId}, origin: "${d.origin}", label: laptop }`;
const model = (id: string, extra = ''): string => modelYaml({ id, owner: 'owner@example.com', approvers: '[alice@example.com]' }) + extra;

describe('passkeys and require_own_signature in the config', function () {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'upkeep-passkeys-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const parse = (text: string) => parseConfig(text, { name: 'upkeep.yaml', baseDir: dir });
  function refused(text: string): string {
    try {
      parse(text);
    } catch (err) {
      assert.ok(isUpkeepError(err, 'InvalidConfig'), String(err));
      return err.message;
    }
    assert.fail('expected the config to be refused');
  }

  it('gives each model the registered devices of its deciders, from the keys file, and makes it need signatures', function () {
    writeFileSync(
      path.join(dir, 'keys.yaml'),
      `passkeys:\n  - ${entry('alice@example.com')}\n  - ${entry('stranger@example.com', new SoftAuthenticator('x.example', 'https://x.example'))}\n`,
    );
    const [churn] = parse(`keys_file: keys.yaml\nmodels:${model('churn')}`).models;
    assert.deepEqual(churn!.keys, { people: {}, authenticators: {}, devices: { 'alice@example.com': [device.key] } });
  });

  it('without passkeys or the setting, a model keeps exactly the keys it had (no new fields)', function () {
    const [churn] = parse(`authenticators: [{ id: inbox.example.com, public_key: ${S} }]\nmodels:${model('churn')}`).models;
    assert.deepEqual(churn!.keys, { people: {}, authenticators: { 'inbox.example.com': S } });
  });

  it('require_own_signature comes from the model, else its tier, and needs someone who can sign', function () {
    const text = (extra: string, governance = '') =>
      `authenticators: [{ id: inbox.example.com, public_key: ${S} }]\npasskeys: [${entry('alice@example.com')}]\n${governance}models:${model('churn', extra)}`;
    assert.equal(parse(text('')).models[0]!.keys!.ownOnly, undefined);
    assert.equal(parse(text('\n    require_own_signature: true')).models[0]!.keys!.ownOnly, true);
    const tiered = 'governance:\n  tiers:\n    medium: { require_own_signature: true }\n';
    assert.equal(parse(text('', tiered)).models[0]!.keys!.ownOnly, true);
    assert.equal(parse(text('\n    require_own_signature: false', tiered)).models[0]!.keys!.ownOnly, undefined, 'the model overrides its tier');
    assert.match(
      refused(`authenticators: [{ id: inbox.example.com, public_key: ${S} }]\nmodels:${model('churn', '\n    require_own_signature: true')}`),
      /models\[0\] \(churn\): require_own_signature: none of its owner and approvers has a key or a registered device/,
    );
  });

  it('refuses a malformed entry, one credential with two keys, and a person who is also an authenticator, naming each', function () {
    assert.match(
      refused(`passkeys: [{ id: a@x, credential: short, public_key: 04ab, rp_id: x, origin: "https://x" }]\nmodels:${model('churn')}`),
      /passkeys\[0\]\.credential: expected a credential id/,
    );
    assert.match(
      refused(
        `passkeys: [{ id: a@x, credential: ${device.credential}, public_key: ${device.key.publicKey}, rp_id: x, origin: "http://inbox.example.com" }]\nmodels:${model('churn')}`,
      ),
      /passkeys\[0\]\.origin: expected an origin such as https:/,
    );
    const other = new SoftAuthenticator('inbox.example.com', 'https://inbox.example.com');
    const twice = `passkeys:\n  - ${entry('alice@example.com')}\n  - { id: alice@example.com, credential: ${device.credential}, public_key: ${other.key.publicKey}, rp_id: inbox.example.com, origin: "https://inbox.example.com" }\n`;
    assert.match(refused(`${twice}models:${model('churn')}`), /upkeep\.yaml: passkeys: the credential .* is listed twice with a different person or key/);
    assert.match(
      refused(`authenticators: [{ id: alice@example.com, public_key: ${S} }]\npasskeys: [${entry('alice@example.com')}]\nmodels:${model('churn')}`),
      /alice@example\.com is listed both as a person \(upkeep\.yaml: passkeys\) and as an authenticator/,
    );
  });
});
