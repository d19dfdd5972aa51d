/**
 * `npm run bench`: speed and memory figures, printed, never asserted.
 *
 * Evaluation: the evaluateSnapshot code path on a 1M-row × 20-feature Parquet file with a
 * logistic-regression ONNX model, against its lower bound measured in the same run (decode alone
 * plus inference alone). Medians of 5 repeats; each side runs in its own process so peak RSS is
 * its own. Targets on a 2-core machine: ratio ≤ 1.5, ≥ 1M rows/s, peak RSS < 1 GiB.
 *
 * Retraining: the builtin fit alone against the whole trainCandidate activity (read, fit, export,
 * check and profile the candidate, register it) on the same 1M rows; with --peer also
 * scikit-learn's fit of the same model. Drift: see below.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { BENCH_DIR, benchParquet, FEATURES } from './bench/data.js';
import { PROJECT_DIR } from '../workers/paths.js';

const ROWS = 1_000_000;
const REPEATS = 5;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const withPeer = process.argv.includes('--peer');

function child(mode: string, file: string, script = 'scripts/bench/evaluation.ts', extra: string[] = []): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_DIR, script), ...(mode ? [mode] : []), file, ...extra, String(REPEATS)], {
    cwd: PROJECT_DIR,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`bench ${mode} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

console.log('upkeep bench: generating inputs (cached in .bench/) ...');
const file = benchParquet(ROWS, 1);
console.log(`  ${path.relative(PROJECT_DIR, file)}: ${(statSync(file).size / 2 ** 20).toFixed(1)} MiB, ${ROWS} rows × 20 features + label, snappy`);

console.log(`\n== evaluation (median of ${REPEATS}) ==`);
const bound = child('bound', file);
const e2e = child('e2e', file);
const decode = median(bound.decode as number[]);
const infer = median(bound.infer as number[]);
const total = median(e2e.times as number[]);
const lower = decode + infer;
const rows = e2e.rows as number;
console.log(`  decode alone             ${decode.toFixed(0).padStart(6)} ms`);
console.log(`  inference alone          ${infer.toFixed(0).padStart(6)} ms`);
console.log(`  lower bound (sum)        ${lower.toFixed(0).padStart(6)} ms`);
console.log(`  evaluateWindow e2e       ${total.toFixed(0).padStart(6)} ms   (${rows} rows, roc_auc ${(e2e.roc_auc as number).toFixed(4)})`);
console.log(`  ratio e2e / lower bound  ${(total / lower).toFixed(2).padStart(6)}      target ≤ 1.5`);
console.log(`  throughput               ${((rows / total) * 1000 / 1e6).toFixed(2).padStart(6)} M rows/s   target ≥ 1`);
console.log(`  peak RSS (e2e process)   ${(e2e.maxRssMiB as number).toFixed(0).padStart(6)} MiB   target < 1024`);
console.log(`  e2e with 200 bootstrap resamples of roc_auc (the default significance)  ${median(e2e.withBootstrap as number[]).toFixed(0)} ms`);

console.log(`\n== drift and quality: 1M current rows × 20 columns against a 1M-row reference (median of ${REPEATS}) ==`);
const shifted = benchParquet(ROWS, 2, { meanShift: 0.2 });
const drift = child('', file, 'scripts/bench/drift.ts', [shifted]);
const driftCpu = median(drift.cpu as number[]);
const driftWall = median(drift.wall as number[]);
const ours = drift.columns as Record<string, { test: string; score: number | null; drifted: boolean | null }>;
console.log(`  CPU                      ${driftCpu.toFixed(0).padStart(6)} ms   target < 2000`);
console.log(`  wall                     ${driftWall.toFixed(0).padStart(6)} ms`);
console.log(`  drifted columns          ${Object.entries(ours).filter(([, c]) => c.drifted).map(([k]) => k).join(', ') || 'none'} (dataset drift: ${drift.dataset})`);

console.log(`\n== retraining: builtin logistic regression on 1M rows × 20 features (median of ${REPEATS}) ==`);
const fit = child('fit', file, 'scripts/bench/training.ts', []);
const train = child('e2e', file, 'scripts/bench/training.ts', []);
const fitMs = median(fit.times as number[]);
const trainMs = median(train.times as number[]);
console.log(`  fit alone                ${fitMs.toFixed(0).padStart(6)} ms   (${fit.solver}, ${fit.iterations} iterations, converged ${fit.converged})`);
console.log(`  trainCandidate e2e       ${trainMs.toFixed(0).padStart(6)} ms   (training roc_auc ${(train.trainingAuc as number).toFixed(4)})`);
console.log(`  ratio e2e / fit          ${(trainMs / fitMs).toFixed(2).padStart(6)}      (the rest: reading, checking and profiling the candidate)`);
console.log(`  peak RSS (e2e process)   ${(train.maxRssMiB as number).toFixed(0).padStart(6)} MiB`);

if (!withPeer) {
  console.log('\n  (npm run bench -- --peer also runs Evidently and scikit-learn on the same files and prints the ratios)');
} else {
  const venv = path.join(BENCH_DIR, 'pyenv');
  const python = path.join(venv, 'bin', 'python');
  if (!existsSync(python)) {
    console.log('  installing the Python peer (Evidently, pinned) into .bench/pyenv ...');
    const mk = spawnSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    const pip = mk.status === 0 && spawnSync(python, ['-m', 'pip', 'install', '--quiet', '-r', path.join(PROJECT_DIR, 'scripts/fixtures/requirements-drift.txt'), 'pyarrow==26.0.1'], { stdio: 'inherit' });
    if (!pip || pip.status !== 0) throw new Error('could not install the Evidently peer');
  }
  const peerRuns: { wall: number; cpu: number; columns: Record<string, { method: string; score: number; drifted: boolean }>; dataset: { drifted: boolean }; evidently: string }[] = [];
  for (let i = 0; i < 3; i++) {
    const r = spawnSync(python, [path.join(PROJECT_DIR, 'scripts/bench/evidently_peer.py'), file, shifted, FEATURES.join(',')], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`Evidently peer failed:\n${r.stderr}`);
    peerRuns.push(JSON.parse(r.stdout.trim().split('\n').pop()!));
  }
  const sk = spawnSync(python, [path.join(PROJECT_DIR, 'scripts/bench/sklearn_peer.py'), file, FEATURES.join(','), 'y', '3'], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (sk.status !== 0) throw new Error(`scikit-learn peer failed:\n${sk.stderr}`);
  const skRun = JSON.parse(sk.stdout.trim().split('\n').pop()!) as { times: number[]; auc: number; sklearn: string };
  const skMs = median(skRun.times.map((t) => t * 1000));
  console.log(`  scikit-learn ${skRun.sklearn} fit    ${skMs.toFixed(0).padStart(6)} ms   (StandardScaler + LogisticRegression(C=1, lbfgs), median of 3)`);
  console.log(`  ratio builtin / sklearn  ${(fitMs / skMs).toFixed(2).padStart(6)}x      training roc_auc ${skRun.auc.toFixed(6)} vs ours ${(train.trainingAuc as number).toFixed(6)}`);
  console.log(`\n== drift peer ==`);
  const peer = peerRuns[0]!;
  const peerCpu = median(peerRuns.map((p) => p.cpu * 1000));
  const peerWall = median(peerRuns.map((p) => p.wall * 1000));
  // Evidently reports display names ("Wasserstein distance (normed)"); map them to test ids.
  const testId = (method: string | undefined): string => {
    const m = (method ?? '').toLowerCase();
    return m.includes('wasserstein') ? 'wasserstein' : m.includes('jensen') ? 'jensenshannon' : m.includes('k-s') || m.includes('kolmogorov') ? 'ks' : m.includes('chi') ? 'chisquare' : m.includes('z-test') ? 'z' : m.includes('psi') ? 'psi' : m;
  };
  const disagree = FEATURES.filter((f) => ours[f]?.drifted !== peer.columns[f]?.drifted || ours[f]?.test !== testId(peer.columns[f]?.method));
  console.log(`  Evidently ${peer.evidently} CPU       ${peerCpu.toFixed(0).padStart(6)} ms   (median of 3, reading the files excluded)`);
  console.log(`  Evidently wall           ${peerWall.toFixed(0).padStart(6)} ms`);
  console.log(`  ratio Evidently / ours   ${(peerCpu / driftCpu).toFixed(1).padStart(6)}x CPU, ${(peerWall / driftWall).toFixed(1)}x wall   target ≥ 20x`);
  console.log(`  same test and decision   ${FEATURES.length - disagree.length} of ${FEATURES.length} columns${disagree.length ? ` (differ: ${disagree.join(', ')})` : ''}; dataset drift ${peer.dataset.drifted === drift.dataset ? 'agrees' : 'differs'}`);
}
