/**
 * `upkeep evaluate` of a 3M-row Parquet window as a user runs it (a whole process: start-up,
 * config, reading, scoring, metrics, report), against a whole process that only decodes and scores
 * the same file (scripts/bench/decode-infer.ts), and the Python peer a team would write instead
 * (scripts/bench/evaluation_peer.py, a process per run: its start-up and imports included).
 * The window is written by pyarrow with its defaults (scripts/bench/real_file.py: what pandas'
 * to_parquet writes: SNAPPY, dictionary pages, row groups of 1,048,576 rows), with columns the
 * model does not read. The commands run in turn (A B A B …) after a warm-up each; medians.
 *   node --import tsx scripts/bench/whole-process.ts PYTHON [runs, default 5]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_DIR } from '../../workers/paths.js';
import { BENCH_DIR } from './data.js';
import { figure } from './figure.js';
import { REAL_CATEGORY, REAL_LABEL, REAL_MODEL, REAL_NUMERIC, realModel } from './real-data.js';

const ROWS = 3_000_000;
const [pythonArg, runsArg] = process.argv.slice(2);
if (!pythonArg) throw new Error('usage: whole-process.ts PYTHON [runs]');
const python = path.resolve(pythonArg);
const runs = Number(runsArg ?? 5);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** The window, written once by pyarrow with its defaults and cached in .bench/. */
function pyarrowWindow(): string {
  const file = path.join(BENCH_DIR, `real3pa-${ROWS}-1.parquet`);
  if (existsSync(file)) return file;
  mkdirSync(BENCH_DIR, { recursive: true });
  const r = spawnSync(python, [path.join(PROJECT_DIR, 'scripts/bench/real_file.py'), file, String(ROWS), '1'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('could not write the pyarrow window (scripts/bench/real_file.py)');
  return file;
}

await realModel();
const file = pyarrowWindow();
const dir = path.join(BENCH_DIR, 'whole-process');
mkdirSync(dir, { recursive: true });
const config = path.join(dir, 'upkeep.yaml');
writeFileSync(
  config,
  `version: 1
store: ${JSON.stringify(path.join(dir, 'store'))}
models:
  - id: real3
    owner: benchmark
    task: binary
    artifact: ${JSON.stringify(REAL_MODEL)}
    inputs:
      - { name: input, type: float, columns: ${JSON.stringify(REAL_NUMERIC)} }
      - { name: ${REAL_CATEGORY}, type: string, columns: [${REAL_CATEGORY}] }
    label: { column: ${REAL_LABEL}, positive: 1 }
    data: { uri: ${JSON.stringify(`file://${dir}/{date}.parquet`)} }
    schedule: { every: 1d }
    thresholds: { metric: roc_auc, min: 0.5 }
`,
);
const peerSpec = {
  inputs: [
    { name: 'input', type: 'float', columns: REAL_NUMERIC },
    { name: REAL_CATEGORY, type: 'string', columns: [REAL_CATEGORY] },
  ],
  label: REAL_LABEL,
  positive: 1,
};
const commands = {
  upkeep: [process.execPath, path.join(PROJECT_DIR, 'bin/upkeep.mjs'), 'evaluate', '--config', config, '--model', 'real3', '--data', file, '--format', 'json'],
  bound: [process.execPath, path.join(PROJECT_DIR, 'dist/scripts/bench/decode-infer.js'), file, REAL_MODEL],
  peer: [python, path.join(PROJECT_DIR, 'scripts/bench/evaluation_peer.py'), file, REAL_MODEL, JSON.stringify(peerSpec), '1'],
};
type Name = keyof typeof commands;
const times: Record<Name, number[]> = { upkeep: [], bound: [], peer: [] };
let report = '';
function once(name: Name, keep = true): void {
  const [cmd, ...args] = commands[name];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd!, args, { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${name} failed (${r.error?.message ?? `exit ${r.status}`}):\n${(r.stderr ?? '').slice(-2000)}`);
  if (name === 'upkeep') report = r.stdout;
  if (keep) times[name].push(ms);
}
// Warm-ups; upkeep's first: bin/upkeep.mjs compiles dist/ when it is stale, and both sides run
// compiled, as `upkeep` does.
for (const name of Object.keys(commands) as Name[]) once(name, false);
for (let i = 0; i < runs; i++) for (const name of Object.keys(commands) as Name[]) once(name);
const ratios = times.upkeep.map((t, i) => t / times.bound[i]!);
const summary = JSON.parse(report) as { metrics?: Record<string, number>; rows?: number; window?: { rows?: number } };
const med = { upkeep: median(times.upkeep), bound: median(times.bound), peer: median(times.peer) };
const fmt = (ms: number): string => `${(ms / 1000).toFixed(2).padStart(6)} s`;
console.log(
  `== whole process: ${ROWS / 1e6}M-row window written by pyarrow with its defaults (${(statSync(file).size / 2 ** 20).toFixed(1)} MiB, SNAPPY, row groups of 1,048,576 rows, 8 columns of which the model reads 5; median of ${runs}, in turn) ==`,
);
console.log(`  upkeep evaluate (bin/upkeep.mjs) ${fmt(med.upkeep)}   (roc_auc ${summary.metrics?.roc_auc?.toFixed(4) ?? '?'})`);
console.log(`  decode and score only           ${fmt(med.bound)}`);
console.log(`  Python peer (a process a run)   ${fmt(med.peer)}`);
figure(
  `evaluate ${ROWS / 1e6}M whole process`,
  med.upkeep / med.bound,
  { atMost: 1.5 },
  { unit: '×', of: 'a process that only decodes and scores', note: `pair by pair ${Math.min(...ratios).toFixed(2)} .. ${Math.max(...ratios).toFixed(2)}` },
);
figure(`evaluate ${ROWS / 1e6}M whole process, Python peer`, med.peer / med.upkeep, { atLeast: 2 }, { unit: '×', of: 'slower than upkeep' });
