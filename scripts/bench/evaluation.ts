/**
 * One benchmark process (run by scripts/bench.ts): either the activity's code path end to end
 * (`e2e`), or its lower bound (`bound`): Parquet decode alone plus ONNX inference alone, with
 * the same batches, in this process. Prints one JSON line with per-repeat times and peak RSS.
 */
import { readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { readTable } from '../../activities/data/read-table.js';
import { createEvaluationEngine } from '../../activities/evaluation/evaluate.js';
import { createFileDataSource } from '../../activities/data/source.js';
import { pathToFileURL } from 'node:url';
import { sha256Hex } from '../../activities/store/file-store.js';
import { BENCH_MODEL, benchSpec, FEATURES } from './data.js';

const [mode, file, repeatsArg] = process.argv.slice(2);
const repeats = Number(repeatsArg ?? 5);
const bytes = mode === 'bound' ? new Uint8Array(readFileSync(file!)) : new Uint8Array(0);
const modelBytes = new Uint8Array(readFileSync(BENCH_MODEL));
const BATCH = 65536;
const columns = [...FEATURES, 'y'];
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

// The foundation's path: metrics only. The bootstrap interval is timed on its own below.
const spec = benchSpec({ data: { uri: file } });

const out: Record<string, unknown> = { mode };
if (mode === 'e2e') {
  const engine = createEvaluationEngine({ batchSize: BATCH });
  // As the store's reader delivers it: read straight into shared memory, no private copy kept.
  const shared = (await createFileDataSource().read(pathToFileURL(file!).href))!;
  const times: number[] = [];
  let rows = 0;
  let auc: number | null = null;
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    const summary = await engine.evaluate({
      spec,
      modelBytes,
      modelKey: sha256Hex(modelBytes),
      artifactName: 'bench20.onnx',
      files: [{ name: 'bench.parquet', format: 'parquet', load: async () => shared }],
    });
    times.push(ms(t0));
    rows = summary.rows;
    auc = summary.metrics.roc_auc ?? null;
  }
  // The default significance setting (200 bootstrap resamples of the primary metric) on the same window.
  const withCi = { ...spec, monitor: { ...spec.monitor, significance: { resamples: 200, confidence: 0.95, seed: 0 } } };
  const ci: number[] = [];
  for (let i = 0; i < Math.min(repeats, 3); i++) {
    const t0 = process.hrtime.bigint();
    await engine.evaluate({ spec: withCi, modelBytes, modelKey: sha256Hex(modelBytes), artifactName: 'bench20.onnx', files: [{ name: 'bench.parquet', format: 'parquet', load: async () => shared }] });
    ci.push(ms(t0));
  }
  await engine.close();
  Object.assign(out, { times, rows, roc_auc: auc, withBootstrap: ci });
} else if (mode === 'bound') {
  const session = await ort.InferenceSession.create(modelBytes, { interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const decode: number[] = [];
  const infer: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    const table = await readTable(bytes, { source: 'bench.parquet', format: 'parquet', columns });
    decode.push(ms(t0));
    // Batches prepared outside the timed section: inference alone.
    const n = table.rowCount;
    const batches: Float32Array[] = [];
    for (let start = 0; start < n; start += BATCH) {
      const count = Math.min(BATCH, n - start);
      const x = new Float32Array(count * 20);
      FEATURES.forEach((name, j) => {
        const v = (table.columns.get(name) as { values: Float64Array }).values;
        for (let r = 0; r < count; r++) x[r * 20 + j] = v[start + r]!;
      });
      batches.push(x);
    }
    const t1 = process.hrtime.bigint();
    for (const x of batches) await session.run({ input: new ort.Tensor('float32', x, [x.length / 20, 20]) });
    infer.push(ms(t1));
  }
  await session.release();
  Object.assign(out, { decode, infer });
} else {
  throw new Error(`unknown mode ${mode}`);
}
out.maxRssMiB = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify(out));
