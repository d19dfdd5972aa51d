/**
 * Benchmark inputs, generated once and cached in .bench/: a 1M-row Parquet file (20 float64
 * features f0..f19 and a 0/1 label y, snappy) drawn from the documented process of the committed
 * bench20.onnx logistic-regression model (test/fixtures/models/bench20.json).
 */
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { modelSpec, type ModelSpec } from '../../domain/config.js';
import { PROJECT_DIR } from '../../workers/paths.js';

export const BENCH_DIR = path.join(PROJECT_DIR, '.bench');
export const BENCH_MODEL = path.join(PROJECT_DIR, 'test', 'fixtures', 'models', 'bench20.onnx');
export const FEATURES = Array.from({ length: 20 }, (_, i) => `f${i}`);

/** The bench20 model's spec: metrics only (the bootstrap is timed on its own), with `overrides`. */
export function benchSpec(overrides: Record<string, unknown> = {}): ModelSpec {
  return modelSpec.parse({
    id: 'bench20',
    owner: 'benchmark',
    task: 'binary',
    artifact: BENCH_MODEL,
    inputs: [{ name: 'input', columns: FEATURES }],
    label: { column: 'y', positive: 1 },
    data: { uri: 'file:///bench/{date}.parquet' },
    schedule: { every: '1d' },
    thresholds: { metric: 'roc_auc', min: 0.5 },
    monitor: { significance: { resamples: 0 } },
    ...overrides,
  });
}

/** A small seeded generator (mulberry32): the same data for the same seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Path of the cached file with `rows` rows drawn with `seed`; written on first use. */
export function benchParquet(rows: number, seed: number, opts: { meanShift?: number } = {}): string {
  const file = path.join(BENCH_DIR, `bench20-${rows}-${seed}${opts.meanShift ? `-shift${opts.meanShift}` : ''}.parquet`);
  if (existsSync(file)) return file;
  mkdirSync(BENCH_DIR, { recursive: true });
  const spec = JSON.parse(readFileSync(BENCH_MODEL.replace('.onnx', '.json'), 'utf8')) as { weights: number[]; bias: number };
  const u = rng(seed);
  const cols = FEATURES.map(() => new Float64Array(rows));
  const y = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let logit = spec.bias;
    for (let j = 0; j < 20; j++) {
      // Box-Muller standard normal, rounded to 6 decimals like the fixtures.
      const z = Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()) + (j === 0 ? (opts.meanShift ?? 0) : 0);
      const v = Math.round(z * 1e6) / 1e6;
      cols[j]![r] = v;
      logit += spec.weights[j]! * v;
    }
    y[r] = u() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  const tmp = `${file}.tmp`;
  parquetWriteFile({
    filename: tmp,
    columnData: [
      ...FEATURES.map((name, j) => ({ name, data: cols[j]!, type: 'DOUBLE' as const, nullable: false })),
      { name: 'y', data: y, type: 'INT32' as const, nullable: false },
    ],
    rowGroupSize: 100_000,
    codec: 'SNAPPY',
  });
  renameSync(tmp, file);
  return file;
}
