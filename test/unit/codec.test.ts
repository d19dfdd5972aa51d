import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import { createEncryptionCodec, parsePayloadKeys, payloadKeys, type PayloadKey } from '../../workers/codec.js';
import { startCodecServer } from '../../workers/codec-server.js';
import { request } from 'node:http';
import { execFileSync } from 'node:child_process';

const key = (id: string): PayloadKey => ({ id, key: randomBytes(32) });
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array | null | undefined): string => new TextDecoder().decode(b ?? new Uint8Array());
const plain = { metadata: { encoding: utf8('json/plain') }, data: utf8('{"password":"hunter2"}') };

describe('payload encryption codec', function () {
  it('encrypts with the current key and decrypts to the same payload', async function () {
    const codec = createEncryptionCodec([key('k1')]);
    const [enc] = await codec.encode([plain]);
    assert.equal(text(enc!.metadata!.encoding), 'binary/encrypted');
    assert.equal(text(enc!.metadata!['encryption-key-id']), 'k1');
    assert.doesNotMatch(text(enc!.data), /hunter2/);
    const [dec] = await codec.decode([enc!]);
    assert.deepEqual(dec, plain);
  });

  it('rotation: payloads written with an old key still decode; new ones use the new key', async function () {
    const old = key('2026-05');
    const [written] = await createEncryptionCodec([old]).encode([plain]);
    const rotated = createEncryptionCodec([key('2026-11'), old]);
    assert.deepEqual((await rotated.decode([written!]))[0], plain);
    assert.equal(text((await rotated.encode([plain]))[0]!.metadata!['encryption-key-id']), '2026-11');
  });

  it('refuses an unknown key id, a tampered payload and a swapped key id', async function () {
    const a = key('a');
    const codec = createEncryptionCodec([a]);
    const [enc] = await codec.encode([plain]);
    await assert.rejects(createEncryptionCodec([key('b')]).decode([enc!]), /key "a", which is not among the configured keys \(b\)/);
    const tampered = { ...enc!, data: Uint8Array.from(enc!.data!, (b, i) => (i === 20 ? b ^ 1 : b)) };
    await assert.rejects(codec.decode([tampered]), /authenticate/);
    const swapped = createEncryptionCodec([a, { id: 'other', key: a.key }]);
    await assert.rejects(swapped.decode([{ ...enc!, metadata: { ...enc!.metadata, 'encryption-key-id': utf8('other') } }]), /authenticate/);
  });

  it('passes payloads written before encryption was on through unchanged', async function () {
    assert.deepEqual((await createEncryptionCodec([key('k')]).decode([plain]))[0], plain);
  });

  it('reads keys from the environment or a 0600 key file, with one-line errors', function () {
    const k = randomBytes(32).toString('base64');
    assert.deepEqual(
      parsePayloadKeys(`new:${k},old:${k}`, 'UPKEEP_PAYLOAD_KEYS', 'UPKEEP_PAYLOAD_KEYS').map((x) => x.id),
      ['new', 'old'],
    );
    assert.throws(() => parsePayloadKeys('k1:c2hvcnQ=', 'X', 'X'), /^SettingsError: X: key k1 is 5 bytes, not 32/);
    assert.throws(() => parsePayloadKeys(`a:${k},a:${k}`, 'X', 'X'), /key id a is listed twice/);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-keys-'));
    try {
      const file = path.join(dir, 'keys');
      writeFileSync(file, `# current first\n2026-11 ${k}\n2026-05 ${k}\n`);
      chmodSync(file, 0o644);
      assert.throws(() => payloadKeys({ payloadKeysFile: file }), /readable by others: chmod 600/);
      chmodSync(file, 0o600);
      assert.deepEqual(
        payloadKeys({ payloadKeysFile: file })!.map((x) => x.id),
        ['2026-11', '2026-05'],
      );
      assert.equal(payloadKeys({}), undefined);
      // A FIFO would block every command that reads it: refused by name, at once.
      const fifo = path.join(dir, 'fifo-keys');
      execFileSync('mkfifo', ['-m', '600', fifo]);
      assert.throws(() => payloadKeys({ payloadKeysFile: fifo }), /key file .*fifo-keys: is a named pipe \(FIFO\), not a regular file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('codec server', function () {
    let server: Server;
    let url: string;
    const codec = createEncryptionCodec([key('k1')]);
    const json = (p: typeof plain) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      data: Buffer.from(p.data).toString('base64'),
    });
    before(async () => {
      ({ server, url } = await startCodecServer({ codec, origins: ['http://127.0.0.1:8233'], port: 0 }));
    });
    after(() => server.close());

    it('encodes and decodes per the codec server protocol, on 127.0.0.1', async function () {
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const post = (route: string, body: unknown) =>
        fetch(`${url}${route}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: 'http://127.0.0.1:8233' },
          body: JSON.stringify(body),
        });
      const encoded = await post('/encode', { payloads: [json(plain)] });
      assert.equal(encoded.status, 200);
      assert.equal(encoded.headers.get('access-control-allow-origin'), 'http://127.0.0.1:8233');
      const body = (await encoded.json()) as { payloads: { data: string }[] };
      assert.doesNotMatch(Buffer.from(body.payloads[0]!.data, 'base64').toString('latin1'), /hunter2/);
      const decoded = (await (await post('/decode', body)).json()) as { payloads: { data: string }[] };
      assert.equal(Buffer.from(decoded.payloads[0]!.data, 'base64').toString('utf8'), '{"password":"hunter2"}');
      assert.equal((await post('/decode', { nope: 1 })).status, 400);
    });

    it('answers CORS for the UI origin only', async function () {
      const pre = (origin: string) => fetch(`${url}/decode`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
      const ok = await pre('http://127.0.0.1:8233');
      assert.equal(ok.status, 204);
      assert.equal(ok.headers.get('access-control-allow-origin'), 'http://127.0.0.1:8233');
      const other = await pre('https://evil.example');
      assert.equal(other.status, 403);
      assert.equal(other.headers.get('access-control-allow-origin'), null);
    });

    it('decodes nothing for a foreign origin or a host name that is not its own (DNS rebinding)', async function () {
      const encoded = (await (await fetch(`${url}/encode`, { method: 'POST', body: JSON.stringify({ payloads: [json(plain)] }) })).json()) as unknown;
      const { port } = new URL(url);
      const ask = (headers: Record<string, string>) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = request(
            { host: '127.0.0.1', port, path: '/decode', method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
            (res) => {
              let body = '';
              res.on('data', (c: Buffer) => (body += c.toString()));
              res.on('end', () => resolve({ status: res.statusCode!, body }));
            },
          );
          req.on('error', reject);
          req.end(JSON.stringify(encoded));
        });
      const foreign = await ask({ origin: 'http://attacker.example' });
      assert.equal(foreign.status, 403);
      assert.doesNotMatch(foreign.body, /payloads/);
      const rebound = await ask({ host: `attacker.example:${port}` });
      assert.equal(rebound.status, 403);
      assert.match(rebound.body, /host attacker\.example:\d+ is not this server/);
      // Its own names, with or without the UI's origin, decode.
      assert.equal((await ask({ host: `localhost:${port}` })).status, 200);
      assert.equal((await ask({ host: `127.0.0.1:${port}`, origin: 'http://127.0.0.1:8233' })).status, 200);
    });
  });
});
