/**
 * `upkeep audit verify --source` (engine/data/sql/recheck.ts): a window read by a query, shown to
 * be the same data later, against DuckDB in process (SQL over CSV files this test writes) and a
 * throwaway PostgreSQL cluster (test/helpers/postgres.ts).
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { verifySourceCommand } from '../../cli/commands/audit-source.js';
import { loadConfig } from '../../engine/config/load.js';
import { snapshotModelWindow } from '../../engine/data/model-window.js';
import { connectSql } from '../../engine/data/sql/connect.js';
import { recheckSnapshots, storedSnapshots } from '../../engine/data/sql/recheck.js';
import { createFileStore } from '../../engine/store/file-store.js';
import type { ModelSpec } from '../../domain/config.js';
import type { SnapshotRef } from '../../domain/evaluation.js';
import { fakeSql } from '../helpers/fake-sql.js';
import { usePostgres } from '../helpers/postgres.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

const END = '2026-05-04T06:00:00Z';
const ASOF = new Date('2026-05-04T06:00:00Z');
const DAYS = ['2026-05-01', '2026-05-02', '2026-05-03'];

/** Five rows a day, served from 06:00 UTC a minute apart. */
function servedCsv(change?: { day: number; row: number }): string {
  const lines = ['request_id,x1,x2,x3,x4,y,served_at'];
  DAYS.forEach((date, d) => {
    for (let r = 0; r < 5; r++) {
      const x1 = change && change.day === d && change.row === r ? 9.75 : (d * 5 + r) / 10;
      lines.push(`r${d}${r},${x1},${r * 0.5},${1 - r / 10},${d + 0.25},${(d + r) % 2},${date}T06:0${r}:00Z`);
    }
  });
  return lines.join('\n') + '\n';
}

describe('showing a window read by a query is the same data (audit verify --source)', function () {
  this.timeout(60_000);
  let ws: Workspace | undefined;
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-recheck-'));
  });
  afterEach(() => {
    ws?.remove();
    ws = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const query = () =>
    `select request_id, x1, x2, x3, x4, y from read_csv('${dir}/served.csv') where served_at >= {start} and served_at < {end} order by served_at, request_id`;

  async function model(data: Record<string, unknown> = {}): Promise<ModelSpec> {
    ws = createWorkspace('churn', { data: { uri: 'duckdb:', query: query(), window: { days: 3 }, ...data } });
    return (await loadConfig(ws.configPath)).models[0]!;
  }

  async function snapshot(spec: ModelSpec): Promise<SnapshotRef> {
    const store = createFileStore(ws!.storeDir);
    // Row groups of 2 rows: a day of 5 rows is read back in 3 groups.
    return snapshotModelWindow({ store, data: { read: async () => undefined }, connect: connectSql, now: () => ASOF, rowGroupRows: 2 }, spec, {
      windowEnd: END,
    });
  }

  async function recheck(spec: ModelSpec, connect = connectSql) {
    const store = createFileStore(ws!.storeDir);
    return recheckSnapshots({ store, connect }, spec, await storedSnapshots(store, spec.id));
  }

  it('finds every day the same when the rows have not changed, and names the day whose row changed at the source', async function () {
    writeFileSync(path.join(dir, 'served.csv'), servedCsv());
    const spec = await model();
    const snap = await snapshot(spec);
    assert.equal(snap.files.length, 3);
    const same = await recheck(spec);
    assert.deepEqual(
      same.map((d) => [d.date, d.status, d.source.status, d.stored.ok, d.source.rowsNow]),
      DAYS.map((date) => [date, 'same', 'same', true, 5]),
    );
    // A query changed in the config since: the recorded one is run, and the line says so.
    const edited = await recheck({ ...spec, data: { ...spec.data, query: query().replace('order by served_at, request_id', 'order by request_id') } });
    assert.deepEqual(
      edited.map((d) => [d.status, d.notes]),
      DAYS.map(() => ['same', ["the model's query has changed since: the recorded one was run"]]),
    );
    // One value of one row of the second day changes after the snapshot.
    writeFileSync(path.join(dir, 'served.csv'), servedCsv({ day: 1, row: 3 }));
    const changed = await recheck(spec);
    assert.deepEqual(
      changed.map((d) => [d.date, d.status]),
      [
        ['2026-05-01', 'same'],
        ['2026-05-02', 'differs'],
        ['2026-05-03', 'same'],
      ],
    );
    const day = changed[1]!;
    assert.equal(day.stored.ok, true, 'the stored copy is still what was read');
    assert.match(day.source.detail, /^source DIFFERS: 5 rows now, 5 then; rows hash [0-9a-f]{12} now, [0-9a-f]{12} then$/);
    // A row gone: the counts say so.
    writeFileSync(path.join(dir, 'served.csv'), servedCsv().replace(/^r20,.*\n/m, ''));
    const fewer = await recheck(spec);
    assert.match(fewer[2]!.source.detail, /^source DIFFERS: 4 rows now, 5 then;/);
  });

  it('finds a stored Parquet file rewritten in the store', async function () {
    writeFileSync(path.join(dir, 'served.csv'), servedCsv());
    const spec = await model();
    const snap = await snapshot(spec);
    // The third day's stored file replaced by the first day's (a valid Parquet file of other rows).
    const file = (sha: string) => path.join(ws!.storeDir, 'snapshots', 'churn', 'files', `${sha}.parquet`);
    copyFileSync(file(snap.files[0]!.sha256), file(snap.files[2]!.sha256));
    const days = await recheck(spec);
    assert.deepEqual(
      days.map((d) => [d.date, d.status, d.source.status, d.stored.ok]),
      [
        ['2026-05-01', 'same', 'same', true],
        ['2026-05-02', 'same', 'same', true],
        ['2026-05-03', 'differs', 'same', false],
      ],
    );
    assert.match(days[2]!.stored.detail, /^stored file's rows hash [0-9a-f]{12} \(5 rows\), recorded [0-9a-f]{12} \(5 rows\)$/);
    // Not Parquet at all.
    writeFileSync(file(snap.files[1]!.sha256), 'not parquet');
    const broken = (await recheck(spec))[1]!;
    assert.equal(broken.status, 'differs');
    assert.match(broken.stored.detail, /^stored file is not readable as Parquet/);
  });

  it('joins the labels as of the recorded time: a label that arrived later leaves the day the same', async function () {
    writeFileSync(path.join(dir, 'served.csv'), servedCsv());
    const outcomes = (late: boolean) =>
      [
        'request_id,y,known_at',
        'r00,1,2026-05-02T00:00:00Z',
        'r11,0,2026-05-03T00:00:00Z',
        'r21,1,2026-05-04T01:00:00Z',
        ...(late ? ['r22,1,2026-05-06T00:00:00Z', 'r00,0,2026-05-07T00:00:00Z'] : []),
      ].join('\n') + '\n';
    writeFileSync(path.join(dir, 'outcomes.csv'), outcomes(false));
    const labels = { query: `select request_id, y, known_at from read_csv('${dir}/outcomes.csv')`, known_at: 'known_at' };
    const spec = await model({ query: query().replace(', y from', ' from'), key: 'request_id', labels });
    const snap = await snapshot(spec);
    assert.deepEqual(
      snap.files.map((f) => [f.date, f.labels?.matched, f.labels?.asOf]),
      DAYS.map((date) => [date, 1, ASOF.toISOString()]),
    );
    // A label for another row, and a corrected label, both known after the snapshot.
    writeFileSync(path.join(dir, 'outcomes.csv'), outcomes(true));
    const days = await recheck(spec);
    assert.deepEqual(
      days.map((d) => [d.date, d.status, d.notes]),
      DAYS.map((date) => [date, 'same', []]),
    );
    // Without known_at, the labels known now are what is compared, and the line says so.
    const noKnownAt = await model({ query: query().replace(', y from', ' from'), key: 'request_id', labels: { query: labels.query } });
    writeFileSync(path.join(dir, 'outcomes.csv'), outcomes(false));
    await snapshot(noKnownAt);
    writeFileSync(path.join(dir, 'outcomes.csv'), outcomes(true));
    const now = await recheck(noKnownAt);
    assert.deepEqual(
      now.map((d) => [d.date, d.status]),
      [
        ['2026-05-01', 'differs'],
        ['2026-05-02', 'same'],
        ['2026-05-03', 'differs'],
      ],
    );
    assert.match(now[0]!.notes[0]!, /^labels have no known_at: compared with the labels as known now/);
  });

  it('says when the source cannot be re-read: another database, or a server that does not answer', async function () {
    writeFileSync(path.join(dir, 'served.csv'), servedCsv());
    const spec = await model();
    await snapshot(spec);
    const moved = await recheck({ ...spec, data: { ...spec.data, uri: 'duckdb:///srv/other.duckdb' } });
    assert.deepEqual(
      moved.map((d) => [d.status, d.stored.ok]),
      DAYS.map(() => ['unreachable', true]),
    );
    assert.equal(moved[0]!.source.detail, "source not re-read: the model's data.uri is duckdb:///srv/other.duckdb now, the day was read from duckdb:");
    const down = fakeSql({ rows: () => undefined, connectError: new Error('model churn: duckdb:: the server is not answering') });
    const unreachable = await recheck(spec, down.connect);
    assert.deepEqual(
      unreachable.map((d) => [d.status, d.source.detail]),
      DAYS.map(() => ['unreachable', 'source not re-read: model churn: duckdb:: the server is not answering']),
    );
  });

  it('the command prints one line per day and a summary, and exits 1 when a day differs', async function () {
    writeFileSync(path.join(dir, 'served.csv'), servedCsv());
    const spec = await model();
    const snap = await snapshot(spec);
    const run = async (o: Parameters<typeof verifySourceCommand>[1] = {}) => {
      const out: string[] = [];
      const err: string[] = [];
      const [log, error] = [console.log, console.error];
      console.log = (...a: unknown[]) => void out.push(a.join(' '));
      console.error = (...a: unknown[]) => void err.push(a.join(' '));
      const before = process.exitCode;
      process.exitCode = undefined;
      try {
        await verifySourceCommand('churn', { config: ws!.configPath, ...o });
        return { out, err, code: process.exitCode };
      } finally {
        [console.log, console.error] = [log, error];
        process.exitCode = before;
      }
    };
    const ok = await run();
    assert.equal(ok.code, undefined);
    assert.equal(ok.out.length, 4);
    assert.match(
      ok.out[0]!,
      new RegExp(`^2026-05-01 same {8}snapshot ${snap.sha256.slice(0, 12)}: source same \\(5 rows, rows hash [0-9a-f]{12}\\); stored file same$`),
    );
    assert.equal(ok.out[3], 'model churn: 3 days of 1 snapshot: 3 same, 0 differ, 0 not re-read');
    writeFileSync(path.join(dir, 'served.csv'), servedCsv({ day: 2, row: 0 }));
    const bad = await run({ snapshot: snap.sha256.slice(0, 8), day: '2026-05-03' });
    assert.equal(bad.code, 1);
    assert.equal(bad.out.length, 1);
    assert.match(bad.out[0]!, /^2026-05-03 DIFFERS {5}snapshot [0-9a-f]{12}: source DIFFERS: 5 rows now, 5 then; /);
    assert.deepEqual(bad.err, ['model churn: 1 day of 1 snapshot: 0 same, 1 differ, 0 not re-read']);
    await assert.rejects(run({ snapshot: 'zz' }), /^UpkeepError: --snapshot "zz" is not a snapshot sha256/);
    await assert.rejects(run({ evaluation: 'nope' }), /^UpkeepError: model churn: no evaluation report of run nope in the store/);
  });
});

describe('showing a window read from PostgreSQL is the same data (audit verify --source)', function () {
  this.timeout(120_000);
  const db = usePostgres({ passwordInEnv: true });
  let ws: Workspace | undefined;
  afterEach(() => {
    ws?.remove();
    ws = undefined;
  });

  it('re-reads each day with its recorded parameters and labels as of the recorded time, and never prints a password', async function () {
    await db().query('create table served (request_id text, x1 float8, x2 float8, x3 float8, x4 float8, served_at timestamptz)');
    await db().query('create table outcomes (request_id text, y int8, known_at timestamptz)');
    const rows = DAYS.flatMap((date, d) => [0, 1, 2].map((r) => [`r${d}${r}`, d + r / 10, r, 1 - r / 10, d, `${date}T06:0${r}:00Z`]));
    for (const row of rows) await db().query('insert into served values ($1, $2, $3, $4, $5, $6)', row);
    await db().query("insert into outcomes values ('r00', 1, '2026-05-02T00:00:00Z'), ('r21', 0, '2026-05-04T01:00:00Z')");
    const query = 'select request_id, x1, x2, x3, x4 from served where served_at >= {start} and served_at < {end} order by served_at, request_id';
    const labels = { query: 'select request_id, y, known_at from outcomes', known_at: 'known_at' };
    ws = createWorkspace('churn', { data: { uri: db().uri, query, window: { days: 3 }, key: 'request_id', labels } });
    const spec = (await loadConfig(ws.configPath)).models[0]!;
    const store = createFileStore(ws.storeDir);
    await snapshotModelWindow({ store, data: { read: async () => undefined }, connect: connectSql, now: () => ASOF }, spec, { windowEnd: END });
    // A label that arrives later, and one row changed at the source.
    await db().query("insert into outcomes values ('r12', 1, '2026-05-06T00:00:00Z')");
    await db().query("update served set x2 = 7 where request_id = 'r20'");
    const out: string[] = [];
    const [log, error] = [console.log, console.error];
    console.log = console.error = (...a: unknown[]) => void out.push(a.join(' '));
    const before = process.exitCode;
    try {
      await verifySourceCommand('churn', { config: ws.configPath });
      assert.equal(process.exitCode, 1);
      process.exitCode = undefined;
      // Authentication refused: the source is not re-read, the stored files still are.
      process.env.PGPASSWORD = 'not-the-password-42';
      await verifySourceCommand('churn', { config: ws.configPath });
    } finally {
      [console.log, console.error] = [log, error];
      process.env.PGPASSWORD = db().password;
      process.exitCode = before;
    }
    assert.deepEqual(
      out.slice(0, 4).map((l) => l.split(' ').slice(0, 2).join(' ')),
      ['2026-05-01 same', '2026-05-02 same', '2026-05-03 DIFFERS', 'model churn:'],
    );
    assert.match(out[2]!, /source DIFFERS: 3 rows now, 3 then/);
    assert.deepEqual(
      out.slice(4, 7).map((l) => l.split(' ').slice(0, 2).join(' ')),
      ['2026-05-01 UNREACHABLE', '2026-05-02 UNREACHABLE', '2026-05-03 UNREACHABLE'],
    );
    assert.match(out[4]!, /source not re-read: .*postgres:\/\/upkeep@.*; stored file same$/);
    for (const line of out) {
      assert.ok(!line.includes(db().password) && !line.includes('not-the-password-42'), `no password: ${line}`);
      assert.doesNotMatch(line, /\n|\s+at \S+ \(/, 'one line, no stack');
    }
  });
});
