/**
 * `npm run bench`: speed and memory figures, printed, never asserted.
 *
 * Evaluation, on two windows: a 1M-row × 20-feature Parquet file with a logistic-regression
 * model, and a real-shaped 3M-row window (three numeric features, a string column, a model with a
 * string input). For each: the evaluateSnapshot code path with default settings (the interval
 * included) and with the interval off, against its lower bound measured in the same run (decode
 * alone plus inference alone); and the Python peer a team would write instead (pyarrow,
 * onnxruntime, scikit-learn; installed into .bench/pyenv). Each side runs in its own process, so
 * peak RSS is its own. Targets on a 2-core machine: ratio ≤ 1.25, ≥ 2× faster than the peer.
 * Each figure with a target is printed beside it (scripts/bench/figure.ts) and listed again at the end.
 *
 * Retraining: the builtin fit alone and scikit-learn's fit of the same model, in paired rounds
 * (target: at most 2×), and the whole trainCandidate activity (read, fit, export, check and
 * profile the candidate, register it) on the same 1M rows (`--training-only`: that alone). Start-up: whole `upkeep evaluate` and `approvals list` processes
 * (scripts/bench/startup.ts). Drift: see below. Evaluation shards: the 1M-row window
 * split into 10 shards and merged, checked equal to one activity (`--shards-only`: that alone).
 * A large window: 10M rows in one Parquet file served by a versitygw S3 server, streamed by row
 * groups (throughput, peak RSS), read whole as before, and split over 2 worker processes
 * (scripts/bench/large.ts; `--large-only`: that alone). Fleet: schedules sync of 500 models on a
 * dev server of its own, then one worker evaluating all of them (scripts/bench/fleet.ts). Audit
 * chain: appends against plain writes, a year of entries read and verified (scripts/bench/audit.ts).
 * Fleet status: 500 models with 30 evaluations each read from a store (scripts/bench/status.ts).
 * Metrics: one Prometheus scrape of the per-model gauges with 50 and 500 models (scripts/bench/metrics.ts).
 * Business metrics: each on a 3M-row window beside today's ranking metrics (scripts/bench/business.ts).
 * Drift ranked by importance: the permutation importances of the 3M-row window's model, first and
 * cached, beside that window's evaluation (scripts/bench/importance.ts; `--importance-only`: that alone).
 * Fairness: the added cost of fairness across groups on a 3M-row window (scripts/bench/fairness.ts).
 * Segment search: its added CPU time on the 3M-row real-shaped window, search off against on, and the
 * 10M-row window's peak RSS with it on beside off (scripts/bench/segments.ts).
 * Multivariate drift: the reconstruction error fitted and computed on 1M rows × 20 columns
 * (scripts/bench/multivariate.ts; `--multivariate-only`: that alone).
 * Trees: the gradient-boosted trees of DLE and the domain classifier fitted on 100k rows × 20 features (scripts/bench/gbm.ts).
 * CBPE: fitted on a 1M-row reference and estimating a 1M-row window, binary and 3-class (scripts/bench/cbpe.ts).
 * Whole process: `upkeep evaluate` of a 3M-row window written by pyarrow with its defaults against a
 * process that only decodes and scores it, and the Python peer, each a process per run
 * (scripts/bench/whole-process.ts). `--evaluation-only`: the evaluation figures alone (the two
 * windows, the whole-process pair, the 10M-row window); `--in-process-only`: the two windows alone;
 * `--window bench20` or `--window real3`: that window's in-process figures alone.
 * Time to detection: real data with a shift on a known day and labels 30 days late, days to the
 * first alert with labels only and with estimation (scripts/bench/detection.ts; `--detection-only`).
 * SQL windows: 3M rows of one day read from PostgreSQL (a cluster started for it) and from DuckDB,
 * against the same rows from Parquet, each a whole `upkeep evaluate` process (scripts/bench/sql.ts;
 * `--sql-only`: that alone).
 * Everything printed is also written to bench/RESULTS.md.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_DIR, BENCH_MODEL, benchParquet, benchSpec, FEATURES } from './bench/data.js';
import { REAL_MODEL, realModel, realParquet, realSpec } from './bench/real-data.js';
import { figure, figureSummary } from './bench/figure.js';
import { PROJECT_DIR } from '../workers/paths.js';

const ROWS = 1_000_000;
const REAL_ROWS = 3_000_000;
const REPEATS = 5;
/** The evaluations with the interval (and the Python peer) are slower: fewer repeats. */
const E2E_REPEATS = 3;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const withPeer = process.argv.includes('--peer');

/** Everything printed is also written to bench/RESULTS.md at the end. */
const printed: string[] = [];
const log = console.log.bind(console);
console.log = (...a: unknown[]) => {
  printed.push(a.map(String).join(' '));
  log(...a);
};
function writeResults(): void {
  // Every figure beside its target, from this process and its sections, listed once more at the end.
  console.log('');
  for (const line of figureSummary(printed)) console.log(line);
  const out = path.join(PROJECT_DIR, 'bench', 'RESULTS.md');
  mkdirSync(path.dirname(out), { recursive: true });
  const machine = `${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()}`;
  writeFileSync(
    out,
    `# npm run bench ${process.argv.slice(2).join(' ')}

${new Date().toISOString()} · ${machine}

\`\`\`
${printed.join('\n')}
\`\`\`
`,
  );
  log(`\n(written to ${path.relative(PROJECT_DIR, out)})`);
}
/** A bench script run as a child with its output printed here (and so kept for RESULTS.md). */
function section(script: string, args: string[]): void {
  const entry = compiled ? [path.join(PROJECT_DIR, 'dist', script.replace(/\.ts$/, '.js'))] : ['--import', 'tsx', path.join(PROJECT_DIR, script)];
  const r = spawnSync(process.execPath, [...entry, ...args], { cwd: PROJECT_DIR, encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'] });
  for (const line of r.stdout.trimEnd().split('\n')) console.log(line);
  if (r.status !== 0) throw new Error(`bench ${script} failed`);
}
/** Run from dist/ (npm run bench): the children run the compiled code too. */
const compiled = import.meta.url.endsWith('.js');

function child(mode: string, file: string, script = 'scripts/bench/evaluation.ts', extra: string[] = [], repeats = REPEATS): Record<string, unknown> {
  const entry = compiled ? [path.join(PROJECT_DIR, 'dist', script.replace(/\.ts$/, '.js'))] : ['--import', 'tsx', path.join(PROJECT_DIR, script)];
  const r = spawnSync(process.execPath, [...entry, ...(mode ? [mode] : []), file, ...extra, String(repeats)], {
    cwd: PROJECT_DIR,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`bench ${mode} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

/** .bench/pyenv with the peer's pinned packages (and Evidently's with --peer); installed once. */
function pythonPeer(): string {
  const venv = path.join(BENCH_DIR, 'pyenv');
  const python = path.join(venv, 'bin', 'python');
  const files = ['scripts/bench/requirements-peer.txt', ...(withPeer ? ['scripts/fixtures/requirements-drift.txt'] : [])];
  const marker = path.join(venv, '.upkeep-installed');
  const have = existsSync(marker) ? readFileSync(marker, 'utf8').split('\n') : [];
  const want = files.map(
    (f) =>
      `${f} ${createHash('sha256')
        .update(readFileSync(path.join(PROJECT_DIR, f)))
        .digest('hex')}`,
  );
  if (existsSync(python) && want.every((w) => have.includes(w))) return python;
  console.log(`  installing the Python peer (${files.map((f) => path.basename(f)).join(', ')}, pinned) into .bench/pyenv ...`);
  if (!existsSync(python) && spawnSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' }).status !== 0)
    throw new Error('could not create .bench/pyenv (python3 -m venv)');
  const pip = spawnSync(
    python,
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...files.flatMap((f) => ['-r', path.join(PROJECT_DIR, f)])],
    { stdio: 'inherit' },
  );
  if (pip.status !== 0) throw new Error('could not install the Python peer into .bench/pyenv');
  writeFileSync(marker, [...new Set([...have, ...want])].filter(Boolean).join('\n'));
  return python;
}

/** Rounds of the paired fit figure: the builtin fit and scikit-learn's, one after the other, in each. */
const FIT_ROUNDS = 3;

/**
 * Retraining: the builtin fit alone and scikit-learn's, paired (a round runs one after the other,
 * each its median of E2E_REPEATS, so a shared machine's load falls on both), the ratio the median
 * of the rounds' ratios; then the trainCandidate activity end to end and its peak RSS.
 */
function retrainingSection(python: string): void {
  console.log(`\n== retraining: builtin logistic regression on 1M rows × 20 features (${FIT_ROUNDS} paired rounds, median of ${E2E_REPEATS} each) ==`);
  const fits: Record<string, unknown>[] = [];
  const fitRounds: number[] = [];
  const skRounds: number[] = [];
  let skRun = { times: [] as number[], auc: NaN, sklearn: '' };
  for (let r = 0; r < FIT_ROUNDS; r++) {
    const fit = child('fit', file, 'scripts/bench/training.ts', [], E2E_REPEATS);
    fits.push(fit);
    fitRounds.push(median(fit.times as number[]));
    // scikit-learn's fit of the same model on the same file (the peer's packages).
    const sk = spawnSync(python, [path.join(PROJECT_DIR, 'scripts/bench/sklearn_peer.py'), file, FEATURES.join(','), 'y', String(E2E_REPEATS)], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    if (sk.status !== 0) throw new Error(`scikit-learn peer failed:\n${sk.stderr}`);
    skRun = JSON.parse(sk.stdout.trim().split('\n').pop()!) as typeof skRun;
    skRounds.push(median(skRun.times.map((t) => t * 1000)));
  }
  const fit = fits[0]!;
  const fitMs = median(fitRounds);
  const skMs = median(skRounds);
  const ratio = median(fitRounds.map((f, r) => f / skRounds[r]!));
  console.log(
    `  fit alone                ${fitMs.toFixed(0).padStart(6)} ms   (${fit.solver}, ${fit.iterations} iterations, converged ${fit.converged}; rounds ${fitRounds.map((t) => t.toFixed(0)).join(', ')})`,
  );
  console.log(
    `  scikit-learn ${skRun.sklearn} fit    ${skMs.toFixed(0).padStart(6)} ms   (StandardScaler + LogisticRegression(C=1, lbfgs); rounds ${skRounds.map((t) => t.toFixed(0)).join(', ')})`,
  );
  figure(
    'builtin fit / scikit-learn fit',
    ratio,
    { atMost: 2 },
    { unit: '×', note: `median of ${FIT_ROUNDS} paired rounds' ratios ${fitRounds.map((f, r) => (f / skRounds[r]!).toFixed(2)).join(', ')}` },
  );
  const train = child('e2e', file, 'scripts/bench/training.ts', []);
  const trainMs = median(train.times as number[]);
  console.log(
    `  trainCandidate e2e       ${trainMs.toFixed(0).padStart(6)} ms   (training roc_auc ${(train.trainingAuc as number).toFixed(6)}, scikit-learn's ${skRun.auc.toFixed(6)})`,
  );
  console.log(`  ratio e2e / fit          ${(trainMs / fitMs).toFixed(2).padStart(6)}      (the rest: reading, checking and profiling the candidate)`);
  console.log(`  peak RSS (e2e process)   ${(train.maxRssMiB as number).toFixed(0).padStart(6)} MiB`);
}

if (process.argv.includes('--detection-only')) {
  section('scripts/bench/detection.ts', []);
  writeResults();
  process.exit(0);
}
console.log('upkeep bench: generating inputs (cached in .bench/) ...');
const file = benchParquet(ROWS, 1);
console.log(`  ${path.relative(PROJECT_DIR, file)}: ${(statSync(file).size / 2 ** 20).toFixed(1)} MiB, ${ROWS} rows × 20 features + label, snappy`);

/** The bench window in 10 evaluation shards (row groups), merged, against the single activity. */
function shardsSection(): void {
  console.log('\n== evaluation shards: the 1M-row window in 10 shards, merged, against one activity (default settings) ==');
  const r = child('', file, 'scripts/bench/shards.ts', ['10'], 1);
  const shardMs = r.shardMs as number[];
  const sizes = r.partialBytes as number[];
  console.log(
    `  one activity                    ${fmt(r.singleMs as number)}   (${r.rows as number} rows, roc_auc ${(r.singleMetrics as Record<string, number>).roc_auc?.toFixed(6)})`,
  );
  console.log(
    `  ${r.shards as number} shards, one after another    ${fmt(shardMs.reduce((a, b) => a + b, 0))}   (per shard ${fmt(Math.min(...shardMs)).trim()} .. ${fmt(Math.max(...shardMs)).trim()}, partial result encoded)`,
  );
  console.log(`  merge (decode, metrics, interval) ${fmt(r.mergeMs as number)}`);
  console.log(
    `  partial result per shard        ${(Math.max(...sizes) / 2 ** 20).toFixed(1).padStart(6)} MiB   (${(Math.max(...sizes) / ((r.rows as number) / (r.shards as number))).toFixed(0)} bytes a row)`,
  );
  const ci = r.confidence as { method: string; low: number; high: number } | undefined;
  console.log(
    `  merged summary equals one activity's  ${r.equal ? 'yes, exactly' : 'NO'} (metrics, counts, interval${ci ? ` ${ci.method} [${ci.low.toFixed(6)}, ${ci.high.toFixed(6)}]` : ''})`,
  );
}
const fmt = (v: number): string => `${v.toFixed(0).padStart(6)} ms`;
if (process.argv.includes('--shards-only')) {
  shardsSection();
  process.exit(0);
}
if (process.argv.includes('--importance-only')) {
  section('scripts/bench/importance.ts', []);
  writeResults();
  process.exit(0);
}
if (process.argv.includes('--multivariate-only')) {
  section('scripts/bench/multivariate.ts', []);
  writeResults();
  process.exit(0);
}
if (process.argv.includes('--sql-only')) {
  section('scripts/bench/sql.ts', []);
  writeResults();
  process.exit(0);
}
if (process.argv.includes('--large-only')) {
  section('scripts/bench/large.ts', []);
  writeResults();
  process.exit(0);
}
if (process.argv.includes('--training-only')) {
  retrainingSection(pythonPeer());
  writeResults();
  process.exit(0);
}
const realFile = realParquet(REAL_ROWS, 1);
await realModel();
console.log(
  `  ${path.relative(PROJECT_DIR, realFile)}: ${(statSync(realFile).size / 2 ** 20).toFixed(1)} MiB, ${REAL_ROWS} rows × 3 numeric + 1 string column + label, snappy`,
);
console.log(`  ${path.relative(PROJECT_DIR, REAL_MODEL)}: fitted by the builtin trainer (standardised numbers, one-hot string input, logistic regression)`);
const python = pythonPeer();

const windows = [
  { kind: 'bench20', file, model: BENCH_MODEL, spec: benchSpec(), title: `${ROWS / 1e6}M rows × 20 numeric features`, short: `${ROWS / 1e6}M × 20` },
  {
    kind: 'real3',
    file: realFile,
    model: REAL_MODEL,
    spec: realSpec(),
    title: `${REAL_ROWS / 1e6}M rows × 3 numeric + 1 string feature`,
    short: `${REAL_ROWS / 1e6}M real-shaped`,
  },
];
// `--window KIND`: one window's in-process figures alone (the machine's other sections skipped).
const only = process.argv.includes('--window') ? process.argv[process.argv.indexOf('--window') + 1] : undefined;
if (only !== undefined && !windows.some((w) => w.kind === only)) throw new Error(`--window: ${only}; the windows are ${windows.map((w) => w.kind).join(', ')}`);
for (const w of windows.filter((w) => only === undefined || w.kind === only)) {
  console.log(`\n== evaluation: ${w.title} (lower bound: median of ${REPEATS}; evaluations and peer: median of ${E2E_REPEATS}) ==`);
  const bound = child('bound', w.file, undefined, [w.kind]);
  const e2e = child('e2e', w.file, undefined, [w.kind], E2E_REPEATS);
  const decode = median(bound.decode as number[]);
  const infer = median(bound.infer as number[]);
  const lower = decode + infer;
  const on = median(e2e.times as number[]);
  const off = median(e2e.off as number[]);
  const rows = e2e.rows as number;
  const metrics = e2e.metrics as Record<string, number>;
  const peerSpec = {
    inputs: w.spec.inputs.map((i) => ({ name: i.name, type: i.type === 'string' ? 'string' : 'float', columns: i.columns })),
    label: w.spec.label.column,
    positive: w.spec.label.positive,
  };
  const pr = spawnSync(python, [path.join(PROJECT_DIR, 'scripts/bench/evaluation_peer.py'), w.file, w.model, JSON.stringify(peerSpec), String(E2E_REPEATS)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (pr.status !== 0) throw new Error(`Python peer failed:\n${pr.stderr}`);
  const peer = JSON.parse(pr.stdout.trim().split('\n').pop()!) as { times: number[]; metrics: Record<string, number>; versions: Record<string, string> };
  const peerMs = median(peer.times.map((t) => t * 1000));
  const diff = Math.max(...Object.entries(peer.metrics).map(([k, v]) => Math.abs(v - (metrics[k] ?? NaN))));
  console.log(`  decode alone                    ${fmt(decode)}`);
  console.log(`  inference alone                 ${fmt(infer)}`);
  console.log(`  lower bound (sum)               ${fmt(lower)}`);
  console.log(
    `  ours, default settings          ${fmt(on)}   ratio to the lower bound ${(on / lower).toFixed(2)}   (${rows} rows, roc_auc ${metrics.roc_auc?.toFixed(4)})`,
  );
  console.log(`  ours, interval off              ${fmt(off)}   ratio to the lower bound ${(off / lower).toFixed(2)}`);
  console.log(`  the interval's cost             ${(on / off).toFixed(2).padStart(6)}x     (default settings / interval off)`);
  // CPU time of every thread: what a machine shared with other work pays, whatever its load.
  const cpuBound = median(bound.decodeCpu as number[]) + median(bound.inferCpu as number[]);
  const cpuOn = median(e2e.cpu as number[]);
  console.log(
    `  CPU time, all threads           ${fmt(cpuOn)}   default settings (${fmt(median(e2e.offCpu as number[])).trim()} interval off); lower bound ${cpuBound.toFixed(0)} ms (decode ${median(bound.decodeCpu as number[]).toFixed(0)} + inference ${median(bound.inferCpu as number[]).toFixed(0)}), ratio ${(cpuOn / cpuBound).toFixed(2)}`,
  );
  console.log(`  throughput (default settings)   ${(((rows / on) * 1000) / 1e6).toFixed(2).padStart(6)} M rows/s`);
  console.log(`  peak RSS (our process)          ${(e2e.maxRssMiB as number).toFixed(0).padStart(6)} MiB`);
  console.log(
    `  Python peer                     ${fmt(peerMs)}   (pyarrow ${peer.versions.pyarrow} reads, onnxruntime ${peer.versions.onnxruntime} scores, scikit-learn ${peer.versions.sklearn}: ${Object.keys(peer.metrics).length} metrics; reading the file included)`,
  );
  console.log(
    `  ratio peer / ours               ${(peerMs / on).toFixed(2).padStart(6)}x     default settings; ${(peerMs / off).toFixed(2)}x with the interval off`,
  );
  console.log(`  same metrics                    largest difference ${diff.toExponential(1)}`);
  figure(
    `evaluate ${w.short} in process`,
    on / lower,
    { atMost: 1.25 },
    { unit: '×', of: 'lower bound', note: `medians ${on.toFixed(0)} / ${lower.toFixed(0)} ms` },
  );
  figure(
    `evaluate ${w.short}, Python peer`,
    peerMs / on,
    { atLeast: 2 },
    { unit: '×', of: 'slower than upkeep', note: `medians ${peerMs.toFixed(0)} / ${on.toFixed(0)} ms` },
  );
}

if (process.argv.includes('--in-process-only') || only !== undefined) {
  // The two windows' in-process figures alone (written to bench/RESULTS.md as the other `-only` runs are).
  writeResults();
  process.exit(0);
}
console.log('');
section('scripts/bench/whole-process.ts', [python]);
if (process.argv.includes('--evaluation-only')) {
  // The evaluation figures alone: both windows, the whole-process pair and the 10M-row window streamed.
  console.log('');
  section('scripts/bench/large.ts', ['--streamed-only']);
  writeResults();
  process.exit(0);
}

shardsSection();
section('scripts/bench/multivariate.ts', []);

console.log(`\n== drift and quality: 1M current rows × 20 columns against a 1M-row reference (median of ${REPEATS}) ==`);
const shifted = benchParquet(ROWS, 2, { meanShift: 0.2 });
const drift = child('', file, 'scripts/bench/drift.ts', [shifted]);
const driftCpu = median(drift.cpu as number[]);
const driftWall = median(drift.wall as number[]);
const ours = drift.columns as Record<string, { test: string; score: number | null; drifted: boolean | null }>;
console.log(`  CPU                      ${driftCpu.toFixed(0).padStart(6)} ms`);
figure('drift 1M × 20 CPU', driftCpu, { below: 2000 }, { unit: ' ms', digits: 0 });
console.log(`  wall                     ${driftWall.toFixed(0).padStart(6)} ms`);
console.log(
  `  drifted columns          ${
    Object.entries(ours)
      .filter(([, c]) => c.drifted)
      .map(([k]) => k)
      .join(', ') || 'none'
  } (dataset drift: ${drift.dataset})`,
);

retrainingSection(python);

console.log('');
section('scripts/bench/startup.ts', []);

console.log('');
section('scripts/bench/large.ts', []);

console.log('');
section('scripts/bench/fleet.ts', ['500']);

console.log('');
section('scripts/bench/audit.ts', []);

console.log('');
section('scripts/bench/evidence-pack.ts', []);

console.log('');
section('scripts/bench/status.ts', []);

console.log('');
section('scripts/bench/metrics.ts', []);
section('scripts/bench/business.ts', []);
section('scripts/bench/importance.ts', []);
section('scripts/bench/fairness.ts', []);

console.log('\n== weak-segment search on the 3M-row real-shaped window (CPU time, search off vs on, median of 3) ==');
section('scripts/bench/segments.ts', []);

console.log('');
section('scripts/bench/gbm.ts', []);
section('scripts/bench/cbpe.ts', []);
section('scripts/bench/detection.ts', []);
console.log('');
section('scripts/bench/sql.ts', []);

if (!withPeer) {
  console.log('\n  (npm run bench -- --peer also runs Evidently on the same files and prints the ratios)');
} else {
  const peerRuns: {
    wall: number;
    cpu: number;
    columns: Record<string, { method: string; score: number; drifted: boolean }>;
    dataset: { drifted: boolean };
    evidently: string;
  }[] = [];
  for (let i = 0; i < 3; i++) {
    const r = spawnSync(python, [path.join(PROJECT_DIR, 'scripts/bench/evidently_peer.py'), file, shifted, FEATURES.join(',')], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    if (r.status !== 0) throw new Error(`Evidently peer failed:\n${r.stderr}`);
    peerRuns.push(JSON.parse(r.stdout.trim().split('\n').pop()!));
  }
  console.log(`\n== drift peer ==`);
  const peer = peerRuns[0]!;
  const peerCpu = median(peerRuns.map((p) => p.cpu * 1000));
  const peerWall = median(peerRuns.map((p) => p.wall * 1000));
  // Evidently reports display names ("Wasserstein distance (normed)"); map them to test ids.
  const testId = (method: string | undefined): string => {
    const m = (method ?? '').toLowerCase();
    return m.includes('wasserstein')
      ? 'wasserstein'
      : m.includes('jensen')
        ? 'jensenshannon'
        : m.includes('k-s') || m.includes('kolmogorov')
          ? 'ks'
          : m.includes('chi')
            ? 'chisquare'
            : m.includes('z-test')
              ? 'z'
              : m.includes('psi')
                ? 'psi'
                : m;
  };
  const disagree = FEATURES.filter((f) => ours[f]?.drifted !== peer.columns[f]?.drifted || ours[f]?.test !== testId(peer.columns[f]?.method));
  console.log(`  Evidently ${peer.evidently} CPU       ${peerCpu.toFixed(0).padStart(6)} ms   (median of 3, reading the files excluded)`);
  console.log(`  Evidently wall           ${peerWall.toFixed(0).padStart(6)} ms`);
  console.log(`  ratio Evidently / ours   ${(peerCpu / driftCpu).toFixed(1).padStart(6)}x CPU, ${(peerWall / driftWall).toFixed(1)}x wall`);
  figure('drift, Evidently peer', peerCpu / driftCpu, { atLeast: 20 }, { unit: '×', digits: 1, of: 'more CPU than upkeep' });
  console.log(
    `  same test and decision   ${FEATURES.length - disagree.length} of ${FEATURES.length} columns${disagree.length ? ` (differ: ${disagree.join(', ')})` : ''}; dataset drift ${peer.dataset.drifted === drift.dataset ? 'agrees' : 'differs'}`,
  );
}

writeResults();
