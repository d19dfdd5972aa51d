/**
 * The same rows through PostgreSQL, DuckDB and files give identical metrics and the same rows
 * hash: the query snapshot through the real readers (connectSql, which loads them), not a fake.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkModel } from '../../cli/commands/check.js';
import { evaluateOnce } from '../../cli/one-shot.js';
import { initConfigText } from '../../cli/commands/init.js';
import { profileCommand } from '../../cli/commands/evaluate.js';
import { parse } from 'yaml';
import { createEvaluationEngine } from '../../engine/evaluation/evaluate.js';
import { createInProcessRunner } from '../../engine/evaluation/in-process-runner.js';
import type { ModelSpec } from '../../domain/config.js';
import { fixture, fixtureBytes, specFor } from '../helpers/fixtures.js';
import { usePostgres } from '../helpers/postgres.js';
import type { EvaluationReport } from '../../engine/evaluation/report.js';

/** A files window's reason about missing days, as a query window's verdict words it. */
const asQueryDays = (reason: string): string =>
  reason.replace(/^(\d+ of \d+) files missing from (window \S+): /, '$1 days of $2 without rows from the query: ');

const AT = new Date('2026-05-04T06:00:00Z');
/** binary.csv's rows: the first 400 served on 2026-05-01, the others on 2026-05-03, one a second from 06:00 UTC. */
const SPLIT = 400;
const servedAt = (i: number): string =>
  new Date(Date.parse(i < SPLIT ? '2026-05-01T06:00:00Z' : '2026-05-03T06:00:00Z') + (i < SPLIT ? i : i - SPLIT) * 1000).toISOString();

function lines(): string[] {
  return readFileSync(fixture('data/binary.csv'), 'utf8').trimEnd().split('\n');
}

function spec(data: Record<string, unknown>): ModelSpec {
  return specFor({
    id: 'churn',
    task: 'binary',
    artifact: pathToFileURL(fixture('models/binary.onnx')).href,
    inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }],
    label: { column: 'y', positive: 1 },
    data: { window: { days: 3 }, ...data },
    schedule: { cron: '0 6 * * *', timezone: 'UTC' },
    thresholds: { metric: 'roc_auc', min: 0.7 },
    min_rows: 10,
  });
}

describe('the same rows from PostgreSQL, DuckDB and files', function () {
  this.timeout(120_000);
  const db = usePostgres({ passwordInEnv: true });
  const engine = createEvaluationEngine();
  const runner = createInProcessRunner();
  let dir: string;
  let fromFiles: EvaluationReport;

  before(async function () {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-sql-real-'));
    const [header, ...rows] = lines();
    // The files: one per day.
    writeFileSync(path.join(dir, '2026-05-01.csv'), [header, ...rows.slice(0, SPLIT)].join('\n') + '\n');
    writeFileSync(path.join(dir, '2026-05-03.csv'), [header, ...rows.slice(SPLIT)].join('\n') + '\n');
    // DuckDB reads one CSV of every row with the time it was served.
    writeFileSync(path.join(dir, 'served.csv'), [`${header},served_at`, ...rows.map((r, i) => `${r},${servedAt(i)}`)].join('\n') + '\n');
    // PostgreSQL: the same rows in a table.
    await db().query('create table scored (x1 float8, x2 float8, x3 float8, x4 float8, y int8, served_at timestamptz)');
    const values = rows.map((r) => r.split(',').map(Number));
    for (let at = 0; at < values.length; at += 250) {
      const chunk = values.slice(at, at + 250);
      const params = chunk.flatMap((v, k) => [...v, servedAt(at + k)]);
      const tuples = chunk.map((_, k) => `(${Array.from({ length: 6 }, (__, c) => `$${k * 6 + c + 1}`).join(', ')})`);
      await db().query(`insert into scored (x1, x2, x3, x4, y, served_at) values ${tuples.join(', ')}`, params);
    }
    fromFiles = (await evaluateOnce({ spec: spec({ uri: `file://${dir}/{date}.csv` }), modelBytes: fixtureBytes('models/binary.onnx'), at: AT, engine }))
      .report;
  });
  after(async () => {
    await engine.close();
    await runner.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const same = (report: EvaluationReport) => {
    assert.equal(fromFiles.evaluation?.rows, 1000);
    assert.equal(report.evaluation?.rows, 1000);
    assert.deepEqual(report.evaluation?.metrics, fromFiles.evaluation?.metrics);
    // The same verdict; a day without rows is said as such rather than as a missing file.
    assert.deepEqual(report.verdict, { ...fromFiles.verdict, reasons: fromFiles.verdict.reasons.map(asQueryDays) });
    assert.deepEqual(
      report.snapshot.files.map((f) => [f.date, f.rows]),
      [
        ['2026-05-01', 400],
        ['2026-05-03', 600],
      ],
    );
    assert.deepEqual(
      report.snapshot.missing.map((m) => m.date),
      ['2026-05-02'],
    );
  };

  it('DuckDB (SQL over a CSV file) gives the metrics the files give', async function () {
    const duck = spec({
      uri: 'duckdb:',
      query: `select x1, x2, x3, x4, y from read_csv('${dir}/served.csv') where served_at >= {start} and served_at < {end} order by served_at`,
    });
    const { report } = await evaluateOnce({ spec: duck, modelBytes: fixtureBytes('models/binary.onnx'), at: AT, engine });
    same(report);
    assert.match(report.snapshot.files[0]!.server!, /^DuckDB v\d/);
    const check = await checkModel(duck, runner, AT);
    assert.match(
      check.line,
      /^ok {3}churn: binary\.onnx matches its spec; query on DuckDB v[\d.]+ in memory: 5 columns \(x1 DOUBLE, x2 DOUBLE, x3 DOUBLE, x4 DOUBLE, y BIGINT\), columns and label as declared; no rows read$/,
    );
  });

  it('init and profile read a sample and a window from DuckDB', async function () {
    const query = `select x1, x2, x3, x4, y from read_csv('${dir}/served.csv') where served_at >= {start} and served_at < {end} order by served_at`;
    const { text } = await initConfigText({ onnx: fixture('models/binary.onnx'), data: 'duckdb:', query, out: path.join(dir, 'upkeep.yaml'), at: AT });
    const m = parse(text).models[0];
    assert.deepEqual([m.data.uri, m.data.query, m.inputs[0].columns, m.label.column], ['duckdb:', query, ['x1', 'x2', 'x3', 'x4'], 'y']);
    const out = path.join(dir, 'profile.json');
    const log = console.log;
    console.log = () => undefined;
    try {
      await profileCommand({
        onnx: fixture('models/binary.onnx'),
        task: 'binary',
        label: 'y',
        features: ['x1', 'x2', 'x3', 'x4'],
        positiveLabel: '1',
        data: ['duckdb:'],
        query,
        at: AT,
        out,
      });
    } finally {
      console.log = log;
    }
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).rows, 1000);
  });

  it('PostgreSQL gives the metrics the files give, and the rows hash DuckDB gives', async function () {
    const query = 'select x1, x2, x3, x4, y from scored where served_at >= {start} and served_at < {end} order by served_at';
    const { report } = await evaluateOnce({ spec: spec({ uri: db().uri, query }), modelBytes: fixtureBytes('models/binary.onnx'), at: AT, engine });
    same(report);
    assert.match(report.snapshot.files[0]!.server!, /^PostgreSQL \d+/);
    assert.ok(!JSON.stringify(report).includes(db().password), 'no password in the report');
    const duck = await evaluateOnce({
      spec: spec({
        uri: 'duckdb:',
        query: `select x1, x2, x3, x4, y from read_csv('${dir}/served.csv') where served_at >= {start} and served_at < {end} order by served_at`,
      }),
      modelBytes: fixtureBytes('models/binary.onnx'),
      at: AT,
      engine,
    });
    assert.deepEqual(
      report.snapshot.files.map((f) => f.rowsSha256),
      duck.report.snapshot.files.map((f) => f.rowsSha256),
    );
    const missing = await checkModel(spec({ uri: db().uri, query: query.replace('x3, ', '') }), runner, AT);
    assert.equal(missing.line, `FAIL churn: ${db().uri}: the query gives no column x3 (it gives x1, x2, x4, y)`);
  });
});
