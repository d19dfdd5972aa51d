import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { configLoader, parseConfig } from '../../engine/config/load.js';
import { watchConfig } from '../../workers/worker.js';
import { readChain, verifyChain } from '../../engine/audit/chain.js';
import { configInForce, readKeySet, recordConfig, recordFleetConfig, type ConfigRecord, type ConfigWitness } from '../../engine/audit/config-entries.js';
import { renderWhoWasWatching, whoWasWatching } from '../../engine/audit/watching.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { configHeadKey } from '../../engine/store/keys.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import type { ModelSpec } from '../../domain/config.js';
import { recordCommandConfig, witness } from '../../cli/config-record.js';
import { addUser } from '../../cli/web/users.js';
import { APPROVER, demoModel, OWNER } from '../helpers/demo-workspace.js';

const MODEL = 'churn';
const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);
const by: ConfigWitness = { user: 'alice', host: 'build-1', command: 'schedules sync' };

describe('config changes in the audit chain', function () {
  let dir: string;
  let store: ArtifactStore;

  /** The demo model as loaded, its approver's key `key` (none: unsigned decisions). */
  const spec = (key?: string, overrides: Record<string, unknown> = {}): ModelSpec => {
    const approvers = key ? [{ id: APPROVER, public_key: key }] : [APPROVER];
    return parseConfig(stringify({ version: 1, store: 'store', models: [demoModel(MODEL, { approvers, ...overrides })] }), {
      name: 'upkeep.yaml',
      baseDir: dir,
    }).models[0]!;
  };
  const entries = async () => (await readChain(store, MODEL)).filter((c) => c.entry.kind === 'config-changed');
  /** Every file the store holds, as text. */
  const allText = (): string => {
    const out: string[] = [];
    const walk = (d: string): void => {
      for (const name of readdirSync(d)) {
        const p = path.join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else out.push(readFileSync(p, 'utf8'));
      }
    };
    walk(path.join(dir, 'store'));
    return out.join('\n');
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-config-record-'));
    store = createFileStore(path.join(dir, 'store'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('records the first config seen with the spec, the key set and the web users, by whom (asserted), in a chain that verifies', async function () {
    const s = spec(KEY_A);
    const r = await recordConfig(store, s, {
      by: { ...by, author: 'Alice A.' },
      webUsers: [{ id: APPROVER, created: '2026-11-01T00:00:00.000Z' }, { id: 'viewer@example.com' }],
      configName: 'upkeep.yaml',
      at: new Date('2026-11-20T10:00:00Z'),
    });
    assert.equal(r.changed, true);
    const [c] = await entries();
    const e = c!.entry;
    assert.equal(e.at, '2026-11-20T10:00:00.000Z');
    assert.equal(e.actor, 'Alice A.');
    assert.match(e.summary, /seen by `schedules sync` of alice@build-1, author given as Alice A\.: asserted, not proven/);
    const d = e.details as Record<'record' | 'config' | 'keys' | 'madeBy' | 'previous' | 'changed', { sha256: string } & Record<string, unknown>>;
    assert.deepEqual(d.madeBy, {
      user: 'alice',
      host: 'build-1',
      author: 'Alice A.',
      command: 'schedules sync',
      proof: 'none: asserted by the command, not signed',
    });
    assert.equal(d.previous, null);
    assert.deepEqual(d.changed, ['first record']);
    // Everything cited is content-addressed: each file hashes to the sha256 that names it.
    const record = JSON.parse(readFileSync(path.join(dir, 'store', 'audit', MODEL, 'configs', `${d.record.sha256}.json`), 'utf8')) as ConfigRecord;
    assert.equal(record.spec, d.config.sha256);
    assert.equal(record.keys, d.keys.sha256);
    const keySet = await readKeySet(store, MODEL, d.keys.sha256);
    assert.deepEqual(keySet, { v: 'upkeep.keyset/1', modelId: MODEL, signaturesRequired: true, people: { [APPROVER]: KEY_A }, authenticators: {} });
    const specBytes = readFileSync(path.join(dir, 'store', 'audit', MODEL, 'specs', `${d.config.sha256}.json`));
    assert.equal(createHash('sha256').update(specBytes).digest('hex'), d.config.sha256);
    assert.deepEqual(record.webUsers, [
      { id: APPROVER, created: '2026-11-01T00:00:00.000Z', roles: ['approver'] },
      { id: 'viewer@example.com', roles: [] },
    ]);
    assert.equal((await verifyChain(store, MODEL)).ok, true);
  });

  it('records the same config once, however often and however concurrently it is seen', async function () {
    const s = spec(KEY_A);
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        recordConfig(store, s, { by: { ...by, user: `u${i}` }, webUsers: [], at: new Date(Date.UTC(2026, 10, 20, 10, 0, i)) }),
      ),
    );
    assert.equal((await entries()).length, 1);
    const again = await recordConfig(store, s, { by, webUsers: [] });
    assert.equal(again.changed, false);
    assert.equal((await entries()).length, 1);
    const v = await verifyChain(store, MODEL);
    assert.deepEqual(v.problems, []);
  });

  it('records a key swap, and the key set in force at any instant is found from the trail', async function () {
    await recordConfig(store, spec(KEY_A), { by, webUsers: [], at: new Date('2026-11-01T00:00:00Z') });
    const swapped = await recordConfig(store, spec(KEY_B), { by: { ...by, user: 'mallory' }, webUsers: [], at: new Date('2026-11-10T00:00:00Z') });
    assert.equal(swapped.changed, true);
    const list = await entries();
    assert.equal(list.length, 2);
    assert.deepEqual(list[1]!.entry.details?.changed, ['spec', 'keys']);
    assert.equal(list[1]!.entry.details?.previous, list[0]!.entry.details && (list[0]!.entry.details.record as { sha256: string }).sha256);
    assert.equal(list[1]!.entry.actor, 'mallory@build-1');
    const chain = await readChain(store, MODEL);
    const keysAt = async (t: string) => {
      const c = configInForce(chain, new Date(t));
      return c ? (await readKeySet(store, MODEL, c.keys))?.people : undefined;
    };
    assert.equal(await keysAt('2026-10-31T00:00:00Z'), undefined);
    assert.deepEqual(await keysAt('2026-11-05T00:00:00Z'), { [APPROVER]: KEY_A });
    assert.deepEqual(await keysAt('2026-11-10T00:00:00Z'), { [APPROVER]: KEY_B });
    // who-was-watching shows it, and still finds the owner through the spec the entry cites.
    const w = whoWasWatching(
      MODEL,
      chain,
      new Date('2026-11-11T00:00:00Z'),
      new Map([[configInForce(chain, new Date('2026-11-11T00:00:00Z'))!.spec, { owner: OWNER, approvers: [APPROVER], escalation: [] }]]),
    );
    assert.equal(w.inForce?.owner, OWNER);
    assert.match(
      renderWhoWasWatching(w),
      /config: +[0-9a-f]{12} recorded 2026-11-10T00:00:00.000Z \(entry 2, by mallory@build-1: asserted, not proven\); keys [0-9a-f]{12}/,
    );
  });

  it('records a change back to an earlier config again (A, B, A are three entries)', async function () {
    for (const [i, key] of [KEY_A, KEY_B, KEY_A].entries()) await recordConfig(store, spec(key), { by, webUsers: [], at: new Date(Date.UTC(2026, 10, 1 + i)) });
    assert.equal((await entries()).length, 3);
  });

  it('records a change of the web users (not of the config) without ever storing a token hash', async function () {
    const s = spec();
    await recordConfig(store, s, { by, webUsers: [{ id: APPROVER, created: '2026-11-01T00:00:00.000Z' }] });
    const r = await recordConfig(store, s, {
      by: { ...by, command: 'users add' },
      webUsers: [
        { id: APPROVER, created: '2026-11-01T00:00:00.000Z' },
        { id: 'eve@example.com', created: '2026-11-02T00:00:00.000Z' },
      ],
    });
    assert.equal(r.changed, true);
    const list = await entries();
    assert.deepEqual(list[1]!.entry.details?.changed, ['web users']);
    // A command that does not read the users file keeps the list last recorded: no change.
    assert.equal((await recordConfig(store, s, { by: { ...by, command: 'worker' } })).changed, false);
    assert.doesNotMatch(allText(), /token_sha256/);
    // Unsigned decisions are said to be so.
    const keys = await readKeySet(store, MODEL, (list[1]!.entry.details!.keys as { sha256: string }).sha256);
    assert.equal(keys?.signaturesRequired, false);
  });

  it('refuses a claim written ahead in the store that cites other keys, and links nothing', async function () {
    await recordConfig(store, spec(KEY_A), { by, webUsers: [] });
    const [recorded] = await entries();
    // Someone with store access predicts the entry of the next change (to KEY_B), learnt here from a scratch store,
    // and claims it ahead with KEY_A's key set.
    const scratch = createFileStore(path.join(dir, 'scratch'));
    await recordConfig(scratch, spec(KEY_A), { by, webUsers: [] });
    await recordConfig(scratch, spec(KEY_B), { by, webUsers: [] });
    const real = (await readChain(scratch, MODEL)).at(-1)!.entry;
    const forged = { ...real, details: { ...real.details, keys: recorded!.entry.details!.keys } };
    await store.put(`audit/${MODEL}/configs/claims/${real.id}.json`, `${JSON.stringify(forged, null, 2)}\n`);
    await assert.rejects(
      recordConfig(store, spec(KEY_B), { by, webUsers: [] }),
      /does not record the config [0-9a-f]{64} of churn it is named for \(altered or forged\): it was not linked/,
    );
    assert.equal((await entries()).length, 1);
    assert.equal((await verifyChain(store, MODEL)).ok, true);
  });

  it('finds the last config recorded when its hint is lost or points elsewhere', async function () {
    await recordConfig(store, spec(KEY_A), { by, webUsers: [] });
    await store.put(configHeadKey(MODEL), '{"seq":1,"entryId":"someone-else","sha256":"00"}\n');
    assert.equal((await recordConfig(store, spec(KEY_A), { by, webUsers: [] })).changed, false);
    rmSync(path.join(dir, 'store', 'audit', MODEL, 'configs', 'head.json'));
    assert.equal((await recordConfig(store, spec(KEY_A), { by, webUsers: [] })).changed, false);
    assert.equal((await entries()).length, 1);
  });

  it('records every model of a fleet', async function () {
    const config = parseConfig(stringify({ version: 1, store: 'store', models: [demoModel('a'), demoModel('b')] }), { name: 'upkeep.yaml', baseDir: dir });
    const r = await recordFleetConfig(store, config, { by, webUsers: [] });
    assert.deepEqual(
      r.map((x) => [x.modelId, x.changed]),
      [
        ['a', true],
        ['b', true],
      ],
    );
    assert.deepEqual(
      (await recordFleetConfig(store, config, { by, webUsers: [] })).map((x) => x.changed),
      [false, false],
    );
  });

  it('a command reads the web users file for the record: ids, token dates and roles, never the hashes', async function () {
    const config = parseConfig(stringify({ version: 1, store: 'store', models: [demoModel(MODEL)] }), { name: 'upkeep.yaml', baseDir: dir });
    const stateDir = path.join(dir, 'state');
    addUser(path.join(stateDir, 'web-users.json'), APPROVER, new Date('2026-11-01T00:00:00Z'));
    const r = await recordCommandConfig(store, config, { configPath: path.join(dir, 'upkeep.yaml'), settings: { user: 'x', stateDir }, command: 'users add' });
    assert.equal(r[0]!.changed, true);
    const [c] = await entries();
    assert.deepEqual(c!.entry.details?.webUsers, [{ id: APPROVER, created: '2026-11-01T00:00:00.000Z', roles: ['approver'] }]);
    assert.equal((c!.entry.details?.madeBy as { command: string }).command, 'users add');
    assert.doesNotMatch(allText(), /token_sha256/);
  });

  it('a worker records a config (here its keys) edited while it runs before an activity acts on it, once per edit', async function () {
    const file = path.join(dir, 'upkeep.yaml');
    const write = (key: string) =>
      writeFileSync(file, stringify({ version: 1, store: 'store', models: [demoModel(MODEL, { approvers: [{ id: APPROVER, public_key: key }] })] }));
    write(KEY_A);
    let calls = 0;
    const load = watchConfig(configLoader(file), async (c) => {
      calls++;
      await recordFleetConfig(store, c, { by: { ...by, command: 'worker (config read by an activity)' } });
    });
    await Promise.all([load(), load(), load()]);
    await load();
    assert.equal(calls, 1);
    write(KEY_B);
    const c = await load();
    assert.equal(calls, 2);
    const list = await entries();
    assert.equal(list.length, 2);
    assert.deepEqual(list[1]!.entry.details?.changed, ['spec', 'keys']);
    assert.deepEqual((await readKeySet(store, MODEL, configInForce(await readChain(store, MODEL), new Date())!.keys))?.people, c.models[0]!.keys?.people);
  });

  it('a failed record is tried again by the next activity, never skipped', async function () {
    let fail = true;
    let calls = 0;
    const config = { v: 1 };
    const load = watchConfig(
      async () => config,
      async () => {
        calls++;
        if (fail) throw new Error('store down');
      },
    );
    await assert.rejects(load(), /store down/);
    fail = false;
    assert.equal(await load(), config);
    assert.equal(calls, 2);
  });

  it('names the OS user and host running the command, and the author given (--author over UPKEEP_AUTHOR)', function () {
    const w = witness('schedules sync', { user: 'whatever-USER-says', author: 'from-env' }, 'from-flag');
    assert.equal(w.user, os.userInfo().username);
    assert.equal(w.host, os.hostname());
    assert.equal(w.author, 'from-flag');
    assert.equal(witness('start', { user: 'x', author: 'from-env' }).author, 'from-env');
    assert.equal(witness('start', { user: 'x' }).author, undefined);
  });
});
