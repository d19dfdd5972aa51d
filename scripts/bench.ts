/**
 * `npm run bench`: speed and memory figures, printed, never asserted.
 *
 * Evaluation: the evaluateSnapshot code path on a 1M-row × 20-feature Parquet file with a
 * logistic-regression ONNX model, against its lower bound measured in the same run (decode alone
 * plus inference alone). Medians of 5 repeats; each side runs in its own process so peak RSS is
 * its own. Targets on a 2-core machine: ratio ≤ 1.5, ≥ 1M rows/s, peak RSS < 1 GiB.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { benchParquet } from './bench/data.js';
import { PROJECT_DIR } from './lib/paths.js';

const ROWS = 1_000_000;
const REPEATS = 5;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function child(mode: string, file: string): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_DIR, 'scripts/bench/evaluation.ts'), mode, file, String(REPEATS)], {
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
