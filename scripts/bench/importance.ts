/**
 * Drift ranked by importance (run by scripts/bench.ts, or alone with `--importance-only`): the
 * added cost of the permutation importances on the 3M-row window's model (real3: three numbers and
 * a string input), beside the evaluation of that window measured once in the same run. Its
 * reference is the model's 200k training rows, profiled with the model (their 5,000-row labelled
 * sample is what the importances are measured on). Timed, median of 3, process CPU time (every
 * evaluation thread counted) and wall time:
 * - first: the importances measured and stored (a fresh store), 4 inputs × 5 permutations;
 * - cached: read back from the store (no drifted input: nothing is run);
 * - cached + effects: read back, every input counted as drifted (each moved to the window's
 *   distribution 5 times: the most a window of this model can cost).
 * Targets: the first measurement within 10% of the window's evaluation, a cached one within 1%.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EvaluationSummary } from '../../domain/evaluation.js';
import { createEvaluationEngine, type WindowFile } from '../../engine/evaluation/evaluate.js';
import { withImportance } from '../../engine/evaluation/importance/attach.js';
import { profileReferenceData, referenceFromProfile } from '../../engine/evaluation/reference.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { sha256Hex } from '../../engine/util.js';
import { figure } from './figure.js';
import { realModel, realParquet, realSpec } from './real-data.js';

const ROWS = 3_000_000;
const REPEATS = 3;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function parquetFile(file: string): WindowFile {
  return { name: path.basename(file), format: 'parquet', load: async () => new Uint8Array(readFileSync(file)) };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ cpu: number; wall: number; value: T }> {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const value = await fn();
  const d = process.cpuUsage(c0);
  return { cpu: (d.user + d.system) / 1000, wall: performance.now() - w0, value };
}

const modelFile = await realModel();
const window = realParquet(ROWS, 1);
const training = realParquet(200_000, 7);
const spec = realSpec();
const modelBytes = new Uint8Array(readFileSync(modelFile));
const base = { spec, modelBytes, modelKey: sha256Hex(modelBytes), artifactName: 'real3.onnx' };
const model = { modelId: spec.id, artifactSha256: base.modelKey };
const engine = createEvaluationEngine();
const dir = mkdtempSync(path.join(tmpdir(), 'upkeep-bench-importance-'));
try {
  const { profile } = await profileReferenceData({
    ...base,
    files: [parquetFile(training)],
    engine,
    createdAt: '2026-01-01T00:00:00.000Z',
    source: 'training',
  });
  const o = { ...base, reference: referenceFromProfile(profile, spec) };
  const evaluation = await timed(() => engine.evaluate({ ...o, files: [parquetFile(window)] }));
  const summary = evaluation.value;
  const drift = summary.drift!;
  const allDrifted: EvaluationSummary = { ...summary, drift: { ...drift, drifted_columns: Object.keys(drift.columns) } };
  const first: { cpu: number; wall: number }[] = [];
  const cached: { cpu: number; wall: number }[] = [];
  const effects: { cpu: number; wall: number }[] = [];
  let rows = 0;
  for (let r = 0; r < REPEATS; r++) {
    const store = createFileStore(path.join(dir, `store-${r}`));
    const one = await timed(() => withImportance({ store, engine }, model, o, summary));
    rows = one.value.drift!.importance!.rows;
    first.push(one);
    cached.push(await timed(() => withImportance({ store, engine }, model, o, summary)));
    effects.push(await timed(() => withImportance({ store, engine }, model, o, allDrifted)));
  }
  const med = (xs: { cpu: number; wall: number }[]) => ({ cpu: median(xs.map((x) => x.cpu)), wall: median(xs.map((x) => x.wall)) });
  const f = med(first);
  const c = med(cached);
  const e = med(effects);
  const ms = (x: { cpu: number; wall: number }): string => `${x.cpu.toFixed(0)} ms CPU, ${x.wall.toFixed(0)} ms wall`;
  console.log(`== drift ranked by importance: model real3 (4 inputs), ${rows} labelled reference rows, window of ${ROWS.toLocaleString('en')} rows ==`);
  console.log(`  the window's evaluation (once): ${ms(evaluation)}`);
  console.log(`  importances, first (measured and stored): ${ms(f)}`);
  console.log(`  importances, cached (no drifted input): ${ms(c)}`);
  console.log(`  importances, cached + effects of 4 drifted inputs: ${ms(e)}`);
  figure('importance first, share of the 3M evaluation (CPU)', (100 * f.cpu) / evaluation.cpu, { atMost: 10 }, { unit: '%', digits: 1 });
  figure('importance cached, share of the 3M evaluation (CPU)', (100 * c.cpu) / evaluation.cpu, { atMost: 1 }, { unit: '%', digits: 2 });
  figure('importance cached + 4 effects, share of the 3M evaluation (CPU)', (100 * e.cpu) / evaluation.cpu, { atMost: 5 }, { unit: '%', digits: 1 });
} finally {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
}
