import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isUpkeepError } from '../../engine/errors.js';
import { createSigningKey, keyFile, readSigningKey, signAs } from '../../cli/keys.js';
import { signatureValid } from '../../domain/signature.js';

describe("a person's signing keys (upkeep keys create, CLI signing)", function () {
  let dir: string;
  beforeEach(() => (dir = path.join(mkdtempSync(path.join(tmpdir(), 'upkeep-keyhome-')), 'upkeep')));
  afterEach(() => rmSync(path.dirname(dir), { recursive: true, force: true }));
  const mode = (p: string): number => statSync(p).mode & 0o777;
  const where = { model: 'churn', workflow: 'upkeep-retrain-churn', request: '2026-03-01T06:00:00.000Z' };
  const act = { gate: 'retrain', decision: 'approve', approver: 'alice@example.com' };

  it('keeps the private key in a 0600 file in 0700 folders and reads it back', function () {
    const { key, snippet } = createSigningKey(dir, 'alice@example.com');
    assert.equal(key.file, keyFile(dir, 'alice@example.com'));
    assert.equal(mode(key.file), 0o600);
    assert.equal(mode(dir), 0o700);
    assert.equal(mode(path.dirname(key.file)), 0o700);
    assert.match(snippet, new RegExp(`public_key: ${key.publicKey}`));
    assert.deepEqual(readSigningKey(dir, 'alice@example.com'), key);
  });

  it('refuses to overwrite a key unless forced', function () {
    const first = createSigningKey(dir, 'alice@example.com').key;
    assert.throws(
      () => createSigningKey(dir, 'alice@example.com'),
      (err: unknown) => isUpkeepError(err, 'InvalidRequest') && /exists already/.test(err.message),
    );
    assert.notEqual(createSigningKey(dir, 'alice@example.com', true).key.publicKey, first.publicKey);
  });

  it('refuses a key file others can read', function () {
    const { key } = createSigningKey(dir, 'alice@example.com');
    chmodSync(key.file, 0o644);
    assert.throws(
      () => readSigningKey(dir, 'alice@example.com'),
      (err: unknown) => isUpkeepError(err, 'InvalidConfig') && err.message === `the signing key ${key.file} is readable by others: chmod 600 ${key.file}`,
    );
  });

  it('signs with the key of --as, and without one says which file it looked for when a signature is required', function () {
    const { key } = createSigningKey(dir, 'alice@example.com');
    const proof = signAs(dir, 'alice@example.com', act, where, true)!;
    assert.equal(signatureValid(act, proof, key.publicKey), true);
    assert.equal(signAs(dir, 'bob@example.com', { ...act, approver: 'bob@example.com' }, where, false), undefined);
    assert.throws(
      () => signAs(dir, 'bob@example.com', { ...act, approver: 'bob@example.com' }, where, true),
      (err: unknown) =>
        isUpkeepError(err, 'InvalidRequest') && err.message.includes(`no signing key for bob@example.com at ${keyFile(dir, 'bob@example.com')}`),
    );
  });
});
