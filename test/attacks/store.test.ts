/**
 * Attacks on the store, payloads and sinks, one row per case (RELIABILITY.md lists
 * them). Each row checks the clear error or verdict and that nothing was lost or half-written.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { loadConfig, parseConfig } from '../../engine/config/load.js';
import { createFileDataSource } from '../../engine/data/source.js';
import { isUpkeepError } from '../../engine/errors.js';
import { createRegistryActivities } from '../../activities/registry.js';
import { createFileStore, TMP_MAX_AGE_MS } from '../../engine/store/file-store.js';
import { sha256Hex } from '../../engine/util.js';
import { lockDirFor, STALE_LOCK_MS, withLock } from '../../engine/store/lock.js';
import { openStore } from '../../engine/store/open.js';
import { renderReportMarkdown, type EvaluationReport } from '../../engine/evaluation/report.js';
import { webhookPayload } from '../../engine/notify/notify.js';
import { jsonText } from '../../domain/escape.js';
import type { NotificationEvent } from '../../domain/maintenance.js';
import { Client } from '@temporalio/client';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { readChain } from '../../engine/audit/chain.js';
import type { Payload } from '@temporalio/common';
import { createEncryptionCodec, upkeepDataConverter, type PayloadKey } from '../../workers/codec.js';
import { decodeOptionalFailureToOptionalError, loadDataConverter } from '@temporalio/common/lib/internal-non-workflow/index.js';
import { connectClient, type TemporalTarget } from '../../workers/temporal.js';
import { startCodecServer } from '../../workers/codec-server.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { decideUpdate, maintenanceStatusQuery, retrainWorkflowId, type RetrainModelResult } from '../../workflows/definitions.js';
import { evaluateModel } from '../../workflows/index.js';
import { createDemoWorkspace, fitDemoModel, OWNER } from '../helpers/demo-workspace.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { waitFor } from '../helpers/wait.js';
import { createWorkspace } from '../helpers/workspace.js';

const RACER = fileURLToPath(new URL('../helpers/cas-racer.ts', import.meta.url));
const CHAMPION = 'registry/m/champion.json';

/**
 * A lock left by a holder that died: its owner file is older than the stale age. The lock file of
 * the earlier format (`<file>.tmp-lock`, broken by renaming its path) is planted too, so the same
 * row fails against that code.
 */
function plantStaleLock(storeDir: string, key: string): void {
  const file = path.join(storeDir, ...key.split('/'));
  const lockDir = lockDirFor(file);
  mkdirSync(lockDir, { recursive: true });
  const owner = path.join(lockDir, 'owner-99999-deadbeef');
  const old = new Date(Date.now() - STALE_LOCK_MS * 4);
  for (const f of [owner, `${file}.tmp-lock`]) {
    writeFileSync(f, '');
    utimesSync(f, old, old);
  }
}

describe('attacks: store', function () {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-attack-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('fork under concurrency: of 6 processes that all break the same stale lock, exactly one swap wins, in every round', async function () {
    this.timeout(240_000);
    const storeDir = path.join(dir, 'store');
    const store = createFileStore(storeDir);
    const contenders = 6;
    const rounds = 30;
    const children = Array.from({ length: contenders }, (_, i) =>
      spawn(process.execPath, ['--import', 'tsx', RACER, dir, storeDir, String(i), String(rounds)], { stdio: ['ignore', 'inherit', 'inherit'] }),
    );
    const exited = children.map((c) => new Promise((resolve) => c.on('exit', resolve)));
    const bad: string[] = [];
    try {
      for (let round = 0; round < rounds; round++) {
        const base = `base ${round}`;
        await store.put(CHAMPION, base);
        plantStaleLock(storeDir, CHAMPION);
        writeFileSync(path.join(dir, `expected-${round}`), sha256Hex(base));
        writeFileSync(path.join(dir, `go-${round}`), '');
        const results: string[] = [];
        for (let i = 0; i < contenders; i++) {
          const f = path.join(dir, `result-${round}-${i}`);
          while (!existsSync(f)) await delay(2);
          results.push(readFileSync(f, 'utf8'));
        }
        const winners = results.flatMap((r, i) => (r === 'won' ? [i] : []));
        const content = readFileSync(path.join(storeDir, CHAMPION), 'utf8');
        if (winners.length !== 1 || content !== `round ${round} by ${winners[0]}`) bad.push(`round ${round}: ${results.join(', ')}; content ${content}`);
      }
    } finally {
      children.forEach((c) => c.kill());
      await Promise.all(exited);
    }
    assert.deepEqual(bad, [], 'every round has exactly one winner, and the object is its write');
    assert.deepEqual(await store.list('registry'), [CHAMPION]);
  });

  it('a live lock is never broken: a swap waits for it and then fails with a message', async function () {
    this.timeout(30_000);
    const store = createFileStore(dir);
    await store.put(CHAMPION, 'v0');
    const lockDir = lockDirFor(path.join(dir, CHAMPION));
    mkdirSync(lockDir);
    writeFileSync(path.join(lockDir, 'owner-1-live'), '');
    await assert.rejects(store.putIfMatch(CHAMPION, 'v1', sha256Hex('v0')), /store object .*champion\.json is locked by another writer/);
    assert.equal(readFileSync(path.join(dir, CHAMPION), 'utf8'), 'v0');
    assert.ok(existsSync(path.join(lockDir, 'owner-1-live')), 'the live owner keeps its lock');
  });

  it('a holder whose lock was broken while it worked (paused past the stale age) is told so before it commits', async function () {
    const file = path.join(dir, 'registry/m/champion.json');
    mkdirSync(path.dirname(file), { recursive: true });
    const seen = await withLock(file, async (lock) => {
      const before = await lock.stillHeld();
      // What a breaker does to an owner file older than the stale age.
      for (const owner of readdirSync(lockDirFor(file))) rmSync(path.join(lockDirFor(file), owner));
      return [before, await lock.stillHeld()];
    });
    assert.deepEqual(seen, [true, false]);
    assert.equal(existsSync(lockDirFor(file)), true, 'the empty folder is left for the next contender to replace');
    const store = createFileStore(dir);
    assert.equal((await store.putIfMatch(CHAMPION, 'v1', null)).ok, true, 'an empty lock folder does not block the next swap');
  });

  it('modes: objects are 0600 and folders 0700 by default, whatever the umask; store_mode changes them', async function () {
    const before = process.umask(0o000);
    try {
      const store = createFileStore(path.join(dir, 'a'));
      await store.put('models/m/artifacts/x.onnx', 'x');
      await store.putIfMatch(CHAMPION, 'c', null);
      assert.equal(statSync(path.join(dir, 'a/models/m/artifacts/x.onnx')).mode & 0o777, 0o600);
      assert.equal(statSync(path.join(dir, 'a', CHAMPION)).mode & 0o777, 0o600);
      for (const d of ['a', 'a/models', 'a/models/m/artifacts', 'a/registry/m']) assert.equal(statSync(path.join(dir, d)).mode & 0o777, 0o700, d);
      const shared = createFileStore(path.join(dir, 'b'), { fileMode: 0o640, dirMode: 0o750 });
      await shared.put('reports/m/r.json', '{}');
      assert.equal(statSync(path.join(dir, 'b/reports/m/r.json')).mode & 0o777, 0o640);
      assert.equal(statSync(path.join(dir, 'b/reports/m')).mode & 0o777, 0o750);
    } finally {
      process.umask(before);
    }
  });

  it('temp sweep: temporary files and lock staging folders older than an hour are removed from a folder on its first write; fresh ones and objects stay', async function () {
    const store = createFileStore(dir);
    mkdirSync(path.join(dir, 'reports/m'), { recursive: true });
    const old = new Date(Date.now() - TMP_MAX_AGE_MS - 60_000);
    const leftovers = ['reports/m/a.json.tmp-123-abcdef', 'registry/m/champion.json.tmp-lock', 'registry/m/champion.json.tmp-lockstage-1-ff'];
    mkdirSync(path.join(dir, 'registry/m'), { recursive: true });
    for (const f of leftovers) {
      const full = path.join(dir, f);
      if (f.includes('lockstage')) {
        mkdirSync(full);
        writeFileSync(path.join(full, 'owner-1-ff'), '');
      } else writeFileSync(full, 'half');
      utimesSync(full, old, old);
    }
    writeFileSync(path.join(dir, 'reports/m/b.json.tmp-456-012345'), 'in flight');
    writeFileSync(path.join(dir, 'reports/m/kept.json'), '{}');
    utimesSync(path.join(dir, 'reports/m/kept.json'), old, old);
    // A write sweeps the folder it writes to (once per process): a report here, the champion there.
    await store.put('reports/m/new.json', '{}');
    assert.equal(existsSync(path.join(dir, leftovers[0]!)), false, leftovers[0]);
    assert.ok(existsSync(path.join(dir, leftovers[1]!)), 'another folder is swept when it is written to');
    await store.putIfMatch('registry/m/champion.json', '{}', null);
    for (const f of leftovers) assert.equal(existsSync(path.join(dir, f)), false, f);
    assert.ok(existsSync(path.join(dir, 'reports/m/b.json.tmp-456-012345')), 'a fresh temporary file may belong to a live writer');
    assert.deepEqual(await store.list('reports'), ['reports/m/kept.json', 'reports/m/new.json']);
  });
});

describe('attacks: store config and registration', function () {
  const base = (extra: Record<string, unknown>): string =>
    stringify({
      ...extra,
      models: [
        {
          id: 'm',
          owner: 'o@example.com',
          task: 'binary',
          artifact: 'm.onnx',
          inputs: [{ name: 'input', columns: ['x'] }],
          label: { column: 'y', positive: 1 },
          data: { uri: 'd/{date}.csv' },
          schedule: { every: '1d' },
          thresholds: { metric: 'roc_auc', min: 0.5 },
        },
      ],
    });
  const load = (extra: Record<string, unknown>) => parseConfig(base(extra), { name: 'upkeep.yaml', baseDir: '/srv/upkeep' });

  const refused: [string, Record<string, unknown>, RegExp][] = [
    [
      'malformed s3:// store',
      { store: 's3://Bad_Bucket/upkeep' },
      /^upkeep\.yaml: store: s3:\/\/Bad_Bucket\/upkeep is not an S3 URI \(s3:\/\/bucket\/prefix, with a bucket name of 3 to 63/,
    ],
    [
      'unsupported scheme gs://',
      { store: 'gs://bucket/upkeep' },
      /^upkeep\.yaml: store: gs: stores are not supported: give a folder path, a file:\/\/ URI or s3:\/\/bucket\/prefix$/,
    ],
    ['unsupported scheme http:', { store: 'http://example.com/store' }, /^upkeep\.yaml: store: http: stores are not supported/],
    ['store_mode without owner access', { store_mode: { files: '0400' } }, /store_mode\.files.* files must stay 0600 or more for their owner/],
    ['store_mode writable by others', { store_mode: { folders: '0777' } }, /store_mode\.folders.* folders must not be writable by others/],
    ['store_mode not octal', { store_mode: { files: '0x1f' } }, /store_mode\.files.* expected an octal mode like 0600/],
  ];
  for (const [name, extra, message] of refused) {
    it(`${name}: refused at load with one line naming the field`, function () {
      assert.throws(
        () => load(extra),
        (err: unknown) => {
          assert.ok(isUpkeepError(err, 'InvalidConfig'));
          assert.match(err.message, message);
          assert.doesNotMatch(err.message, /\n|at .*\.ts:/);
          return true;
        },
      );
    });
  }

  it('store modes from the config: 0640 files and 0750 folders (YAML number or string); a plain path and file:// are kept', async function () {
    const config = load({ store: 'state/store', store_mode: { files: 640, folders: '0750' } });
    assert.deepEqual(config.store_mode, { files: 0o640, folders: 0o750 });
    assert.equal(config.store, 'file:///srv/upkeep/state/store');
    assert.deepEqual(load({}).store_mode, { files: 0o600, folders: 0o700 });
    assert.equal(load({ store: 'file:///var/upkeep' }).store, 'file:///var/upkeep');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-attack-mode-'));
    const before = process.umask(0o022);
    try {
      await openStore({ store: path.join(dir, 's'), store_mode: config.store_mode }).put('cards/m.md', '# m');
      assert.equal(statSync(path.join(dir, 's/cards/m.md')).mode & 0o777, 0o640);
      assert.equal(statSync(path.join(dir, 's/cards')).mode & 0o777, 0o750);
    } finally {
      process.umask(before);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('non-model artifact: a text file named .onnx is refused before any copy; nothing is stored or registered, other models unaffected', async function () {
    const ws = createWorkspace('good');
    try {
      const raw = parse(readFileSync(ws.configPath, 'utf8')) as { models: Record<string, unknown>[] };
      raw.models.push({ ...raw.models[0], id: 'bad', artifact: 'models/notes.onnx' });
      writeFileSync(ws.configPath, stringify(raw));
      writeFileSync(path.join(ws.dir, 'models', 'notes.onnx'), 'password=hunter2\nnot a model\n');
      const store = createFileStore(ws.storeDir);
      const activities = createRegistryActivities({
        loadConfig: async () => ({ ...(await loadConfig(ws.configPath)), name: 'upkeep.yaml' }),
        store,
        data: createFileDataSource(),
      });
      await assert.rejects(activities.resolveModel({ modelId: 'bad' }), (err: unknown) => {
        assert.ok(isUpkeepError(err, 'InvalidModel'));
        // Refused from its first bytes (engine/evaluation/model.ts), before it is read whole or copied.
        assert.match(
          err.message,
          /^model bad: artifact .*notes\.onnx: not an ONNX model \(its first bytes are not those of a protobuf ModelProto\); not read further$/,
        );
        assert.doesNotMatch(err.message, /hunter2/);
        return true;
      });
      assert.deepEqual(await store.list('models/bad'), []);
      assert.deepEqual(await store.list('registry/bad'), []);
      const resolved = await activities.resolveModel({ modelId: 'good' });
      assert.equal(resolved.source, 'config');
      assert.equal((await store.list('registry/good/versions')).length, 1);
    } finally {
      ws.remove();
    }
  });
});

describe('attacks: injection into Markdown and Slack', function () {
  const evil = {
    link: '[approve here](https://evil.example/steal)',
    html: '<img src=x onerror=alert(1)>',
    mention: '<!channel> <@U0123> <https://evil.example|your bank>',
    cell: 'late | forged cell\n| a | forged | row |',
  };

  it('markdown injection: a reason, column name and model id in a report render as text (no link, HTML or extra table cell)', function () {
    const report = {
      modelId: 'm',
      owner: `owner ${evil.link}`,
      task: 'binary',
      verdict: { status: 'failing', reasons: [`column ${evil.html} is missing`, evil.cell] },
      window: { end: '2026-01-08T00:00:00Z', timezone: 'UTC', firstDay: '2026-01-01', lastDay: '2026-01-07' },
      snapshot: {
        sha256: 'a'.repeat(64),
        rows: 1,
        files: [{ date: '2026-01-01', rows: 1, sha256: 'b'.repeat(64), sourceUri: `file:///d/${evil.cell}` }],
        missing: [],
      },
      model: { sha256: 'c'.repeat(64), bytes: 1, artifactUri: 'file:///m.onnx' },
      thresholds: { metric: 'roc_auc', min: 0.7 },
      baseline: {},
    } as unknown as EvaluationReport;
    const md = renderReportMarkdown(report);
    assert.doesNotMatch(md, /(?<!\\)\[approve here(?<!\\)\]/);
    assert.doesNotMatch(md, /(?<!\\)<img/);
    assert.ok(md.includes('\\[approve here\\](https://evil.example/steal)'), 'the text is kept, escaped');
    const dataRows = md.split('\n').filter((l) => l.startsWith('| 2026-01-01'));
    assert.equal(dataRows.length, 1, 'no forged row');
    assert.equal(dataRows[0]!.replace(/\\\|/g, '').split('|').length, 6, 'no forged cell');
    assert.doesNotMatch(md, /^\| a \| forged/m);
  });

  it('slack injection: a decision comment cannot mention @channel, forge a link or a To: line', function () {
    const event: NotificationEvent = {
      kind: 'decision',
      modelId: 'm',
      to: ['o@example.com'],
      title: `bob <!here> approved ${evil.link}`,
      text: `${evil.mention}\nTo: everyone`,
      at: '2026-01-01T00:00:00Z',
    };
    const payload = webhookPayload(event);
    assert.doesNotMatch(payload.text, /<!channel>|<!here>|<@U0123>|<https:/);
    assert.match(payload.text, /&lt;!channel&gt; &lt;@U0123&gt; &lt;https:\/\/evil\.example\|your bank&gt;/);
    const body = jsonText(payload);
    assert.doesNotMatch(body, /[<>]/, 'the JSON body carries no raw angle brackets');
    assert.deepEqual(JSON.parse(body), payload);
  });
});

/** Every payload of a history, as found (metadata and data bytes), wherever it sits in an event. */
function historyPayloads(history: unknown): Payload[] {
  const out: Payload[] = [];
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object') return;
    if (v instanceof Uint8Array) return;
    const o = v as Record<string, unknown>;
    if (o.data instanceof Uint8Array && typeof o.metadata === 'object') out.push(o as Payload);
    for (const x of Object.values(o)) walk(x);
  };
  walk(history);
  return out;
}
const isEncrypted = (p: Payload): boolean => Buffer.from(p.metadata?.encoding ?? []).toString() === 'binary/encrypted';
const payloadText = (ps: Payload[]): string => ps.map((p) => Buffer.from(p.data ?? []).toString('latin1')).join('\n');

describe('attacks: payloads and secrets in Temporal history', function () {
  this.timeout(180_000);
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** Runs one evaluation; the owner's address is a marker that travels in activity payloads only. */
  async function evaluateWith(
    workerKeys: PayloadKey[] | undefined,
    clientKeys: PayloadKey[] | undefined,
    readerKeys = clientKeys,
  ): Promise<{ raw: Payload[]; marker: string; result: unknown }> {
    const t = await testTemporal();
    const modelId = uniqueModelId('enc');
    const marker = `owner-${randomUUID()}@example.com`;
    const ws = createWorkspace(modelId, { owner: marker });
    cleanups.push(() => ws.remove());
    ws.addDay('2026-03-01', 'data/binary.csv');
    const taskQueue = uniqueTaskQueue('enc');
    const { worker, engine } = await createUpkeepWorker({
      connection: t.connection,
      namespace: 'default',
      taskQueue,
      configPath: ws.configPath,
      workflowBundle: t.bundle,
      log: () => undefined,
      ...(workerKeys ? { payloadCodecs: [createEncryptionCodec(workerKeys)] } : {}),
    });
    cleanups.push(() => engine.close());
    const withKeys = (keys: PayloadKey[] | undefined): Client =>
      keys ? new Client({ connection: t.client.connection, dataConverter: { payloadCodecs: [createEncryptionCodec(keys)] } }) : t.client;
    const workflowId = `${modelId}-run`;
    await withKeys(clientKeys).workflow.start(evaluateModel, { taskQueue, workflowId, args: [{ modelId, windowEnd: '2026-03-02T06:00:00Z' }] });
    const result = await worker.runUntil(withKeys(readerKeys).workflow.getHandle(workflowId).result());
    // The raw history, as anyone with access to the namespace reads it: a client without the codec.
    const history = await t.client.workflow.getHandle(workflowId).fetchHistory();
    return { raw: historyPayloads(history), marker, result };
  }

  it('payload codec: with keys, the raw history holds no plaintext of an input; the CLI client and the codec server decode it', async function () {
    const keys = [{ id: 'k1', key: randomBytes(32) }];
    const { raw, marker, result } = await evaluateWith(keys, keys);
    assert.ok(raw.length > 5, 'the history has payloads');
    assert.doesNotMatch(payloadText(raw), new RegExp(marker), 'no plaintext in history');
    // Search attributes (model id, verdict; indexed by the server) and the SDK's patch markers stay
    // readable by design; every other payload is encrypted.
    const clear = raw.filter(
      (p) => !isEncrypted(p) && !p.metadata?.type && !/^\{"id":"[a-z-]+","deprecated":(true|false)\}$/.test(Buffer.from(p.data ?? []).toString()),
    );
    assert.deepEqual(clear, [], 'every payload but search attributes and patch markers is encrypted');
    assert.ok(raw.filter(isEncrypted).length > 5);
    assert.equal((result as { verdict?: { status?: string } }).verdict?.status !== undefined, true, 'the client with the codec reads the result');
    // The Temporal UI's path: the codec server decodes what the history holds.
    const { server, url } = await startCodecServer({ codec: createEncryptionCodec(keys), origins: [], port: 0 });
    cleanups.push(() => server.close());
    const body = {
      payloads: raw.map((p) => ({
        metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')])),
        data: Buffer.from(p.data ?? []).toString('base64'),
      })),
    };
    const decoded = (await (await fetch(`${url}/decode`, { method: 'POST', body: JSON.stringify(body) })).json()) as { payloads: { data: string }[] };
    assert.match(decoded.payloads.map((p) => Buffer.from(p.data, 'base64').toString('utf8')).join('\n'), new RegExp(marker));
  });

  it("payload codec: an activity failure's message and stack trace are encrypted too; a reader with the key reads them", async function () {
    const t = await testTemporal();
    const modelId = uniqueModelId('encfail');
    // The marker is in the data file's name: the evaluation's failure names the file.
    const marker = `mk${randomUUID().replace(/-/g, '')}`;
    const ws = createWorkspace(modelId, { data: { uri: `data/${marker}-{date}.csv`, window: { days: 3 } } });
    cleanups.push(() => ws.remove());
    writeFileSync(path.join(ws.dataDir, `${marker}-2026-03-01.csv`), readFileSync(new URL('../fixtures/data/binary_wrong_type.csv', import.meta.url)));
    const keys = [{ id: 'k1', key: randomBytes(32) }];
    const taskQueue = uniqueTaskQueue('encfail');
    // No prebuilt bundle: the worker bundles its workflows as \`upkeep worker\` does, with its keys' failure converter.
    const { worker, engine } = await createUpkeepWorker({
      connection: t.connection,
      namespace: 'default',
      taskQueue,
      configPath: ws.configPath,
      log: () => undefined,
      payloadCodecs: [createEncryptionCodec(keys)],
    });
    cleanups.push(() => engine.close());
    const client = await connectClient({ kind: 'external', namespace: 'default', connectionOptions: { address: t.address } } satisfies TemporalTarget, [
      createEncryptionCodec(keys),
    ]);
    cleanups.push(() => client.connection.close());
    const workflowId = `${modelId}-run`;
    await client.workflow.start(evaluateModel, { taskQueue, workflowId, args: [{ modelId, windowEnd: '2026-03-02T06:00:00Z' }] });
    const result = await worker.runUntil(client.workflow.getHandle(workflowId).result());
    assert.equal(result.verdict.status, 'failing');
    assert.match(result.verdict.reasons.join('\n'), new RegExp(marker), 'the client with the key reads the reason');
    const history = await t.client.workflow.getHandle(workflowId).fetchHistory();
    const failed = (history.events ?? []).filter((e) => e.activityTaskFailedEventAttributes);
    assert.ok(failed.length > 0, 'the activity failed');
    // Everything the history holds, bytes as text: what anyone with namespace access reads.
    const text = JSON.stringify(history, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));
    assert.doesNotMatch(text, new RegExp(marker), 'neither the message nor the stack trace is in plain text');
    const failure = failed[0]!.activityTaskFailedEventAttributes!.failure!;
    assert.equal(failure.message, 'Encoded failure');
    // The Temporal UI's and the CLI's path (--codec-endpoint): the codec server decodes the attributes.
    const { server, url } = await startCodecServer({ codec: createEncryptionCodec(keys), origins: [], port: 0 });
    cleanups.push(() => server.close());
    const p = failure.encodedAttributes!;
    const body = {
      payloads: [
        {
          metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')])),
          data: Buffer.from(p.data ?? []).toString('base64'),
        },
      ],
    };
    const decoded = (await (await fetch(`${url}/decode`, { method: 'POST', body: JSON.stringify(body) })).json()) as { payloads: { data: string }[] };
    const attrs = JSON.parse(Buffer.from(decoded.payloads[0]!.data, 'base64').toString('utf8')) as { message: string; stack_trace: string };
    assert.match(attrs.message, new RegExp(`${marker}-2026-03-01\\.csv: column x3 holds text`));
    // upkeep's own commands (a client of connectClient): the SDK turns the failure back into an error with its message.
    const error = await decodeOptionalFailureToOptionalError(loadDataConverter(upkeepDataConverter([createEncryptionCodec(keys)])), failure);
    assert.match(String(error?.message), new RegExp(`${marker}-2026-03-01\\.csv: column x3 holds text`));
    assert.match(String(error?.stack), new RegExp(marker), 'and its stack trace');
  });

  it("strict payloads (UPKEEP_PAYLOAD_STRICT=1): a rogue poller without the key cannot have upkeep's worker run an activity with its input; without strict it can", async function () {
    const t = await testTemporal();
    const keys = [{ id: 'k1', key: randomBytes(32) }];
    const modelId = uniqueModelId('strict');
    const ws = createWorkspace(modelId);
    cleanups.push(() => ws.remove());
    ws.addDay('2026-03-01', 'data/binary.csv');
    const rogueQueue = uniqueTaskQueue('rogue');
    // Namespace access only: a worker of its own (no codec), scheduling recordLedger on upkeep's queue.
    // It cannot read upkeep's encrypted answers: it takes them for nothing.
    const blind = {
      encode: async (ps: Payload[]) => ps,
      decode: async (ps: Payload[]) =>
        ps.map((p) => (isEncrypted(p) ? { metadata: { encoding: new TextEncoder().encode('binary/null') }, data: new Uint8Array() } : p)),
    };
    const client = new Client({ connection: t.client.connection, dataConverter: { payloadCodecs: [createEncryptionCodec(keys)] } });
    // Its workflow bundled once for both attempts (each bundling is seconds of webpack).
    const rogueBundle = bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('../helpers/rogue-workflow.ts', import.meta.url)),
      logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} } as never,
      webpackConfigHook: (c) => ({ ...c, resolve: { ...c.resolve, extensionAlias: { '.js': ['.ts', '.js'] } } }),
    });
    const attempt = async (strict: boolean): Promise<{ rogue: string; chain: string[] }> => {
      const taskQueue = uniqueTaskQueue(strict ? 'strict' : 'lax');
      const { worker, engine } = await createUpkeepWorker({
        connection: t.connection,
        namespace: 'default',
        taskQueue,
        configPath: ws.configPath,
        workflowBundle: t.bundle,
        log: () => undefined,
        payloadCodecs: [createEncryptionCodec(keys, { requireEncrypted: strict })],
      });
      cleanups.push(() => engine.close());
      const rogueWorker = await Worker.create({
        connection: t.connection,
        namespace: 'default',
        taskQueue: rogueQueue,
        dataConverter: { payloadCodecs: [blind] },
        workflowBundle: await rogueBundle,
      });
      const entry = {
        id: `forged-${strict}`,
        modelId,
        at: '2026-01-01T00:00:00.000Z',
        kind: 'decision',
        summary: `${OWNER} approved promote ${modelId}`,
        actor: OWNER,
      };
      const rogueResult = await worker.runUntil(async () => {
        const r = await rogueWorker.runUntil(
          t.client.workflow.execute('rogue', { taskQueue: rogueQueue, workflowId: `rogue-${modelId}-${strict}`, args: [{ taskQueue, entry }] }),
        );
        // upkeep's own clients (with the key) still work in strict mode: a whole evaluation.
        if (strict)
          assert.ok(
            (
              await client.workflow.execute(evaluateModel, {
                taskQueue,
                workflowId: `${modelId}-strict-eval`,
                args: [{ modelId, windowEnd: '2026-03-02T06:00:00Z' }],
              })
            ).verdict.status,
          );
        return r;
      });
      const chain = (await readChain(createFileStore(ws.storeDir), modelId)).map((c) => c.entry.id);
      return { rogue: rogueResult as string, chain };
    };
    const lax = await attempt(false);
    assert.equal(lax.rogue, 'written', 'without strict payloads the worker runs what a rogue poller schedules');
    assert.ok(lax.chain.includes('forged-false'));
    const strict = await attempt(true);
    assert.match(strict.rogue, /^refused: /);
    // Why, as a reader with the key sees it: the worker refused the input before running the activity.
    const history = await t.client.workflow.getHandle(`rogue-${modelId}-true`).fetchHistory();
    const failure = history.events!.find((e) => e.activityTaskFailedEventAttributes)!.activityTaskFailedEventAttributes!.failure!;
    const error = await decodeOptionalFailureToOptionalError(loadDataConverter(upkeepDataConverter([createEncryptionCodec(keys)])), failure);
    assert.match(String(error?.message), /not encrypted/);
    assert.ok(!strict.chain.includes('forged-true'), 'nothing recorded');
    assert.ok(strict.chain.length > lax.chain.length, 'the genuine evaluation was recorded');
  });

  it('payload codec off (control): the same marker is in the raw history in plain text', async function () {
    const { raw, marker } = await evaluateWith(undefined, undefined);
    assert.match(payloadText(raw), new RegExp(marker));
  });

  it('key rotation: a workflow started with the old key runs on a worker that lists the new key first and the old one', async function () {
    const old = { id: '2026-05', key: randomBytes(32) };
    const rotated = [{ id: '2026-11', key: randomBytes(32) }, old];
    const { raw, marker, result } = await evaluateWith(rotated, [old], rotated);
    assert.doesNotMatch(payloadText(raw), new RegExp(marker));
    const ids = new Set(raw.filter(isEncrypted).map((p) => Buffer.from(p.metadata?.['encryption-key-id'] ?? []).toString()));
    assert.deepEqual([...ids].sort(), ['2026-05', '2026-11'], 'the client wrote with the old key, the worker with the new one');
    assert.ok((result as { verdict?: unknown }).verdict);
  });

  it('secret param: a trainer parameter given as { secret_env } reaches the trainer but not history, the registry, the log, reports or cards', async function () {
    const t = await testTemporal();
    const modelId = uniqueModelId('secret');
    const taskQueue = uniqueTaskQueue('secret');
    const variable = `UPKEEP_TEST_SECRET_${randomUUID().slice(0, 8).toUpperCase()}`;
    const secret = `pw-${randomUUID()}`;
    process.env[variable] = secret;
    cleanups.push(() => delete process.env[variable]);
    const ws = createDemoWorkspace({
      modelId,
      end: new Date(),
      days: 12,
      drifted: false,
      model: {
        retrain: {
          on: 'degraded',
          training_days: 6,
          holdout_days: 2,
          trainer: {
            type: 'command',
            command: [process.execPath, 'trainer.mjs', '{params}', '{output}'],
            params: { password: { secret_env: variable }, depth: 3 },
            timeout: '1m',
          },
        },
      },
    });
    cleanups.push(() => ws.remove());
    const files = readdirSync(ws.dataDir).map((f) => path.join(ws.dataDir, f));
    writeFileSync(path.join(ws.dir, 'noise.onnx'), await fitDemoModel(modelId, files, true));
    // A careless trainer: prints its parameters, and keeps the password where the test can see it.
    writeFileSync(
      path.join(ws.dir, 'trainer.mjs'),
      "import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';\nconst p = JSON.parse(readFileSync(process.argv[2], 'utf8'));\nconsole.log('params', JSON.stringify(p.params));\nwriteFileSync('received.txt', p.params.password);\ncopyFileSync('noise.onnx', process.argv[3]);\n",
    );
    const lines: string[] = [];
    const { worker, engine } = await createUpkeepWorker({
      connection: t.connection,
      namespace: 'default',
      taskQueue,
      configPath: ws.configPath,
      workflowBundle: t.bundle,
      scratchDir: ws.dir,
      log: (l) => lines.push(l),
    });
    cleanups.push(() => engine.close());
    const result = await worker.runUntil(async () => {
      const handle = await t.client.workflow.signalWithStart('retrainModel', {
        taskQueue,
        workflowId: retrainWorkflowId(modelId),
        args: [{ modelId }],
        signal: 'attachEvidence',
        signalArgs: [{ source: 'manual', at: new Date().toISOString(), reason: 'refresh', requestedBy: OWNER }],
      });
      await waitFor(
        'the retrain gate',
        async () => {
          const st = await handle.query(maintenanceStatusQuery);
          return st.stage === 'awaiting-retrain-approval' && st.gate ? true : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 250, ignoreErrors: true },
      );
      await handle.executeUpdate(decideUpdate, { args: [{ gate: 'retrain', decision: 'approve', approver: OWNER }] });
      return (await handle.result()) as RetrainModelResult;
    });
    assert.equal(readFileSync(path.join(ws.dir, 'received.txt'), 'utf8'), secret, 'the trainer got the secret');
    assert.equal(result.outcome, 'not-recommended');
    const history = await t.client.workflow.getHandle(retrainWorkflowId(modelId)).fetchHistory();
    assert.doesNotMatch(payloadText(historyPayloads(history)), new RegExp(secret), 'not in history');
    assert.match(payloadText(historyPayloads(history)), new RegExp(variable), 'the history names the variable only');
    const stored = walkFiles(ws.storeDir);
    assert.ok(stored.some((f) => f.endsWith('.log')) && stored.some((f) => f.includes('/cards/')), 'log and card were written');
    for (const f of stored) assert.doesNotMatch(readFileSync(f, 'latin1'), new RegExp(secret), f);
    assert.match(
      readFileSync(
        stored.find((f) => f.endsWith('.log'))!,
        'utf8',
      ),
      /"password":"\*\*\*"/,
      'the log is redacted',
    );
    assert.doesNotMatch(lines.join('\n'), new RegExp(secret), 'not in notifications');
  });
});

function walkFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walkFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe('attacks: file contents echoed in messages', function () {
  this.timeout(60_000);
  const CLI = fileURLToPath(new URL('../../bin/upkeep.mjs', import.meta.url));
  const MODEL = fileURLToPath(new URL('../fixtures/models/binary.onnx', import.meta.url));

  const cases: [string, string, RegExp][] = [
    [
      'a "CSV" whose first line is 5,000 characters of something else, with terminal escapes',
      `BEGIN KEY ${'A'.repeat(5000)}\u001b[31m,\u0007z\n1,2\n`,
      /^SchemaMismatch: .*column x1 \(input input\) is missing; the file has 2 columns, none of that name$/,
    ],
    [
      'a "JSONL" file whose first line is a password and 3,000 characters',
      `password=hunter2 ${'x'.repeat(3000)}\n`,
      /^UnreadableData: .*g\.jsonl line 1: malformed JSON( at column \d+)?$/,
    ],
  ];
  for (const [name, content, reason] of cases) {
    it(`echo truncated: ${name}: the reason is one short line without controls`, async function () {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-attack-echo-'));
      try {
        const file = path.join(dir, reason.source.includes('jsonl') ? 'g.jsonl' : 'g.csv');
        writeFileSync(file, content);
        const child = spawn(
          process.execPath,
          [
            CLI,
            'evaluate',
            '--onnx',
            MODEL,
            '--data',
            file,
            '--task',
            'binary',
            '--label',
            'y',
            '--features',
            'x1,x2,x3,x4',
            '--positive-label',
            '1',
            '--metric',
            'roc_auc',
            '--min',
            '0.5',
            '--format',
            'json',
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        await new Promise((resolve) => child.on('exit', resolve));
        const report = JSON.parse(out) as { verdict: { status: string; reasons: string[] } };
        assert.equal(report.verdict.status, 'failing');
        const [first] = report.verdict.reasons;
        assert.match(first!, reason);
        assert.ok(first!.length < 500, `reason of ${first!.length} characters`);
        assert.doesNotMatch(first!, /[\u0000-\u001f]/);
        assert.ok(out.length < 4000, `report of ${out.length} bytes`);
        assert.doesNotMatch(out, /BEGIN KEY|hunter2/, 'no content of the file in the report');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
