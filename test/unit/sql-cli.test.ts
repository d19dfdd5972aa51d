import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { checkModel } from '../../cli/commands/check.js';
import { initConfigText } from '../../cli/commands/init.js';
import { evaluateCommand, profileCommand } from '../../cli/commands/evaluate.js';
import { withQueryData } from '../../cli/one-shot.js';
import { loadConfig } from '../../engine/config/load.js';
import { readTable } from '../../engine/data/read-table.js';
import { createInProcessRunner } from '../../engine/evaluation/in-process-runner.js';
import type { InferenceRunner } from '../../engine/evaluation/runner.js';
import { UpkeepError } from '../../engine/errors.js';
import type { Table } from '../../engine/data/table.js';
import { fixture, fixtureBytes } from '../helpers/fixtures.js';
import { fakeSql, sliceTable } from '../helpers/fake-sql.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

const URI = 'postgres://upkeep@db.internal:5432/analytics';
const QUERY = 'select x1, x2, x3, x4, y from scored where served_at >= {start} and served_at < {end}';
const AT = new Date('2026-05-04T06:00:00Z');

/** Runs `fn` with console.log collected instead of printed. */
async function quietly<T>(fn: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void lines.push(a.join(' '));
  try {
    return { result: await fn(), lines };
  } finally {
    console.log = log;
  }
}

describe('the CLI with a query', function () {
  this.timeout(60_000);
  let ws: Workspace | undefined;
  let all: Table;
  let runner: InferenceRunner;
  before(async () => {
    all = await readTable(fixtureBytes('data/binary.csv'), { source: 'binary.csv' });
    runner = createInProcessRunner();
  });
  after(() => runner.close());
  afterEach(() => {
    ws?.remove();
    ws = undefined;
  });

  async function model(extra: Record<string, unknown> = {}) {
    ws = createWorkspace('churn', { data: { uri: URI, query: QUERY, window: { days: 3 } }, ...extra });
    return (await loadConfig(ws.configPath)).models[0]!;
  }

  it('check asks for the columns without reading a row, and reports them with the server', async function () {
    const spec = await model();
    const sql = fakeSql({ rows: () => sliceTable(all, 0, 10), identity: 'PostgreSQL 16.4 at db.internal:5432/analytics as upkeep' });
    const r = await checkModel(spec, runner, AT, undefined, sql.connect);
    assert.deepEqual(r, {
      ok: true,
      line: 'ok   churn: binary.onnx matches its spec; query on PostgreSQL 16.4 at db.internal:5432/analytics as upkeep: 5 columns (x1 float8, x2 float8, x3 float8, x4 float8, y int8), columns and label as declared; no rows read',
    });
    // Only a describe, of the window's last day.
    assert.deepEqual(
      sql.reads.map((r) => [r.params.map((d) => d.toISOString()), 'batchRows' in r]),
      [[['2026-05-03T00:00:00.000Z', '2026-05-04T00:00:00.000Z'], false]],
    );
  });

  it('check fails in one line naming the server and the column: missing, of the wrong type, no label, or no server', async function () {
    const spec = await model();
    const columns = (over: Record<string, 'number' | 'string'>, drop: string[] = []) =>
      fakeSql({
        rows: () => undefined,
        columns: ['x1', 'x2', 'x3', 'x4', 'y']
          .filter((n) => !drop.includes(n))
          .map((name) => ({ name, kind: over[name] ?? 'number', dbType: over[name] === 'string' ? 'text' : 'float8' })),
      }).connect;
    const line = async (connect: ReturnType<typeof columns>) => (await checkModel(spec, runner, AT, undefined, connect)).line;
    assert.equal(await line(columns({}, ['x3'])), `FAIL churn: ${URI}: the query gives no column x3 (it gives x1, x2, x4, y)`);
    assert.equal(await line(columns({ x2: 'string' })), `FAIL churn: ${URI}: column x2 is text (string), but input input (float) needs numbers`);
    assert.match(
      await line(columns({}, ['y'])),
      new RegExp(`^FAIL churn: ${URI.replace(/[./]/g, '\\$&')}: the query gives no column y, the label \\(it gives x1, x2, x3, x4;`),
    );
    const down = fakeSql({ rows: () => undefined, connectError: new Error(`model churn: ${URI}: the server is not answering (connect ECONNREFUSED)`) });
    assert.equal(await line(down.connect), `FAIL churn: ${URI}: the server is not answering (connect ECONNREFUSED)`);
  });

  it('check says a label joined from data.labels is joined, and fails when the key column is missing', async function () {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-check-join-'));
    try {
      writeFileSync(path.join(dir, '2026-05-03.csv'), 'request_id,x1,x2,x3,x4\nr1,0.1,0.2,0.3,0.4\n');
      const base = await model();
      const files: typeof base = {
        ...base,
        data: { uri: `file://${dir}/{date}.csv`, window: { days: 3 }, key: 'request_id', labels: { uri: `file://${dir}/labels/{date}.csv` } },
      };
      const ok = await checkModel(files, runner, AT);
      assert.equal(ok.ok, true, ok.line);
      assert.match(ok.line, /1 rows, columns as declared; label y joined by request_id from data\.labels$/);
      const noKey = await checkModel({ ...files, data: { ...files.data, key: 'order_id' } }, runner, AT);
      assert.equal(noKey.line, 'FAIL churn: file 2026-05-03.csv: no column order_id (data.key), which the labels of data.labels are joined by');
      const query = {
        ...base,
        data: { ...base.data, key: 'request_id', labels: { query: 'select request_id, y from outcomes where t >= {start} and t < {end}' } },
      };
      const sql = fakeSql({ rows: () => sliceTable(all, 0, 10) });
      assert.equal(
        (await checkModel(query, runner, AT, undefined, sql.connect)).line,
        `FAIL churn: ${URI}: the query gives no column request_id (data.key), which the labels of data.labels are joined by (it gives x1, x2, x3, x4, y)`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('init infers the inputs and the label from a sample of the query, and writes the query into the config', async function () {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-init-sql-'));
    try {
      const sql = fakeSql({ rows: () => all, batchRows: 300 });
      const out = path.join(dir, 'upkeep.yaml');
      const { text } = await initConfigText({
        onnx: fixture('models/binary.onnx'),
        data: URI,
        query: QUERY,
        out,
        connect: sql.connect,
        at: AT,
        owner: 'me@example.com',
      });
      const m = parse(text).models[0];
      assert.deepEqual(m.data, { uri: URI, query: QUERY, window: { days: 7 } });
      assert.deepEqual(m.inputs[0].columns, ['x1', 'x2', 'x3', 'x4']);
      assert.equal(m.label.column, 'y');
      // One read of the last 7 days, stopped after the sample's rows.
      assert.deepEqual(
        sql.reads.map((r) => r.params.map((d) => d.toISOString())),
        [['2026-04-27T00:00:00.000Z', '2026-05-04T00:00:00.000Z']],
      );
      // Filled in, it loads.
      writeFileSync(out, text.replace(/null {2}# TODO: the smallest acceptable roc_auc.*/, '0.7'));
      assert.equal((await loadConfig(out)).models[0]!.data.query, QUERY);
      // No rows in the sample: the columns still give the inputs; the label by its name.
      const empty = fakeSql({
        rows: () => undefined,
        columns: ['x1', 'x2', 'x3', 'x4', 'y'].map((name) => ({ name, kind: 'number' as const, dbType: 'float8' })),
      });
      const bare = parse((await initConfigText({ onnx: fixture('models/binary.onnx'), data: URI, query: QUERY, out, connect: empty.connect, at: AT })).text)
        .models[0];
      assert.deepEqual(bare.inputs[0].columns, ['x1', 'x2', 'x3', 'x4']);
      assert.equal(bare.label.column, 'y');
      await assert.rejects(
        initConfigText({ onnx: fixture('models/binary.onnx'), data: URI, query: 'select * from t where day = {day}', out, connect: empty.connect }),
        /^UpkeepError: --query: unknown placeholder \{day\}/,
      );
      await assert.rejects(
        initConfigText({ onnx: fixture('models/binary.onnx'), data: URI, out }),
        /^UpkeepError: --data postgres:.* is a database: give the query to read with --query$/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("profile reads a query's window and gives the profile the same rows give from a file", async function () {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-profile-sql-'));
    try {
      const onnx = { onnx: fixture('models/binary.onnx'), task: 'binary' as const, label: 'y', features: ['x1', 'x2', 'x3', 'x4'], positiveLabel: '1' };
      const days: Record<string, [number, number]> = { '2026-05-01': [0, 300], '2026-05-02': [300, 1000] };
      const rows = (start: Date) => {
        const span = days[start.toISOString().slice(0, 10)];
        return span ? sliceTable(all, span[0], span[1]) : undefined;
      };
      const fromQuery = path.join(dir, 'query.json');
      const fromFile = path.join(dir, 'file.json');
      const q = await quietly(() => profileCommand({ ...onnx, data: [URI], query: QUERY, at: AT, out: fromQuery, connect: fakeSql({ rows }).connect }));
      // The same rows in two files split as the days are.
      const lines = readFileSync(fixture('data/binary.csv'), 'utf8').trimEnd().split('\n');
      const files = Object.entries(days).map(([date, [from, to]]) => {
        const file = path.join(dir, `${date}.csv`);
        writeFileSync(file, [lines[0], ...lines.slice(1 + from, 1 + to)].join('\n') + '\n');
        return file;
      });
      await quietly(() => profileCommand({ ...onnx, data: files, out: fromFile }));
      const a = JSON.parse(readFileSync(fromQuery, 'utf8'));
      const b = JSON.parse(readFileSync(fromFile, 'utf8'));
      assert.equal(a.rows, 1000);
      assert.match(a.source, /^postgres:\/\/upkeep@db\.internal:5432\/analytics: 7 days to 2026-05-04T06:00:00\.000Z$/);
      // The estimators' row sample is drawn by a hash of each file's name (engine/evaluation/row-sample.ts): other names, other rows.
      for (const k of ['createdAt', 'source', 'estimators']) {
        delete a[k];
        delete b[k];
      }
      assert.deepEqual(a, b);
      assert.ok(q.lines.some((l) => l.startsWith('binary: 1000 rows')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('evaluate (one shot) reads the window of a model whose data is a query, and of --onnx with --data <database> --query', async function () {
    await model({ min_rows: 10 });
    const days: Record<string, [number, number]> = { '2026-05-01': [0, 400], '2026-05-03': [400, 1000] };
    const rows = (start: Date) => {
      const span = days[start.toISOString().slice(0, 10)];
      return span ? sliceTable(all, span[0], span[1]) : undefined;
    };
    const out: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => out.push(chunk) > 0) as typeof process.stdout.write;
    try {
      await evaluateCommand({ config: ws!.configPath, model: 'churn', at: AT, format: 'json', failOn: 'never', connect: fakeSql({ rows }).connect });
      await evaluateCommand({
        onnx: fixture('models/binary.onnx'),
        task: 'binary',
        label: 'y',
        features: ['x1', 'x2', 'x3', 'x4'],
        positiveLabel: '1',
        data: [URI],
        query: QUERY,
        at: AT,
        format: 'json',
        failOn: 'never',
        connect: fakeSql({ rows }).connect,
      });
    } finally {
      process.stdout.write = write;
    }
    const [configured, adHoc] = out.map((t) => JSON.parse(t));
    for (const r of [configured, adHoc]) {
      assert.equal(r.rows, 1000);
      assert.deepEqual(
        r.snapshot.files.map((f: { date: string; query: string; server: string }) => [f.date, f.query, f.server]),
        [
          ['2026-05-01', QUERY, 'FakeSQL 1.0 at memory'],
          ['2026-05-03', QUERY, 'FakeSQL 1.0 at memory'],
        ],
      );
    }
    assert.equal(adHoc.metrics.roc_auc, configured.metrics.roc_auc);
  });

  it('--data <database> needs --query and --query needs a database, each checked as the config is', async function () {
    const spec = await model();
    const refused = (data: string[] | undefined, query: string | undefined, re: RegExp) =>
      assert.throws(
        () => withQueryData(spec, data, query),
        (err: unknown) => err instanceof UpkeepError && err.type === 'InvalidConfig' && re.test(err.message),
      );
    refused([URI], undefined, /^--data postgres:\/\/upkeep@db\.internal:5432\/analytics is a database: give the query to read with --query$/);
    refused(['data/x.csv'], QUERY, /^--query needs --data <postgres:/);
    refused(['postgres://u:secret@db/x'], QUERY, /^--data postgres:\/\/u@db\/x: a password may not be written/);
    refused([URI], 'select 1; drop table scored -- {start} {end}', /^--query: a query must be one statement/);
    assert.equal(withQueryData(spec, ['duckdb:'], QUERY).data.uri, 'duckdb:');
    assert.equal(withQueryData(spec, ['a.csv'], undefined), spec);
  });
});
