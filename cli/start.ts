/**
 * `npm start`: the embedded default. Starts (or reuses) a Temporal dev server with a SQLite file in
 * .upkeep/, runs a worker, syncs the example config's schedules, triggers one evaluation per model
 * so there is something to see, and keeps running until Ctrl-C.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configLoader, loadConfig } from '../engine/config/load.js';
import { formatChanges, syncSchedules } from '../workers/schedules.js';
import { formatGateRefresh, refreshOpenGates } from './client/approvers.js';
import { auditSyncChanges } from '../workers/schedule-audit.js';
import { connectClient, connectWorker, resolveTemporal } from '../workers/temporal.js';
import { createUpkeepWorker } from '../workers/worker.js';
import { payloadCodecs } from '../workers/codec.js';
import { demoDay, writeDemoFeed } from './demo/feed.js';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createDataSource } from '../engine/data/sources.js';
import { profileReferenceData } from '../engine/evaluation/reference.js';
import { createEvaluationEngine } from '../engine/evaluation/evaluate.js';
import { profileKey } from '../engine/store/keys.js';
import { sha256Hex } from '../engine/util.js';
import { openStore } from '../engine/store/open.js';
import { EXAMPLE_CONFIG } from '../workers/paths.js';
import { configPath as configFile, readSettings } from '../workers/settings.js';
import { evaluateScheduleId } from '../workflows/definitions.js';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { createWorkerLogger } from '../workers/log.js';
import { onParentExit } from '../workers/parent-watch.js';
import { describeRecorded, recordCommandConfig, witness } from './config-record.js';
import { recordFleetConfig } from '../engine/audit/config-entries.js';
import { nextSteps } from './next-steps.js';
import { installRuntime, startWorkerMetrics } from './metrics/endpoint.js';

const log = (line: string): void => console.log(`upkeep: ${line}`);

/**
 * The demo model's reference profile (as `upkeep profile` would store it), made once from a
 * training-like sample of the demo process, so that evaluations show drift and data quality.
 */
async function profileDemoModel(config: Awaited<ReturnType<typeof loadConfig>>, feedRoot: string): Promise<void> {
  const spec = config.models[0]!;
  const bytes = await createDataSource(config.s3).read(spec.artifact);
  if (!bytes) return;
  const sha = sha256Hex(bytes);
  const store = openStore(config);
  if (await store.exists(profileKey(spec.id, sha))) return;
  const file = path.join(feedRoot, 'churn-reference.csv');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, demoDay('reference', 5000));
  const engine = createEvaluationEngine();
  try {
    const { profile } = await profileReferenceData({
      spec,
      modelBytes: bytes,
      modelKey: sha,
      artifactName: path.basename(spec.artifact),
      files: [{ name: 'churn-reference.csv', format: 'csv', load: async () => new Uint8Array(readFileSync(file)) }],
      engine,
      createdAt: new Date().toISOString(),
      source: file,
    });
    await store.put(profileKey(spec.id, sha), JSON.stringify(profile));
    log(`profiled the demo model on ${profile.rows} reference rows (upkeep profile): evaluations now report drift and data quality`);
  } finally {
    await engine.close();
  }
}

/**
 * A clone made under umask 002 leaves the example config group-writable, which loadConfig refuses
 * (whoever writes a config decides who may approve): the demo's own file is made 0644 first.
 */
function ownExampleConfig(): void {
  try {
    const mode = statSync(EXAMPLE_CONFIG).mode & 0o7777;
    if (mode & 0o022) {
      chmodSync(EXAMPLE_CONFIG, mode & ~0o022);
      log(`made ${path.basename(EXAMPLE_CONFIG)} writable by its owner only (it was ${mode.toString(8).padStart(4, '0')})`);
    }
  } catch {
    // not ours to change (an installed copy): loadConfig says what to run
  }
}

async function main(): Promise<void> {
  // Worker logs at WARN: the workflow bundler's build output is noise for a person at a terminal.
  const settings = readSettings(process.env);
  // Bad payload keys stop here, before anything is started.
  const codecs = payloadCodecs(settings);
  const configPath = configFile(settings);
  if (configPath === EXAMPLE_CONFIG) ownExampleConfig();
  const config = await loadConfig(configPath);
  // The SDK core's own log lines go through the same logger (plain lines, not raw ANSI); its
  // metrics beside upkeep's when the config has a `metrics` block (docs/observability.md).
  installRuntime(
    {
      logger: createWorkerLogger(settings.logLevel),
      telemetryOptions: { logging: { forward: {}, filter: { core: settings.logLevel, other: 'ERROR' } } },
    },
    config,
  );
  const isExample = configPath === EXAMPLE_CONFIG;
  log(`config ${path.relative(process.cwd(), configPath) || configPath}: ${config.models.map((m) => m.id).join(', ')}`);

  if (isExample) {
    // Where the example config reads the demo model's daily files.
    const feedDir = path.dirname(fileURLToPath(config.models[0]!.data.uri.replace('{date}', 'day')));
    // Four weeks: a retrain trains on 21 days and compares on the 7 most recent.
    const written = writeDemoFeed({ dir: feedDir, end: new Date(), days: 28 });
    if (written.length > 0) log(`demo upstream wrote ${written.length} daily files to ${feedDir}`);
    await profileDemoModel(config, path.dirname(feedDir));
  }

  const target = await resolveTemporal(settings, { log });
  log(
    target.kind === 'external'
      ? `using Temporal at ${target.connectionOptions.address} (${target.namespace})`
      : `Temporal dev server at ${target.connectionOptions.address}`,
  );

  // The config in force, in each model's audit chain (a no-op when it is the one last recorded).
  const recorded = await recordCommandConfig(openStore(config), config, { configPath, settings, command: 'start' });
  const connection = await connectWorker(target);
  const client = await connectClient(target, codecs);
  const metrics = await startWorkerMetrics({
    config,
    configPath,
    readConfig: configLoader(configPath),
    store: openStore(config),
    client,
    taskQueue: settings.taskQueue,
  });
  if (metrics) log(`metrics at ${metrics.server.url} (Temporal's worker metrics on the next port)`);
  const { worker, engine } = await createUpkeepWorker({
    ...(metrics ? { metrics: metrics.evaluation } : {}),
    connection,
    client,
    namespace: target.namespace,
    taskQueue: settings.taskQueue,
    configPath,
    payloadCodecs: codecs,
    queues: settings.workerQueues,
    evaluationSlots: settings.evaluationSlots,
    trainingSlots: settings.trainingSlots,
    // A config (or keys file) edited while it runs is recorded in the audit chain before an activity acts on it.
    onConfig: async (c, store) =>
      void (await recordFleetConfig(store, c, { by: witness('start (config read by an activity)', settings), configName: path.basename(configPath) })),
  });
  const running = worker.run();

  const changes = await syncSchedules(client, config, { taskQueue: settings.taskQueue, configName: path.basename(configPath) });
  await auditSyncChanges(openStore(config), config, changes, settings.user);
  console.log(formatChanges(changes, false));
  const recordedLine = describeRecorded(recorded);
  if (recordedLine) log(recordedLine);
  // Requests that already wait take the config's current approvers and keys (read by the worker).
  const refreshed = formatGateRefresh(
    await refreshOpenGates(client, { models: config.models.map((m) => m.id), taskQueue: settings.taskQueue }).catch((err: unknown) => ({
      refreshed: [],
      failed: [`the waiting requests: ${err instanceof Error ? err.message : String(err)}`],
    })),
  );
  if (refreshed) console.log(refreshed);
  for (const model of config.models) {
    await client.schedule.getHandle(evaluateScheduleId(model.id)).trigger(ScheduleOverlapPolicy.ALLOW_ALL);
  }
  console.log(await nextSteps({ config, configPath, isExample, settings, target, taskQueues: worker.taskQueues }));

  let signals = 0;
  let last = 0;
  const stop = (): void => {
    // Under `npm start` one Ctrl-C arrives twice (from the terminal and forwarded by the bootstrap).
    if (Date.now() - last < 300) return;
    last = Date.now();
    signals++;
    if (signals === 1) {
      log('stopping ... (the worker finishes its running tasks first)');
      worker.shutdown();
    } else if (signals === 2) {
      log('still stopping: waiting for running tasks; Ctrl-C again to quit at once');
    } else {
      process.exit(130);
    }
  };
  // SIGHUP too (the terminal closed): the dev server runs in its own process group and would outlive us.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, stop);
  // The bootstrap that started us was killed: nobody will send the signal, so stop by ourselves.
  onParentExit(stop);
  try {
    await running;
  } finally {
    await metrics?.server.close();
    await client.connection.close();
    await engine.close();
    await connection.close();
    await target.devServer?.stop();
    log('stopped');
  }
}

main().catch((err: unknown) => {
  console.error(`upkeep: ${(err as Error).message ?? err}`);
  process.exit(1);
});
