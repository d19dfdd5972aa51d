/**
 * A window of 10M rows × 20 features in one Parquet file (1.42 GiB, row groups of 100,000 rows),
 * served by a versitygw S3 server started here, evaluated by the evaluateSnapshot activity with a
 * reference profile (so drift and quality run too): streamed by row groups read by range (the
 * default, with malloc as upkeep's launcher sets it; three runs, the median peak), with glibc's default malloc and with a
 * fixed mmap threshold, and read whole as before; then split into 2 evaluation
 * shards run by 2 worker processes at once and merged, also with one evaluation thread per
 * process. Each evaluation runs in a process of its own: its peak RSS is its own. Printed, never
 * asserted.
 *   node --import tsx scripts/bench/large.ts [rows, default 10000000] [--streamed-only] [--search=on|off]
 * (`--search`: the weak-segment search on or off, whatever the default; scripts/bench/segments.ts)
 */
import { spawn } from 'node:child_process';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Upload } from '@aws-sdk/lib-storage';
import { createEvaluationActivities } from '../../activities/evaluation.js';
import { createEvaluationEngine } from '../../engine/evaluation/evaluate.js';
import { createDataSource } from '../../engine/data/sources.js';
import { profileReferenceData } from '../../engine/evaluation/reference.js';
import { openStore } from '../../engine/store/open.js';
import { sha256Hex } from '../../engine/util.js';
import type { ResolvedModel, SnapshotRef } from '../../domain/evaluation.js';
import { PROJECT_DIR } from '../../workers/paths.js';
import { resolveVersitygw, startS3Server } from '../s3-server.js';
import { BENCH_MODEL, benchParquet, benchSpec } from './data.js';
import { figure } from './figure.js';

const BUCKET = 'upkeep-bench';
/** Runs of the default (streamed) evaluation, for the median peak. */
const STREAMED_RUNS = 3;
const [mode, ...rest] = process.argv.slice(2);

/** What a child needs: the server, and the model, reference and snapshot in it. */
interface Staged {
  endpoint: string;
  model: ResolvedModel;
  snapshot: SnapshotRef;
}

function activitiesFor(endpoint: string, whole: boolean) {
  const s3 = { endpoint, path_style: true, buckets: {} };
  const data = createDataSource(s3);
  const store = openStore({ store: `s3://${BUCKET}/store`, s3 } as Parameters<typeof openStore>[0]);
  // UPKEEP_BENCH_THREADS: evaluation threads per process (default: the engine's, up to 4).
  const threads = Number(process.env.UPKEEP_BENCH_THREADS) || undefined;
  const engine = createEvaluationEngine(threads ? { threads } : {});
  // "whole": a data source without reads by range, as evaluations read files before.
  const activities = createEvaluationActivities({ store, data: whole ? { read: data.read, list: data.list } : data, engine, heartbeat: () => undefined });
  return { activities, engine };
}

if (mode === 'child') {
  const [what, stagedJson, arg] = rest;
  const staged = JSON.parse(stagedJson!) as Staged;
  const { activities, engine } = activitiesFor(staged.endpoint, what === 'whole');
  const t0 = performance.now();
  let out: Record<string, unknown>;
  if (what === 'shard') {
    const shard = JSON.parse(arg!) as Parameters<typeof activities.evaluateShard>[0]['shard'];
    const r = await activities.evaluateShard({ model: staged.model, snapshot: staged.snapshot, shard });
    out = { result: r };
  } else if (what === 'merge') {
    const shards = JSON.parse(arg!) as { key: string; index: number }[];
    out = { summary: await activities.mergeEvaluationShards({ model: staged.model, snapshot: staged.snapshot, shards }) };
  } else {
    out = { summary: await activities.evaluateSnapshot({ model: staged.model, snapshot: staged.snapshot }) };
  }
  await engine.close();
  console.log(JSON.stringify({ ...out, ms: performance.now() - t0, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
  process.exit(0);
}

const streamedOnly = process.argv.includes('--streamed-only');
const searchArg = process.argv.find((a) => a.startsWith('--search='))?.slice('--search='.length);
const rows = Number(mode && !mode.startsWith('--') ? mode : 10_000_000);
/** Children run what this process runs: dist/ under npm run bench, the sources through tsx otherwise. */
const compiled = import.meta.url.endsWith('.js');
const entry = compiled
  ? [path.join(PROJECT_DIR, 'dist', 'scripts', 'bench', 'large.js')]
  : ['--import', 'tsx', path.join(PROJECT_DIR, 'scripts', 'bench', 'large.ts')];
const run = (args: string[], env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> =>
  new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [...entry, 'child', ...args], { cwd: PROJECT_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    c.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>)
        : reject(new Error(`bench child ${args[0]} failed:\n${stderr}`)),
    );
  });

const file = benchParquet(rows, 11);
const binary = resolveVersitygw({ install: true, log: console.log });
if (!binary) throw new Error('no versitygw: it is built with Go on first use (go install)');
const server = await startS3Server(binary);
try {
  // As upkeep's launcher (scripts/bootstrap.mjs) runs its processes: one malloc arena, and buffers
  // of 4 MiB or more mapped on their own (returned when freed).
  const { MALLOC_ARENA_MAX: _arenas, MALLOC_MMAP_THRESHOLD_: _threshold, ...rest } = process.env;
  const glibcDefaults = { ...rest, AWS_ACCESS_KEY_ID: server.accessKeyId, AWS_SECRET_ACCESS_KEY: server.secretAccessKey, AWS_REGION: 'us-east-1' };
  const env = { ...glibcDefaults, MALLOC_ARENA_MAX: '1', MALLOC_MMAP_THRESHOLD_: '4194304' };
  Object.assign(process.env, env);
  await server.createBucket(BUCKET);
  const client = server.client();
  const key = `data/${path.basename(file)}`;
  const upload = performance.now();
  await new Upload({ client, params: { Bucket: BUCKET, Key: key, Body: createReadStream(file) }, partSize: 64 * 2 ** 20 }).done();
  const uploadMs = performance.now() - upload;
  // The reference profile: 200,000 rows of the same process (another seed), in the store.
  const modelBytes = new Uint8Array(readFileSync(BENCH_MODEL));
  const modelSha = sha256Hex(modelBytes);
  const spec = benchSpec({ data: { uri: `s3://${BUCKET}/data/{date}.parquet` }, ...(searchArg ? { segments: { search: searchArg === 'on' } } : {}) });
  const refFile = benchParquet(200_000, 12);
  const engine = createEvaluationEngine();
  const { profile } = await profileReferenceData({
    spec,
    modelBytes,
    modelKey: modelSha,
    artifactName: 'bench20.onnx',
    files: [{ name: 'ref.parquet', format: 'parquet', load: async () => new Uint8Array(readFileSync(refFile)) }],
    engine,
    createdAt: '2026-11-01T00:00:00Z',
    source: 'ref.parquet',
  });
  await engine.close();
  const put = async (k: string, body: Uint8Array | string) => {
    await client.send(new (await import('@aws-sdk/client-s3')).PutObjectCommand({ Bucket: BUCKET, Key: k, Body: body }));
    return `s3://${BUCKET}/${k}`;
  };
  const model: ResolvedModel = {
    modelId: spec.id,
    spec,
    artifactUri: await put(`models/${modelSha}.onnx`, modelBytes),
    artifactSha256: modelSha,
    artifactBytes: modelBytes.byteLength,
    referenceUri: await put('profiles/ref.json', JSON.stringify(profile)),
  };
  const size = statSync(file).size;
  const staged: Staged = {
    endpoint: server.endpoint,
    model,
    snapshot: {
      uri: `s3://${BUCKET}/snapshot.json`,
      sha256: sha256Hex(key),
      firstDay: '2026-11-29',
      lastDay: '2026-11-29',
      windowEnd: '2026-11-30T00:00:00Z',
      rows,
      files: [{ date: '2026-11-29', sourceUri: `s3://${BUCKET}/${key}`, uri: `s3://${BUCKET}/${key}`, sha256: sha256Hex(key), bytes: size, rows }],
      missing: [],
    },
  };
  const json = JSON.stringify(staged);
  console.log(
    `\n== a ${rows / 1e6}M-row window in S3 (versitygw ${server.endpoint}): ${(size / 2 ** 30).toFixed(2)} GiB Parquet, row groups of 100,000 rows, 20 features + label, drift against a 200,000-row reference ==`,
  );
  console.log(`  upload (multipart, 64 MiB parts)   ${(uploadMs / 1000).toFixed(1).padStart(6)} s`);
  // The peak moves by tens of MiB from run to run (which thread frees what first): the median of 3.
  const runs: Record<string, unknown>[] = [];
  for (let i = 0; i < STREAMED_RUNS; i++) runs.push(await run(['single', json], env));
  const streamed = [...runs].sort((a, b) => (a.maxRssMiB as number) - (b.maxRssMiB as number))[STREAMED_RUNS >> 1]!;
  const peaks = runs.map((r) => (r.maxRssMiB as number).toFixed(0)).join(', ');
  const s = streamed.summary as {
    rows: number;
    metrics: Record<string, number>;
    drift?: { columns: Record<string, { current_sketch?: { max_cdf_error: number } }> };
    segments?: { tested: number; rows: number };
  };
  const sketched = Object.values(s.drift?.columns ?? {}).map((c) => c.current_sketch?.max_cdf_error ?? 0);
  console.log(
    `  streamed by row groups (default; the run of median peak of ${STREAMED_RUNS}: ${peaks} MiB)\n                                     ${((streamed.ms as number) / 1000).toFixed(1).padStart(6)} s   ${(((rows / (streamed.ms as number)) * 1000) / 1e6).toFixed(2)} M rows/s   peak RSS ${(streamed.maxRssMiB as number).toFixed(0)} MiB   (roc_auc ${s.metrics.roc_auc?.toFixed(6)}; drift sketch CDF error ≤ ${Math.max(...sketched).toExponential(1)}; segment search ${s.segments ? `on, ${s.segments.tested} segments on ${s.segments.rows} rows` : 'off'})`,
  );
  figure(
    `${rows / 1e6}M-row window streamed, peak RSS`,
    streamed.maxRssMiB as number,
    { below: 1024 },
    { unit: ' MiB', digits: 0, note: `median of ${STREAMED_RUNS} (${peaks}); malloc as upkeep's launcher sets it` },
  );
  // --streamed-only: the default (streamed) evaluation alone, for its time and peak RSS.
  if (!streamedOnly) {
    for (const [label, e] of [
      ["glibc's default malloc", glibcDefaults],
      ['malloc returning large buffers', { ...env, MALLOC_MMAP_THRESHOLD_: '131072' }],
    ] as const) {
      const r = await run(['single', json], e);
      console.log(`  ${label.padEnd(34)} ${((r.ms as number) / 1000).toFixed(1).padStart(6)} s   peak RSS ${(r.maxRssMiB as number).toFixed(0)} MiB`);
    }
    const whole = await run(['whole', json], env);
    console.log(
      `  read whole (as before)             ${((whole.ms as number) / 1000).toFixed(1).padStart(6)} s   ${(((rows / (whole.ms as number)) * 1000) / 1e6).toFixed(2)} M rows/s   peak RSS ${(whole.maxRssMiB as number).toFixed(0)} MiB`,
    );
    // Two worker processes, one shard each, at once; then the merge (its own process). On this
    // machine they share its cores, so the same is measured with one evaluation thread per process:
    // as two machines of one core each against one.
    const { activities } = activitiesFor(server.endpoint, false);
    const plan = await activities.planEvaluationShards({ model, snapshot: staged.snapshot, shards: 2 });
    const split = async (threadEnv: NodeJS.ProcessEnv) => {
      const t0 = performance.now();
      const shards = await Promise.all(plan.map((shard) => run(['shard', json, JSON.stringify(shard)], threadEnv)));
      const shardWall = performance.now() - t0;
      const merged = await run(['merge', json, JSON.stringify(shards.map((r) => r.result))], threadEnv);
      return { shards, shardWall, merged, total: shardWall + (merged.ms as number) };
    };
    const both = await split(env);
    const m = both.merged.summary as { metrics: Record<string, number> };
    const line = (label: string, r: Awaited<ReturnType<typeof split>>) =>
      console.log(
        `  ${label.padEnd(34)} ${(r.total / 1000).toFixed(1).padStart(6)} s   (shards ${(r.shardWall / 1000).toFixed(1)} s at once, peak RSS ${r.shards.map((x) => (x.maxRssMiB as number).toFixed(0)).join(' and ')} MiB; merge ${((r.merged.ms as number) / 1000).toFixed(1)} s, ${(r.merged.maxRssMiB as number).toFixed(0)} MiB)`,
      );
    line('2 shards, 2 worker processes', both);
    console.log(
      `  speed-up over one process          ${((streamed.ms as number) / both.total).toFixed(2).padStart(6)}x    (both on this machine's 2 cores; metrics ${m.metrics.roc_auc === s.metrics.roc_auc ? 'equal' : 'DIFFER'})`,
    );
    const oneThread = { ...env, UPKEEP_BENCH_THREADS: '1' };
    const single1 = await run(['single', json], oneThread);
    const split1 = await split(oneThread);
    console.log(
      `  one process, one thread            ${((single1.ms as number) / 1000).toFixed(1).padStart(6)} s   peak RSS ${(single1.maxRssMiB as number).toFixed(0)} MiB`,
    );
    line('2 shards, 2 processes, one thread', split1);
    console.log(
      `  speed-up, one thread per process   ${((single1.ms as number) / split1.total).toFixed(2).padStart(6)}x    (as two one-core machines against one)`,
    );
  }
  client.destroy();
} finally {
  await server.stop();
}
