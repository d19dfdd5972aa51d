/**
 * One contract for every artifact store: the local folder (file://) and S3 (versitygw, a real S3
 * server started here). Put, get, list, write-once, compare-and-swap under concurrency, missing
 * objects, refused credentials. The S3 half also shows that the server enforces conditional
 * writes, without which write-once and compare-and-swap would be silently ignored.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createFileStore } from '../../engine/store/file-store.js';
import { sha256Hex } from '../../engine/util.js';
import { createS3Store } from '../../engine/store/s3-store.js';
import { parseS3Uri } from '../../engine/store/s3-client.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import { isUpkeepError } from '../../engine/errors.js';
import { appendEntry } from '../../engine/audit/chain.js';
import { verifyTrail } from '../../engine/audit/verify-trail.js';
import { moveAuditTrail, withAuditLayout } from '../../engine/store/audit-layout.js';
import { currentAuditKey } from '../../engine/store/keys.js';
import { atFixtureRoot, LEDGER_FIXTURE_HEADS, LEDGER_FIXTURE_LINKS, ledgerFixture, putLedgerFixture } from '../helpers/ledger-fixture.js';
import { resolveVersitygw, startS3Server, useS3Server, type S3Server } from '../helpers/s3-server.js';

interface Backend {
  name: string;
  /** A fresh, empty store. */
  open(): Promise<ArtifactStore>;
  before?(): Promise<void>;
  after?(): Promise<void>;
}

const folders: string[] = [];
const fileBackend: Backend = {
  name: 'file://',
  async open() {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-contract-'));
    folders.push(dir);
    return createFileStore(dir);
  },
  async after() {
    for (const d of folders) rmSync(d, { recursive: true, force: true });
  },
};

let server: S3Server | undefined;
let buckets = 0;
const s3Backend: Backend = {
  name: 's3:// (versitygw)',
  async before() {
    const binary = resolveVersitygw({ install: false });
    if (!binary) return;
    server = await startS3Server(binary);
  },
  async open() {
    const bucket = `contract-${process.pid}-${++buckets}`;
    await server!.createBucket(bucket);
    return createS3Store(`s3://${bucket}/some/prefix`, { client: server!.client() });
  },
  async after() {
    await server?.stop();
  },
};

for (const backend of [fileBackend, s3Backend]) {
  describe(`artifact store contract: ${backend.name}`, function () {
    this.timeout(60_000);
    before(async function () {
      await backend.before?.();
      if (backend === s3Backend && !server) {
        console.log('      (skipped: no versitygw binary; npm test builds one with Go)');
        this.skip();
      }
    });
    after(async () => backend.after?.());

    it('puts and gets bytes and text, reporting the sha256 and size', async () => {
      const store = await backend.open();
      const r = await store.put('reports/m/a.json', '{"x":1}');
      assert.deepEqual({ sha256: r.sha256, size: r.size, created: r.created }, { sha256: sha256Hex('{"x":1}'), size: 7, created: true });
      assert.equal(r.uri, store.uriFor('reports/m/a.json'));
      assert.equal(Buffer.from(await store.get('reports/m/a.json')).toString(), '{"x":1}');
      const bytes = new Uint8Array([0, 1, 2, 255]);
      await store.put('models/m/b.onnx', bytes);
      assert.deepEqual(await store.get('models/m/b.onnx'), bytes);
      // Overwrite (not write-once) replaces.
      await store.put('reports/m/a.json', '{"x":2}');
      assert.equal(Buffer.from(await store.get('reports/m/a.json')).toString(), '{"x":2}');
    });

    it('answers for missing objects without throwing where it should', async () => {
      const store = await backend.open();
      assert.equal(await store.exists('nope/x.json'), false);
      assert.equal(await store.tryGet('nope/x.json'), undefined);
      await assert.rejects(store.get('nope/x.json'), /x\.json/);
      assert.deepEqual(await store.list('nope'), []);
    });

    it('lists keys under a prefix, recursively and sorted, relative to the store root', async () => {
      const store = await backend.open();
      for (const k of ['a/2.json', 'a/1.json', 'a/b/3.json', 'ab/4.json', 'c.json']) await store.put(k, k);
      assert.deepEqual(await store.list('a'), ['a/1.json', 'a/2.json', 'a/b/3.json']);
      assert.deepEqual(await store.list('a/'), ['a/1.json', 'a/2.json', 'a/b/3.json']);
      assert.deepEqual(await store.list(''), ['a/1.json', 'a/2.json', 'a/b/3.json', 'ab/4.json', 'c.json']);
      assert.equal(await store.exists('a/b/3.json'), true);
    });

    it('writes an immutable key once: the first writer wins and a later one learns what is there', async () => {
      const store = await backend.open();
      const first = await store.put('snapshots/m/x', 'first', { ifAbsent: true });
      const second = await store.put('snapshots/m/x', 'second', { ifAbsent: true });
      assert.equal(first.created, true);
      assert.equal(second.created, false);
      assert.equal(second.sha256, sha256Hex('first'));
      assert.equal(Buffer.from(await store.get('snapshots/m/x')).toString(), 'first');
      // Racing writers of one key: exactly one creates it.
      const racers = await Promise.all(Array.from({ length: 8 }, (_, i) => store.put('snapshots/m/race', `writer ${i}`, { ifAbsent: true })));
      assert.equal(racers.filter((r) => r.created).length, 1);
      const kept = Buffer.from(await store.get('snapshots/m/race')).toString();
      assert.equal(racers.find((r) => r.created)!.sha256, sha256Hex(kept));
      for (const r of racers.filter((x) => !x.created)) assert.equal(r.sha256, sha256Hex(kept));
    });

    it('writes a large immutable object from chunks, checking them against the sha256 it was given', async () => {
      const store = await backend.open();
      const parts = Array.from({ length: 7 }, (_, i) => new Uint8Array(3 * 1024 * 1024 + i).fill(i + 1));
      const all = Buffer.concat(parts);
      const expected = { sha256: sha256Hex(all), size: all.length };
      const chunks = async function* () {
        for (const p of parts) yield p;
      };
      const first = await store.putStream(`snapshots/m/${expected.sha256}.bin`, chunks, expected);
      assert.deepEqual([first.created, first.sha256, first.size], [true, expected.sha256, expected.size]);
      assert.ok(Buffer.from(await store.get(`snapshots/m/${expected.sha256}.bin`)).equals(all));
      const again = await store.putStream(`snapshots/m/${expected.sha256}.bin`, chunks, expected);
      assert.equal(again.created, false);
      // A source that changed since it was hashed: refused, and nothing is left under the key.
      const changed = async function* () {
        yield* chunks();
        yield new Uint8Array([9]);
      };
      await assert.rejects(store.putStream('snapshots/m/changed.bin', changed, expected), /changed while it was copied/);
      assert.equal(await store.exists('snapshots/m/changed.bin'), false);
    });

    it('removes an object, and a removal of what is not there succeeds', async () => {
      const store = await backend.open();
      await store.put('evaluation-shards/m/x.bin', 'partial');
      await store.delete('evaluation-shards/m/x.bin');
      assert.equal(await store.exists('evaluation-shards/m/x.bin'), false);
      await store.delete('evaluation-shards/m/x.bin');
      await store.delete('never/there.bin');
    });

    it('compare-and-swaps: only a writer that saw the current content wins, also under concurrency', async () => {
      const store = await backend.open();
      assert.deepEqual(await store.putIfMatch('registry/m/champion.json', 'v1', sha256Hex('other')), { ok: false, current: null });
      const created = await store.putIfMatch('registry/m/champion.json', 'v1', null);
      assert.equal(created.ok, true);
      assert.deepEqual(await store.putIfMatch('registry/m/champion.json', 'v2', null), { ok: false, current: sha256Hex('v1') });
      // Eight writers that all read v1: exactly one moves the pointer, the others see its content.
      const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => store.putIfMatch('registry/m/champion.json', `v2 by ${i}`, sha256Hex('v1'))));
      const winners = outcomes.filter((o) => o.ok);
      assert.equal(winners.length, 1, JSON.stringify(outcomes));
      const now = Buffer.from(await store.get('registry/m/champion.json')).toString();
      assert.match(now, /^v2 by \d$/);
      for (const o of outcomes) if (!o.ok) assert.equal(o.current, sha256Hex(now));
    });

    it('moves an audit trail an earlier version wrote under ledger/ to audit/: it verifies with the same hashes and takes new entries', async () => {
      const raw = atFixtureRoot(await backend.open());
      await putLedgerFixture(raw);
      // Two processes of this version at once: each moves (the same bytes to the same keys) before it touches the trail.
      const [a, b] = [withAuditLayout(raw), withAuditLayout(raw)];
      const [va, vb] = await Promise.all([verifyTrail(a, 'churn', { deep: true }), verifyTrail(b, '_web', { deep: true })]);
      assert.deepEqual([va.problems, va.links, va.headSha256], [[], LEDGER_FIXTURE_LINKS.churn, LEDGER_FIXTURE_HEADS.churn]);
      assert.deepEqual([vb.problems, vb.links, vb.headSha256], [[], LEDGER_FIXTURE_LINKS._web, LEDGER_FIXTURE_HEADS._web]);
      for (const { key, bytes } of ledgerFixture())
        if (key.startsWith('ledger/')) assert.equal(sha256Hex(await raw.get(currentAuditKey(key))), sha256Hex(bytes), key);
      const entry = { id: 'e3-0001', modelId: 'churn', at: '2026-11-04T06:00:00.000Z', kind: 'evaluation' as const, summary: 'evaluated: healthy' };
      assert.equal((await appendEntry(b, entry)).seq, LEDGER_FIXTURE_LINKS.churn + 1);
      const after = await verifyTrail(a, 'churn', { deep: true });
      assert.deepEqual([after.ok, after.links], [true, LEDGER_FIXTURE_LINKS.churn + 1]);
      assert.deepEqual((await moveAuditTrail(raw, { full: true })).copied, 0, 'a second run finds everything moved');
    });

    it('refuses keys that would leave the store', async () => {
      const store = await backend.open();
      for (const key of ['../x', 'a/../../x', '/abs', 'a//b', 'a/./b']) await assert.rejects(store.put(key, 'x'), /invalid store key/);
    });
  });
}

describe('S3 store specifics', function () {
  this.timeout(60_000);
  const s3 = useS3Server();
  before(async () => s3().createBucket('specifics'));

  it('is served by a server that enforces If-None-Match and If-Match (else write-once and CAS would be silently ignored)', async () => {
    const client = s3().client();
    await client.send(new PutObjectCommand({ Bucket: 'specifics', Key: 'cond', Body: 'a', IfNoneMatch: '*' }));
    await assert.rejects(
      client.send(new PutObjectCommand({ Bucket: 'specifics', Key: 'cond', Body: 'b', IfNoneMatch: '*' })),
      (err: { $metadata?: { httpStatusCode?: number } }) => err.$metadata?.httpStatusCode === 412,
    );
    await assert.rejects(
      client.send(new PutObjectCommand({ Bucket: 'specifics', Key: 'cond', Body: 'c', IfMatch: '"0123456789abcdef0123456789abcdef"' })),
      (err: { $metadata?: { httpStatusCode?: number } }) => err.$metadata?.httpStatusCode === 412,
    );
    client.destroy();
  });

  it('names the bucket and key and does not retry refused credentials', async () => {
    const wrong = new S3Client({
      endpoint: s3().endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'upkeeptest', secretAccessKey: 'not-the-secret' },
    });
    const store = createS3Store('s3://specifics/p', { client: wrong });
    await assert.rejects(store.put('reports/m/x.json', 'x'), (err: unknown) => {
      assert.ok(isUpkeepError(err, 'StoreAccessDenied'), String(err));
      assert.match(err.message, /^writing s3:\/\/specifics\/p\/reports\/m\/x\.json: access denied \(/);
      return true;
    });
    const missingBucket = createS3Store('s3://no-such-bucket/p', { client: s3().client() });
    await assert.rejects(
      missingBucket.put('a.json', 'x'),
      (err: unknown) => isUpkeepError(err, 'StoreAccessDenied') && /bucket no-such-bucket does not exist/.test(err.message),
    );
  });

  it('uploads large objects in parts, write-once included', async () => {
    const store = createS3Store('s3://specifics/big', { client: s3().client(), multipartThreshold: 5 * 1024 * 1024 });
    const big = new Uint8Array(12 * 1024 * 1024).map((_, i) => i % 251);
    const first = await store.put('snapshots/m/files/big.bin', big, { ifAbsent: true });
    assert.equal(first.created, true);
    assert.equal(sha256Hex(await store.get('snapshots/m/files/big.bin')), sha256Hex(big));
    const again = await store.put('snapshots/m/files/big.bin', new Uint8Array(6 * 1024 * 1024), { ifAbsent: true });
    assert.equal(again.created, false);
    assert.equal(again.sha256, sha256Hex(big));
  });

  it('parses s3:// URIs and refuses malformed ones by name', () => {
    assert.deepEqual(parseS3Uri('s3://labels/churn/dt=1'), { bucket: 'labels', prefix: 'churn/dt=1' });
    assert.deepEqual(parseS3Uri('s3://labels'), { bucket: 'labels', prefix: '' });
    assert.throws(() => parseS3Uri('s3://A_B/x'), /s3:\/\/A_B\/x is not an S3 URI/);
  });
});
