import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { stringify } from 'yaml';
import { parseConfig } from '../../engine/config/load.js';
import { isUpkeepError } from '../../engine/errors.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { appendEntry, readChain, verifyChain } from '../../engine/audit/chain.js';
import { recordRefusal } from '../../engine/audit/access.js';
import { submitDecision } from '../../cli/client/decisions.js';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { cardKey, championHistoryKey, watchdogReportKey } from '../../engine/store/keys.js';
import { newKeyPair, signDecision, type SignedAct } from '../../domain/signature.js';
import { createWebApp, LOGIN_FAILURES, MAX_BODY_BYTES } from '../../cli/web/server.js';
import { sameSecret, SessionStore, Throttle } from '../../cli/web/sessions.js';
import { addUser, readUsers, removeUser, tokenAuthenticator } from '../../cli/web/users.js';
import { allowedHosts, checkAuthenticator, startWebServer, usersFile } from '../../cli/commands/serve.js';
import { demoModel } from '../helpers/demo-workspace.js';
import type { EvaluationReport } from '../../engine/evaluation/report.js';
import type { ModelSpec } from '../../domain/config.js';
import { reportKeys } from '../../engine/store/keys.js';
import { trendPoints } from '../../cli/web/data.js';
import { readEvaluations } from '../../cli/status/evaluations.js';

const HOSTILE = '<script>alert("owned")</script>';

describe('web inbox: the users file', function () {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'upkeep-web-users-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps only the hash of a token, in a 0600 file, and signs in with the token alone', async function () {
    const file = path.join(dir, 'sub', 'users.json');
    const token = addUser(file, 'alice@example.com');
    assert.match(token, /^upk_[A-Za-z0-9_-]{43}$/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.includes(token) && !text.includes(token.slice(4)), 'the token itself is not stored');
    assert.equal(readUsers(file)[0]!.token_sha256.length, 64);
    const auth = tokenAuthenticator(file);
    assert.deepEqual(await auth.authenticate(token), { id: 'alice@example.com' });
    assert.equal(await auth.authenticate(`${token}x`), undefined);
    assert.equal(await auth.authenticate(''), undefined);
    assert.equal(await auth.authenticate(readUsers(file)[0]!.token_sha256), undefined, 'the stored hash is not a token');
    assert.throws(() => addUser(file, 'alice@example.com'), /alice@example\.com is in .* already/);
    assert.throws(() => addUser(file, 'bad id'), /not a usable id/);
    const bob = addUser(file, 'bob@example.com');
    assert.deepEqual(await auth.authenticate(bob), { id: 'bob@example.com' });
    assert.equal(removeUser(file, 'alice@example.com'), true);
    assert.equal(await auth.authenticate(token), undefined);
    assert.equal(await auth.isActive('alice@example.com'), false);
    assert.equal(await auth.isActive('bob@example.com'), true);
    assert.equal(removeUser(file, 'alice@example.com'), false);
  });

  it('refuses a users file readable by others, or not a users file, with one clear line', function () {
    const file = path.join(dir, 'users.json');
    assert.deepEqual(readUsers(file), [], 'a missing file is no users');
    addUser(file, 'alice@example.com');
    chmodSync(file, 0o644);
    assert.throws(
      () => readUsers(file),
      (e: unknown) => isUpkeepError(e) && e.message === `the users file ${file} is readable by others (mode 0644): chmod 600 ${file}`,
    );
    chmodSync(file, 0o620);
    assert.throws(
      () => readUsers(file),
      (e: unknown) => isUpkeepError(e) && e.message === `the users file ${file} is writable by others (mode 0620): chmod 600 ${file}`,
      'writable by the group: anyone in it could add themselves',
    );
    chmodSync(file, 0o600);
    writeFileSync(file, '{"users": 3}', { mode: 0o600 });
    chmodSync(file, 0o600);
    assert.throws(() => readUsers(file), /is not an upkeep users file/);
    writeFileSync(file, JSON.stringify({ version: 1, users: [{ id: 'x', token_sha256: 'nothex' }] }));
    assert.throws(() => readUsers(file), /users\[0\] needs an id and a token_sha256/);
  });
});

describe('web inbox: sessions, CSRF comparison, sign-in throttle', function () {
  it('ends a session after the idle limit, and after the absolute limit however active', function () {
    let t = 1_000_000;
    const store = new SessionStore({ idleMs: 60_000, maxMs: 300_000, now: () => t });
    const a = store.create('alice');
    assert.notEqual(a.id, a.csrf);
    t += 59_000;
    assert.equal(store.get(a.id)?.user, 'alice', 'within the idle limit');
    t += 61_000;
    assert.equal(store.get(a.id), undefined, 'idle too long');
    const b = store.create('bob');
    for (let i = 0; i < 5; i++) {
      t += 50_000;
      assert.equal(store.get(b.id)?.user, 'bob');
    }
    t += 50_001;
    assert.equal(store.get(b.id), undefined, 'past the absolute limit');
    assert.equal(store.get('made-up'), undefined);
    const c = store.create('carol');
    store.destroy(c.id);
    assert.equal(store.get(c.id), undefined, 'signed out');
  });

  it('compares secrets exactly and throttles failed sign-ins per client', function () {
    assert.equal(sameSecret('abc', 'abc'), true);
    assert.equal(sameSecret('abc', 'abd'), false);
    assert.equal(sameSecret('abc', 'abcd'), false);
    assert.equal(sameSecret(undefined, 'abc'), false);
    assert.equal(sameSecret('', undefined), false);
    let t = 0;
    const th = new Throttle({ limit: 3, windowMs: 1000, now: () => t });
    for (let i = 0; i < 3; i++) {
      assert.equal(th.allowed('1.2.3.4'), true);
      th.fail('1.2.3.4');
    }
    assert.equal(th.allowed('1.2.3.4'), false);
    assert.equal(th.allowed('5.6.7.8'), true, 'another client is not affected');
    t = 1001;
    assert.equal(th.allowed('1.2.3.4'), true, 'the window passed');
  });
});

describe('web inbox: a throttle no flood can reset', function () {
  it('keeps every lockout and count through a flood of failures from 20,000 addresses, in bounded memory', function () {
    let t = 0;
    let overflows = 0;
    const th = new Throttle({ limit: 10, windowMs: 15 * 60_000, maxClients: 10_000, now: () => t, onOverflow: () => overflows++ });
    for (let i = 0; i < 10; i++) th.fail('10.0.0.1');
    for (let i = 0; i < 5; i++) th.fail('10.0.0.2');
    assert.equal(th.allowed('10.0.0.1'), false, 'locked out');
    for (let i = 0; i < 20_000; i++) {
      t += 1;
      th.fail(`198.51.${i >> 8}.${i & 255}`);
    }
    assert.equal(th.allowed('10.0.0.1'), false, 'the flood did not lift the lockout');
    assert.ok(th.size <= 10_000, `the table holds ${th.size} addresses`);
    for (let i = 0; i < 4; i++) th.fail('10.0.0.2');
    assert.equal(th.allowed('10.0.0.2'), true, 'its count of 9 was kept, not reset');
    th.fail('10.0.0.2');
    assert.equal(th.allowed('10.0.0.2'), false);
    assert.equal(th.allowed('203.0.113.9'), false, 'a new address shares the overflow count, which the flood used up');
    assert.equal(overflows, 1, 'the overflow is logged once');
    t = 15 * 60_000 + 1;
    assert.equal(th.allowed('10.0.0.1'), true, 'its window passed');
    t += 20_000;
    th.fail('203.0.113.9');
    th.fail('203.0.113.10');
    assert.equal(th.allowed('203.0.113.9'), true, 'expired addresses were swept: room for new ones');
    assert.equal(th.allowed('203.0.113.10'), true);
    assert.ok(th.size < 10, `${th.size} addresses left after the sweep`);
  });
});

describe('web inbox: only known host names (DNS rebinding)', function () {
  it('answers its own names and refuses any other Host with 421', async function () {
    const dir = mkdtempSync(path.join(tmpdir(), 'upkeep-web-hosts-'));
    try {
      const config = parseConfig(stringify({ version: 1, store: 'store', web: { hosts: ['inbox.internal'] }, models: [demoModel('churn')] }), {
        name: 'upkeep.yaml',
        baseDir: dir,
      });
      const lines: string[] = [];
      const hosts = allowedHosts({ bind: '127.0.0.1', configured: config.web.hosts });
      assert.deepEqual(hosts.sort(), ['127.0.0.1', '::1', 'inbox.internal', 'localhost']);
      const { app } = createWebApp({
        config,
        store: createFileStore(path.join(dir, 'store')),
        client: {} as Client,
        taskQueue: 'upkeep',
        authenticator: tokenAuthenticator(path.join(dir, 'users.json')),
        signer: { id: 's', secretKey: newKeyPair().secretKey },
        sessions: { idleMs: 60_000, maxMs: 60_000 },
        hosts,
        log: (l) => lines.push(l),
      });
      const get = (host: string) => app.request('/login', { headers: { host } });
      for (const ok of ['localhost:8080', '127.0.0.1:8080', '[::1]:8080', 'LOCALHOST', 'inbox.internal', 'inbox.internal.:443'])
        assert.equal((await get(ok)).status, 200, ok);
      for (const bad of ['attacker.example:8080', 'localhost.attacker.example', '10.0.0.1']) {
        const res = await get(bad);
        assert.equal(res.status, 421, bad);
        assert.match(res.headers.get('content-security-policy')!, /default-src 'self'/);
      }
      assert.equal((await get('bad host/')).status, 400);
      assert.match(lines.join('\n'), /refused a request for host "attacker\.example:8080"/);
      assert.throws(
        () =>
          parseConfig(stringify({ version: 1, web: { hosts: ['inbox.internal:8080'] }, models: [demoModel('churn')] }), { name: 'upkeep.yaml', baseDir: dir }),
        /upkeep\.yaml: web\.hosts\[0\]: expected a host name or an IP address, without a port/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('derives the names from the bind address and the public URL', function () {
    const machine = { name: 'box', addresses: () => ['10.1.2.3', 'fe80::1'] };
    assert.deepEqual(allowedHosts({ bind: '0.0.0.0' }, machine).sort(), ['10.1.2.3', '127.0.0.1', '::1', 'box', 'fe80::1', 'localhost']);
    assert.deepEqual(allowedHosts({ bind: '10.9.9.9', publicUrl: 'https://Inbox.Example.com' }, machine).sort(), [
      '10.9.9.9',
      '127.0.0.1',
      '::1',
      'inbox.example.com',
      'localhost',
    ]);
  });
});

describe('web inbox: slow clients are cut off', function () {
  it("closes a connection whose headers or body trickle in, long before Node's 300 s", async function () {
    this.timeout(10_000);
    const dir = mkdtempSync(path.join(tmpdir(), 'upkeep-web-slow-'));
    const config = parseConfig(stringify({ version: 1, store: 'store', models: [demoModel('churn')] }), { name: 'upkeep.yaml', baseDir: dir });
    const server = await startWebServer({
      config,
      store: createFileStore(path.join(dir, 'store')),
      client: {} as Client,
      taskQueue: 'upkeep',
      authenticator: tokenAuthenticator(path.join(dir, 'users.json')),
      signer: { id: 's', secretKey: newKeyPair().secretKey },
      sessions: { idleMs: 60_000, maxMs: 60_000 },
      host: '127.0.0.1',
      port: 0,
      timeouts: { headersMs: 300, requestMs: 600, checkEveryMs: 50 },
    });
    const { port } = new URL(server.url);
    // Writes `first`, then a byte every 100 ms; resolves with what the server sent and when it closed.
    const slow = (first: string) =>
      new Promise<{ ms: number; got: string }>((resolve, reject) => {
        const started = Date.now();
        let got = '';
        const socket = connect(Number(port), '127.0.0.1', () => socket.write(first));
        const drip = setInterval(() => socket.writable && socket.write('x'), 100);
        socket.on('data', (d) => (got += d.toString()));
        socket.on('error', () => {}); // a reset after the 408 is a close too
        socket.on('close', () => (clearInterval(drip), resolve({ ms: Date.now() - started, got })));
        setTimeout(() => (clearInterval(drip), socket.destroy(), reject(new Error('the server kept the slow connection open'))), 5000);
      });
    try {
      const headers = await slow('GET /login HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
      assert.ok(headers.ms < 2000, `headers: closed after ${headers.ms} ms`);
      assert.match(headers.got, /^HTTP\/1\.1 408/);
      const body = await slow(
        'POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ntoken=',
      );
      assert.ok(body.ms < 2500, `body: closed after ${body.ms} ms`);
      assert.equal((await fetch(`${server.url}/login`)).status, 200, 'a normal request still works');
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('web inbox: the app (no Temporal: an empty fleet of requests)', function () {
  let dir: string;
  let t = Date.parse('2026-11-30T09:00:00Z');
  const ORIGIN = 'http://localhost';
  // A server that does not answer: the pages say what is unknown.
  const client = {
    connection: {},
    options: { namespace: 'default' },
    withDeadline: async () => Promise.reject(new Error('unavailable')),
    workflow: { list: async function* () {} },
    schedule: { getHandle: () => ({ describe: async () => Promise.reject(new Error('no schedule')) }) },
  } as unknown as Client;
  let app: ReturnType<typeof createWebApp>['app'];
  let token: string;
  const lines: string[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'upkeep-web-app-'));
    const server = newKeyPair();
    const config = parseConfig(
      stringify({
        version: 1,
        store: 'store',
        authenticators: [{ id: 'upkeep-web@test', public_key: server.publicKey }],
        models: [demoModel('churn', { description: HOSTILE })],
      }),
      { name: 'upkeep.yaml', baseDir: dir },
    );
    const store = createFileStore(path.join(dir, 'store'));
    await store.put(
      watchdogReportKey,
      new TextEncoder().encode(
        JSON.stringify({
          at: '2026-11-30T06:00:00Z',
          workflowId: 'w',
          runId: 'r',
          resolved: [],
          findings: [
            {
              modelId: 'churn',
              kind: 'stale',
              key: 'k',
              summary: `stale ${HOSTILE}`,
              since: '2026-11-20T00:00:00Z',
              firstReportedAt: '2026-11-30T06:00:00Z',
              notified: [],
            },
          ],
        }),
      ),
    );
    // A report whose column names and issues are hostile, as a data file's header could be.
    const report = {
      schema: 'upkeep.evaluation-report/v1',
      modelId: 'churn',
      owner: 'o',
      task: 'binary',
      verdict: { status: 'warning', reasons: [`drift in ${HOSTILE}`], failedGates: [`cost${HOSTILE}`] },
      window: { firstDay: '2026-11-17', lastDay: '2026-11-19', end: '2026-11-20T06:00:00.000Z', timezone: 'UTC' },
      rows: 10,
      metrics: { roc_auc: 0.7 },
      // Declared business metrics (names from the config): one whose gate failed, with a hostile name, one that passed.
      evaluation: {
        rows: 10,
        rowsRead: 10,
        droppedRows: 0,
        invalid: [],
        metrics: { roc_auc: 0.7 },
        undefinedMetrics: {},
        metricWarnings: {},
        warnings: [],
        gated: [
          { name: `cost${HOSTILE}`, kind: 'business', value: 120, lowerIsBetter: true, gate: { max: 100 } },
          {
            name: 'recall@precision0.9',
            kind: 'business',
            value: 0.62,
            lowerIsBetter: false,
            gate: { min: 0.6, max_drop: 0.05 },
            baseline: 0.64,
            interval: { low: 0.55, high: 0.69, level: 0.95, method: 'bootstrap' },
          },
        ],
      },
      workflow: { workflowId: 'w', runId: 'run-1', startedAt: '2026-11-20T06:00:00.000Z' },
      drift: {
        columns: { [HOSTILE]: { kind: 'numeric', test: 'ks', threshold: 0.05, score: 0.01, drifted: true, reference_rows: 5, current_rows: 5 } },
        dataset_drift: true,
        share_drifted: 1,
        drift_share: 0.5,
        drifted_columns: [HOSTILE],
      },
      quality: {
        schemaBreak: false,
        rows: 10,
        missingColumns: [],
        unexpectedColumns: [],
        typeChanges: [],
        newCategories: [],
        nullRateIncreases: [],
        outOfRange: [],
        constantColumns: [],
        issues: [{ severity: 'warning', column: HOSTILE, message: `nulls in ${HOSTILE}` }],
      },
    };
    await store.put('reports/churn/20261120T060000Z_run-1.json', new TextEncoder().encode(JSON.stringify(report)));
    const file = path.join(dir, 'users.json');
    token = addUser(file, 'alice@example.com');
    lines.length = 0;
    ({ app } = createWebApp({
      config,
      store,
      client,
      taskQueue: 'upkeep',
      authenticator: tokenAuthenticator(file),
      signer: { id: 'upkeep-web@test', secretKey: server.secretKey },
      sessions: { idleMs: 60_000, maxMs: 3_600_000 },
      now: () => t,
      log: (l) => lines.push(l),
    }));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const cookies = (res: Response): string =>
    res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
  const field = (html: string, name: string): string => html.match(new RegExp(`name="${name}" value="([^"]*)"`))![1]!;
  const form = (o: Record<string, string>): string => new URLSearchParams(o).toString();
  const post = (url: string, body: string, cookie: string, origin: string | null = ORIGIN) =>
    app.request(url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, ...(origin ? { origin } : {}) } });

  async function signIn(withToken = token): Promise<{ res: Response; cookie: string }> {
    const page = await app.request('/login');
    const res = await post('/login', form({ csrf: field(await page.text(), 'csrf'), token: withToken, next: '/' }), cookies(page));
    return { res, cookie: cookies(res) };
  }

  it('sends every page with the security headers, and asks for a sign-in first', async function () {
    const res = await app.request('/');
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/login?next=%2F');
    for (const r of [res, await app.request('/login'), await app.request('/static/chart.mjs')]) {
      assert.match(r.headers.get('content-security-policy')!, /default-src 'self'; script-src 'self';.*frame-ancestors 'none'/);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
    }
    assert.equal((await app.request('/login')).headers.get('cache-control'), 'no-store');
    assert.equal((await app.request('/static/uPlot.iife.min.js')).status, 200);
    assert.equal((await app.request('/models/churn/trend.json')).status, 303, 'data needs a session too');
  });

  it('signs in with a token (HttpOnly, SameSite=Strict cookie), refuses a wrong one and throttles guessing', async function () {
    const { res, cookie } = await signIn();
    assert.equal(res.status, 303);
    const set = res.headers.getSetCookie().find((c) => c.startsWith('upkeep_session='))!;
    assert.match(set, /HttpOnly/);
    assert.match(set, /SameSite=Strict/);
    assert.equal((await app.request('/', { headers: { cookie } })).status, 200);
    assert.ok(lines.some((l) => /^web: alice@example\.com signed in \(session [0-9a-f]{12}\)$/.test(l)));
    assert.ok(!lines.join('\n').includes(token), 'no token in the log');

    // Only a path of this site is a place to go after sign-in.
    const page = await app.request('/login');
    for (const [next, to] of [
      ['/inbox', '/inbox'],
      ['//evil.example/x', '/'],
      ['/\\evil.example', '/'],
      ['https://evil.example', '/'],
    ]) {
      const res = await post('/login', form({ csrf: field(await page.clone().text(), 'csrf'), token, next: next! }), cookies(page));
      assert.equal(res.headers.get('location'), to, next);
    }

    const wrong = await signIn('upk_wrong');
    assert.equal(wrong.res.status, 401);
    assert.match(await wrong.res.text(), /That token does not sign anyone in/);
    assert.ok(!wrong.cookie.includes('upkeep_session='));
    for (let i = 1; i < LOGIN_FAILURES; i++) await signIn('upk_wrong');
    const throttled = await signIn(token);
    assert.equal(throttled.res.status, 429, 'even the right token waits once the client is throttled');
  });

  it('records sign-ins, failed sign-ins, lockouts, refused posts, ended sessions and sign-outs in the _web chain of the store, never a token', async function () {
    const store = createFileStore(path.join(dir, 'store'));
    const { cookie } = await signIn();
    for (let i = 0; i < LOGIN_FAILURES; i++) await signIn('upk_wrong');
    assert.equal((await post('/logout', form({ csrf: 'forged' }), cookie)).status, 403);
    assert.equal((await post('/logout', form({ csrf: 'x' }), cookie, 'https://evil.example')).status, 403);
    const csrf = field(await (await app.request('/', { headers: { cookie } })).text(), 'csrf');
    assert.equal((await post('/logout', form({ csrf }), cookie)).status, 303);
    const again = await (async () => {
      t += 20 * 60_000; // past the lockout
      return signIn();
    })();
    removeUser(path.join(dir, 'users.json'), 'alice@example.com');
    assert.equal((await app.request('/', { headers: { cookie: again.cookie } })).status, 303);
    const chain = await readChain(store, '_web');
    const events = chain.map((c) => (c.entry.details as { event: string }).event);
    assert.deepEqual(events, [
      'sign-in',
      ...Array(LOGIN_FAILURES).fill('sign-in-failed'),
      'locked-out',
      'refused-post',
      'refused-post',
      'sign-out',
      'sign-in',
      'session-ended',
    ]);
    assert.ok(chain.every((c) => c.entry.kind === 'web-access'));
    const first = chain[0]!.entry;
    assert.equal(first.actor, 'alice@example.com');
    assert.match(first.summary, /^alice@example\.com signed in \(unknown\)$/);
    assert.deepEqual(Object.keys(first.details!).sort(), ['client', 'event', 'server', 'session']);
    assert.equal(chain[1]!.entry.actor, undefined, 'a failed sign-in names no one');
    assert.equal(chain[LOGIN_FAILURES + 2]!.entry.summary, 'refused a post of alice@example.com (unknown): a post to /logout without a valid CSRF token');
    assert.match(chain[LOGIN_FAILURES + 3]!.entry.summary, /from another origin \("https:\/\/evil\.example"/);
    assert.equal((chain.at(-1)!.entry.details as { why: string }).why, 'no longer in the users file');
    const text = JSON.stringify(chain);
    for (const secret of [token, cookie.split('=')[1]!, csrf]) assert.ok(!text.includes(secret), 'no token, cookie or CSRF token is recorded');
    assert.equal((await verifyChain(store, '_web')).ok, true);
  });

  it('refuses a sign-in it cannot record', async function () {
    rmSync(path.join(dir, 'store'), { recursive: true, force: true });
    writeFileSync(path.join(dir, 'store'), 'not a folder');
    const { res, cookie } = await signIn();
    assert.equal(res.status, 503);
    assert.ok(!cookie.includes('upkeep_session='));
    assert.ok(lines.some((l) => /could not record a sign-in/.test(l)));
  });

  it('escapes hostile values on every page (a model description and a watchdog finding with <script>)', async function () {
    const { cookie } = await signIn();
    const escaped = '&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;';
    for (const url of ['/models/churn', '/', '/inbox']) {
      const body = await (await app.request(url, { headers: { cookie } })).text();
      if (url === '/')
        assert.match(
          body,
          /<p class="error">Temporal at its address did not answer \(unavailable\): schedules, next runs and pending approvals are unknown\.<\/p>/,
        );
      if (url === '/') assert.ok(body.includes(`stale ${escaped}`), 'the fleet shows the finding, escaped');
      assert.ok(!body.includes(HOSTILE), `${url} has the raw value`);
      assert.ok(!/<script>/.test(body), 'no inline script at all');
      if (url !== '/models/churn') continue;
      // The description, the watchdog finding, the verdict's reason, the drift table's column, the quality issue;
      // the drift strip's (its row label and the label's title, the cell's tooltip, its description naming the drifted column, the table's row header);
      // the business metric's (the failed gates' sentence, its row, its bound's title).
      assert.equal(body.split(escaped).length - 1, 14, 'every hostile value is shown, escaped');
      assert.ok(body.includes(`Failed gates: <strong>cost${escaped}</strong>.`));
      assert.match(
        body,
        /<tr class="drifted" data-gate="failed"><td>cost&lt;script&gt;.*?<\/td><td>120<\/td><td>—<\/td><td>max 100<\/td><td>—<\/td><td>—<\/td><td><span class="badge failing" title="cost&lt;script&gt;.*? 120 is above the maximum 100">max: failed<\/span><\/td><\/tr>/,
      );
      assert.match(
        body,
        /<tr class="" data-gate="ok"><td>recall@precision0\.9<\/td><td>0\.62<\/td><td>95% bootstrap \[0\.55, 0\.69\]<\/td><td>min 0\.6, max_drop 0\.05<\/td><td>0\.64<\/td><td>—<\/td><td><span class="badge healthy" [^>]*>min: passed<\/span> <span class="badge healthy" [^>]*>max_drop: passed<\/span><\/td><\/tr>/,
      );
      assert.match(body, /<tr class="drifted"><td>&lt;script&gt;/);
      assert.match(body, /href="\/models\/churn\/reports\/20261120T060000Z_run-1.json"/);
      assert.match(body, /<a href="\/models\/churn\/reports\/20261120T060000Z_run-1.html">report with pictures<\/a>/);
    }
    const json = await app.request('/models/churn/reports/20261120T060000Z_run-1.json', { headers: { cookie } });
    assert.equal(json.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(((await json.json()) as { modelId: string }).modelId, 'churn');
    for (const bad of ['..%2F..%2Fusers.json', '20261120T060000Z_run-9.html', '%2Fetc%2Fpasswd'])
      assert.equal((await app.request(`/models/churn/reports/${bad}`, { headers: { cookie } })).status, 404, bad);
    // The page with the pictures, drawn from the JSON of a run from before it was stored: escaped, sandboxed, nothing runs.
    const page = await app.request('/models/churn/reports/20261120T060000Z_run-1.html', { headers: { cookie } });
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(page.headers.get('content-security-policy') ?? '', /^default-src 'none'; style-src 'unsafe-inline';.*; sandbox$/);
    const pageText = await page.text();
    assert.ok(!pageText.includes(HOSTILE) && !/<script/.test(pageText));
    assert.match(pageText, /<figure class="distribution drifted" data-column="&#60;script&#62;/);
    const trend = (await (await app.request('/models/churn/trend.json', { headers: { cookie } })).json()) as { metric: string; points: { value: number }[] };
    assert.deepEqual([trend.metric, trend.points.map((p) => p.value)], ['roc_auc', [0.7]]);
  });

  it("verifies the model's chain before showing its timeline, and warns plainly, naming the first problems, when it does not verify", async function () {
    const store = createFileStore(path.join(dir, 'store'));
    const entry = (i: number, summary = `evaluation ${i}`) => ({
      id: `e${i}`,
      modelId: 'churn',
      at: `2026-11-${String(10 + i).padStart(2, '0')}T06:00:00.000Z`,
      kind: 'evaluation' as const,
      summary,
      details: { verdict: 'healthy' },
    });
    for (let i = 1; i <= 9; i++) await appendEntry(store, entry(i, i === 9 ? 'approved by alice@example.com' : `evaluation ${i}`));
    const { cookie } = await signIn();
    const page = async () => (await app.request('/models/churn', { headers: { cookie } })).text();
    let body = await page();
    assert.ok(!body.includes('does not verify'), 'an intact chain has no warning');
    assert.match(
      body,
      /Verified when this page was loaded: the chain's 9 links and its head, every entry present and linked once, and the 9 entries shown re-hashed/,
    );
    assert.ok(body.includes('approved by alice@example.com'));
    // The newest entry reworded to name another approver, and an older one removed.
    const [last] = (await store.list('audit/churn/evaluations')).filter((k) => k.includes('_e9')); // the file of e9
    await store.put(last!, JSON.stringify({ ...entry(9), summary: 'approved by mallory@example.com' }, null, 2));
    const removed = (await store.list('audit/churn/evaluations')).find((k) => k.includes('_e2.'))!;
    await store.delete(removed);
    body = await page();
    assert.match(body, /<div class="error trail-warning" role="alert"><p><strong>The audit trail of churn does not verify<\/strong> \(2 problems\)/);
    assert.ok(body.indexOf('trail-warning') < body.indexOf('over time</h2>'), 'the warning comes first on the page');
    assert.ok(body.includes(`<li>link 2: entry e2 (${removed}) is missing (removed)</li>`), 'names the removed entry');
    assert.ok(body.includes(`<li>link 9: entry e9 (${last}) was altered (sha256 differs)</li>`), 'names the altered entry');
    assert.ok(!body.includes('mallory@example.com'), 'the altered entry is not shown as a record');
    assert.ok(!body.includes('Verified when this page was loaded'));
    // Many problems: the first five are named, the rest counted.
    for (const k of (await store.list('audit/churn/evaluations')).filter((k) => !/_e[129]\./.test(k))) await store.delete(k);
    body = await page();
    assert.match(body, /\(8 problems\)/);
    assert.equal(body.split('<li>link ').length - 1, 5);
    assert.match(body, /<p>3 more: run <code>upkeep audit verify churn<\/code> for all of them\.<\/p>/);
  });

  it('checks every link and entry but re-hashes only the entries a page shows (rehashLast)', async function () {
    const store = createFileStore(path.join(dir, 'store'));
    for (let i = 1; i <= 5; i++)
      await appendEntry(store, { id: `e${i}`, modelId: 'churn', at: `2026-11-1${i}T06:00:00.000Z`, kind: 'evaluation', summary: `evaluation ${i}` });
    const keys = await store.list('audit/churn/evaluations');
    const oldest = keys.find((k) => k.includes('_e1.'))!;
    await store.put(oldest, JSON.stringify({ id: 'e1', modelId: 'churn', at: '2026-11-11T06:00:00.000Z', kind: 'evaluation', summary: 'reworded' }));
    const light = await verifyChain(store, 'churn', { rehashLast: 2 });
    assert.deepEqual([light.ok, light.entries.map((e) => e.entry.id)], [true, ['e4', 'e5']], 'an older entry edited in place is left to audit verify');
    assert.equal((await verifyChain(store, 'churn')).ok, false);
    await store.delete(keys.find((k) => k.includes('_e2.'))!);
    await store.put('audit/churn/evaluations/20261119T060000Z_slipped.json', '{}');
    assert.deepEqual(
      (await verifyChain(store, 'churn', { rehashLast: 2 })).problems.map((p) => p.replace(/\([^)]*\)/, '(…)')),
      ['link 2: entry e2 (…) is missing (removed)', 'entry audit/churn/evaluations/20261119T060000Z_slipped.json is not in the chain (…)'],
    );
  });

  it('highlights only the columns that count after the multiple-testing correction, no-wraps timestamps, and gives the chart verdicts and champion changes', async function () {
    const store = createFileStore(path.join(dir, 'store'));
    const columns: Record<string, unknown> = {};
    const p_values: Record<string, number> = {};
    for (let i = 1; i <= 8; i++) {
      columns[`x${i}`] = {
        kind: 'numeric',
        test: 'ks',
        threshold: 0.05,
        score: i === 1 ? 0.0001 : i <= 7 ? 0.03 : 0.4,
        drifted: i <= 7,
        reference_rows: 500,
        current_rows: 500,
      };
      p_values[`x${i}`] = i === 1 ? 0.0001 : i <= 7 ? 0.03 : 0.4;
    }
    const report = {
      schema: 'upkeep.evaluation-report/v1',
      modelId: 'churn',
      owner: 'o',
      task: 'binary',
      verdict: { status: 'warning', reasons: ['drift in x1 (after the correction)'] },
      window: { firstDay: '2026-11-21', lastDay: '2026-11-27', end: '2026-11-28T06:00:00.000Z', timezone: 'UTC' },
      rows: 500,
      metrics: { roc_auc: 0.68 },
      workflow: { workflowId: 'w', runId: 'run-2', startedAt: '2026-11-28T06:00:00.000Z' },
      drift: {
        columns,
        dataset_drift: true,
        share_drifted: 7 / 8,
        drift_share: 0.5,
        drifted_columns: Object.keys(columns).slice(0, 7),
        alarm: { method: 'benjamini-hochberg', level: 0.05, tested: 8, p_values, columns: ['x1'], label: false, prediction: false, raised: true },
      },
    };
    await store.put('reports/churn/20261128T060000Z_run-2.json', new TextEncoder().encode(JSON.stringify(report)));
    await store.put(
      championHistoryKey('churn', 2),
      JSON.stringify({
        modelId: 'churn',
        version: 'v2',
        sha256: 'a'.repeat(64),
        generation: 2,
        since: '2026-11-25T10:00:00.000Z',
        change: 'promotion',
        previous: 'v1',
        approvals: [],
      }),
    );
    await store.put(
      championHistoryKey('churn', 1),
      JSON.stringify({
        modelId: 'churn',
        version: 'v1',
        sha256: 'b'.repeat(64),
        generation: 1,
        since: '2026-11-01T10:00:00.000Z',
        change: 'initial',
        previous: null,
        approvals: [],
      }),
    );
    const { cookie } = await signIn();
    const body = await (await app.request('/models/churn', { headers: { cookie } })).text();
    assert.equal(body.split('<tr class="drifted">').length - 1, 1, 'one column counts after the correction');
    assert.match(body, /<tr class="drifted"><td>x1<\/td>.*yes, after the correction/);
    assert.equal(body.split('<tr class="single">').length - 1, 6, 'six single findings');
    assert.match(
      body,
      /8 tests were run together, so some cross their own threshold by chance\. After the Benjamini–Hochberg correction \(false discovery rate 0\.05\), one column counts as drift \(highlighted\); 6 columns crossed their threshold alone/,
    );
    const fleetBody = await (await app.request('/', { headers: { cookie } })).text();
    assert.match(
      fleetBody,
      /last run <time datetime="2026-11-30T06:00:00Z">2026-11-30T06:00:00Z<\/time>\. As of <time datetime="[^"]+">/,
      'times are <time> elements (nowrap)',
    );
    assert.match(await (await app.request('/static/web.css')).text(), /time \{ white-space: nowrap; \}/);
    const trend = (await (await app.request('/models/churn/trend.json', { headers: { cookie } })).json()) as {
      points: { verdict: string }[];
      changes: unknown[];
    };
    assert.deepEqual(
      trend.points.map((p) => p.verdict),
      ['warning', 'warning'],
    );
    assert.deepEqual(trend.changes, [{ at: '2026-11-25T10:00:00.000Z', change: 'promotion', version: 'v2' }]);
  });

  it('shows estimated against realized per window: the estimate and its band stay beside the realized value, the error, and an estimated verdict marked', async function () {
    const store = createFileStore(path.join(dir, 'store'));
    const report = (end: string, runId: string, o: { basis?: 'estimated'; realized: number | null; estimate?: number; status: string }) => ({
      schema: 'upkeep.evaluation-report/v1',
      modelId: 'churn',
      verdict: { status: o.status, reasons: [`${o.status} reason`], ...(o.basis ? { basis: o.basis } : {}) },
      window: { firstDay: end.slice(0, 10), lastDay: end.slice(0, 10), end, timezone: 'UTC' },
      rows: o.realized === null ? 0 : 900,
      metrics: { roc_auc: o.realized },
      model: { sha256: 'c'.repeat(64) },
      workflow: { workflowId: 'w', runId, startedAt: runId === 'matured' ? '2026-12-30T06:00:00.000Z' : end },
      ...(o.estimate !== undefined
        ? { evaluation: { estimated: { metrics: { roc_auc: { value: o.estimate, lower: o.estimate - 0.03, upper: o.estimate + 0.03, method: 'cbpe' } } } } }
        : {}),
    });
    const put = (r: ReturnType<typeof report>) => store.put(reportKeys('churn', r.window.end, r.workflow.runId).json, JSON.stringify(r));
    // Window 1: estimated degraded, then evaluated again with its labels (realized 0.70).
    await put(report('2026-11-29T06:00:00.000Z', 'first', { basis: 'estimated', realized: null, estimate: 0.65, status: 'degraded' }));
    await put(report('2026-11-29T06:00:00.000Z', 'matured', { realized: 0.7, status: 'degraded' }));
    // Window 2 (the latest): labels not known yet.
    await put(report('2026-11-30T06:00:00.000Z', 'second', { basis: 'estimated', realized: null, estimate: 0.81, status: 'healthy' }));
    const { cookie } = await signIn();
    const body = await (await app.request('/models/churn', { headers: { cookie } })).text();
    assert.match(body, /<h2>roc_auc: estimated and realized<\/h2>/);
    const rows = body.split('<table class="late-labels">')[1]!.split('</table>')[0]!.split('<tr').slice(2);
    assert.equal(rows.length, 2);
    assert.match(rows[0]!, /class="estimated".*healthy.*badge estimated.*0\.8100.*\(0\.7800\.\.0\.8400\).*labels not known yet.*<td>—<\/td>/s);
    assert.match(
      rows[1]!,
      /class="".*degraded.*<td>0\.6500 <span class="quiet">\(0\.6200\.\.0\.6800\)<\/span><\/td><td>0\.7000<\/td><td>\+0\.0500 <strong>\(outside the band\)<\/strong><\/td>/s,
    );
    assert.doesNotMatch(rows[1]!, /badge estimated/, 'the realized verdict replaces the estimated one');
    assert.match(
      body,
      /This verdict was judged on the estimate: too few of the window's labels are known yet\. With a label\.delay, it is evaluated again when they come\./,
    );
    const trend = (await (await app.request('/models/churn/trend.json', { headers: { cookie } })).json()) as {
      points: { value: number; estimated?: boolean }[];
    };
    assert.deepEqual(
      trend.points.slice(-2).map((p) => [p.value, p.estimated ?? false]),
      [
        [0.7, false],
        [0.81, true],
      ],
    );
  });

  it("shows the latest window's multivariate drift: the reconstruction error against its range and the columns the domain classifier names, escaped", async function () {
    const store = createFileStore(path.join(dir, 'store'));
    const end = '2026-12-01T06:00:00.000Z';
    const r = {
      schema: 'upkeep.evaluation-report/v1',
      modelId: 'churn',
      verdict: { status: 'warning', reasons: ['multivariate drift'] },
      window: { firstDay: '2026-12-01', lastDay: '2026-12-01', end, timezone: 'UTC' },
      rows: 900,
      metrics: { roc_auc: 0.8 },
      model: { sha256: 'c'.repeat(64) },
      workflow: { workflowId: 'w', runId: 'mv', startedAt: end },
      multivariate: {
        reconstruction: { error: 1.9, lower: 0.8, upper: 1.4, alert: true, components: 3, rows: 900 },
        domainClassifier: {
          auc: 0.74,
          threshold: 0.55,
          alert: true,
          features: [
            { column: 'x2', importance: 0.7 },
            { column: '<b>plan</b>', importance: 0.2 },
          ],
          rows: { reference: 500, current: 500 },
        },
      },
    };
    await store.put(reportKeys('churn', end, 'mv').json, JSON.stringify(r));
    const { cookie } = await signIn();
    const body = await (await app.request('/models/churn', { headers: { cookie } })).text();
    assert.match(body, /<h3>Multivariate drift<\/h3>/);
    assert.match(
      body,
      /Reconstruction error 1\.9000 against the reference's range 0\.8000\.\.1\.4000 \(PCA with 3 components, 900 rows\): <strong>outside<\/strong>/,
    );
    assert.match(
      body,
      /cross-validated AUC 0\.7400 .*alarm above 0\.5500\): <strong>told apart<\/strong>; the columns that separate them most: x2 \(0\.70\), &lt;b&gt;plan&lt;\/b&gt; \(0\.20\)/,
    );
  });

  it('refuses forged posts: no or wrong CSRF token, another Origin, a cross-site fetch, a body too large', async function () {
    const { cookie } = await signIn();
    const csrf = field(await (await app.request('/', { headers: { cookie } })).text(), 'csrf');
    assert.equal((await post('/logout', form({}), cookie)).status, 403);
    assert.equal((await post('/logout', form({ csrf: `${csrf}x` }), cookie)).status, 403);
    assert.equal((await post('/logout', form({ csrf }), cookie, 'https://evil.example')).status, 403);
    assert.equal((await post('/logout', form({ csrf }), cookie, null)).status, 403, 'no Origin');
    const crossSite = await app.request('/logout', {
      method: 'POST',
      body: form({ csrf }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: ORIGIN, 'sec-fetch-site': 'cross-site' },
    });
    assert.equal(crossSite.status, 403);
    const nullOrigin = (site?: string) =>
      app.request('/logout', {
        method: 'POST',
        body: form({ csrf }),
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: 'null', ...(site ? { 'sec-fetch-site': site } : {}) },
      });
    assert.equal((await nullOrigin()).status, 403, 'Origin null without Sec-Fetch-Site');
    assert.equal((await nullOrigin('same-site')).status, 403, 'Origin null from a sibling site');
    assert.equal((await post('/logout', form({ csrf, pad: 'x'.repeat(MAX_BODY_BYTES) }), cookie)).status, 413);
    assert.equal((await app.request('/', { headers: { cookie } })).status, 200, 'still signed in: nothing was done');
    const out = await nullOrigin('same-origin');
    assert.equal(out.status, 303, "a browser's own form post under no-referrer: Origin null, Sec-Fetch-Site same-origin");
    assert.equal((await app.request('/', { headers: { cookie } })).status, 303, 'signed out');
  });

  it('ends an idle session and a session of someone removed from the users file', async function () {
    const { cookie } = await signIn();
    t += 59_000;
    assert.equal((await app.request('/', { headers: { cookie } })).status, 200);
    t += 60_001;
    assert.equal((await app.request('/', { headers: { cookie } })).status, 303, 'expired after the idle limit');
    const again = await signIn();
    removeUser(path.join(dir, 'users.json'), 'alice@example.com');
    assert.equal((await app.request('/', { headers: { cookie: again.cookie } })).status, 303, 'removed: the session ends');
  });

  it('shows incidents on /incidents and the model page, from the card, a hostile note escaped', async function () {
    const { cookie } = await signIn();
    const page = async (url: string) => (await app.request(url, { headers: { cookie } })).text();
    assert.match(await page('/incidents'), /0 open, 0 closed[\s\S]*No incidents: no degraded or failing window yet\./);
    const incident = {
      id: 'inc-20261120T060000Z',
      state: 'open',
      severity: 'failing',
      badWindows: 2,
      firstBadWindowEnd: '2026-11-20T06:00:00.000Z',
      detectedAt: '2026-11-20T06:05:00.000Z',
      closedAt: null,
      told: ['oncall'],
      decisions: 0,
      times: { detectMs: 300_000, decideMs: null, recoverMs: null },
      notes: [{ at: '2026-11-21T00:00:00.000Z', actor: 'olga', text: HOSTILE, signed: false }],
    };
    const { buildModelCard } = await import('../../engine/cards/index.js');
    const { modelSpec } = await import('../../domain/config.js');
    const base = {
      generatedAt: '2026-11-21T00:00:00.000Z',
      champion: null,
      championVersion: null,
      versions: [],
      championHistory: [],
      reports: [],
      auditTrail: [],
    };
    const card = { ...buildModelCard({ ...base, spec: modelSpec.parse(demoModel('churn')) }), incidents: [incident] };
    await createFileStore(path.join(dir, 'store')).put(cardKey('churn', 'json'), JSON.stringify(card));
    const fleetPage = await page('/incidents');
    assert.match(fleetPage, /1 open, 0 closed/);
    assert.match(
      fleetPage,
      /<td><a href="\/models\/churn">churn<\/a><\/td><td>inc-20261120T060000Z<\/td><td><strong>open<\/strong>, failing \(2 bad\)<\/td><td><time datetime="2026-11-20T06:00:00.000Z">[^<]*<\/time><\/td><td>oncall<\/td><td>5 min<\/td><td>—<\/td><td>—<\/td><td>not yet<\/td>/,
    );
    const model = await page('/models/churn');
    for (const body of [fleetPage, model]) {
      assert.ok(body.includes('&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;'), 'the note is shown, escaped');
      assert.ok(!body.includes(HOSTILE));
    }
    assert.match(model, /<h2>Incidents<\/h2>\n<table class="incidents">/);
  });
});

describe('web inbox behind a TLS proxy (--public-url https://…)', function () {
  it('marks cookies Secure with the __Host- prefix, sends HSTS, and takes posts only from the public origin', async function () {
    const dir = mkdtempSync(path.join(tmpdir(), 'upkeep-web-tls-'));
    try {
      const config = parseConfig(stringify({ version: 1, store: 'store', models: [demoModel('churn')] }), { name: 'upkeep.yaml', baseDir: dir });
      const file = path.join(dir, 'users.json');
      const token = addUser(file, 'alice@example.com');
      const { app } = createWebApp({
        config,
        store: createFileStore(path.join(dir, 'store')),
        client: {} as Client,
        taskQueue: 'upkeep',
        authenticator: tokenAuthenticator(file),
        signer: { id: 's', secretKey: newKeyPair().secretKey },
        sessions: { idleMs: 60_000, maxMs: 60_000 },
        publicUrl: 'https://inbox.example.com',
      });
      // The proxy forwards plain HTTP: the request's own URL is http://localhost/….
      const page = await app.request('/login');
      assert.match(page.headers.get('strict-transport-security')!, /max-age=/);
      const loginCookie = page.headers.getSetCookie()[0]!;
      assert.match(loginCookie, /^__Host-upkeep_login=.*; Secure/);
      const cookie = loginCookie.split(';')[0]!;
      const csrf = /name="csrf" value="([^"]*)"/.exec(await page.text())![1]!;
      const send = (origin: string) =>
        app.request('/login', {
          method: 'POST',
          body: new URLSearchParams({ csrf, token, next: '/' }).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin },
        });
      assert.equal((await send('http://localhost')).status, 403, 'the proxy-side origin is not the public one');
      const ok = await send('https://inbox.example.com');
      assert.equal(ok.status, 303);
      const session = ok.headers.getSetCookie().find((c) => c.startsWith('__Host-upkeep_session='))!;
      assert.match(session, /; HttpOnly/);
      assert.match(session, /; Secure/);
      assert.match(session, /; SameSite=Strict/);
      assert.match(session, /; Path=\//);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('web inbox: the server key must be a listed authenticator', function () {
  it('names the key and prints the snippet to add', function () {
    const key = { id: 'upkeep-web@host', ...newKeyPair(), file: '/k' };
    const config = parseConfig(stringify({ version: 1, models: [demoModel('churn')] }), { name: 'upkeep.yaml', baseDir: '/tmp' });
    assert.throws(
      () => checkAuthenticator(config, 'upkeep.yaml', key),
      (e: unknown) =>
        isUpkeepError(e) &&
        e.message.includes("the web server's key upkeep-web@host is not listed under authenticators") &&
        e.message.includes(`public_key: ${key.publicKey}`),
    );
    const listed = parseConfig(stringify({ version: 1, authenticators: [{ id: key.id, public_key: key.publicKey }], models: [demoModel('churn')] }), {
      name: 'upkeep.yaml',
      baseDir: '/tmp',
    });
    checkAuthenticator(listed, 'upkeep.yaml', key);
    const other = parseConfig(stringify({ version: 1, authenticators: [{ id: key.id, public_key: newKeyPair().publicKey }], models: [demoModel('churn')] }), {
      name: 'upkeep.yaml',
      baseDir: '/tmp',
    });
    assert.throws(() => checkAuthenticator(other, 'upkeep.yaml', key), /not listed under authenticators/);
    assert.equal(usersFile(listed, '/etc/upkeep/upkeep.yaml', '/state'), '/state/web-users.json');
    assert.equal(usersFile({ web: { ...listed.web, users_file: 'people.json' } }, '/etc/upkeep/upkeep.yaml', '/state'), '/etc/upkeep/people.json');
  });
});

describe("refused decisions are recorded in the model's audit chain", function () {
  it("records a decision the workflow's validator refused (who, what, why, when), from the side that sent it", async function () {
    const dir = mkdtempSync(path.join(tmpdir(), 'upkeep-refused-'));
    try {
      const store = createFileStore(path.join(dir, 'store'));
      const why = 'model churn: the signature of "mallory" does not match this decision (altered, or signed with another key)';
      const handle = {
        workflowId: 'upkeep-retrain-churn',
        describe: async () => ({ status: { name: 'RUNNING' }, runId: 'run-1' }),
        query: async () => ({
          gate: { gate: 'retrain', state: 'waiting', openedAt: '2026-11-30T08:00:00.000Z', approvers: ['alice@example.com'], signaturesRequired: true },
        }),
        executeUpdate: async () =>
          Promise.reject(new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.nonRetryable(why, 'InvalidDecision'))),
      };
      const none = { describe: async () => Promise.reject(new WorkflowNotFoundError('not found', 'upkeep-rollback-churn', undefined)) };
      const client = {
        workflow: { getHandle: (id: string) => (id === handle.workflowId ? handle : none) },
        withDeadline: (_: number, fn: () => Promise<unknown>) => fn(),
      } as unknown as Client;
      const sign = (act: SignedAct, where: { model: string; workflow: string; request: string }) =>
        signDecision(act, { ...where, signer: 'mallory', at: '2026-11-30T09:00:00.000Z', nonce: 'n'.repeat(20) }, newKeyPair().secretKey);
      const at = new Date('2026-11-30T09:00:01.000Z');
      await assert.rejects(
        submitDecision(client, 'churn', { decision: 'approve', approver: 'alice@example.com' }, sign, (r) => recordRefusal(store, { ...r, via: 'cli', at })),
        (e: unknown) => isUpkeepError(e, 'InvalidRequest') && e.message === why,
      );
      const chain = await readChain(store, 'churn');
      assert.equal(chain.length, 1);
      const e = chain[0]!.entry;
      assert.equal(e.kind, 'refused');
      assert.equal(e.at, at.toISOString());
      assert.equal(e.actor, 'alice@example.com');
      assert.equal(e.workflowId, 'upkeep-retrain-churn');
      assert.equal(e.summary, `refused a decision to approve the retrain request, claimed by alice@example.com (signed by mallory, sent from the CLI): ${why}`);
      assert.deepEqual(e.details, {
        gate: 'retrain',
        request: '2026-11-30T08:00:00.000Z',
        decision: 'approve',
        via: 'cli',
        signer: 'mallory',
        nonce: 'n'.repeat(20),
        why,
      });
      await recordRefusal(store, { ...refusedOf(e), via: 'cli', at });
      assert.equal((await readChain(store, 'churn')).length, 1, 'recorded twice: one entry');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function refusedOf(e: { modelId: string; workflowId?: string; actor?: string; details?: Record<string, unknown> }) {
  const d = e.details as { gate: string; request: string; decision: string; signer?: string; nonce?: string; why: string };
  return {
    modelId: e.modelId,
    workflowId: e.workflowId!,
    gate: d.gate,
    request: d.request,
    decision: d.decision,
    claimedBy: e.actor!,
    signer: d.signer,
    nonce: d.nonce,
    why: d.why,
  };
}

describe("web inbox: the chart's x axis", function () {
  it('spans a day on each side of a single point, and a little more than the points otherwise', async function () {
    const chart: string = '../../cli/web/static/chart.mjs'; // a browser script without types: imported by name
    const { xRange } = (await import(chart)) as { xRange: (min: number, max: number) => [number, number] };
    const t = Date.parse('2026-11-28T06:00:00Z') / 1000;
    assert.deepEqual(xRange(t, t), [t - 86_400, t + 86_400]);
    const [a, b] = xRange(t, t + 10 * 86_400);
    assert.ok(a < t && a > t - 86_400 && b > t + 10 * 86_400 && b < t + 11 * 86_400, `${a}..${b}`);
  });
});

describe('web inbox: one chart point per window, one series per champion version', function () {
  const V1 = '1'.repeat(64);
  const V2 = '2'.repeat(64);
  const spec = demoModel('churn') as unknown as ModelSpec;
  const report = (days: [string, string], end: string, value: number, sha: string, startedAt: string, verdict = 'healthy'): EvaluationReport =>
    ({
      modelId: 'churn',
      verdict: { status: verdict, reasons: [] },
      window: { firstDay: days[0], lastDay: days[1], end, timezone: 'UTC' },
      model: { artifactUri: 'x', sha256: sha, bytes: 1 },
      metrics: { roc_auc: value },
      rows: 10,
      workflow: { workflowId: 'w', runId: startedAt.replace(/[^0-9]/g, ''), startedAt },
    }) as unknown as EvaluationReport;
  const W1: [string, string] = ['2026-11-14', '2026-11-20'];
  const W2: [string, string] = ['2026-11-21', '2026-11-27'];
  // Three evaluations of one window (the scheduled run, then two `upkeep start`s, later and at other instants), then the next window.
  const v1 = [
    report(W1, '2026-11-21T06:00:00.000Z', 0.8, V1, '2026-11-21T06:00:00.000Z'),
    report(W1, '2026-11-21T06:00:00.000Z', 0.79, V1, '2026-11-22T09:00:00.000Z'),
    report(W1, '2026-11-21T09:30:00.000Z', 0.78, V1, '2026-11-23T09:30:00.000Z', 'warning'),
    report(W2, '2026-11-28T06:00:00.000Z', 0.77, V1, '2026-11-28T06:00:00.000Z'),
  ];

  it('plots three evaluations of one window as one point, its latest', async function () {
    const points = trendPoints(spec, v1);
    assert.deepEqual(
      points.map((p) => [p.value, p.verdict, p.version]),
      [
        [0.78, 'warning', V1.slice(0, 12)],
        [0.77, 'healthy', V1.slice(0, 12)],
      ],
    );
    const chart: string = '../../cli/web/static/chart.mjs';
    const { trendSeries } = (await import(chart)) as {
      trendSeries: (p: unknown[]) => { xs: number[]; lines: { version: string; values: (number | null)[] }[] };
    };
    const drawn = trendSeries(points);
    assert.equal(drawn.xs.length, 2);
    assert.deepEqual(
      drawn.lines.map((l) => l.values),
      [[0.78, 0.77]],
    );
  });

  it('keeps two versions apart: two series, the line broken between them, a window evaluated by both a point of each', async function () {
    // After a promotion, `upkeep start` re-evaluates W2 with the new champion, then W3 is scheduled.
    const v2 = [
      report(W2, '2026-11-28T06:00:00.000Z', 0.9, V2, '2026-11-29T08:00:00.000Z'),
      report(['2026-11-28', '2026-12-04'], '2026-12-05T06:00:00.000Z', 0.91, V2, '2026-12-05T06:00:00.000Z'),
    ];
    const points = trendPoints(spec, [...v1, ...v2]);
    assert.deepEqual(
      points.map((p) => [p.windowEnd.slice(0, 10), p.value, p.version.slice(0, 1)]),
      [
        ['2026-11-21', 0.78, '1'],
        ['2026-11-28', 0.77, '1'],
        ['2026-11-28', 0.9, '2'],
        ['2026-12-05', 0.91, '2'],
      ],
    );
    const chart: string = '../../cli/web/static/chart.mjs';
    const { trendSeries } = (await import(chart)) as {
      trendSeries: (p: unknown[]) => { xs: number[]; lines: { version: string; values: (number | null)[] }[] };
    };
    const drawn = trendSeries(points);
    assert.equal(drawn.xs.length, 3);
    assert.deepEqual(
      drawn.lines.map((l) => [l.version.slice(0, 1), l.values]),
      [
        ['1', [0.78, 0.77, null]],
        ['2', [null, 0.9, 0.91]],
      ],
    );
  });

  it('gives the status arrow the previous window of the same version, not a re-evaluation or another version', async function () {
    const dir = mkdtempSync(path.join(tmpdir(), 'upkeep-web-trend-'));
    try {
      const store = createFileStore(path.join(dir, 'store'));
      const put = (r: EvaluationReport) => store.put(reportKeys('churn', r.window.end, r.workflow!.runId).json, JSON.stringify(r));
      // v1: W1 0.8, W2 0.77 (re-evaluated: 0.70 then 0.77); v2 takes over and evaluates W3 at 0.75.
      for (const r of [
        report(W1, '2026-11-21T06:00:00.000Z', 0.8, V1, '2026-11-21T06:00:00.000Z'),
        report(W2, '2026-11-28T06:00:00.000Z', 0.7, V1, '2026-11-28T06:00:00.000Z'),
        report(W2, '2026-11-28T06:00:00.000Z', 0.77, V1, '2026-11-28T07:00:00.000Z'),
        report(['2026-11-28', '2026-12-04'], '2026-12-05T06:00:00.000Z', 0.75, V2, '2026-12-05T06:00:00.000Z'),
      ])
        await put(r);
      const { last, recent } = await readEvaluations(store, spec, 10);
      assert.deepEqual(
        recent.map((p) => p.value),
        [0.8, 0.77, 0.75],
        'one point per window',
      );
      assert.equal(last!.trend.direction, 'unknown', "v2 has no earlier window: no arrow against v1's 0.77");
      await put(report(['2026-11-28', '2026-12-04'], '2026-12-05T06:00:00.000Z', 0.76, V2, '2026-12-06T06:00:00.000Z'));
      assert.equal((await readEvaluations(store, spec, 10)).last!.trend.direction, 'unknown', 'a re-evaluation of the same window is not a previous window');
      await put(report(['2026-12-05', '2026-12-11'], '2026-12-12T06:00:00.000Z', 0.74, V2, '2026-12-12T06:00:00.000Z'));
      const t = (await readEvaluations(store, spec, 10)).last!.trend;
      assert.deepEqual([t.direction, t.previous], ['down', 0.76]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('web inbox: a decision says what the workflow kept', function () {
  it('logs "recorded unsigned" (not "signed by") when the gate opened before keys applied and kept no signature', async function () {
    const dir = mkdtempSync(path.join(tmpdir(), 'upkeep-web-decide-'));
    try {
      const server = newKeyPair();
      const config = parseConfig(
        stringify({ version: 1, store: 'store', authenticators: [{ id: 'upkeep-web@test', public_key: server.publicKey }], models: [demoModel('churn')] }),
        { name: 'upkeep.yaml', baseDir: dir },
      );
      // The retrain gate opened while churn had no keys: no signaturesRequired, and the workflow drops the proof it cannot check.
      const openedAt = '2026-11-30T08:00:00.000Z';
      const gate = {
        gate: 'retrain',
        state: 'waiting',
        openedAt,
        expiresAt: '2026-12-01T08:00:00.000Z',
        approvers: ['churn-owner@example.com'],
        notified: [],
        reminders: 0,
        escalated: false,
      };
      const status = { modelId: 'churn', kind: 'retrain', stage: 'awaiting-retrain-approval', since: openedAt, evidence: [], gates: [gate], gate };
      const sent: { proof?: unknown }[] = [];
      const handle = {
        workflowId: 'upkeep-retrain-churn',
        query: async () => status,
        // A real describe names the task queue: the inbox decides only on its workers' requests.
        describe: async () => ({ status: { name: 'RUNNING' }, runId: 'r1', taskQueue: 'upkeep' }),
        executeUpdate: async (_u: unknown, o: { args: [{ proof?: unknown; gate: string; decision: string; approver: string }] }) => {
          const { proof, ...input } = o.args[0];
          sent.push({ proof });
          return { ...gate, state: 'approved', decision: { ...input, at: '2026-11-30T09:00:00.000Z' } };
        },
      };
      const client = {
        withDeadline: async (_d: number, f: () => Promise<unknown>) => f(),
        workflow: {
          list: async function* () {
            yield { type: 'retrainModel', workflowId: 'upkeep-retrain-churn', runId: 'r1' };
          },
          getHandle: () => handle,
        },
        schedule: { getHandle: () => ({ describe: async () => Promise.reject(new Error('no schedule')) }) },
      } as unknown as Client;
      const file = path.join(dir, 'users.json');
      const token = addUser(file, 'churn-owner@example.com');
      const lines: string[] = [];
      const { app } = createWebApp({
        config,
        store: createFileStore(path.join(dir, 'store')),
        client,
        taskQueue: 'upkeep',
        authenticator: tokenAuthenticator(file),
        signer: { id: 'upkeep-web@test', secretKey: server.secretKey },
        sessions: { idleMs: 60_000, maxMs: 3_600_000 },
        log: (l) => lines.push(l),
      });
      const headers = (cookie: string) => ({ 'content-type': 'application/x-www-form-urlencoded', cookie, origin: 'http://localhost' });
      const page = await app.request('/login');
      const loginCsrf = /name="csrf" value="([^"]*)"/.exec(await page.text())![1]!;
      const signedIn = await app.request('/login', {
        method: 'POST',
        body: new URLSearchParams({ csrf: loginCsrf, token, next: '/' }).toString(),
        headers: headers(
          page.headers
            .getSetCookie()
            .map((c) => c.split(';')[0])
            .join('; '),
        ),
      });
      const cookie = signedIn.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const csrf = /name="csrf" value="([^"]*)"/.exec(await (await app.request('/inbox', { headers: { cookie } })).text())![1]!;
      const res = await app.request('/inbox/churn/decide', {
        method: 'POST',
        body: new URLSearchParams({ csrf, decision: 'approve', gate: 'retrain', opened: openedAt }).toString(),
        headers: headers(cookie),
      });
      assert.equal(res.status, 303, await res.text());
      assert.ok(sent[0]!.proof, 'the server signed it');
      const line = lines.find((l) => l.startsWith('web: churn-owner@example.com approved'))!;
      assert.equal(
        line,
        `web: churn-owner@example.com approved the retrain request of churn (recorded unsigned: the request opened ${openedAt}, before keys applied to churn)`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
