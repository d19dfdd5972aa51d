import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { readRegularFile, readRegularFileSync } from '../../engine/open-regular.js';
import { isUpkeepError } from '../../engine/errors.js';

describe('reading only regular files', function () {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-regular-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function refusal(file: string, opts = {}): Promise<string> {
    const both: string[] = [];
    for (const read of [readRegularFile, async (f: string, o: Parameters<typeof readRegularFile>[1]) => readRegularFileSync(f, o)]) {
      try {
        await read(file, { what: 'data file', ...opts });
      } catch (err) {
        assert.ok(isUpkeepError(err, 'UnreadableData'), String(err));
        both.push(err.message);
        continue;
      }
      assert.fail(`expected ${file} to be refused`);
    }
    assert.equal(both[0], both[1], 'the async and sync readers say the same');
    return both[0]!;
  }

  it('reads a regular file whole, into shared memory when asked', async function () {
    const file = path.join(dir, 'a.csv');
    writeFileSync(file, 'x\n1\n');
    const bytes = (await readRegularFile(file, { what: 'data file', shared: true }))!;
    assert.equal(Buffer.from(bytes).toString(), 'x\n1\n');
    assert.ok(bytes.buffer instanceof SharedArrayBuffer);
    assert.equal(Buffer.from(readRegularFileSync(file, { what: 'data file' })!).toString(), 'x\n1\n');
  });

  it('refuses a FIFO at once instead of blocking until a writer appears', async function () {
    this.timeout(5000);
    const fifo = path.join(dir, 'day.csv');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    assert.equal(await refusal(fifo), `data file ${fifo}: is a named pipe (FIFO), not a regular file`);
  });

  it('refuses a folder, a device and a socket, naming what they are', async function () {
    const sub = path.join(dir, 'folder.csv');
    mkdirSync(sub);
    assert.equal(await refusal(sub), `data file ${sub}: is a folder, not a regular file`);
    assert.equal(await refusal('/dev/zero'), 'data file /dev/zero: is a character device, not a regular file');
    const sock = path.join(dir, 'sock.csv');
    const server = net.createServer().listen(sock);
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      assert.equal(await refusal(sock), `data file ${sock}: is a socket, not a regular file`);
    } finally {
      server.close();
    }
  });

  it('says a file is missing, or returns undefined when that is allowed', async function () {
    const missing = path.join(dir, 'none.csv');
    assert.equal(await refusal(missing), `data file ${missing}: no such file`);
    assert.equal(await readRegularFile(missing, { what: 'data file', missingOk: true }), undefined);
    assert.equal(readRegularFileSync(missing, { what: 'data file', missingOk: true }), undefined);
  });

  it('refuses a file larger than the cap before reading it', async function () {
    const file = path.join(dir, 'big.csv');
    writeFileSync(file, Buffer.alloc(4096, 65));
    assert.equal(
      await refusal(file, { maxBytes: 1024, limitName: 'limits.max_file_bytes' }),
      `data file ${file}: is 4.0 KiB, more than the limit of 1.0 KiB (limits.max_file_bytes)`,
    );
  });

  it('says permission denied for an unreadable file', async function () {
    if (process.getuid?.() === 0) this.skip(); // root reads everything
    const file = path.join(dir, 'secret.csv');
    writeFileSync(file, 'x\n');
    chmodSync(file, 0o000);
    assert.equal(await refusal(file), `data file ${file}: permission denied`);
  });

  it('stops between chunks when the signal is aborted', async function () {
    const file = path.join(dir, 'a.csv');
    writeFileSync(file, 'x\n1\n');
    const signal = AbortSignal.abort(new Error('cancelled'));
    await assert.rejects(readRegularFile(file, { what: 'data file', signal }), /cancelled/);
  });
});
