/**
 * Retraining benchmark process (run by scripts/bench.ts). On the 1M-row × 20-feature Parquet file:
 *  - `fit`: the builtin logistic fit alone on arrays already in memory (its lower bound);
 *  - `e2e`: the trainCandidate activity end to end — read the training snapshot, build the
 *    training set, fit in a thread, export ONNX, check and profile the candidate by running it on
 *    the training data, store it and register the version — with a file store in a temp folder.
 * Prints one JSON line: per-repeat milliseconds, the fit's iterations and training AUC, peak RSS.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readTable } from '../../engine/data/read-table.js';
import { createFileDataSource } from '../../engine/data/source.js';
import { createEvaluationEngine } from '../../engine/evaluation/evaluate.js';
import { createActivities } from '../../activities/index.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { sha256Hex } from '../../engine/util.js';
import { trainBuiltin } from '../../engine/training/builtin.js';
import { trainingSet } from '../../engine/training/dataset.js';
import type { SnapshotRef } from '../../domain/evaluation.js';
import { BENCH_MODEL, benchSpec, FEATURES } from './data.js';

const [mode, file, repeatsArg] = process.argv.slice(2);
const repeats = Number(repeatsArg ?? 3);
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const spec = benchSpec({ retrain: { on: 'degraded', trainer: { type: 'builtin', params: { l2: 1 } } } });

const times: number[] = [];
let info: Record<string, unknown> = {};
if (mode === 'fit') {
  const table = await readTable(new Uint8Array(readFileSync(file!)), { source: 'train.parquet', columns: [...FEATURES, 'y'] });
  const set = trainingSet(spec, [table], { l2: 1 });
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    const r = trainBuiltin(set.input);
    times.push(ms(t0));
    info = { solver: r.info.solver, iterations: r.info.iterations, converged: r.info.converged, rows: set.rows };
  }
} else {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-bench-train-'));
  const engine = createEvaluationEngine();
  try {
    const store = createFileStore(path.join(dir, 'store'));
    const data = createFileDataSource();
    const activities = createActivities({ loadConfig: () => Promise.reject(new Error('not used')), store, data, engine, scratchDir: dir, heartbeat: () => {} });
    const copy = path.join(dir, 'train.parquet');
    copyFileSync(file!, copy);
    const bytes = readFileSync(copy);
    const snapshot: SnapshotRef = {
      uri: pathToFileURL(path.join(dir, 'manifest.json')).href,
      sha256: sha256Hex(bytes),
      firstDay: '2026-01-01',
      lastDay: '2026-01-01',
      windowEnd: '2026-01-02T00:00:00.000Z',
      rows: 1_000_000,
      files: [
        {
          date: '2026-01-01',
          sourceUri: pathToFileURL(copy).href,
          uri: pathToFileURL(copy).href,
          sha256: sha256Hex(bytes),
          bytes: bytes.byteLength,
          rows: 1_000_000,
        },
      ],
      missing: [],
    };
    const model = { modelId: 'bench20', spec, artifactUri: pathToFileURL(BENCH_MODEL).href, artifactSha256: 'bench', artifactBytes: 0, version: 'bench' };
    for (let i = 0; i < repeats; i++) {
      const t0 = process.hrtime.bigint();
      // A new run id per repeat, so each repeat trains (the job record would return the first).
      const r = await activities.trainCandidate({
        model,
        training: snapshot,
        workflow: { workflowId: 'bench', runId: `run-${i}` },
        approvals: [],
        at: new Date().toISOString(),
      });
      times.push(ms(t0));
      info = { version: r.version, trainingAuc: r.trainingMetrics.roc_auc };
    }
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(JSON.stringify({ times, ...info, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
