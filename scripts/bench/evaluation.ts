/**
 * One benchmark process (run by scripts/bench.ts) for one window (`bench20`: 1M × 20 floats;
 * `real3`: 3M × 3 numbers + a string column): either the activity's code path end to end
 * (`e2e`: default settings, interval included, then with the interval off), or its lower bound
 * (`bound`): Parquet decode alone plus ONNX inference alone, with the same batches, in this
 * process. Prints one JSON line with per-repeat times, the CPU time of each (every thread of the
 * process: the evaluation threads and ONNX Runtime's included) and peak RSS.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import '../../engine/evaluation/ort-env.js';
import ort from 'onnxruntime-node';
import type { ModelSpec } from '../../domain/config.js';
import { readTable } from '../../engine/data/read-table.js';
import { createFileDataSource } from '../../engine/data/source.js';
import type { Column } from '../../engine/data/table.js';
import { createEvaluationEngine } from '../../engine/evaluation/evaluate.js';
import { sha256Hex } from '../../engine/util.js';
import { BENCH_MODEL, benchSpec } from './data.js';
import { REAL_MODEL, realSpec } from './real-data.js';

const [mode, file, kind, repeatsArg] = process.argv.slice(2);
const repeats = Number(repeatsArg ?? 5);
const BATCH = 65536;
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
/** CPU milliseconds of the whole process since `c0`. */
const cpuMs = (c0: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
const OFF = { significance: { resamples: 0 } };

/** The window's spec with default settings, and with the interval off. */
const specs: Record<string, { model: string; spec: (interval: boolean) => ModelSpec }> = {
  bench20: { model: BENCH_MODEL, spec: (interval) => benchSpec({ data: { uri: file }, monitor: interval ? {} : OFF }) },
  real3: { model: REAL_MODEL, spec: (interval) => realSpec({ data: { uri: file }, ...(interval ? {} : { monitor: OFF }) }) },
};
const chosen = specs[kind!];
if (!chosen) throw new Error(`unknown window ${kind}`);
const modelBytes = new Uint8Array(readFileSync(chosen.model));
const modelKey = sha256Hex(modelBytes);

const out: Record<string, unknown> = { mode, kind };
if (mode === 'e2e') {
  const engine = createEvaluationEngine({ batchSize: BATCH });
  // As the store's reader delivers it: read straight into shared memory, no private copy kept.
  const shared = (await createFileDataSource().read(pathToFileURL(file!).href))!;
  const run = async (spec: ModelSpec) => {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const summary = await engine.evaluate({
      spec,
      modelBytes,
      modelKey,
      artifactName: `${kind}.onnx`,
      files: [{ name: `${kind}.parquet`, format: 'parquet', load: async () => shared }],
    });
    return { ms: ms(t0), cpu: cpuMs(c0), summary };
  };
  const times: number[] = [];
  const off: number[] = [];
  const cpu: number[] = [];
  const offCpu: number[] = [];
  let last;
  for (let i = 0; i < repeats; i++) {
    const on = await run(chosen.spec(true));
    times.push(on.ms);
    cpu.push(on.cpu);
    last = on.summary;
    const o = await run(chosen.spec(false));
    off.push(o.ms);
    offCpu.push(o.cpu);
  }
  await engine.close();
  Object.assign(out, { times, off, cpu, offCpu, rows: last!.rows, metrics: last!.metrics });
} else if (mode === 'bound') {
  const spec = chosen.spec(false);
  const bytes = new Uint8Array(readFileSync(file!));
  const columns = [...spec.inputs.flatMap((i) => i.columns), spec.label.column];
  const session = await ort.InferenceSession.create(modelBytes, { interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const decode: number[] = [];
  const infer: number[] = [];
  const decodeCpu: number[] = [];
  const inferCpu: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const table = await readTable(bytes, { source: `${kind}.parquet`, format: 'parquet', columns });
    decode.push(ms(t0));
    decodeCpu.push(cpuMs(c0));
    // Batches prepared outside the timed section: inference alone.
    const n = table.rowCount;
    const col = (name: string): Column => table.columns.get(name)!;
    const batches: Record<string, ort.Tensor>[] = [];
    for (let start = 0; start < n; start += BATCH) {
      const count = Math.min(BATCH, n - start);
      const feeds: Record<string, ort.Tensor> = {};
      for (const input of spec.inputs) {
        if (input.type === 'string') {
          const v = col(input.columns[0]!).values as ArrayLike<string | null>;
          feeds[input.name] = new ort.Tensor(
            'string',
            Array.from({ length: count }, (_, r) => v[start + r] ?? ''),
            [count, 1],
          );
        } else {
          const p = input.columns.length;
          const x = new Float32Array(count * p);
          input.columns.forEach((name, j) => {
            const v = col(name).values as Float64Array;
            for (let r = 0; r < count; r++) x[r * p + j] = v[start + r]!;
          });
          feeds[input.name] = new ort.Tensor('float32', x, [count, p]);
        }
      }
      batches.push(feeds);
    }
    const c1 = process.cpuUsage();
    const t1 = process.hrtime.bigint();
    for (const feeds of batches) await session.run(feeds);
    infer.push(ms(t1));
    inferCpu.push(cpuMs(c1));
  }
  await session.release();
  Object.assign(out, { decode, infer, decodeCpu, inferCpu });
} else {
  throw new Error(`unknown mode ${mode}`);
}
out.maxRssMiB = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify(out));
