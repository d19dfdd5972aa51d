/**
 * Fleet status benchmark (run by scripts/bench.ts): `fleetStatus()` over a file store holding 500
 * models with 30 evaluations each (reports and their audit entries, as workflows write them), with
 * no server (the store's part, which grows with the fleet), the table and `recent` of 10 as the
 * web page asks. Medians of 5 runs; printed, never asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../engine/config/load.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { auditEntryKey, reportKeys } from '../../engine/store/keys.js';
import type { AuditEntry } from '../../domain/maintenance.js';
import { fleetStatus } from '../../cli/status/fleet.js';
import { renderFleetTable } from '../../cli/status/table.js';

const MODELS = 500;
const EVALUATIONS = 30;
const REPEATS = 5;
const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-bench-status-'));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const model = (id: string) =>
  `  - id: ${id}\n    owner: ${id}-owners@example.com\n    task: binary\n    artifact: m.onnx\n    inputs: [{ name: input, columns: [a, b] }]\n    label: { column: y, positive: 1 }\n    data: { uri: "data/{date}.csv" }\n    schedule: { every: 1d }\n    thresholds: { metric: roc_auc, min: 0.7 }\n`;

try {
  const ids = Array.from({ length: MODELS }, (_, i) => `m${String(i).padStart(3, '0')}`);
  const config = parseConfig(`version: 1\nstore: store\nmodels:\n${ids.map(model).join('')}`, { name: 'upkeep.yaml', baseDir: dir });
  const store = createFileStore(path.join(dir, 'store'));
  const now = new Date('2026-06-30T12:00:00.000Z');
  for (const id of ids) {
    for (let d = 0; d < EVALUATIONS; d++) {
      const end = new Date(Date.UTC(2026, 5, 1 + d, 6)).toISOString();
      const report = {
        schema: 'upkeep.evaluation-report/v1',
        modelId: id,
        verdict: { status: 'healthy', reasons: ['roc_auc 0.81 is at or above the minimum 0.7'] },
        window: { firstDay: '', lastDay: '', end, timezone: 'UTC' },
        model: { artifactUri: 'file:///m.onnx', sha256: 'c'.repeat(64), bytes: 1 },
        rows: 900,
        metrics: { roc_auc: 0.8 + d / 1000 },
        workflow: { workflowId: `upkeep-evaluate-${id}`, runId: `run-${d}`, startedAt: end },
      };
      await store.put(reportKeys(id, end, `run-${d}`).json, JSON.stringify(report));
      const e: AuditEntry = {
        id: `run-${d}-0001`,
        modelId: id,
        at: end,
        kind: 'evaluation',
        summary: 'evaluated: healthy',
        details: { verdict: 'healthy', windowEnd: end },
      };
      await store.put(auditEntryKey(e), JSON.stringify(e));
    }
  }
  const time = async (history: number): Promise<number> => {
    const times: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const t0 = performance.now();
      const s = await fleetStatus({ config, store, taskQueue: 'upkeep', now, history });
      renderFleetTable(s, { width: 160 });
      times.push(performance.now() - t0);
      if (s.models.length !== MODELS) throw new Error('not every model was read');
    }
    return median(times);
  };
  const table = await time(2);
  const detail = await time(10);
  console.log(`Fleet status (${MODELS} models, ${EVALUATIONS} evaluations each, file store, no server)`);
  console.log(`  upkeep status (the table)      ${table.toFixed(0).padStart(6)} ms`);
  console.log(`  with 10 recent evaluations     ${detail.toFixed(0).padStart(6)} ms   (as the web's fleet page and \`status <model>\` read)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
