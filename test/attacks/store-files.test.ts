/**
 * Files planted in a file store by someone who may write it: a link to a file elsewhere, a file too
 * large to read at once. RELIABILITY.md lists them. Each is refused with one line naming the object.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isUpkeepError } from '../../engine/errors.js';
import { readRegularFile } from '../../engine/open-regular.js';
import { createFileStore } from '../../engine/store/file-store.js';

describe('attacks: files planted in a file store', function () {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-planted-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a symbolic link in an object’s place is refused, not followed to the file it names', async function () {
    const secret = path.join(dir, 'secret.txt');
    writeFileSync(secret, 'not for the store');
    const root = path.join(dir, 'store');
    mkdirSync(path.join(root, 'reports', 'm'), { recursive: true });
    symlinkSync(secret, path.join(root, 'reports', 'm', 'r.json'));
    const store = createFileStore(root);
    await assert.rejects(store.get('reports/m/r.json'), (err: unknown) => {
      assert.ok(isUpkeepError(err));
      assert.match((err as Error).message, /store object .*r\.json: is a symbolic link, which is not followed here/);
      assert.doesNotMatch((err as Error).message, /not for the store/);
      return true;
    });
  });

  it('a compare-and-swap over a link to /dev/zero is refused instead of reading forever', async function () {
    const root = path.join(dir, 'store');
    mkdirSync(path.join(root, 'registry', 'm'), { recursive: true });
    symlinkSync('/dev/zero', path.join(root, 'registry', 'm', 'champion.json'));
    const store = createFileStore(root);
    await assert.rejects(store.putIfMatch('registry/m/champion.json', '{}', null), /is a symbolic link, which is not followed here/);
  });

  it('a sparse file larger than one array can hold is refused with its size, not a RangeError', async function () {
    const big = path.join(dir, 'big.json');
    writeFileSync(big, '');
    truncateSync(big, 5 * 1024 ** 3);
    await assert.rejects(readRegularFile(big, { what: 'store object' }), (err: unknown) => {
      assert.ok(isUpkeepError(err), String(err));
      assert.match((err as Error).message, /store object .*big\.json: is 5\.0 GiB, more than the 4\.0 GiB that can be read at once/);
      return true;
    });
  });

  it('control: a regular object and a missing one read as before', async function () {
    const store = createFileStore(path.join(dir, 'store'));
    await store.put('a/b.json', '{"x":1}');
    assert.equal(Buffer.from(await store.get('a/b.json')).toString(), '{"x":1}');
    assert.equal(await store.exists('a/c.json'), false);
  });
});
