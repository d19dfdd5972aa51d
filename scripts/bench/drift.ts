/**
 * Drift and quality benchmark process (run by scripts/bench.ts): the current window's 20 feature
 * columns against a whole 1M-row reference, the work an evaluation does besides inference —
 * sketch (sort) the current columns, every drift statistic per column, the dataset verdict and the
 * quality checks. The reference is profiled before timing (exact: every one of its 1M values,
 * sorted, as a reference that is profiled once and used by every evaluation), and both files are
 * decoded before timing. Prints one JSON line: wall and CPU milliseconds per repeat, and the
 * per-column decisions.
 */
import { readFileSync } from 'node:fs';
import { readTable } from '../../engine/data/read-table.js';
import { assessDrift } from '../../engine/drift/assess.js';
import { checkQuality } from '../../engine/drift/quality.js';
import { profileFromSketch, sketchColumn, type ColumnSketch } from '../../engine/drift/sketch.js';
import type { ReferenceProfile } from '../../engine/drift/profile.js';
import { FEATURES } from './data.js';
import { QUALITY_SAMPLE } from '../../engine/evaluation/window-quality.js';

const [refFile, curFile, repeatsArg] = process.argv.slice(2);
const repeats = Number(repeatsArg ?? 5);
const ref = await readTable(new Uint8Array(readFileSync(refFile!)), { source: 'reference.parquet', columns: FEATURES });
const cur = await readTable(new Uint8Array(readFileSync(curFile!)), { source: 'current.parquet', columns: FEATURES });

const sketch = (t: typeof ref): Record<string, ColumnSketch> => Object.fromEntries(FEATURES.map((f) => [f, sketchColumn(t.columns.get(f)!, t.rowCount)]));
const reference = sketch(ref);
const profile = { columns: Object.fromEntries(FEATURES.map((f) => [f, profileFromSketch(reference[f]!)])) } as unknown as ReferenceProfile;

const wall: number[] = [];
const cpu: number[] = [];
let decisions: Record<string, { test: string; score: number | null; drifted: boolean | null }> = {};
let dataset: boolean | null = null;
for (let i = 0; i < repeats; i++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const current = sketch(cur);
  const drift = assessDrift({ reference, current, columns: FEATURES, settings: { share: 0.5, columns: {} } });
  checkQuality(profile, Object.fromEntries(FEATURES.map((f) => [f, profileFromSketch(current[f]!, QUALITY_SAMPLE)])), { requiredColumns: FEATURES });
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000);
  wall.push(performance.now() - t0);
  decisions = Object.fromEntries(Object.entries(drift.columns).map(([k, v]) => [k, { test: v.test, score: v.score, drifted: v.drifted }]));
  dataset = drift.dataset_drift;
}
console.log(JSON.stringify({ wall, cpu, dataset, columns: decisions }));
