/** A temporary folder with a config, fixture models and dated data files, for end-to-end tests. */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { fixture } from './fixtures.js';

export interface Workspace {
  dir: string;
  configPath: string;
  storeDir: string;
  dataDir: string;
  /** Copies a fixture data file to <dataDir>/<date>.<ext>. */
  addDay(date: string, fixtureData: string): void;
  remove(): void;
}

/** The binary fixture model with a daily CSV window; `model` overrides fields of the spec. */
export function createWorkspace(modelId: string, model: Record<string, unknown> = {}, ext = 'csv'): Workspace {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-test-'));
  const dataDir = path.join(dir, 'data');
  mkdirSync(dataDir);
  mkdirSync(path.join(dir, 'models'));
  copyFileSync(fixture('models/binary.onnx'), path.join(dir, 'models', 'binary.onnx'));
  const config = {
    version: 1,
    store: 'store',
    models: [
      {
        id: modelId,
        owner: 'model-owners@example.com',
        task: 'binary',
        artifact: 'models/binary.onnx',
        inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }],
        label: { column: 'y', positive: 1 },
        data: { uri: `data/{date}.${ext}`, window: { days: 3 } },
        schedule: { cron: '0 6 * * *', timezone: 'UTC' },
        thresholds: { metric: 'roc_auc', min: 0.7 },
        min_rows: 100,
        ...model,
      },
    ],
  };
  const configPath = path.join(dir, 'upkeep.yaml');
  writeFileSync(configPath, stringify(config), { mode: 0o644 });
  return {
    dir,
    configPath,
    storeDir: path.join(dir, 'store'),
    dataDir,
    addDay(date, fixtureData) {
      copyFileSync(fixture(fixtureData), path.join(dataDir, `${date}.${ext}`));
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
