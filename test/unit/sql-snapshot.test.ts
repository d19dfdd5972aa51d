import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { loadConfig } from '../../engine/config/load.js';
import { readTable } from '../../engine/data/read-table.js';
import { createFileDataSource } from '../../engine/data/source.js';
import { takeSnapshot } from '../../engine/data/snapshot.js';
import { snapshotModelWindow } from '../../engine/data/model-window.js';
import { snapshotFiles, readTables } from '../../engine/data/snapshot-files.js';
import { connectSql } from '../../engine/data/sql/connect.js';
import { canonicalRowsSha256, materializeDay } from '../../engine/data/sql/materialize.js';
import { dataWindow, dayBounds } from '../../engine/data/window.js';
import { createEvaluationEngine } from '../../engine/evaluation/evaluate.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { UpkeepError } from '../../engine/errors.js';
import type { ModelSpec } from '../../domain/config.js';
import type { Column, Table } from '../../engine/data/table.js';
import { evaluateOnce } from '../../cli/one-shot.js';
import { fixture, fixtureBytes } from '../helpers/fixtures.js';
import { fakeSql, sliceTable } from '../helpers/fake-sql.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

/** A files window's reason about missing days, as a query window's verdict words it. */
const asQueryDays = (reason: string): string =>
  reason.replace(/^(\d+ of \d+) files missing from (window \S+): /, '$1 days of $2 without rows from the query: ');

const URI = 'postgres://upkeep@db.internal:5432/analytics';
const QUERY = 'select x1, x2, x3, x4, y from scored where served_at >= {start} and served_at < {end}';
const END = '2026-05-04T06:00:00Z';

/** binary.csv's 1000 rows: 400 on 2026-05-01, none on 2026-05-02, 600 on 2026-05-03 (UTC days). */
const DAYS: Record<string, [number, number]> = { '2026-05-01': [0, 400], '2026-05-03': [400, 1000] };

async function binaryTable(): Promise<Table> {
  return readTable(fixtureBytes('data/binary.csv'), { source: 'binary.csv' });
}

function rowsByDay(all: Table, days = DAYS) {
  return (start: Date): Table | undefined => {
    const span = days[start.toISOString().slice(0, 10)];
    return span ? sliceTable(all, span[0], span[1]) : undefined;
  };
}

async function sqlModel(ws: Workspace): Promise<ModelSpec> {
  return (await loadConfig(ws.configPath)).models[0]!;
}

describe('a window read by a query', function () {
  let ws: Workspace;
  let all: Table;
  before(async () => {
    all = await binaryTable();
  });
  afterEach(() => ws?.remove());

  function workspace(model: Record<string, unknown> = {}): Workspace {
    ws = createWorkspace('churn', { data: { uri: URI, query: QUERY, window: { days: 3 } }, ...model });
    return ws;
  }

  it('reads each day with that day’s bounds as parameters, in the schedule’s time zone, and lists a day without rows as missing', async function () {
    workspace({ schedule: { cron: '0 6 * * *', timezone: 'Europe/Paris' } });
    const spec = await sqlModel(ws);
    const sql = fakeSql({ rows: () => sliceTable(all, 0, 10) });
    // 2026-03-29: the clocks go forward in Paris; the day is 23 hours long.
    const snap = await snapshotModelWindow({ store: createFileStore(ws.storeDir), data: { read: async () => undefined }, connect: sql.connect }, spec, {
      windowEnd: '2026-03-30T06:00:00+02:00',
    });
    assert.deepEqual(
      sql.reads.map((r) => r.params.map((d) => d.toISOString())),
      [
        ['2026-03-26T23:00:00.000Z', '2026-03-27T23:00:00.000Z'],
        ['2026-03-27T23:00:00.000Z', '2026-03-28T23:00:00.000Z'],
        ['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z'],
      ],
    );
    // Bound, never spliced: the text holds $1 and $2 only.
    assert.deepEqual(new Set(sql.reads.map((r) => r.text)), new Set([QUERY.replace('{start}', '$1').replace('{end}', '$2')]));
    assert.ok(sql.reads.every((r) => r.timeoutMs > 0 && r.timeoutMs <= 600_000));
    assert.equal(sql.closed, 1);
    assert.deepEqual(
      snap.files.map((f) => [f.date, f.rows, f.params]),
      [
        ['2026-03-27', 10, ['2026-03-26T23:00:00.000Z', '2026-03-27T23:00:00.000Z']],
        ['2026-03-28', 10, ['2026-03-27T23:00:00.000Z', '2026-03-28T23:00:00.000Z']],
        ['2026-03-29', 10, ['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']],
      ],
    );
    // Only 2026-03-28 (Paris), which starts at 23:00 UTC the day before, has rows.
    const empty = fakeSql({ rows: (start) => (start.toISOString() === '2026-03-27T23:00:00.000Z' ? sliceTable(all, 0, 5) : undefined) });
    const gaps = await snapshotModelWindow({ store: createFileStore(ws.storeDir), data: { read: async () => undefined }, connect: empty.connect }, spec, {
      windowEnd: '2026-03-30T06:00:00+02:00',
    });
    assert.deepEqual(gaps.missing, [
      { date: '2026-03-27', sourceUri: URI },
      { date: '2026-03-29', sourceUri: URI },
    ]);
    assert.equal(gaps.rows, 5);
  });

  it('gives the same snapshot for the same rows in any store and batching, another for one changed row, and records query, params, server and rows hash', async function () {
    workspace();
    const spec = await sqlModel(ws);
    const w = dataWindow({ template: URI, end: new Date(END), days: 3, timezone: 'UTC' });
    const take = (rows: (s: Date) => Table | undefined, store: string, batchRows: number) =>
      takeSnapshot(
        { store: createFileStore(path.join(ws.dir, store)), data: { read: async () => undefined }, connect: fakeSql({ rows, batchRows }).connect },
        spec,
        w,
      );
    const first = await take(rowsByDay(all), 'a', 64);
    const again = await take(rowsByDay(all), 'b', 1000);
    assert.equal(again.sha256, first.sha256);
    assert.deepEqual(
      again.files.map((f) => [f.sha256, f.rowsSha256]),
      first.files.map((f) => [f.sha256, f.rowsSha256]),
    );
    const changed = sliceTable(all, 0, 1000);
    const x1 = changed.columns.get('x1')!;
    if (x1.kind !== 'number') throw new Error('x1 is numeric');
    x1.values[700] = x1.values[700]! + 1e-9;
    const other = await take(rowsByDay(changed), 'c', 64);
    assert.notEqual(other.sha256, first.sha256);
    assert.equal(other.files[0]!.rowsSha256, first.files[0]!.rowsSha256);
    assert.notEqual(other.files[1]!.rowsSha256, first.files[1]!.rowsSha256);

    const manifest = JSON.parse(readFileSync(new URL(first.uri), 'utf8')) as { files: Record<string, unknown>[]; missing: unknown[] };
    assert.deepEqual(
      manifest.files.map(({ uri: _, sha256: __, bytes: ___, rowsSha256, ...f }) => ({ ...f, rowsSha256: typeof rowsSha256 })),
      [
        {
          date: '2026-05-01',
          sourceUri: URI,
          rows: 400,
          query: QUERY,
          params: ['2026-05-01T00:00:00.000Z', '2026-05-02T00:00:00.000Z'],
          server: 'FakeSQL 1.0 at memory',
          rowsSha256: 'string',
        },
        {
          date: '2026-05-03',
          sourceUri: URI,
          rows: 600,
          query: QUERY,
          params: ['2026-05-03T00:00:00.000Z', '2026-05-04T00:00:00.000Z'],
          server: 'FakeSQL 1.0 at memory',
          rowsSha256: 'string',
        },
      ],
    );
    assert.deepEqual(manifest.missing, [{ date: '2026-05-02', sourceUri: URI }]);
    // Another query over the same rows is another snapshot.
    const requery = await takeSnapshot(
      { store: createFileStore(path.join(ws.dir, 'd')), data: { read: async () => undefined }, connect: fakeSql({ rows: rowsByDay(all) }).connect },
      { ...spec, data: { ...spec.data, query: QUERY.replace('scored', 'scored_v2') } },
      w,
    );
    assert.notEqual(requery.sha256, first.sha256);
  });

  it('keeps each day as a Parquet file the evaluation reads by its name, in row groups, with the rows hash of the rows read back', async function () {
    workspace();
    const spec = await sqlModel(ws);
    const store = createFileStore(ws.storeDir);
    const w = dataWindow({ template: URI, end: new Date(END), days: 3, timezone: 'UTC' });
    const snap = await takeSnapshot(
      { store, data: { read: async () => undefined }, connect: fakeSql({ rows: rowsByDay(all), batchRows: 77 }).connect, rowGroupRows: 250 },
      spec,
      w,
    );
    assert.ok(snap.files.every((f) => f.uri.endsWith('.parquet')));
    const bytes = new Uint8Array(readFileSync(new URL(snap.files[1]!.uri)));
    assert.deepEqual(
      parquetMetadata(bytes).row_groups.map((g) => Number(g.num_rows)),
      [250, 250, 100],
    );
    const files = snapshotFiles(spec.id, snap, async (uri) => new Uint8Array(readFileSync(new URL(uri))));
    assert.deepEqual(
      files.map((f) => [f.format, f.name, f.rows]),
      [
        ['parquet', '2026-05-01 analytics', 400],
        ['parquet', '2026-05-03 analytics', 600],
      ],
    );
    const [day1, day3] = await readTables(files, 'model churn:');
    assert.equal(canonicalRowsSha256([day1!]), snap.files[0]!.rowsSha256);
    assert.equal(canonicalRowsSha256([day3!]), snap.files[1]!.rowsSha256);
    // The same rows read from a CSV hash the same: integers stay integers.
    assert.equal(canonicalRowsSha256([sliceTable(all, 400, 1000)]), snap.files[1]!.rowsSha256);
    const y = day3!.columns.get('y')!;
    assert.ok(y.kind === 'number' && y.sourceType === 'int');
    // A shard reads one row group of it.
    const second = await readTable(bytes, { source: 'x.parquet', rowGroups: { start: 1, end: 2 } });
    assert.equal(second.rowCount, 250);
  });

  it('gives the same metrics as the same rows read from files', async function () {
    workspace();
    const engine = createEvaluationEngine();
    try {
      const spec = await sqlModel(ws);
      const modelBytes = fixtureBytes('models/binary.onnx');
      const lines = readFileSync(fixture('data/binary.csv'), 'utf8').trimEnd().split('\n');
      for (const [date, [from, to]] of Object.entries(DAYS))
        writeFileSync(path.join(ws.dataDir, `${date}.csv`), [lines[0], ...lines.slice(1 + from, 1 + to)].join('\n') + '\n');
      const fileSpec: ModelSpec = { ...spec, data: { uri: `file://${ws.dataDir}/{date}.csv`, window: spec.data.window } };
      const at = new Date(END);
      const fromFiles = await evaluateOnce({ spec: fileSpec, modelBytes, at, engine });
      const fromQuery = await evaluateOnce({ spec, modelBytes, at, engine, connect: fakeSql({ rows: rowsByDay(all), batchRows: 128 }).connect });
      assert.equal(fromQuery.report.snapshot.rows, 1000);
      assert.equal(fromFiles.report.evaluation?.rows, 1000);
      assert.deepEqual(fromQuery.report.evaluation?.metrics, fromFiles.report.evaluation?.metrics);
      // The same verdict; a day without rows is said as such rather than as a missing file.
      assert.deepEqual(fromQuery.report.verdict, { ...fromFiles.report.verdict, reasons: fromFiles.report.verdict.reasons.map(asQueryDays) });
    } finally {
      await engine.close();
    }
  });

  it('refuses a day past the row cap or the size cap, naming model, server and day, and stores nothing', async function () {
    workspace({ limits: { max_rows_per_file: 500 } });
    const spec = await sqlModel(ws);
    const w = dataWindow({ template: URI, end: new Date(END), days: 3, timezone: 'UTC' });
    const store = createFileStore(ws.storeDir);
    await assert.rejects(
      takeSnapshot({ store, data: { read: async () => undefined }, connect: fakeSql({ rows: rowsByDay(all), batchRows: 100 }).connect }, spec, w),
      (err: unknown) =>
        err instanceof UpkeepError &&
        err.type === 'UnreadableData' &&
        err.message === `model churn: ${URI}: day 2026-05-03: refused: the query gives more than 500 rows, more than limits.max_rows_per_file`,
    );
    // No manifest; the one whole day read before (a file a retry finds again), nothing of the refused one.
    assert.deepEqual(await store.list('snapshots/churn/manifests'), []);
    assert.equal((await store.list('snapshots/churn/files')).length, 1);
    const small = { ...spec, limits: { max_file_bytes: 4096 } };
    const fresh = createFileStore(path.join(ws.dir, 'fresh'));
    await assert.rejects(
      takeSnapshot({ store: fresh, data: { read: async () => undefined }, connect: fakeSql({ rows: rowsByDay(all) }).connect }, small, w),
      /^UpkeepError: model churn: postgres:\/\/upkeep@db\.internal:5432\/analytics: day 2026-05-01: refused: the Parquet file of its rows grows past its size cap, more than limits\.max_file_bytes \(4\.0 KiB\)$/,
    );
    assert.deepEqual(await fresh.list('snapshots/churn'), []);
  });

  it('leaves nothing referenced when the server fails mid-stream, and the error stays retryable', async function () {
    workspace();
    const spec = await sqlModel(ws);
    const w = dataWindow({ template: URI, end: new Date(END), days: 3, timezone: 'UTC' });
    const store = createFileStore(ws.storeDir);
    const down = new Error(`model churn: ${URI}: the server closed the connection`);
    const sql = fakeSql({ rows: rowsByDay(all), batchRows: 100, failAfter: { batches: 2, error: down } });
    await assert.rejects(takeSnapshot({ store, data: { read: async () => undefined }, connect: sql.connect }, spec, w), (err: unknown) => err === down);
    assert.equal(sql.closed, 1);
    assert.deepEqual(await store.list('snapshots/churn'), []);
    // Run again once the server is back: the snapshot is whole.
    const snap = await takeSnapshot({ store, data: { read: async () => undefined }, connect: fakeSql({ rows: rowsByDay(all) }).connect }, spec, w);
    assert.equal(snap.rows, 1000);
    // A connection refused is named once, and a configuration error is not retried.
    await assert.rejects(
      takeSnapshot(
        { store, data: { read: async () => undefined }, connect: fakeSql({ rows: () => undefined, connectError: new Error('connect ECONNREFUSED') }).connect },
        spec,
        w,
      ),
      (err: unknown) => !(err instanceof UpkeepError) && (err as Error).message === 'model churn: connect ECONNREFUSED',
    );
  });

  it('takes longer than read_timeout as a retryable timeout naming the server and day', async function () {
    workspace({ limits: { read_timeout: '1s' } });
    const spec = await sqlModel(ws);
    const w = dataWindow({ template: URI, end: new Date(END), days: 3, timezone: 'UTC' });
    const slow = fakeSql({ rows: rowsByDay(all) });
    const connect: typeof slow.connect = async (uri, o) => {
      const conn = await slow.connect(uri, o);
      return {
        ...conn,
        batches: (read) =>
          (async function* () {
            await new Promise((resolve) => setTimeout(resolve, 1200));
            read.signal?.throwIfAborted();
            yield* conn.batches(read);
          })(),
      };
    };
    await assert.rejects(
      takeSnapshot({ store: createFileStore(ws.storeDir), data: { read: async () => undefined }, connect }, spec, w),
      (err: unknown) =>
        !(err instanceof UpkeepError) &&
        (err as Error).message === `model churn: ${URI}: reading the data window took longer than limits.read_timeout (1s), at 2026-05-01`,
    );
  });

  it('refuses a column whose kind changes between batches, naming it', async function () {
    workspace();
    const spec = await sqlModel(ws);
    const batches = async function* (): AsyncGenerator<Table> {
      yield sliceTable(all, 0, 10);
      const t = sliceTable(all, 10, 20);
      t.columns.set('x2', { kind: 'string', values: Array.from({ length: 10 }, () => 'a') });
      yield t;
    };
    const day = { date: '2026-05-01', ...dayBounds('2026-05-01', 'UTC') };
    await assert.rejects(
      materializeDay({ store: createFileStore(ws.storeDir) }, spec, day, batches(), { sourceUri: URI }),
      new RegExp(
        `^UpkeepError: model churn: ${URI.replace(/[./]/g, '\\$&')}: day 2026-05-01: column "x2" is number in one batch of rows and string in another$`,
      ),
    );
  });

  it('joins labels that arrive apart into each day by key, as known at the snapshot, and records how many matched', async function () {
    const LABELS = 'select request_id, y, known_at from outcomes where served_at >= {start} and served_at < {end}';
    workspace({ data: { uri: URI, query: QUERY, key: 'request_id', window: { days: 3 }, labels: { query: LABELS, known_at: 'known_at' } } });
    const spec = await sqlModel(ws);
    const ids = Array.from({ length: 1000 }, (_, i) => `r${i}`);
    const predictions = sliceTable(all, 0, 1000);
    predictions.columns.delete('y');
    predictions.columns.set('request_id', { kind: 'string', values: ids });
    const y = all.columns.get('y')!;
    if (y.kind !== 'number') throw new Error('y is numeric');
    // Labels of even rows only; those of rows 0..99 became known after the snapshot.
    const even = ids.flatMap((_, i) => (i % 2 === 0 ? [i] : []));
    const labels: Table = {
      source: 'outcomes',
      rowCount: even.length,
      columns: new Map<string, Column>([
        ['request_id', { kind: 'string', values: even.map((i) => ids[i]!) }],
        ['y', { kind: 'number', sourceType: 'int', values: Float64Array.from(even, (i) => y.values[i]!) }],
        ['known_at', { kind: 'string', values: even.map((i) => (i < 100 ? '2026-05-05T00:00:00Z' : '2026-05-03T12:00:00Z')) }],
      ]),
    };
    const sql = fakeSql({
      rows: (start, _end, text) => (text.includes('outcomes') ? labels : rowsByDay(predictions)(start)),
      batchRows: 128,
    });
    const store = createFileStore(ws.storeDir);
    const w = dataWindow({ template: URI, end: new Date(END), days: 3, timezone: 'UTC' });
    const snap = await takeSnapshot({ store, data: { read: async () => undefined }, connect: sql.connect, now: () => new Date(END) }, spec, w);
    // One labels read for the whole window, then one read per day.
    assert.deepEqual(
      sql.reads.map((r) => [r.text.includes('outcomes'), r.params.map((d) => d.toISOString().slice(0, 10))]),
      [
        [true, ['2026-05-01', '2026-05-04']],
        [false, ['2026-05-01', '2026-05-02']],
        [false, ['2026-05-02', '2026-05-03']],
        [false, ['2026-05-03', '2026-05-04']],
      ],
    );
    // Day 1: rows 0..399, even ones labelled but 0..98 not yet known: 150; day 3: rows 400..999, 300.
    assert.deepEqual(
      snap.files.map((f) => f.labels),
      [
        { sourceUri: URI, query: LABELS, asOf: '2026-05-04T06:00:00.000Z', matched: 150 },
        { sourceUri: URI, query: LABELS, asOf: '2026-05-04T06:00:00.000Z', matched: 300 },
      ],
    );
    const [day1] = await readTables(
      snapshotFiles(spec.id, snap, async (uri) => new Uint8Array(readFileSync(new URL(uri)))),
      'model churn:',
    );
    const joined = day1!.columns.get('y')!;
    assert.ok(joined.kind === 'number');
    assert.equal(
      joined.nulls?.reduce((n, v) => n + v, 0),
      250,
    );
    assert.equal(joined.values[100], y.values[100]);
    // Later, with every label known: another snapshot.
    const later = await takeSnapshot(
      { store, data: { read: async () => undefined }, connect: sql.connect, now: () => new Date('2026-05-06T06:00:00Z') },
      spec,
      w,
    );
    assert.equal(later.files[0]!.labels!.matched, 200);
    assert.notEqual(later.sha256, snap.sha256);
  });

  it('keeps a joined numeric label one column type when some batches hold only whole numbers and a later one a fraction', async function () {
    const LABELS = 'select request_id, y from outcomes where served_at >= {start} and served_at < {end}';
    workspace({ data: { uri: URI, query: QUERY, key: 'request_id', window: { days: 3 }, labels: { query: LABELS } } });
    const spec = await sqlModel(ws);
    const predictions = sliceTable(all, 0, 1000);
    predictions.columns.set('request_id', { kind: 'string', values: Array.from({ length: 1000 }, (_, i) => `r${i}`) });
    const labels: Table = {
      source: 'outcomes',
      rowCount: 2,
      columns: new Map<string, Column>([
        ['request_id', { kind: 'string', values: ['r0', 'r300'] }],
        ['y', { kind: 'number', sourceType: 'float', values: Float64Array.from([1, 2.5]) }],
      ]),
    };
    const sql = fakeSql({ rows: (start, _end, text) => (text.includes('outcomes') ? labels : rowsByDay(predictions)(start)), batchRows: 128 });
    const w = dataWindow({ template: URI, end: new Date(END), days: 3, timezone: 'UTC' });
    const snap = await takeSnapshot({ store: createFileStore(ws.storeDir), data: { read: async () => undefined }, connect: sql.connect }, spec, w);
    assert.deepEqual(
      snap.files.map((f) => f.labels?.matched),
      [2, 0],
    );
  });

  it('joins labels into dated files too: each file kept as Parquet of its rows with their labels, a day without files missing', async function () {
    const lines = readFileSync(fixture('data/binary.csv'), 'utf8').trimEnd().split('\n');
    const header = lines[0]!.replace(',y', '');
    const row = (i: number) => `r${i},${lines[1 + i]!.replace(/,[^,]*$/, '')}`;
    ws = createWorkspace('churn');
    mkdirSync(path.join(ws.dir, 'labels'));
    writeFileSync(path.join(ws.dataDir, '2026-05-01.csv'), [`request_id,${header}`, ...Array.from({ length: 400 }, (_, i) => row(i))].join('\n') + '\n');
    writeFileSync(path.join(ws.dataDir, '2026-05-03.csv'), [`request_id,${header}`, ...Array.from({ length: 600 }, (_, i) => row(400 + i))].join('\n') + '\n');
    // The labels of the first day's rows arrive in a file dated the day after.
    const labelled = Array.from({ length: 300 }, (_, i) => `r${i},${lines[1 + i]!.split(',').at(-1)}`);
    writeFileSync(path.join(ws.dir, 'labels', '2026-05-02.csv'), ['request_id,y', ...labelled].join('\n') + '\n');
    const config = await loadConfig(ws.configPath);
    const spec: ModelSpec = {
      ...config.models[0]!,
      data: { ...config.models[0]!.data, key: 'request_id', labels: { uri: `file://${ws.dir}/labels/{date}.csv` } },
    };
    const w = dataWindow({ template: spec.data.uri, end: new Date(END), days: 3, timezone: 'UTC' });
    const snap = await takeSnapshot({ store: createFileStore(ws.storeDir), data: createFileDataSource(), now: () => new Date(END) }, spec, w);
    assert.deepEqual(
      snap.files.map((f) => [f.date, f.rows, f.uri.endsWith('.parquet'), f.labels?.matched]),
      [
        ['2026-05-01', 400, true, 300],
        ['2026-05-03', 600, true, 0],
      ],
    );
    assert.deepEqual(
      snap.missing.map((m) => m.date),
      ['2026-05-02'],
    );
    const [day1] = await readTables(
      snapshotFiles(spec.id, snap, async (uri) => new Uint8Array(readFileSync(new URL(uri)))),
      'model churn:',
    );
    const y = day1!.columns.get('y')!;
    assert.ok(y.kind === 'number');
    assert.equal(
      y.nulls?.reduce((n, v) => n + v, 0),
      100,
    );
  });

  it('connects only to a database URI, naming the model', async function () {
    await assert.rejects(
      connectSql('file:///data/{date}.csv', { model: 'churn' }),
      (err: unknown) =>
        err instanceof UpkeepError &&
        err.type === 'InvalidConfig' &&
        err.message === 'model churn: file:///data/{date}.csv is not a database URI (postgres:// or duckdb:)',
    );
  });
});
