import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createFileStore } from '../../engine/store/file-store.js';
import { sha256Hex } from '../../engine/util.js';

describe('the file store', function () {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes, reads and lists objects by key', async function () {
    const store = createFileStore(dir);
    const put = await store.put('reports/m/a.json', '{"a":1}');
    assert.equal(put.sha256, sha256Hex('{"a":1}'));
    assert.equal(put.uri, `file://${dir}/reports/m/a.json`);
    assert.equal(new TextDecoder().decode(await store.get('reports/m/a.json')), '{"a":1}');
    await store.put('reports/m/b.json', 'b');
    assert.deepEqual(await store.list('reports'), ['reports/m/a.json', 'reports/m/b.json']);
    assert.equal(await store.tryGet('reports/m/none.json'), undefined);
  });

  it('reads an object being overwritten at the same time: the old or the new one, whole, never an error', async function () {
    const store = createFileStore(dir);
    await store.put('audit/m/head.json', '{"seq":0}');
    let writing = true;
    const writer = (async () => {
      for (let i = 1; writing; i++) await store.put('audit/m/head.json', JSON.stringify({ seq: i }));
    })();
    const seen = new Set<string>();
    try {
      // Three readers, 400 reads each: without the re-read one of them met a replaced file in every run tried.
      await Promise.all(
        [0, 1, 2].map(async () => {
          for (let i = 0; i < 400; i++) seen.add(new TextDecoder().decode(await store.get('audit/m/head.json')).slice(0, 7));
        }),
      );
    } finally {
      writing = false;
      await writer;
    }
    assert.deepEqual([...seen], ['{"seq":']);
  });

  it('refuses a FIFO or a folder in place of an object instead of waiting on it', async function () {
    const store = createFileStore(dir);
    await store.put('reports/m/a.json', '{}');
    execFileSync('mkfifo', [path.join(dir, 'reports/m/pipe.json')]);
    mkdirSync(path.join(dir, 'reports/m/folder.json'));
    await assert.rejects(store.get('reports/m/pipe.json'), /store object .*pipe\.json: is a named pipe \(FIFO\), not a regular file/);
    await assert.rejects(store.tryGet('reports/m/folder.json'), /store object .*folder\.json: is a folder/);
    await assert.rejects(store.get('reports/m/none.json'), /store object .*none\.json does not exist/);
  });

  it('keeps the first object of an immutable key, so a repeated write changes nothing', async function () {
    const store = createFileStore(dir);
    const first = await store.put('snapshots/x.csv', 'first', { ifAbsent: true });
    const second = await store.put('snapshots/x.csv', 'second', { ifAbsent: true });
    assert.equal(first.created, true);
    assert.equal(second.created, false);
    assert.equal(second.sha256, sha256Hex('first'));
    assert.equal(new TextDecoder().decode(await store.get('snapshots/x.csv')), 'first');
  });

  it('leaves no temporary files behind, even when concurrent writers race', async function () {
    const store = createFileStore(dir);
    await Promise.all(Array.from({ length: 8 }, (_, i) => store.put('k/same', `v${i}`, { ifAbsent: true })));
    await Promise.all(Array.from({ length: 8 }, (_, i) => store.put('k/other', `v${i}`)));
    assert.deepEqual(readdirSync(path.join(dir, 'k')).sort(), ['other', 'same']);
  });

  it('refuses keys that would escape the store', async function () {
    const store = createFileStore(dir);
    for (const key of ['../x', 'a/../../x', '/abs', 'a//b', '']) {
      await assert.rejects(store.put(key, 'x'), /invalid store key/);
    }
  });

  it('swaps an object only when the caller saw its current version (compare-and-swap)', async function () {
    const store = createFileStore(dir);
    const first = await store.putIfMatch('registry/m/champion.json', 'v1', null);
    assert.equal(first.ok, true);
    const stale = await store.putIfMatch('registry/m/champion.json', 'v2', null);
    assert.deepEqual(stale, { ok: false, current: sha256Hex('v1') });
    const swapped = await store.putIfMatch('registry/m/champion.json', 'v2', sha256Hex('v1'));
    assert.equal(swapped.ok, true);
    assert.equal(new TextDecoder().decode(await store.get('registry/m/champion.json')), 'v2');
    assert.deepEqual(await store.list('registry'), ['registry/m/champion.json']);
  });

  it('lets exactly one of many concurrent swaps from the same version win', async function () {
    const store = createFileStore(dir);
    await store.put('registry/m/champion.json', 'v0');
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => store.putIfMatch('registry/m/champion.json', `v${i + 1}`, sha256Hex('v0'))));
    assert.equal(results.filter((r) => r.ok).length, 1);
    assert.deepEqual(await store.list('registry'), ['registry/m/champion.json']);
  });
});
