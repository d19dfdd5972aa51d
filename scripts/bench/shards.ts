/**
 * One benchmark process (run by scripts/bench.ts): the bench window evaluated whole, as the
 * evaluateSnapshot activity does, and split into `shards` evaluation shards by row groups, as the
 * shard activities do: each shard scored alone, its partial result encoded as stored, then decoded
 * and merged. Prints one JSON line: times, partial sizes, and whether the summaries are equal.
 */
import { isDeepStrictEqual } from 'node:util';
import { readFileSync } from 'node:fs';
import { parquetMetadata } from 'hyparquet';
import { createEvaluationEngine } from '../../engine/evaluation/evaluate.js';
import { decodePartial, encodePartial, planWindowShards } from '../../engine/evaluation/partial.js';
import type { WindowPartial } from '../../engine/evaluation/types.js';
import { toShared } from '../../engine/evaluation/engine.js';
import { sha256Hex } from '../../engine/util.js';
import { BENCH_MODEL, benchSpec } from './data.js';

const [file, shardsArg] = process.argv.slice(2);
const k = Number(shardsArg ?? 10);
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const modelBytes = new Uint8Array(readFileSync(BENCH_MODEL));
const bytes = toShared(new Uint8Array(readFileSync(file!)));
// Default settings: the interval of roc_auc included.
const spec = benchSpec({ monitor: {} });
const model = { spec, modelBytes, modelKey: sha256Hex(modelBytes), artifactName: 'bench20.onnx' };
const engine = createEvaluationEngine();
const whole = { name: 'bench20.parquet', format: 'parquet' as const, load: async () => bytes };

// A warm-up run first: threads started, the ONNX session created.
await engine.evaluate({ ...model, files: [whole] });
let t0 = process.hrtime.bigint();
const single = await engine.evaluate({ ...model, files: [whole] });
const singleMs = ms(t0);

const groups = parquetMetadata(bytes).row_groups.map((g, group) => ({ file: 0, group, rows: Number(g.num_rows) }));
const plan = planWindowShards(groups, k);
const shardMs: number[] = [];
const sizes: number[] = [];
const stored: Uint8Array[] = [];
for (const shard of plan) {
  t0 = process.hrtime.bigint();
  const partial = await engine.collect({ ...model, files: shard.parts.map((p) => ({ ...whole, ...(p.rowGroups ? { rowGroups: p.rowGroups } : {}) })) });
  const encoded = encodePartial(partial, { index: shard.index, of: shard.of });
  shardMs.push(ms(t0));
  sizes.push(encoded.byteLength);
  stored.push(encoded);
}
t0 = process.hrtime.bigint();
const partials: WindowPartial[] = stored.map((b, i) => decodePartial(b, `shard ${i}`).partial);
const merged = await engine.finish(model, partials);
const mergeMs = ms(t0);
await engine.close();

const strip = (s: typeof single): unknown => ({ ...s, durationMs: 0 });
console.log(
  JSON.stringify({
    shards: plan.length,
    rows: merged.rows,
    singleMs,
    shardMs,
    mergeMs,
    partialBytes: sizes,
    equal: isDeepStrictEqual(strip(merged), strip(single)),
    metrics: merged.metrics,
    singleMetrics: single.metrics,
    confidence: merged.confidence,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  }),
);
