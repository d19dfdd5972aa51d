/**
 * Multivariate drift benchmark (run by scripts/bench.ts, or alone with `--multivariate-only`):
 * the data reconstruction error (engine/multivariate/reconstruction.ts) on 1M rows × 20 columns
 * (18 correlated numbers, 2 categorical codes, 1% missing), built in memory before timing. Times
 * fitReconstruction on the 1M-row reference (imputation, encoding, standardisation, covariance,
 * eigen-decomposition, the reference chunks' errors) and reconstructionDrift on a 1M-row window
 * whose first two columns lost their correlation, median of 5, in CPU time (on a shared machine
 * wall time measures the neighbours), beside one plain pass over the same matrix (the sum of its
 * squares) timed in the same run. Target: reconstructionDrift well under a second (< 500 ms).
 */
import { fitReconstruction, reconstructionDrift } from '../../engine/multivariate/reconstruction.js';
import type { RowMatrix } from '../../engine/multivariate/types.js';
import { figure } from './figure.js';

const ROWS = 1_000_000;
const NUMBERS = 18;
const CODES = 2;
const REPEATS = 5;

function generator(seed: number): { uniform: () => number; normal: () => number } {
  let a = seed >>> 0;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return { uniform, normal: () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()) };
}

/** Rows driven by three latent factors (so that a few components explain most); `broken`: column f0 takes its own factor. */
function rows(seed: number, broken: boolean): RowMatrix {
  const g = generator(seed);
  const p = NUMBERS + CODES;
  const values = new Float64Array(ROWS * p);
  const factors = new Float64Array(3);
  for (let r = 0; r < ROWS; r++) {
    factors[0] = g.normal();
    factors[1] = g.normal();
    factors[2] = g.normal();
    const base = r * p;
    for (let j = 0; j < NUMBERS; j++) {
      const factor = broken && j === 0 ? g.normal() : factors[j % 3]!;
      values[base + j] = g.uniform() < 0.01 ? NaN : factor * (1 + j / 10) + 0.5 * g.normal() + j;
    }
    for (let j = 0; j < CODES; j++) values[base + NUMBERS + j] = Math.min(9, Math.floor(Math.abs(factors[j]! * 3)));
  }
  const columns = Array.from({ length: p }, (_, j) => (j < NUMBERS ? `f${j}` : `c${j - NUMBERS}`));
  return { columns, rows: ROWS, values, categorical: columns.map((_, j) => j >= NUMBERS) };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const reference = rows(1, false);
const current = rows(2, true);
const fit: number[] = [];
const drift: number[] = [];
const pass: number[] = [];
let state = fitReconstruction(reference, { chunkSize: 100_000 });
let result = reconstructionDrift(state, current);
let sink = 0;
for (let i = 0; i < REPEATS; i++) {
  let t = cpu();
  state = fitReconstruction(reference, { chunkSize: 100_000 });
  fit.push(cpu() - t);
  t = cpu();
  result = reconstructionDrift(state, current);
  drift.push(cpu() - t);
  t = cpu();
  const v = current.values;
  for (let j = 0; j < v.length; j++) sink += v[j]! === v[j]! ? v[j]! * v[j]! : 0;
  pass.push(cpu() - t);
}
console.log(`\n== multivariate drift: reconstruction error, ${ROWS / 1e6}M rows × ${NUMBERS + CODES} columns (CPU, median of ${REPEATS}) ==`);
console.log(
  `  fitReconstruction        ${median(fit).toFixed(0).padStart(6)} ms   (${state.components.length} components, ${(state.explained * 100).toFixed(1)}% of the variance)`,
);
console.log(
  `  reconstructionDrift      ${median(drift).toFixed(0).padStart(6)} ms   (error ${result.error.toFixed(4)}, band ${result.lower.toFixed(4)}..${result.upper.toFixed(4)}, alert ${result.alert})`,
);
console.log(
  `  one pass over the matrix ${median(pass).toFixed(0).padStart(6)} ms   (sum of squares, the lower bound of any method that reads every value${sink > 0 ? '' : '.'})`,
);
figure('reconstructionDrift 1M × 20', median(drift), { below: 500 }, { unit: ' ms', digits: 0 });
figure('fitReconstruction 1M × 20', median(fit), { below: 1500 }, { unit: ' ms', digits: 0 });
