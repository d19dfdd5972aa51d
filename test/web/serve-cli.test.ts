/**
 * `upkeep serve` and `upkeep users` as a person runs them (bin/upkeep.mjs, in its own
 * process): the server refuses to start until its key is a listed authenticator, prints its URL,
 * signs in a token from `users add`, and stops cleanly on SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { PROJECT_DIR } from '../../workers/paths.js';
import { readChain } from '../../engine/audit/chain.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { createSigningKey } from '../../cli/keys.js';
import { createDemoWorkspace, type DemoWorkspace } from '../helpers/demo-workspace.js';
import { alive, processesOf } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';
import { testTemporal, uniqueModelId } from '../helpers/temporal.js';

const SERVER_ID = 'upkeep-web@cli-test';

describe('upkeep serve and upkeep users from the command line', function () {
  this.timeout(120_000);
  let ws: DemoWorkspace | undefined;
  let keyDir: string | undefined;
  after(() => {
    ws?.remove();
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
  });

  it('refuses to serve until the key is listed, then serves, signs in a token from users add and stops on SIGTERM', async function () {
    const t = await testTemporal();
    keyDir = mkdtempSync(path.join(tmpdir(), 'upkeep-serve-keys-'));
    const modelId = uniqueModelId('serve');
    ws = createDemoWorkspace({ modelId, end: new Date('2026-11-21T06:00:00.000Z'), days: 1, drifted: false, config: { web: { authenticator: SERVER_ID } } });
    const env = { ...process.env, TEMPORAL_ADDRESS: t.address, UPKEEP_KEY_DIR: keyDir, UPKEEP_STATE_DIR: path.join(ws.dir, 'state') };
    const start = (...args: string[]) => spawn(process.execPath, ['bin/upkeep.mjs', ...args, '--config', ws!.configPath], { cwd: PROJECT_DIR, env });
    const run = (...args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = start(...args);
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('exit', (status) => resolve({ status, stdout, stderr }));
      });

    const refused = await run('serve', '--port', '0');
    assert.equal(refused.status, 2, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /the web server's key upkeep-web@cli-test is not listed under authenticators/);
    const publicKey = /public_key: ([0-9a-f]{64})/.exec(refused.stderr)![1]!;
    const config = parse(readFileSync(ws.configPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(ws.configPath, stringify({ ...config, authenticators: [{ id: SERVER_ID, public_key: publicKey }] }));

    const added = await run('users', 'add', 'dana@example.com');
    assert.equal(added.status, 0, added.stderr);
    const token = /(upk_[A-Za-z0-9_-]{43})/.exec(added.stdout)![1]!;
    const users = readFileSync(path.join(ws.dir, 'state', 'web-users.json'), 'utf8');
    assert.ok(users.includes('dana@example.com') && !users.includes(token));
    // Who may sign in is in the model's audit chain, with the server's key now in force, never a token's hash.
    const [change] = (await readChain(createFileStore(ws.storeDir), modelId)).filter((c) => c.entry.kind === 'config-changed').map((c) => c.entry);
    assert.deepEqual(
      (change?.details?.webUsers as { id: string }[]).map((u) => u.id),
      ['dana@example.com'],
    );
    assert.equal((change?.details?.madeBy as { command: string }).command, 'users add');
    assert.ok(
      !readdirSync(path.join(ws.storeDir, 'audit', modelId, 'configs')).some(
        (f) => f.endsWith('.json') && readFileSync(path.join(ws!.storeDir, 'audit', modelId, 'configs', f), 'utf8').includes('token_sha256'),
      ),
    );
    const listed = await run('users', 'list');
    assert.match(listed.stdout, /^dana@example\.com {2}added /m);
    assert.ok(!listed.stdout.includes(token), 'the token is printed once, by add');

    const server = start('serve', '--port', '0');
    let out = '';
    server.stderr.on('data', (d) => (out += d));
    const url = await new Promise<string>((resolve, reject) => {
      server.stdout.on('data', (d) => {
        out += d;
        const m = /upkeep web inbox at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      server.on('exit', () => reject(new Error(`serve exited: ${out}`)));
    });
    const exited = new Promise<number | null>((resolve) => server.on('exit', resolve));
    try {
      const login = await fetch(`${url}/login`);
      assert.equal(login.status, 200);
      assert.match(login.headers.get('content-security-policy')!, /frame-ancestors 'none'/);
      const cookie = login.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const csrf = /name="csrf" value="([^"]+)"/.exec(await login.text())![1]!;
      const signedIn = await fetch(`${url}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, origin: url, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf, token, next: '/' }),
      });
      assert.equal(signedIn.status, 303);
      const session = signedIn.headers
        .getSetCookie()
        .find((c) => c.startsWith('upkeep_session='))!
        .split(';')[0]!;
      const fleet = await fetch(`${url}/`, { headers: { cookie: session } });
      assert.equal(fleet.status, 200);
      assert.match(await fleet.text(), /dana@example\.com/);
    } finally {
      server.kill('SIGTERM');
    }
    assert.equal(await exited, 0, out);
    assert.match(out, /upkeep web inbox stopped/);
    assert.match(out, /web: dana@example\.com signed in/);
    assert.ok(!out.includes(token), 'the token is not logged');
  });

  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    it(`stops when ${signal} goes to \`npx upkeep serve\` alone (its shell dies without passing it on): nothing is left running`, async function () {
      const t = await testTemporal();
      const keys = mkdtempSync(path.join(tmpdir(), 'upkeep-serve-keys-'));
      const w = createDemoWorkspace({
        modelId: uniqueModelId('serve-stop'),
        end: new Date('2026-11-21T06:00:00.000Z'),
        days: 1,
        drifted: false,
        config: { web: { authenticator: SERVER_ID } },
      });
      try {
        const { key } = createSigningKey(keys, SERVER_ID);
        const config = parse(readFileSync(w.configPath, 'utf8')) as Record<string, unknown>;
        writeFileSync(w.configPath, stringify({ ...config, authenticators: [{ id: SERVER_ID, public_key: key.publicKey }] }));
        // Its own process group, as a process manager starts it; the signal goes to npx alone.
        const npx = spawn('npx', ['upkeep', 'serve', '--port', '0', '--config', w.configPath], {
          cwd: PROJECT_DIR,
          detached: true,
          env: { ...process.env, TEMPORAL_ADDRESS: t.address, UPKEEP_KEY_DIR: keys, UPKEEP_STATE_DIR: path.join(w.dir, 'state') },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        npx.stdout.on('data', (d: Buffer) => (out += d.toString()));
        npx.stderr.on('data', (d: Buffer) => (out += d.toString()));
        const url = await waitFor('the web inbox to listen', () => /upkeep web inbox at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1], {
          timeoutMs: 60_000,
          intervalMs: 200,
        });
        assert.equal((await fetch(`${url}/login`)).status, 200);
        const group = processesOf(npx.pid!);
        assert.ok(group.length >= 2, `npx and the server: ${group.join(' ')}`);
        npx.kill(signal);
        try {
          await waitFor('npx upkeep serve and everything it started to end', () => (processesOf(npx.pid!).length === 0 ? true : undefined), {
            timeoutMs: 15_000,
            intervalMs: 200,
          });
        } finally {
          for (const pid of processesOf(npx.pid!)) if (alive(pid)) process.kill(pid, 'SIGKILL');
        }
        await assert.rejects(fetch(`${url}/login`), 'nothing listens any more');
        assert.match(out, /upkeep web inbox stopped/);
      } finally {
        w.remove();
        rmSync(keys, { recursive: true, force: true });
      }
    });
  }
});
