import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configLoader, loadConfig, parseConfig, warnUnauthenticated } from '../../engine/config/load.js';
import { isUpkeepError } from '../../engine/errors.js';
import { newKeyPair } from '../../domain/signature.js';
import { writeOutputFile } from '../../cli/output.js';
import { modelYaml } from '../helpers/config-text.js';

const A = newKeyPair().publicKey;
const B = newKeyPair().publicKey;
const S = newKeyPair().publicKey;

const model = (id: string, approvers: string): string => modelYaml({ id, owner: 'owner@example.com', approvers });

describe('approver keys in upkeep.yaml', function () {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'upkeep-keys-'))));
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

  it('takes approvers as plain ids or { id, public_key }, keeps approvers a list of ids and collects the keys', function () {
    const config = parse(`models:${model('churn', `[bob@example.com, { id: alice@example.com, public_key: ${A} }]`)}${model('plain', '[bob@example.com]')}`);
    const [churn, plain] = config.models;
    assert.deepEqual(churn!.approvers, ['bob@example.com', 'alice@example.com']);
    assert.deepEqual(churn!.keys, { people: { 'alice@example.com': A }, authenticators: {} });
    assert.deepEqual(plain!.approvers, ['bob@example.com']);
    assert.equal(plain!.keys, undefined);
  });

  it('reads people and authenticators from the keys file, relative to the config, for the models they decide on', function () {
    writeFileSync(
      path.join(dir, 'keys.yaml'),
      `people:\n  - { id: owner@example.com, public_key: ${B} }\n  - { id: stranger@example.com, public_key: ${A} }\nauthenticators:\n  - { id: inbox.example.com, public_key: ${S} }\n`,
    );
    const config = parse(`keys_file: keys.yaml\nmodels:${model('churn', '[bob@example.com]')}`);
    assert.deepEqual(config.models[0]!.keys, { people: { 'owner@example.com': B }, authenticators: { 'inbox.example.com': S } });
  });

  it('makes every model need signatures when an authenticator is configured', function () {
    const config = parse(`authenticators: [{ id: inbox.example.com, public_key: ${S} }]\nmodels:${model('churn', '[bob@example.com]')}`);
    assert.deepEqual(config.models[0]!.keys, { people: {}, authenticators: { 'inbox.example.com': S } });
  });

  const bad: { name: string; text: () => string; error: RegExp }[] = [
    {
      name: 'a key that is not 64 hex digits',
      text: () => `models:${model('churn', '[{ id: alice@example.com, public_key: abc }]')}`,
      error: /^upkeep\.yaml: models\[0\] \(churn\): approvers\[0\]\.public_key: expected an Ed25519 public key: 64 lowercase hex digits/,
    },
    {
      name: 'an approver entry with an unknown field',
      text: () => `models:${model('churn', `[{ id: a, public_key: ${A}, secret_key: ${A} }]`)}`,
      error: /^upkeep\.yaml: models\[0\] \(churn\): approvers\[0\]: unknown key secret_key$/,
    },
    {
      name: 'an approver that is neither an id nor { id, public_key }',
      text: () => `models:${model('churn', '[3]')}`,
      error: /^upkeep\.yaml: models\[0\] \(churn\): approvers\[0\]: expected an id, or \{ id, public_key \}$/,
    },
    {
      name: 'a missing keys file',
      text: () => `keys_file: nowhere.yaml\nmodels:${model('churn', '[]')}`,
      error: /upkeep\.yaml: keys_file: cannot read .*nowhere\.yaml: no such file/,
    },
    {
      name: 'a keys file with a bad key',
      text: () => (writeFileSync(path.join(dir, 'k.yaml'), 'people: [{ id: a, public_key: nothex }]\n'), `keys_file: k.yaml\nmodels:${model('churn', '[]')}`),
      error: /k\.yaml: people\[0\]\.public_key: expected an Ed25519 public key/,
    },
    {
      name: 'one person with two keys',
      text: () => (
        writeFileSync(path.join(dir, 'k.yaml'), `people: [{ id: alice@example.com, public_key: ${B} }]\n`),
        `keys_file: k.yaml\nmodels:${model('churn', `[{ id: alice@example.com, public_key: ${A} }]`)}`
      ),
      error: /models\[0\] \(churn\): approvers: alice@example\.com has a different public key in the keys file/,
    },
    {
      name: 'one id both a person of the keys file and an authenticator',
      text: () => (
        writeFileSync(path.join(dir, 'k.yaml'), `people: [{ id: alice@example.com, public_key: ${B} }]\n`),
        `keys_file: k.yaml\nauthenticators: [{ id: alice@example.com, public_key: ${S} }]\nmodels:${model('churn', '[]')}`
      ),
      error:
        /^upkeep\.yaml: alice@example\.com is listed both as a person \(\S+k\.yaml: people\) and as an authenticator \(upkeep\.yaml: authenticators\): an id is one or the other/,
    },
    {
      name: 'one id both a keyed approver and an authenticator of the keys file',
      text: () => (
        writeFileSync(path.join(dir, 'k.yaml'), `authenticators: [{ id: alice@example.com, public_key: ${S} }]\n`),
        `keys_file: k.yaml\nmodels:${model('churn', `[{ id: alice@example.com, public_key: ${A} }]`)}`
      ),
      error:
        /^upkeep\.yaml: alice@example\.com is listed both as a person \(upkeep\.yaml: models\[0\] \(churn\): approvers\) and as an authenticator \(\S+k\.yaml: authenticators\)/,
    },
    {
      name: "a model's owner listed as an authenticator",
      text: () => `authenticators: [{ id: owner@example.com, public_key: ${S} }]\nmodels:${model('churn', '[]')}`,
      error:
        /owner@example\.com is listed both as a person \(upkeep\.yaml: models\[0\] \(churn\): owner\) and as an authenticator \(upkeep\.yaml: authenticators\)/,
    },
  ];
  for (const b of bad) {
    it(`refuses ${b.name} with a message naming file and field`, function () {
      assert.match(refused(b.text()), b.error);
    });
  }

  it('refuses a config or keys file that its group or everyone may write, naming the file, its mode and the chmod to run', async function () {
    const file = path.join(dir, 'upkeep.yaml');
    const keys = path.join(dir, 'keys.yaml');
    writeFileSync(keys, `people: [{ id: owner@example.com, public_key: ${A} }]\n`);
    writeFileSync(file, `keys_file: keys.yaml\nmodels:${model('churn', '[bob@example.com]')}`);
    chmodSync(keys, 0o644);
    chmodSync(file, 0o644);
    assert.deepEqual((await loadConfig(file)).models[0]!.keys?.people, { 'owner@example.com': A }, '0644 (a git checkout) is fine');
    for (const [mode, who] of [
      [0o664, 'its group'],
      [0o666, 'everyone'],
      [0o646, 'everyone'],
    ] as const) {
      chmodSync(file, mode);
      await assert.rejects(
        loadConfig(file),
        (e: unknown) =>
          isUpkeepError(e, 'InvalidConfig') &&
          e.message ===
            `the config ${file} is writable by ${who} (mode 0${mode.toString(8)}): anyone who can write it can change who may approve; run: chmod go-w ${file}`,
      );
      await assert.rejects(configLoader(file)(), /is writable by/, 'the worker refuses it too');
    }
    chmodSync(file, 0o600);
    chmodSync(keys, 0o620);
    await assert.rejects(
      loadConfig(file),
      (e: unknown) =>
        isUpkeepError(e, 'InvalidConfig') &&
        e.message ===
          `upkeep.yaml: keys_file: the keys file ${keys} is writable by its group (mode 0620): anyone who can write it can change who may approve; run: chmod go-w ${keys}`,
    );
    assert.throws(
      () => parse(`keys_file: keys.yaml\nmodels:${model('churn', '[]')}`),
      /keys file .* is writable by its group/,
      'also when the config text is parsed on its own',
    );
    chmodSync(keys, 0o600);
    assert.equal((await loadConfig(file)).models.length, 1);
  });

  it('writes a config (as `upkeep init` does) 0644 under a umask of 002, also over a group-writable file', async function () {
    const file = path.join(dir, 'upkeep.yaml');
    const before = process.umask(0o002);
    try {
      // what `upkeep init` calls
      writeOutputFile(file, `models:${model('churn', '[]')}`, 'config', 0o644);
      assert.equal(statSync(file).mode & 0o777, 0o644);
      chmodSync(file, 0o666);
      writeOutputFile(file, `models:${model('churn', '[]')}`, 'config', 0o644);
      assert.equal(statSync(file).mode & 0o777, 0o644);
    } finally {
      process.umask(before);
    }
    assert.equal((await loadConfig(file)).models[0]!.id, 'churn');
  });

  it('warns loudly, once per process, about models whose approvals are not authenticated', function () {
    const config = parse(`models:${model('open-a', '[bob@example.com]')}${model('signed', `[{ id: alice@example.com, public_key: ${A} }]`)}`);
    const lines: string[] = [];
    warnUnauthenticated(config, 'warn-test.yaml', (l) => lines.push(l));
    warnUnauthenticated(config, 'warn-test.yaml', (l) => lines.push(l));
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /WARNING: warn-test\.yaml: approvals are NOT authenticated for open-a:/);
    // The model `signed` has keys: not named (the line points at docs/signed-decisions.md, which is not it).
    assert.doesNotMatch(lines[0]!, /\bsigned\b(?!-decisions)/);
  });

  it("the worker's config loader parses again only when the config or its keys file changed", async function () {
    const file = path.join(dir, 'upkeep.yaml');
    writeFileSync(path.join(dir, 'keys.yaml'), `people: [{ id: owner@example.com, public_key: ${A} }]\n`);
    writeFileSync(file, `keys_file: keys.yaml\nmodels:${model('churn', '[bob@example.com]')}`);
    const load = configLoader(file);
    const first = await load();
    assert.deepEqual(first.models[0]!.keys?.people, { 'owner@example.com': A });
    await load(); // the first parse read the keys file itself: parsed once more to know its text
    const cached = await load();
    assert.equal(await load(), cached, 'unchanged files: the same parse');
    writeFileSync(path.join(dir, 'keys.yaml'), `people: [{ id: owner@example.com, public_key: ${B} }]\n`);
    const rekeyed = await load();
    assert.notEqual(rekeyed, cached);
    assert.deepEqual(rekeyed.models[0]!.keys?.people, { 'owner@example.com': B });
    writeFileSync(file, `keys_file: keys.yaml\nmodels:${model('churn', '[bob@example.com]')}${model('second', '[bob@example.com]')}`);
    assert.deepEqual(
      (await load()).models.map((m) => m.id),
      ['churn', 'second'],
    );
    writeFileSync(file, 'models: [');
    await assert.rejects(load(), /upkeep\.yaml: not valid YAML/);
  });
});
