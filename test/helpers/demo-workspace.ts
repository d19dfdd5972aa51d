/**
 * A temporary folder with the demo churn model, a config that retrains it, and the demo feed
 * (drifted or not) for the days before a fixed window end: the setting of the maintenance tests.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { modelSpec } from '../../domain/config.js';
import { readTable } from '../../engine/data/read-table.js';
import { trainBuiltin } from '../../engine/training/builtin.js';
import { trainingSet } from '../../engine/training/dataset.js';
import { writeDemoFeed } from '../../cli/demo/feed.js';
import { PROJECT_DIR } from '../../workers/paths.js';

export const OWNER = 'churn-owner@example.com';
export const APPROVER = 'ml-lead@example.com';
export const ONCALL = 'ml-oncall@example.com';

export interface DemoWorkspace {
  dir: string;
  configPath: string;
  storeDir: string;
  dataDir: string;
  remove(): void;
}

/** The demo model's spec as the example config declares it, with `overrides`. */
export function demoModel(modelId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: modelId,
    owner: OWNER,
    approvers: [APPROVER],
    description: 'Predicts which subscribers cancel within 30 days (1 = churned).',
    intended_use: 'Ranking subscribers for retention offers; not for pricing decisions.',
    task: 'binary',
    artifact: 'models/churn.onnx',
    inputs: [{ name: 'input', type: 'float', columns: ['tenure_months', 'monthly_charges', 'support_calls', 'age'] }],
    label: { column: 'churned', positive: 1 },
    data: { uri: 'data/{date}.csv', window: { days: 3 } },
    schedule: { cron: '0 6 * * *', timezone: 'UTC' },
    thresholds: { metric: 'roc_auc', min: 0.72, max_drop: 0.05 },
    baseline: { roc_auc: 0.796 },
    min_rows: 500,
    monitor: { significance: { resamples: 50 } },
    retrain: { on: 'degraded', trainer: { type: 'builtin' }, training_days: 6, holdout_days: 2 },
    approval: { reminder_every: '1h', escalate_after: '2h', expire_after: '1d', escalation: [ONCALL] },
    ...overrides,
  };
}

export function createDemoWorkspace(opts: {
  modelId: string;
  model?: Record<string, unknown>;
  end: Date;
  days: number;
  drifted: boolean;
  config?: Record<string, unknown>;
}): DemoWorkspace {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-demo-test-'));
  const dataDir = path.join(dir, 'data');
  mkdirSync(path.join(dir, 'models'), { recursive: true });
  copyFileSync(path.join(PROJECT_DIR, 'examples', 'models', 'churn.onnx'), path.join(dir, 'models', 'churn.onnx'));
  writeDemoFeed({ dir: dataDir, end: opts.end, days: opts.days, drifted: opts.drifted, rowsPerDay: 400 });
  const configPath = path.join(dir, 'upkeep.yaml');
  writeFileSync(configPath, stringify({ version: 1, store: 'store', ...opts.config, models: [demoModel(opts.modelId, opts.model)] }), { mode: 0o644 });
  return { dir, configPath, storeDir: path.join(dir, 'store'), dataDir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * An ONNX model for the demo inputs fitted with the builtin trainer on the given files; with
 * `shuffleLabels` it learns noise (a candidate worse than any real champion).
 */
export async function fitDemoModel(modelId: string, files: string[], shuffleLabels = false): Promise<Uint8Array> {
  const spec = modelSpec.parse(demoModel(modelId));
  const tables = await Promise.all(files.map((f) => readTable(new Uint8Array(readFileSync(f)), { source: f, format: 'csv' })));
  const set = trainingSet(spec, tables, { l2: 1 });
  if (shuffleLabels) {
    const y = set.input.labels as Int32Array;
    let s = 12345;
    for (let i = y.length - 1; i > 0; i--) {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      const j = s % (i + 1);
      [y[i], y[j]] = [y[j]!, y[i]!];
    }
  }
  return trainBuiltin(set.input).onnx;
}

/**
 * The drifted demo workspace of the fault tests: retraining through a command trainer,
 * `slow-trainer.mjs` (its source is `trainer`), which copies `good.onnx` (fitted here on the first
 * six days) to its output when it decides to finish.
 */
export async function createSlowTrainerWorkspace(modelId: string, o: { end: Date; timeout: string; trainer: string }): Promise<DemoWorkspace> {
  const ws = createDemoWorkspace({
    modelId,
    end: o.end,
    days: 12,
    drifted: true,
    model: {
      retrain: {
        on: 'degraded',
        training_days: 6,
        holdout_days: 2,
        trainer: { type: 'command', command: [process.execPath, 'slow-trainer.mjs', '{output}'], timeout: o.timeout },
      },
    },
  });
  const files = readdirSync(ws.dataDir)
    .sort()
    .slice(0, 6)
    .map((f) => path.join(ws.dataDir, f));
  writeFileSync(path.join(ws.dir, 'good.onnx'), await fitDemoModel(modelId, files));
  writeFileSync(path.join(ws.dir, 'slow-trainer.mjs'), o.trainer);
  return ws;
}
