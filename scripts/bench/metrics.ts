/**
 * Metrics scrape benchmark (run by scripts/bench.ts): the per-model gauges of cli/metrics/models.ts
 * over a file store of 50 and of 500 models with 30 evaluations each (reports with 20 drift
 * columns, and their audit entries, as workflows write them), no server. Three kinds of scrape:
 * the first of a process (every newest report and audit trail read), one whose refresh period has
 * passed with nothing new (listings only), and one within the period (rendering only: most
 * scrapes, as Prometheus scrapes more often than the default 15 s refresh). Medians of 5; the
 * exposition's size and series count beside them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { parseConfig } from '../../engine/config/load.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { auditEntryKey, reportKeys } from '../../engine/store/keys.js';
import type { AuditEntry } from '../../domain/maintenance.js';
import { registerModelMetrics } from '../../cli/metrics/models.js';
import { figure } from './figure.js';

const EVALUATIONS = 30;
const COLUMNS = 20;
const REPEATS = 5;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const model = (id: string) =>
  `  - id: ${id}\n    owner: ${id}-owners@example.com\n    task: binary\n    artifact: m.onnx\n    inputs: [{ name: input, columns: [a, b] }]\n    label: { column: y, positive: 1 }\n    data: { uri: "data/{date}.csv" }\n    schedule: { every: 1d }\n    thresholds: { metric: roc_auc, min: 0.7 }\n`;

async function fleet(models: number): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-bench-metrics-'));
  try {
    const ids = Array.from({ length: models }, (_, i) => `m${String(i).padStart(3, '0')}`);
    const config = parseConfig(`version: 1\nstore: store\nmodels:\n${ids.map(model).join('')}`, { name: 'upkeep.yaml', baseDir: dir });
    const store = createFileStore(path.join(dir, 'store'));
    const columns = Object.fromEntries(
      Array.from({ length: COLUMNS }, (_, c) => [
        `f${c}`,
        { test: 'ks', statistic: 0.02, p_value: 0.4, threshold: 0.05, drifted: c < 2, reference_rows: 10_000, current_rows: 900 },
      ]),
    );
    for (const id of ids) {
      for (let d = 0; d < EVALUATIONS; d++) {
        const end = new Date(Date.UTC(2026, 5, 1 + d, 6)).toISOString();
        const report = {
          schema: 'upkeep.evaluation-report/v1',
          modelId: id,
          verdict: { status: d % 7 === 0 ? 'warning' : 'healthy', reasons: ['roc_auc 0.81 is at or above the minimum 0.7'] },
          window: { firstDay: '', lastDay: '', end, timezone: 'UTC' },
          model: { artifactUri: 'file:///m.onnx', sha256: 'c'.repeat(64), bytes: 1 },
          rows: 900,
          metrics: { roc_auc: 0.8 + d / 1000, accuracy: 0.9, f1: 0.7, precision: 0.72, recall: 0.69, log_loss: 0.3, brier: 0.1 },
          estimated: { roc_auc: { value: 0.8, lower: 0.78, upper: 0.82, method: 'cbpe' } },
          drift: { columns, dataset_drift: false, share_drifted: 0.1, drift_share: 0.5, drifted_columns: ['f0', 'f1'], alarm: { columns: ['f0'] } },
          workflow: { workflowId: `upkeep-evaluate-${id}`, runId: `run-${d}`, startedAt: end },
        };
        await store.put(reportKeys(id, end, `run-${d}`).json, JSON.stringify(report));
        const e: AuditEntry = {
          id: `run-${d}-0001`,
          modelId: id,
          at: end,
          kind: 'evaluation',
          summary: 'evaluated',
          details: { verdict: 'healthy', windowEnd: end },
        };
        await store.put(auditEntryKey(e), JSON.stringify(e));
      }
    }
    let now = Date.parse('2026-07-01T00:00:00.000Z');
    const refreshMs = 15_000;
    const first: number[] = [];
    const refreshed: number[] = [];
    const cached: number[] = [];
    let text = '';
    for (let i = 0; i < REPEATS; i++) {
      // A new process each time (a restarted worker): nothing cached.
      const registry = new Registry();
      registerModelMetrics({ registry, config: async () => config, store, taskQueue: 'upkeep', refreshMs, now: () => now });
      let t0 = performance.now();
      text = await registry.metrics();
      first.push(performance.now() - t0);
      now += 5_000;
      t0 = performance.now();
      await registry.metrics();
      cached.push(performance.now() - t0);
      now += refreshMs;
      t0 = performance.now();
      await registry.metrics();
      refreshed.push(performance.now() - t0);
    }
    const series = text.split('\n').filter((l) => l && !l.startsWith('#')).length;
    console.log(
      `Metrics scrape (${models} models, ${EVALUATIONS} evaluations each, file store, no server): ${series} series, ${(text.length / 1024).toFixed(0)} KiB`,
    );
    console.log(`  first scrape of a process        ${median(first).toFixed(1).padStart(7)} ms   (every newest report and audit trail read)`);
    console.log(`  refresh with nothing new         ${median(refreshed).toFixed(1).padStart(7)} ms   (two listings per model)`);
    console.log(`  within the refresh period        ${median(cached).toFixed(1).padStart(7)} ms   (rendering only)`);
    if (models === 50) {
      figure('metrics scrape, 50 models, refreshed', median(refreshed), { atMost: 250 }, { unit: ' ms', digits: 1 });
      figure('metrics scrape, 50 models, within the refresh period', median(cached), { atMost: 20 }, { unit: ' ms', digits: 1 });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await fleet(50);
await fleet(500);
