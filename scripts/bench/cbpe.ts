/**
 * CBPE speed (engine/estimation/cbpe.ts): fitting on a 1M-row reference (NannyML's calibration rule
 * with its ten held-out splits, the isotonic maps, the sampling-error statistics) and estimating a
 * 1M-row window, binary and 3-class, on seeded synthetic calibrated scores. Targets: each under
 * 1 s on the 2-core machine. Run alone: `node --import tsx scripts/bench/cbpe.ts [repeats]`.
 */
import { estimateCbpe, fitCbpe, type ClassScores } from '../../engine/estimation/cbpe.js';
import { Mt19937 } from '../../engine/math/mt19937.js';
import { figure } from './figure.js';

const ROWS = 1_000_000;
const repeats = Number(process.argv[2] ?? 5);

/** Rows whose class probabilities come from a softmax of random logits and whose label is drawn from them. */
function scores(k: number, seed: number): ClassScores & { yTrue: Int32Array } {
  const rng = new Mt19937(seed);
  const u = (): number => (rng.nextUint32() + 0.5) / 2 ** 32;
  const proba = new Float64Array(ROWS * k);
  const yPred = new Int32Array(ROWS);
  const yTrue = new Int32Array(ROWS);
  const logits = new Float64Array(k);
  for (let i = 0; i < ROWS; i++) {
    let sum = 0;
    let best = 0;
    for (let c = 0; c < k; c++) {
      logits[c] = Math.exp(2 * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
      sum += logits[c]!;
    }
    let r = u();
    let label = k - 1;
    for (let c = 0; c < k; c++) {
      const p = logits[c]! / sum;
      proba[i * k + c] = Math.fround(p);
      if (p > proba[i * k + best]!) best = c;
      if (r < p && label === k - 1) label = c;
      r -= p;
    }
    yPred[i] = best;
    yTrue[i] = label;
  }
  const classes = Array.from({ length: k }, (_, c) => `c${c}`);
  return k === 2 ? { task: 'binary', classes, positive: 1, rows: ROWS, proba, yPred, yTrue } : { task: 'multiclass', classes, rows: ROWS, proba, yPred, yTrue };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
/** Wall and CPU milliseconds of one call (CPU tells the code's cost apart from a busy machine's). */
const time = (f: () => void): [wall: number, cpu: number] => {
  const c = process.cpuUsage();
  const t = performance.now();
  f();
  const d = process.cpuUsage(c);
  return [performance.now() - t, (d.user + d.system) / 1000];
};

console.log(`== CBPE: 1M-row reference and 1M-row window (median of ${repeats}) ==`);
for (const [k, metrics] of [
  [2, ['roc_auc', 'accuracy', 'precision', 'recall', 'f1', 'balanced_accuracy']],
  [3, ['roc_auc_ovr_macro', 'accuracy', 'precision_macro', 'recall_macro', 'f1_macro', 'balanced_accuracy']],
] as const) {
  const reference = scores(k, 1);
  const window = scores(k, 2);
  const fits: [number, number][] = [];
  const estimates: [number, number][] = [];
  let state = fitCbpe(reference, { metrics });
  for (let r = 0; r < repeats; r++) {
    fits.push(time(() => (state = fitCbpe(reference, { metrics }))));
    estimates.push(time(() => estimateCbpe(state, window)));
  }
  const name = k === 2 ? 'binary' : `${k}-class`;
  const cpu = (xs: [number, number][]): string => `CPU ${(median(xs.map((x) => x[1])) / 1000).toFixed(3)} s`;
  figure(`CBPE fit, 1M ${name} rows`, median(fits.map((x) => x[0])) / 1000, { below: 1 }, { unit: ' s', digits: 3, note: cpu(fits) });
  figure(`CBPE estimate, 1M ${name} rows`, median(estimates.map((x) => x[0])) / 1000, { below: 1 }, { unit: ' s', digits: 3, note: cpu(estimates) });
}
