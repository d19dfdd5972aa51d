/**
 * Start-up benchmark process (run by scripts/bench.ts): whole `upkeep` processes, as a person runs
 * them, timed from outside (median wall time of REPEATS runs after one warm-up run, which also
 * compiles dist/ when a source changed):
 *  - bare Node (`node -e 0`), the floor every command stands on;
 *  - `upkeep evaluate` of the example churn model on a 1,000-row Parquet file (the demo's rows);
 *  - `upkeep approvals list` against a Temporal dev server started here (no requests open).
 * Prints each figure beside its target.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { demoDay } from '../../cli/demo/feed.js';
import { resolveTemporalCli, startDevServer } from '../../workers/dev-server.js';
import { EXAMPLE_CONFIG, PROJECT_DIR } from '../../workers/paths.js';
import { readSettings } from '../../workers/settings.js';
import { BENCH_DIR } from './data.js';

const REPEATS = 7;
const ROWS = 1000;
const BIN = path.join(PROJECT_DIR, 'bin', 'upkeep.mjs');

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** The demo's rows for one day, as Parquet (cached in .bench/). */
function churnParquet(rows: number): string {
  const file = path.join(BENCH_DIR, `churn-${rows}.parquet`);
  if (existsSync(file)) return file;
  mkdirSync(BENCH_DIR, { recursive: true });
  const [header, ...lines] = demoDay('2026-01-01', rows).trimEnd().split('\n');
  const names = header!.split(',');
  const cells = lines.map((l) => l.split(',').map(Number));
  const tmp = `${file}.tmp`;
  parquetWriteFile({
    filename: tmp,
    columnData: names.map((name, j) =>
      name === 'churned'
        ? { name, data: Int32Array.from(cells, (r) => r[j]!), type: 'INT32' as const, nullable: false }
        : { name, data: Float64Array.from(cells, (r) => r[j]!), type: 'DOUBLE' as const, nullable: false },
    ),
    codec: 'SNAPPY',
  });
  renameSync(tmp, file);
  return file;
}

/** Median wall milliseconds of the command, after one warm-up run; it must exit with `status`. */
function timed(args: string[], env: NodeJS.ProcessEnv = {}, status = 0): number {
  const times: number[] = [];
  for (let i = 0; i <= REPEATS; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: PROJECT_DIR, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 24 });
    const ms = performance.now() - t0;
    if (r.status !== status) throw new Error(`${args.join(' ')} exited with ${r.status}:\n${r.stderr}`);
    if (i > 0) times.push(ms);
  }
  return median(times);
}

const line = (what: string, ms: number, target?: { op: '≤' | '<'; ms: number }): string => {
  const met = target ? (target.op === '≤' ? ms <= target.ms : ms < target.ms) : undefined;
  return `  ${what.padEnd(40)}${ms.toFixed(0).padStart(6)} ms${target ? `   target ${target.op} ${target.ms} ms   ${met ? 'met' : 'NOT met'}` : ''}`;
};

console.log(`== start-up: whole processes, \`node bin/upkeep.mjs ...\` (median of ${REPEATS}, after a warm-up run) ==`);
const file = churnParquet(ROWS);
console.log(line('bare Node (node -e 0)', timed(['-e', '0'])));
// The example config's churn model; its verdict on these rows does not matter (--fail-on never).
const evaluate = timed([BIN, 'evaluate', '--model', 'churn', '--data', file, '--format', 'json', '--fail-on', 'never'], { UPKEEP_CONFIG: EXAMPLE_CONFIG });
console.log(line(`upkeep evaluate, ${ROWS.toLocaleString('en')}-row Parquet file`, evaluate, { op: '≤', ms: 250 }));

const cli = resolveTemporalCli({ settings: readSettings(process.env), install: true, log: console.log });
if (!cli) {
  console.log('  upkeep approvals list                   (no Temporal CLI: set UPKEEP_TEMPORAL_CLI)');
} else {
  const server = await startDevServer({ cli, startTimeoutMs: 90_000 });
  try {
    const approvals = timed([BIN, 'approvals', 'list'], { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default', UPKEEP_CONFIG: EXAMPLE_CONFIG });
    console.log(line('upkeep approvals list (dev server)', approvals, { op: '<', ms: 300 }));
  } finally {
    await server.stop();
  }
}
