/**
 * Business metrics benchmark (run by scripts/bench.ts): on a 3M-row window, the CPU time of each
 * business metric (docs/statistics/business-metrics.md) beside what the evaluation already pays
 * for the same rows — roc_auc and average precision from the split, sorted scores — measured in
 * the same run, medians of 5. The precision-recall targets share one sort: four targets should
 * cost about the sort alone. Then the declared metrics (models[].metrics) as an evaluation computes
 * them, with their intervals, on a 1M-row window beside its catalogue metrics; and a curve
 * metric's bootstrap in one call against its resample ranges spread over the evaluation threads.
 */
import { matrixCost, metricsAtThreshold, withinErrorBand } from '../../engine/evaluation/metrics/business.js';
import { precisionAtRecall, recallAtPrecision, sortScores } from '../../engine/evaluation/metrics/pr-targets.js';
import { rankingStats, splitColumn } from '../../engine/evaluation/metrics/ranking.js';
import { Mulberry32 } from '../../engine/math/random.js';
import { declaredMetricSpec } from '../../domain/business-config.js';
import type { ModelSpec } from '../../domain/config.js';
import { metricsOf } from '../../engine/evaluation/collected-metrics.js';
import { declaredGated, declaredGatedOrPending } from '../../engine/evaluation/declared-metrics.js';
import { ShardPool } from '../../engine/evaluation/engine.js';
import { completePending } from '../../engine/evaluation/pending-bootstraps.js';
import type { FinishedEvaluation } from '../../engine/evaluation/types.js';
import os from 'node:os';
import type { Collected } from '../../engine/evaluation/evaluator.js';

const N = 3_000_000;
const REPEATS = 5;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const rng = new Mulberry32(20261207);
const rand = (): number => rng.next();
const yTrue = new Int32Array(N);
const yPred = new Int32Array(N);
const proba = new Float64Array(2 * N);
const scores = new Float32Array(N);
const yReg = new Float64Array(N);
const yRegPred = new Float64Array(N);
for (let i = 0; i < N; i++) {
  const y = rand() < 0.3 ? 1 : 0;
  // Float32 scores rounded to 1e-4: ties, as a calibrated model's outputs have.
  const s = Math.fround(Math.round(Math.min(1, Math.max(0, 0.35 + 0.3 * y + 0.25 * (rand() - 0.5) * 2)) * 1e4) / 1e4);
  yTrue[i] = y;
  scores[i] = s;
  proba[2 * i] = 1 - s;
  proba[2 * i + 1] = s;
  yPred[i] = s >= 0.5 ? 1 : 0;
  yReg[i] = 100 * rand();
  yRegPred[i] = yReg[i]! + 10 * (rand() - 0.5);
}

function cpuMs(fn: () => unknown): number {
  const times: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = process.cpuUsage();
    fn();
    const d = process.cpuUsage(t0);
    times.push((d.user + d.system) / 1000);
  }
  return median(times);
}

const cost = [
  [0, 5],
  [100, -2.5],
];
const baseline = cpuMs(() => {
  const { pos, neg } = splitColumn(
    yTrue,
    scores,
    1,
    0,
    1,
    yTrue.reduce((a, b) => a + b, 0),
  );
  return rankingStats(pos, neg);
});
const targets = cpuMs(() => {
  const s = sortScores(yTrue, scores, 1);
  return [recallAtPrecision(s, 0.9), recallAtPrecision(s, 0.8), precisionAtRecall(s, 0.5), precisionAtRecall(s, 0.9)];
});
const sortOnly = cpuMs(() => sortScores(yTrue, scores, 1));
const rows: [string, number][] = [
  ['roc_auc + average_precision (today)', baseline],
  ['sortScores alone (the one sort)', sortOnly],
  ['sortScores + 4 precision-recall targets', targets],
  ['cost matrix, classes given', cpuMs(() => matrixCost(yTrue, { kind: 'classes', yPred }, cost))],
  ['cost matrix, argmax of proba', cpuMs(() => matrixCost(yTrue, { kind: 'argmax', proba }, cost))],
  ['cost matrix, threshold 0.4', cpuMs(() => matrixCost(yTrue, { kind: 'threshold', scores, threshold: 0.4, positive: 1 }, cost))],
  ['metrics at threshold 0.4', cpuMs(() => metricsAtThreshold(yTrue, scores, 1, 0.4))],
  ['error band ±2 (absolute)', cpuMs(() => withinErrorBand(yReg, yRegPred, 2))],
  ['error band ±5% (relative)', cpuMs(() => withinErrorBand(yReg, yRegPred, 0.05, 'relative'))],
];
console.log(`== business metrics on ${N.toLocaleString('en')} rows (CPU time, median of ${REPEATS}) ==`);
for (const [name, ms] of rows) console.log(`  ${name.padEnd(42)} ${ms.toFixed(0).padStart(6)} ms   ${(ms / baseline).toFixed(2)}× today's ranking metrics`);

// Declared metrics (models[].metrics) on a 1M-row labelled window, as an evaluation computes them
// (engine/evaluation/declared-metrics.ts, default significance: auto, 200 resamples): the value and
// its interval, beside the catalogue metrics of the same rows measured in the same run.
const W = 1_000_000;
const window = {
  task: 'binary' as const,
  rows: W,
  yTrueClass: yTrue.subarray(0, W),
  yPredClass: yPred.subarray(0, W),
  proba: Float32Array.from(proba.subarray(0, 2 * W)),
};
const declaredSpec = (metrics: unknown[]): ModelSpec =>
  ({
    id: 'bench',
    metrics: metrics.map((m) => declaredMetricSpec.parse(m)),
    monitor: { significance: { resamples: 200, confidence: 0.95, seed: 0 } },
  }) as unknown as ModelSpec;
const costMetric = { name: 'cost', kind: 'cost_matrix', matrix: { 0: { 0: 0, 1: 5 }, 1: { 0: 100, 1: -2.5 } } };
const f1Metric = { name: 'f1_at_04', kind: 'at_threshold', metric: 'f1', threshold: 0.4 };
const curveMetric = { name: 'recall_at_p90', kind: 'recall_at_precision', precision: 0.9 };
const declaredMs = (metrics: unknown[]): number => cpuMs(() => declaredGated(declaredSpec(metrics), ['0', '1'], 1, window));
const catalogue = cpuMs(() => metricsOf(window as Collected, 2, 1));
const declaredRows: [string, number][] = [
  ['catalogue metrics of the window (today)', catalogue],
  ['cost matrix (CLT interval)', declaredMs([costMetric])],
  ['f1 at threshold 0.4 (delta interval)', declaredMs([f1Metric])],
  ['recall at precision 0.9 (bootstrap, 200)', declaredMs([curveMetric])],
  ['all three', declaredMs([costMetric, f1Metric, curveMetric])],
];
console.log(`== declared business metrics on a ${W.toLocaleString('en')}-row window, with intervals (CPU time, median of ${REPEATS}) ==`);
for (const [name, ms] of declaredRows)
  console.log(`  ${name.padEnd(42)} ${ms.toFixed(0).padStart(6)} ms   ${(ms / catalogue).toFixed(2)}× the catalogue metrics`);

// The curve metric's 200 resamples spread over the evaluation threads (pending-bootstraps.ts, as the
// engine runs a large window's), beside the same resamples in one call: wall and CPU time (every
// thread's), medians of 3, and the intervals checked equal bit for bit.
const threads = Math.max(2, Math.min(4, os.availableParallelism()));
const curveSpec = declaredSpec([curveMetric]);
const wallCpu = async (fn: () => unknown): Promise<{ wall: number; cpu: number }> => {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await fn();
    const d = process.cpuUsage(c0);
    walls.push(performance.now() - t0);
    cpus.push((d.user + d.system) / 1000);
  }
  return { wall: median(walls), cpu: median(cpus) };
};
let inline: unknown;
const single = await wallCpu(() => (inline = declaredGated(curveSpec, ['0', '1'], 1, window)));
const pool = new ShardPool(threads);
let spread: unknown;
const spreadOnce = async (): Promise<void> => {
  const { gated, pending } = declaredGatedOrPending(curveSpec, ['0', '1'], 1, window, true);
  const done = { summary: { gated, durationMs: 0 }, pendingDeclared: pending ? [pending] : [] } as unknown as FinishedEvaluation;
  await completePending(done, threads, (m) => pool.run(m), Date.now());
  spread = done.summary.gated;
};
await spreadOnce(); // the threads started and their code loaded before timing
const parallel = await wallCpu(spreadOnce);
await pool.close();
if (JSON.stringify(spread) !== JSON.stringify(inline)) throw new Error(`the spread bootstrap differs: ${JSON.stringify(spread)} vs ${JSON.stringify(inline)}`);
console.log(
  `== recall at precision 0.9 with its 200-resample bootstrap on ${W.toLocaleString('en')} rows: one call vs ${threads} evaluation threads (medians of 3) ==`,
);
for (const [name, t] of [
  ['one call (one thread)', single],
  [`resample ranges over ${threads} threads`, parallel],
] as const)
  console.log(
    `  ${name.padEnd(42)} wall ${t.wall.toFixed(0).padStart(6)} ms   CPU ${t.cpu.toFixed(0).padStart(6)} ms   wall ${(t.wall / single.wall).toFixed(2)}× one call`,
  );
console.log('  the intervals are bit-identical');
