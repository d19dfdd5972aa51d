/**
 * Fairness benchmark (run by scripts/bench.ts): on a 3M-row binary window, the CPU time fairness
 * across groups adds (docs/statistics/fairness.md) — two sensitive columns (2 and 5 values) and
 * their intersection (10 groups) — beside what the evaluation already pays for the same rows (every
 * catalogue metric), measured in the same run: the per-group figures and gaps alone, then with the
 * default 200-resample within-group bootstrap; then, on the first 1M rows, with three declared
 * business metrics per group (a cost matrix, f1 at a threshold, recall at a precision: only the last
 * is resampled, the others have closed forms on groups this large), in one thread and with the
 * groups' resamples spread over the evaluation threads (wall and CPU time, checked bit-identical).
 * Medians of REPEATS (the bootstraps: once; they are long).
 *
 *   node --import tsx scripts/bench/fairness.ts [rows, default 3000000] [resamples, default 200]
 */
import { fairnessSpec } from '../../domain/fairness-config.js';
import { assessFairness } from '../../engine/evaluation/fairness/index.js';
import { binaryMetrics } from '../../engine/evaluation/metrics/index.js';
import { groupDeclared } from '../../engine/evaluation/fairness/declared.js';
import { declaredMetricSpec } from '../../domain/business-config.js';
import type { ModelSpec } from '../../domain/config.js';
import { ShardPool } from '../../engine/evaluation/engine.js';
import { completePending } from '../../engine/evaluation/pending-bootstraps.js';
import type { FinishedEvaluation } from '../../engine/evaluation/types.js';
import os from 'node:os';
import { Mulberry32 } from '../../engine/math/random.js';

const N = Number(process.argv[2] ?? 3_000_000);
const B = Number(process.argv[3] ?? 200);
const REPEATS = 3;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const rng = new Mulberry32(20261208);
const rand = (): number => rng.next();
const yTrue = new Int32Array(N);
const yPred = new Int32Array(N);
const proba = new Float32Array(2 * N);
const sex = new Int32Array(N);
const age = new Int32Array(N);
for (let i = 0; i < N; i++) {
  sex[i] = rand() < 0.45 ? 0 : 1;
  age[i] = Math.floor(rand() * 5);
  const y = rand() < 0.3 ? 1 : 0;
  const s = Math.fround(Math.round(Math.min(1, Math.max(0, 0.35 + 0.3 * y + 0.05 * sex[i]! + 0.25 * (rand() - 0.5) * 2)) * 1e4) / 1e4);
  yTrue[i] = y;
  proba[2 * i] = 1 - s;
  proba[2 * i + 1] = s;
  yPred[i] = s >= 0.5 ? 1 : 0;
}
const data = { task: 'binary' as const, yTrue, yPred, proba, nClasses: 2, positive: 1 };
const columns = { sex: { codes: sex, values: ['F', 'M'] }, age: { codes: age, values: ['18-25', '26-35', '36-50', '51-65', '65+'] } };
const spec = fairnessSpec.parse({ columns: ['sex', 'age'], intersections: [['sex', 'age']] });

function cpuMs(fn: () => unknown, repeats = REPEATS): number {
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = process.cpuUsage();
    fn();
    const d = process.cpuUsage(t0);
    times.push((d.user + d.system) / 1000);
  }
  return median(times);
}

const metric = 'roc_auc';
const baseline = cpuMs(() => binaryMetrics(data));
const points = cpuMs(() => assessFairness(data, { metric, spec, columns, resamples: 0, confidence: 0.95, seed: 0 }));
const boot = cpuMs(() => assessFairness(data, { metric, spec, columns, resamples: B, confidence: 0.95, seed: 0 }), 1);
const modelSpec = {
  id: 'bench',
  metrics: [
    { name: 'cost', kind: 'cost_matrix', matrix: { 0: { 0: 0, 1: 5 }, 1: { 0: 100, 1: -2.5 } } },
    { name: 'f1_at_04', kind: 'at_threshold', metric: 'f1', threshold: 0.4 },
    { name: 'recall_at_p90', kind: 'recall_at_precision', precision: 0.9 },
  ].map((m) => declaredMetricSpec.parse(m)),
  monitor: { significance: { resamples: B, confidence: 0.95, seed: 0 } },
} as unknown as ModelSpec;
// The declared metrics on the first 1M rows (at most): the resampled one costs B draws per row per column and intersection.
const D = Math.min(N, 1_000_000);
const dData = { ...data, yTrue: yTrue.subarray(0, D), yPred: yPred.subarray(0, D), proba: proba.subarray(0, 2 * D) };
const dColumns = { sex: { ...columns.sex, codes: sex.subarray(0, D) }, age: { ...columns.age, codes: age.subarray(0, D) } };
const dRows = { task: 'binary' as const, rows: D, yTrueClass: dData.yTrue, yPredClass: dData.yPred, proba: dData.proba };
const dOptions = { metric, spec, columns: dColumns, resamples: B, confidence: 0.95, seed: 0 };
const plainBoot = cpuMs(() => assessFairness(dData, dOptions), 1);
const wallCpu = async (fn: () => unknown): Promise<{ wall: number; cpu: number }> => {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await fn();
  const d = process.cpuUsage(c0);
  return { wall: performance.now() - t0, cpu: (d.user + d.system) / 1000 };
};
let inline: unknown;
const oneThread = await wallCpu(() => (inline = assessFairness(dData, { ...dOptions, declared: groupDeclared(modelSpec, ['0', '1'], 1, dRows, 2)! })));
// As an evaluation runs it: the large groups' resamples left pending, then spread over the evaluation threads.
const threads = Math.max(2, Math.min(4, os.availableParallelism()));
const pool = new ShardPool(threads);
let spread: unknown;
const spreadOnce = async (): Promise<void> => {
  const declared = groupDeclared(modelSpec, ['0', '1'], 1, dRows, 2, true)!;
  const report = assessFairness(dData, { ...dOptions, declared });
  const done = { summary: { fairness: report, durationMs: 0 }, pendingDeclared: declared.pending } as unknown as FinishedEvaluation;
  await completePending(done, threads, (m) => pool.run(m), Date.now());
  spread = report;
};
await spreadOnce(); // the threads started and their code loaded before timing
const overThreads = await wallCpu(spreadOnce);
await pool.close();
if (JSON.stringify(spread) !== JSON.stringify(inline))
  throw new Error('the declared metrics per group differ when their resamples are spread over the threads');
console.log(`== fairness across groups on ${N.toLocaleString('en')} rows: sex (2) + age (5) + sex,age (10), ${metric} (CPU time) ==`);
const rows: [string, number][] = [
  ['every catalogue metric of the window (today)', baseline],
  ['fairness: per-group figures and gaps, no intervals', points],
  [`fairness with the ${B}-resample within-group bootstrap`, boot],
];
for (const [name, ms] of rows) console.log(`  ${name.padEnd(56)} ${ms.toFixed(0).padStart(8)} ms  (${(ms / baseline).toFixed(2)}× today's metrics)`);
console.log(`== the same on ${D.toLocaleString('en')} rows, with 3 declared metrics per group (only recall at precision 0.9 resampled; once each) ==`);
console.log(`  fairness with the ${B}-resample bootstrap, no declared metric    CPU ${plainBoot.toFixed(0).padStart(6)} ms`);
for (const [name, t] of [
  ['and the declared metrics, one thread', oneThread],
  [`and the declared metrics, resamples over ${threads} threads`, overThreads],
] as const)
  console.log(
    `  ${name.padEnd(56)} CPU ${t.cpu.toFixed(0).padStart(6)} ms   wall ${t.wall.toFixed(0).padStart(6)} ms (${(t.wall / oneThread.wall).toFixed(2)}×)`,
  );
console.log('  the per-group intervals are bit-identical');
