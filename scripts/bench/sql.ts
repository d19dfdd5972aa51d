/**
 * A 3M-row window read from PostgreSQL and from DuckDB against the same rows from a Parquet file,
 * each as a user runs it: a whole `upkeep evaluate --model … --at …` process (start-up, the day's
 * query or file, the snapshot written as Parquet, scoring, metrics, the report). The rows are the
 * real-shaped window of scripts/bench/real-data.ts with the time each was served added (every
 * 25 ms of one day); PostgreSQL is a cluster started here (scripts/postgres-server.ts), loaded by
 * COPY; DuckDB is a database file made from the Parquet file. The three run in turn (A B C …)
 * after a warm-up each; medians of the wall time, peak RSS (each process its own) and rows/s.
 * The metrics of the three are checked equal before anything is printed.
 *   node --import tsx scripts/bench/sql.ts [runs, default 3]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { PROJECT_DIR } from '../../workers/paths.js';
import { adminClient, PG_TEST_USER, resolvePostgres, startPostgres } from '../postgres-server.js';
import { BENCH_DIR } from './data.js';
import { REAL_CATEGORY, REAL_LABEL, REAL_MODEL, REAL_NUMERIC, realModel, realParquet } from './real-data.js';

const ROWS = 3_000_000;
const DAY = '2026-06-01';
const AT = '2026-06-02T00:00:00.000Z';
const runs = Number(process.argv[2] ?? 3);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

await realModel();
const parquet = realParquet(ROWS, 1);
const dir = path.join(BENCH_DIR, 'sql');
rmSync(dir, { recursive: true, force: true });
mkdirSync(path.join(dir, 'files'), { recursive: true });
// The file model reads the window's one day from a file of that date (a copy-free link).
spawnSync('ln', ['-s', parquet, path.join(dir, 'files', `${DAY}.parquet`)]);
const columns = [...REAL_NUMERIC, REAL_CATEGORY, REAL_LABEL];

// DuckDB: a database file of the same rows with the time each was served.
const duckFile = path.join(dir, 'served.duckdb');
const csv = path.join(dir, 'served.csv');
{
  const instance = await DuckDBInstance.create(duckFile);
  const c = await instance.connect();
  await c.run(
    `create table served as select ${columns.join(', ')}, timestamptz '${DAY} 00:00:00+00' + to_milliseconds(cast((row_number() over ()) - 1 as bigint) * 25) as served_at from read_parquet('${parquet}')`,
  );
  await c.run(`copy served to '${csv}' (header, delimiter ',')`);
  c.closeSync();
  instance.closeSync();
}

const found = resolvePostgres({ install: false });
if (!found.bin) {
  console.log(`== SQL windows: skipped (${found.missing}) ==`);
  process.exit(0);
}
const cluster = await startPostgres(found.bin);
try {
  const admin = await adminClient(cluster);
  await admin.query(`create database bench owner ${PG_TEST_USER}`);
  await admin.end();
  const db = await adminClient(cluster, 'bench');
  await db.query(`create table served (tenure_months float8, monthly_charges float8, support_calls float8, plan text, churned int4, served_at timestamptz)`);
  await db.query(`copy served from '${csv}' with (format csv, header)`);
  await db.query(`alter table served owner to ${PG_TEST_USER}; create index on served (served_at); analyze served`);
  await db.end();

  const query = `select ${columns.join(', ')} from served where served_at >= {start} and served_at < {end}`;
  const model = (id: string, data: string): string => `  - id: ${id}
    owner: benchmark
    task: binary
    artifact: ${JSON.stringify(REAL_MODEL)}
    inputs:
      - { name: input, type: float, columns: ${JSON.stringify(REAL_NUMERIC)} }
      - { name: ${REAL_CATEGORY}, type: string, columns: [${REAL_CATEGORY}] }
    label: { column: ${REAL_LABEL}, positive: 1 }
    data: { ${data}, window: { days: 1 } }
    schedule: { every: 1d, timezone: UTC }
    thresholds: { metric: roc_auc, min: 0.5 }
    limits: { read_timeout: 10m }
`;
  const config = path.join(dir, 'upkeep.yaml');
  writeFileSync(
    config,
    `version: 1
store: ${JSON.stringify(path.join(dir, 'store'))}
models:
${model('parquet', `uri: ${JSON.stringify(`file://${dir}/files/{date}.parquet`)}`)}${model(
      'postgres',
      `uri: ${JSON.stringify(`postgres://${PG_TEST_USER}@${cluster.host}:${cluster.port}/bench`)}, query: ${JSON.stringify(query)}`,
    )}${model('duckdb', `uri: ${JSON.stringify(`duckdb://${duckFile}`)}, query: ${JSON.stringify(query)}`)}`,
  );
  const names = ['parquet', 'postgres', 'duckdb'] as const;
  type Name = (typeof names)[number];
  const times: Record<Name, number[]> = { parquet: [], postgres: [], duckdb: [] };
  const rss: Record<Name, number[]> = { parquet: [], postgres: [], duckdb: [] };
  const metrics: Partial<Record<Name, string>> = {};
  const once = (name: Name, keep = true): void => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(
      '/usr/bin/time',
      [
        '-f',
        'maxrss=%M',
        process.execPath,
        path.join(PROJECT_DIR, 'bin/upkeep.mjs'),
        'evaluate',
        '--config',
        config,
        '--model',
        name,
        '--at',
        AT,
        '--format',
        'json',
      ],
      { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, PGPASSWORD: cluster.password } },
    );
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${name} failed (exit ${r.status}):\n${(r.stderr ?? '').slice(-2000)}`);
    const report = JSON.parse(r.stdout) as { evaluation?: { rows?: number; metrics?: Record<string, number> } };
    if (report.evaluation?.rows !== ROWS) throw new Error(`${name}: ${report.evaluation?.rows} rows evaluated, expected ${ROWS}`);
    metrics[name] = JSON.stringify(report.evaluation.metrics);
    if (!keep) return;
    times[name].push(ms);
    rss[name].push(Number(/maxrss=(\d+)/.exec(r.stderr)![1]) / 1024);
  };
  for (const name of names) once(name, false);
  for (let i = 0; i < runs; i++) for (const name of names) once(name);
  if (metrics.postgres !== metrics.parquet || metrics.duckdb !== metrics.parquet) {
    throw new Error(`the three sources gave different metrics:\n${JSON.stringify(metrics, null, 2)}`);
  }
  const med = Object.fromEntries(names.map((n) => [n, { s: median(times[n]) / 1000, rss: median(rss[n]) }])) as Record<Name, { s: number; rss: number }>;
  console.log(
    `== SQL windows: ${ROWS / 1e6}M rows of one day, whole \`upkeep evaluate\` process per run (median of ${runs}, in turn; the same metrics from each) ==`,
  );
  for (const n of names) {
    console.log(
      `  ${n.padEnd(9)} ${med[n].s.toFixed(2).padStart(6)} s   ${(ROWS / med[n].s / 1000).toFixed(0).padStart(5)}k rows/s   peak RSS ${med[n].rss.toFixed(0).padStart(5)} MiB`,
    );
  }
  // No target in the issue: the ratios to the file are printed for comparison.
  console.log(
    `  PostgreSQL ${(med.postgres.s / med.parquet.s).toFixed(2)}× and DuckDB ${(med.duckdb.s / med.parquet.s).toFixed(2)}× the time of the same rows from Parquet`,
  );
} finally {
  await cluster.stop();
  if (existsSync(csv)) rmSync(csv);
}
