/**
 * The real-shaped benchmark window, generated once and cached in .bench/: 3M rows of a tabular
 * feed with three numeric features, one string (categorical) column and a 0/1 label, Parquet
 * (snappy, dictionary-encoded strings as writers of such feeds make them); and its model, fitted
 * by the builtin trainer (standardised numbers + one-hot plan → logistic regression) on the
 * first 200k rows of a file drawn with another seed, exported to ONNX with a string input.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { modelSpec, type ModelSpec } from '../../domain/config.js';
import { readTable } from '../../engine/data/read-table.js';
import type { NumberColumn, StringColumn } from '../../engine/data/table.js';
import { trainBuiltin } from '../../engine/training/builtin.js';
import { BENCH_DIR, rng } from './data.js';

export const REAL_NUMERIC = ['tenure_months', 'monthly_charges', 'support_calls'];
export const REAL_CATEGORY = 'plan';
export const REAL_LABEL = 'churned';
const PLANS = ['basic', 'standard', 'premium', 'family', 'student', 'business'];
const PLAN_SHARE = [0.3, 0.25, 0.15, 0.15, 0.1, 0.05];
const PLAN_EFFECT = [0.6, 0.1, -0.5, -0.3, 0.9, -0.8];
export const REAL_MODEL = path.join(BENCH_DIR, 'real3.onnx');

/** The model's spec: two inputs (numbers, plan), default settings unless `overrides` says otherwise. */
export function realSpec(overrides: Record<string, unknown> = {}): ModelSpec {
  return modelSpec.parse({
    id: 'real3',
    owner: 'benchmark',
    task: 'binary',
    artifact: REAL_MODEL,
    inputs: [
      { name: 'input', type: 'float', columns: REAL_NUMERIC },
      { name: REAL_CATEGORY, type: 'string', columns: [REAL_CATEGORY] },
    ],
    label: { column: REAL_LABEL, positive: 1 },
    data: { uri: 'file:///bench/{date}.parquet' },
    schedule: { every: '1d' },
    thresholds: { metric: 'roc_auc', min: 0.5 },
    ...overrides,
  });
}

/** Path of the cached file with `rows` rows drawn with `seed`; written on first use. */
export function realParquet(rows: number, seed: number): string {
  const file = path.join(BENCH_DIR, `real3-${rows}-${seed}.parquet`);
  if (existsSync(file)) return file;
  mkdirSync(BENCH_DIR, { recursive: true });
  const u = rng(seed);
  const tenure = new Float64Array(rows);
  const charges = new Float64Array(rows);
  const calls = new Float64Array(rows);
  const plan: string[] = new Array(rows);
  const y = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let p = 0;
    for (let x = u(), acc = PLAN_SHARE[0]!; x > acc && p < PLANS.length - 1; acc += PLAN_SHARE[++p]!);
    plan[r] = PLANS[p]!;
    tenure[r] = Math.round(u() * 72 * 10) / 10;
    charges[r] = Math.round((20 + u() * 100) * 100) / 100;
    calls[r] = Math.floor(-Math.log(1 - u()) * 1.5);
    const logit = -0.4 - 0.04 * tenure[r]! + 0.012 * charges[r]! + 0.35 * calls[r]! + PLAN_EFFECT[p]!;
    y[r] = u() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  const tmp = `${file}.tmp`;
  parquetWriteFile({
    filename: tmp,
    columnData: [
      { name: 'tenure_months', data: tenure, type: 'DOUBLE', nullable: false },
      { name: 'monthly_charges', data: charges, type: 'DOUBLE', nullable: false },
      { name: 'support_calls', data: calls, type: 'DOUBLE', nullable: false },
      { name: REAL_CATEGORY, data: plan, type: 'STRING', nullable: false },
      { name: REAL_LABEL, data: y, type: 'INT32', nullable: false },
    ],
    rowGroupSize: 250_000,
    codec: 'SNAPPY',
  });
  renameSync(tmp, file);
  return file;
}

/** The cached model, fitted on first use. */
export async function realModel(): Promise<string> {
  if (existsSync(REAL_MODEL)) return REAL_MODEL;
  const train = realParquet(200_000, 7);
  const table = await readTable(new Uint8Array(readFileSync(train)), { source: path.basename(train), format: 'parquet' });
  const num = (name: string) => (table.columns.get(name) as NumberColumn).values;
  const { onnx } = trainBuiltin({
    task: 'binary',
    features: {
      numeric: REAL_NUMERIC.map(num),
      categorical: [{ name: REAL_CATEGORY, values: (table.columns.get(REAL_CATEGORY) as StringColumn).values as string[] }],
    },
    featureNames: REAL_NUMERIC,
    labels: Int32Array.from(num(REAL_LABEL)),
    classes: [0, 1],
    params: { l2: 1 },
  });
  writeFileSync(`${REAL_MODEL}.tmp`, onnx);
  renameSync(`${REAL_MODEL}.tmp`, REAL_MODEL);
  return REAL_MODEL;
}
