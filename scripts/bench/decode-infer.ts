/**
 * The whole-process lower bound of `upkeep evaluate` (scripts/bench/whole-process.ts): a process
 * that only reads the Parquet file, decodes the model's columns (upkeep's reader) and scores
 * every row with ONNX Runtime in batches, then exits. No config, no metrics, no report.
 *   node dist/scripts/bench/decode-infer.js WINDOW.parquet MODEL.onnx
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import '../../engine/evaluation/ort-env.js';
import ort from 'onnxruntime-node';
import { readTable } from '../../engine/data/read-table.js';
import type { Column } from '../../engine/data/table.js';
import { REAL_CATEGORY, REAL_LABEL, REAL_NUMERIC } from './real-data.js';

const [file, model] = process.argv.slice(2);
const BATCH = 65536;
const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(model!)), { interOpNumThreads: 1, graphOptimizationLevel: 'all' });
const table = await readTable(new Uint8Array(readFileSync(file!)), {
  source: path.basename(file!),
  format: 'parquet',
  columns: [...REAL_NUMERIC, REAL_CATEGORY, REAL_LABEL],
});
const col = (name: string): Column => table.columns.get(name)!;
const n = table.rowCount;
let scored = 0;
for (let start = 0; start < n; start += BATCH) {
  const count = Math.min(BATCH, n - start);
  const x = new Float32Array(count * REAL_NUMERIC.length);
  REAL_NUMERIC.forEach((name, j) => {
    const v = col(name).values as Float64Array;
    for (let r = 0; r < count; r++) x[r * REAL_NUMERIC.length + j] = v[start + r]!;
  });
  const plan = col(REAL_CATEGORY).values as ArrayLike<string | null>;
  const feeds = {
    input: new ort.Tensor('float32', x, [count, REAL_NUMERIC.length]),
    [REAL_CATEGORY]: new ort.Tensor(
      'string',
      Array.from({ length: count }, (_, r) => plan[start + r] ?? ''),
      [count, 1],
    ),
  };
  const out = await session.run(feeds);
  scored += (Object.values(out)[0]!.dims[0] as number) ?? 0;
}
console.log(JSON.stringify({ rows: n, scored }));
