/**
 * Start-up benchmark process (run by scripts/bench.ts): whole `upkeep` processes, as a person runs
 * them, timed from outside (median wall time of REPEATS runs after one warm-up run, which also
 * compiles dist/ when a source changed):
 *  - bare Node (`node -e 0`), the floor every command stands on;
 *  - `upkeep evaluate` of the example churn model on a 1,000-row Parquet file (the demo's rows),
 *    with an empty store (startupConfig);
 *  - `upkeep approvals list` against a Temporal dev server started here (no requests open).
 * Prints each figure beside its target, and beside it the CPU time (user + system, median) of the
 * same runs: on a machine other work shares, the wall time says as much about that work as about
 * upkeep, and the CPU time is what the command itself costs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * The example config with a store of its own, emptied at every bench run, and its paths absolute:
 * the figures then do not depend on what the project's own store holds (after `npm start`, the
 * demo's reference profile, with which `evaluate` also checks drift and ranks it by importance).
 */
function startupConfig(): string {
  const dir = path.join(BENCH_DIR, 'startup');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const text = readFileSync(EXAMPLE_CONFIG, 'utf8')
    .replace(/^store: .*$/m, `store: ${JSON.stringify(path.join(dir, 'store'))}`)
    .replace(/(artifact|uri): (examples|\.upkeep)\//g, (_m, key: string, top: string) => `${key}: ${path.join(PROJECT_DIR, top)}/`);
  const file = path.join(dir, 'upkeep.yaml');
  writeFileSync(file, text);
  return file;
}

/**
 * One run's wall and CPU milliseconds, as bash's `time` reports them for the child (its getrusage
 * of the child: user + system, all threads); wall only where there is no bash.
 */
function once(args: string[], env: NodeJS.ProcessEnv, status: number): { wall: number; cpu?: number } {
  const opts = { cwd: PROJECT_DIR, env: { ...process.env, ...env }, encoding: 'utf8' as const, maxBuffer: 1 << 24 };
  // The command's stderr stays stderr (fd 4 here); `time` reports on fd 3.
  const script = 'TIMEFORMAT="%3R %3U %3S"; { time "$@" 2>&4; } 4>&2 2>&3';
  const t0 = performance.now();
  const r = HAS_BASH
    ? spawnSync('bash', ['-c', script, 'bash', process.execPath, ...args], { ...opts, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] })
    : spawnSync(process.execPath, args, opts);
  const ms = performance.now() - t0;
  if (r.status !== status) throw new Error(`${args.join(' ')} exited with ${r.status}:\n${r.stderr}`);
  const times = HAS_BASH
    ? String(r.output[3] ?? '')
        .trim()
        .split(/\s+/)
        .map(Number)
    : [];
  if (times.length !== 3 || times.some((t) => !Number.isFinite(t))) return { wall: ms };
  return { wall: times[0]! * 1000, cpu: (times[1]! + times[2]!) * 1000 };
}

const HAS_BASH = spawnSync('bash', ['-c', 'exit 0']).status === 0;

/** Median wall and CPU milliseconds of the command, after one warm-up run; it must exit with `status`. */
function timed(args: string[], env: NodeJS.ProcessEnv = {}, status = 0): { wall: number; cpu?: number } {
  const runs: { wall: number; cpu?: number }[] = [];
  for (let i = 0; i <= REPEATS; i++) {
    const r = once(args, env, status);
    if (i > 0) runs.push(r);
  }
  const cpus = runs.map((r) => r.cpu).filter((c): c is number => c !== undefined);
  return { wall: median(runs.map((r) => r.wall)), ...(cpus.length === runs.length ? { cpu: median(cpus) } : {}) };
}

const line = (what: string, t: { wall: number; cpu?: number }, target?: { op: '≤' | '<'; ms: number }): string => {
  const met = target ? (target.op === '≤' ? t.wall <= target.ms : t.wall < target.ms) : undefined;
  const cpu = t.cpu === undefined ? '' : `   (CPU ${t.cpu.toFixed(0).padStart(4)} ms)`;
  return `  ${what.padEnd(40)}${t.wall.toFixed(0).padStart(6)} ms${cpu}${target ? `   target ${target.op} ${target.ms} ms   ${met ? 'met' : 'NOT met'}` : ''}`;
};

console.log(
  `== start-up: whole processes, \`node bin/upkeep.mjs ...\` (median of ${REPEATS}, after a warm-up run; wall time against the target, CPU time user + system beside it) ==`,
);
const file = churnParquet(ROWS);
console.log(line('bare Node (node -e 0)', timed(['-e', '0'])));
// The example config's churn model; its verdict on these rows does not matter (--fail-on never).
const config = startupConfig();
const evaluate = timed([BIN, 'evaluate', '--model', 'churn', '--data', file, '--format', 'json', '--fail-on', 'never'], { UPKEEP_CONFIG: config });
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
