/**
 * `npm start`: the embedded default. Starts (or reuses) a Temporal dev server with a SQLite file in
 * .upkeep/, runs a worker, syncs the example config's schedules, triggers one evaluation per model
 * so there is something to see, and keeps running until Ctrl-C.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../activities/config/load.js';
import { formatChanges, syncSchedules } from '../workers/schedules.js';
import { formatGateRefresh, refreshOpenGates } from '../workers/refresh-gates.js';
import { auditSyncChanges } from '../workers/schedule-audit.js';
import { connectClient, connectWorker, resolveTemporal } from '../workers/temporal.js';
import { createUpkeepWorker } from '../workers/worker.js';
import { payloadCodecs } from '../workers/codec.js';
import { demoDay, writeDemoFeed } from './demo/feed.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createDataSource } from '../activities/data/sources.js';
import { profileReferenceData } from '../activities/drift/reference.js';
import { createEvaluationEngine } from '../activities/evaluation/evaluate.js';
import { profileKey } from '../activities/store/keys.js';
import { sha256Hex } from '../activities/store/file-store.js';
import { openStore } from '../activities/store/open.js';
import { EXAMPLE_CONFIG } from '../workers/paths.js';
import { configPath as configFile, readSettings } from '../workers/settings.js';
import { evaluateScheduleId } from '../workflows/definitions.js';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { createWorkerLogger } from '../workers/log.js';
import { onParentExit } from '../workers/parent-watch.js';

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

/** What `npm start` prints once everything runs: where to look, and commands for this config. */
async function nextSteps(o: {
  config: Awaited<ReturnType<typeof loadConfig>>;
  configPath: string;
  isExample: boolean;
  settings: ReturnType<typeof readSettings>;
  target: Awaited<ReturnType<typeof resolveTemporal>>;
  taskQueues: readonly string[];
}): Promise<string> {
  const { config, isExample, settings, target } = o;
  const store = openStore(config);
  const first = config.models[0]!.id;
  // Another terminal does not have this one's UPKEEP_CONFIG: name the config in every command.
  const rel = path.relative(process.cwd(), o.configPath) || o.configPath;
  const implicit = isExample || o.configPath === path.resolve('upkeep.yaml');
  const cfg = implicit ? '' : ` --config ${/\s/.test(rel) ? JSON.stringify(rel) : rel}`;
  const hour = (ms: number): string => new Date(ms).toISOString().slice(0, 16) + 'Z';
  const lines = [
    '',
    `upkeep is running: worker on task queue${o.taskQueues.length > 1 ? 's' : ''} ${o.taskQueues.join(' and ')}, one evaluation per model triggered now.`,
    `  Temporal UI   ${target.uiUrl ? `${target.uiUrl}/namespaces/${target.namespace}/workflows` : '(see your cluster)'}`,
    `  store         ${store.root}`,
    `  reports       ${store.uriFor('reports')}/<model>/`,
    `  model cards   ${store.uriFor('cards')}/<model>.md`,
    `  models        ${config.models.map((m) => `${m.id} (owner ${m.owner})`).join(', ')}`,
    'Try, in another terminal:',
  ];
  if (!isExample) {
    // A model without a reference profile is evaluated without drift and data-quality checks.
    for (const m of config.models) {
      if (m.reference) continue;
      const profiles = await store.list(`profiles/${m.id}/`).catch(() => []);
      if (profiles.length === 0) lines.push(`  npx upkeep profile --model ${m.id}${cfg} --data <training sample>   (no reference profile yet: ${m.id} is evaluated without drift checks)`);
    }
    lines.push(`  npx upkeep check${cfg}                          (config, models and the current window, nothing durable)`);
  }
  lines.push(
    `  npx upkeep schedules list${cfg}`,
    `  npx upkeep schedules trigger ${first}${cfg}`,
    `  npx upkeep schedules backfill ${first}${cfg} --from ${hour(Date.now() - 3600e3)} --to ${hour(Date.now())}   (every scheduled time in the last hour)`,
    `  npx upkeep evaluate --model ${first}${cfg}`,
  );
  if (isExample) lines.push(`  npm run demo-feed -- --drifted                         (the world changes: ${first} degrades and asks for a retrain)`);
  lines.push(
    `  npx upkeep approvals list${cfg}`,
    `  npx upkeep status${cfg}                               (the fleet: verdicts, staleness, pending approvals, watchdog findings)`,
    `  npx upkeep who-was-watching ${first}${cfg} --at ${hour(Date.now())}   (from the audit trail in the store)`,
    `  npx upkeep serve${cfg}                                (the web inbox; README: The web inbox)`,
  );
  const dbPath = path.join(settings.stateDir, 'temporal.db');
  const db = path.relative(process.cwd(), dbPath).startsWith('..') ? dbPath : path.relative(process.cwd(), dbPath);
  lines.push(`Ctrl-C stops the worker${target.devServer ? ` and the dev server (schedules and history are kept in ${db})` : ''}.`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  // Worker logs at WARN: the workflow bundler's build output is noise for a person at a terminal.
  const settings = readSettings(process.env);
  // Bad payload keys stop here, before anything is started.
  const codecs = payloadCodecs(settings);
  // The SDK core's own log lines go through the same logger (plain lines, not raw ANSI).
  Runtime.install({ logger: createWorkerLogger(settings.logLevel), telemetryOptions: { logging: { forward: {}, filter: { core: settings.logLevel, other: 'ERROR' } } } });
  const configPath = configFile(settings);
  const config = await loadConfig(configPath);
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
  log(target.kind === 'external' ? `using Temporal at ${target.connectionOptions.address} (${target.namespace})` : `Temporal dev server at ${target.connectionOptions.address}`);

  const connection = await connectWorker(target);
  const client = await connectClient(target, codecs);
  const { worker, engine } = await createUpkeepWorker({ connection, client, namespace: target.namespace, taskQueue: settings.taskQueue, configPath, payloadCodecs: codecs, queues: settings.workerQueues, evaluationSlots: settings.evaluationSlots, trainingSlots: settings.trainingSlots });
  const running = worker.run();

  const changes = await syncSchedules(client, config, { taskQueue: settings.taskQueue, configName: path.basename(configPath) });
  await auditSyncChanges(openStore(config), config, changes, settings.user);
  console.log(formatChanges(changes, false));
  // Requests that already wait take the config's current approvers and keys (read by the worker).
  const refreshed = formatGateRefresh(await refreshOpenGates(client, { models: config.models.map((m) => m.id), taskQueue: settings.taskQueue }).catch((err: unknown) => ({ refreshed: [], failed: [`the waiting requests: ${err instanceof Error ? err.message : String(err)}`] })));
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
