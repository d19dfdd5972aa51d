/**
 * Composition root of the worker process: config → ports → activities → Worker.
 */
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker, type ActivityInterceptorsFactory, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Duration, PayloadCodec } from '@temporalio/common';
import { FAILURE_CONVERTER_PATH, upkeepDataConverter } from './codec.js';
import type { Client } from '@temporalio/client';
import type { ChannelSender } from '../engine/notify/channels/types.js';
import type { UpkeepConfig } from '../domain/config.js';
import { createActivities } from '../activities/index.js';
import { configLoader, loadConfig, warnUnauthenticated } from '../engine/config/load.js';
import { createDataSource } from '../engine/data/sources.js';
import type { DataSource } from '../engine/data/source.js';
import { createEvaluationEngine, type EvaluationEngine } from '../engine/evaluation/evaluate.js';
import { openStore } from '../engine/store/open.js';
import { describeMoveProblems, moveAuditTrail } from '../engine/store/audit-layout.js';
import { UpkeepError } from '../engine/errors.js';
import type { ArtifactStore } from '../engine/store/store.js';
import { TASK_QUEUE, trainingTaskQueue } from '../workflows/definitions.js';
import { createTemporalPort } from './temporal-port.js';
import { instrumentActivities, type EvaluationMetrics } from './metrics.js';
import { DEFAULT_EVALUATION_SLOTS, DEFAULT_TRAINING_SLOTS, type WorkerQueues } from './settings.js';
import { describeEndpoint, flushingOnStop, startTracing, TRACING_WORKFLOW_MODULE, tracingWorkerOptions, type Tracing } from './tracing.js';
import { beatingWorkerOptions } from './heartbeats.js';
import os from 'node:os';
import path from 'node:path';

/** The workflows' entry: index.ts from the sources (tsx), index.js from the compiled code (dist/). */
export const WORKFLOWS_PATH = fileURLToPath(new URL(`../workflows/index${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

/**
 * Bundles the workflow code once (workflow files import each other with .js specifiers). A bundle
 * for a worker with payload keys needs `encryptFailures`: the sandbox takes its failure converter
 * from the bundle (a worker given no bundle builds its own, with the converter when it has keys).
 */
export async function bundleWorkflows(
  opts: { encryptFailures?: boolean; tracing?: boolean; interceptorModules?: string[] } = {},
): Promise<WorkflowBundleWithSourceMap> {
  // With tracing (workers/tracing.ts), the sandbox's interceptors that make the workflow spans;
  // `interceptorModules` adds others (the fault tests' short heartbeat timeouts).
  const modules = [...(opts.tracing ? [TRACING_WORKFLOW_MODULE] : []), ...(opts.interceptorModules ?? [])];
  return bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    ...(modules.length > 0 ? { workflowInterceptorModules: modules } : {}),
    ...(opts.encryptFailures ? { failureConverterPath: FAILURE_CONVERTER_PATH } : {}),
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} } as never,
    webpackConfigHook: (config) => {
      config.resolve = { ...config.resolve, extensionAlias: { '.js': ['.ts', '.js'] } };
      return config;
    },
  });
}

export const SHUTDOWN_GRACE = '5s';
export const SHUTDOWN_FORCE = '15s';

/**
 * The Temporal workers of one process, run and stopped together: `evaluation` polls the task queue
 * (workflows, evaluations, short steps), `training` polls `<queue>-training` (activities only).
 */
export interface UpkeepWorker {
  readonly workers: readonly Worker[];
  readonly taskQueues: readonly string[];
  /** Runs every worker until all have stopped; one failing stops the others, then its error is thrown. */
  run(): Promise<void>;
  /** Runs every worker until the promise (or function's promise) settles, then stops them. */
  runUntil<R>(fnOrPromise: Promise<R> | (() => Promise<R>)): Promise<R>;
  /** Starts a graceful shutdown of the workers still running. */
  shutdown(): void;
}

function combine(workers: Worker[], taskQueues: string[]): UpkeepWorker {
  const shutdown = (): void => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
  };
  return {
    workers,
    taskQueues,
    shutdown,
    async run() {
      const runs = await Promise.allSettled(
        workers.map((w) =>
          w.run().catch((err: unknown) => {
            shutdown();
            throw err;
          }),
        ),
      );
      const failed = runs.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
    runUntil<R>(fnOrPromise: Promise<R> | (() => Promise<R>)): Promise<R> {
      // Nested: the outer worker runs until the inner one's runUntil settles.
      const innermost = typeof fnOrPromise === 'function' ? fnOrPromise : () => fnOrPromise;
      return workers.reduceRight<() => Promise<R>>((inner, w) => () => w.runUntil(inner), innermost)();
    },
  };
}

export interface UpkeepWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue?: string;
  configPath: string;
  /** A client of the same server: activities that read schedules and histories use it (watchdog, history export). */
  client?: Client;
  /** Defaults to the store named in the config. */
  store?: ArtifactStore;
  /** Defaults to the config's data source (file:// and s3:// URIs). */
  data?: DataSource;
  engine?: EvaluationEngine;
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** Temporary working folders for trainers (default: the OS temp folder). */
  scratchDir?: string;
  /** Where notification lines go (default: stdout). */
  log?(line: string): void;
  /** Payload codecs (workers/codec.ts): encryption when keys are configured. */
  payloadCodecs?: PayloadCodec[];
  /** The task queues polled (default all: both, each with its own slots). */
  queues?: WorkerQueues;
  /** Concurrent activities on the task queue: evaluations and short steps (default 4). */
  evaluationSlots?: number;
  /** Concurrent trainings on `<queue>-training` (default 1). */
  trainingSlots?: number;
  /**
   * Called once with each config the activities act on (the first, then each edit), before any
   * activity uses it: `upkeep worker` and `npm start` record it in the audit chain.
   */
  onConfig?(config: UpkeepConfig, store: ArtifactStore): Promise<void>;
  /** After SIGTERM: how long running activities may finish, then how long until run() gives up (default SHUTDOWN_GRACE, SHUTDOWN_FORCE; tests shorten them). */
  shutdown?: { graceTime: Duration; forceTime: Duration };
  /** Times the evaluation steps for Prometheus (workers/metrics.ts; cli/metrics/ serves them). */
  metrics?: EvaluationMetrics;
  /**
   * OpenTelemetry tracing (workers/tracing.ts, docs/tracing.md): default from the standard OTEL_*
   * environment (off when no OTLP endpoint is set); false: off whatever the environment says.
   */
  tracing?: Tracing | false;
  /** Delivers to the named channels (default: the channel transports); tests inject a fake. */
  channelSender?: ChannelSender;
  /**
   * Heartbeats every running activity this often besides its own beats (workers/heartbeats.ts),
   * for workflows bundled with heartbeat timeouts of a few seconds (the fault tests). Default off.
   */
  heartbeatEvery?: Duration;
}

/**
 * `read` followed by `onChange` once per config object it returns (configLoader returns the same
 * object until the file changes): every caller waits for it; a failed `onChange` is tried again
 * by the next caller.
 */
export function watchConfig<C>(read: () => Promise<C>, onChange: (config: C) => Promise<void>): () => Promise<C> {
  let seen: { config: C; done: Promise<void> } | undefined;
  return async () => {
    const config = await read();
    if (seen?.config !== config) {
      const mine: { config: C; done: Promise<void> } = {
        config,
        done: onChange(config).catch((err: unknown) => {
          if (seen === mine) seen = undefined;
          throw err;
        }),
      };
      seen = mine;
    }
    await seen.done;
    return config;
  };
}

export async function createUpkeepWorker(opts: UpkeepWorkerOptions): Promise<{ worker: UpkeepWorker; engine: EvaluationEngine }> {
  const configPath = path.resolve(opts.configPath);
  const initial = await loadConfig(configPath); // fail fast on a bad config
  // The worker takes decisions for these models: say loudly when nobody can prove who made them.
  warnUnauthenticated(initial, path.basename(configPath));
  const store = opts.store ?? openStore(initial);
  // A trail an earlier version kept under ledger/ moves to audit/ before the first activity runs.
  const moved = await moveAuditTrail(store);
  if (moved.problems.length > 0) throw new UpkeepError('StoreConflict', describeMoveProblems(store, moved));
  if (moved.state === 'moved')
    (opts.log ?? console.log)(
      `upkeep: moved the audit trail in ${store.root} from ledger/ to audit/ (${moved.found} objects, ${moved.copied} copied now, each read back unchanged; the originals under ledger/ are kept)`,
    );
  const engine = opts.engine ?? createEvaluationEngine();
  // Activities read the config when they run (edits apply at once); parsed again only when changed.
  const onConfig = opts.onConfig;
  const readConfig = onConfig ? watchConfig(configLoader(configPath), (c) => onConfig(c, store)) : configLoader(configPath);
  const activities = createActivities({
    loadConfig: async () => ({ ...(await readConfig()), name: path.basename(configPath) }),
    store,
    data: opts.data ?? createDataSource(initial.s3),
    engine,
    scratchDir: opts.scratchDir ?? os.tmpdir(),
    secrets: process.env,
    configDir: path.dirname(configPath),
    ...(opts.channelSender ? { channelSender: opts.channelSender } : {}),
    ...(opts.client ? { temporal: createTemporalPort(opts.client) } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
  const taskQueue = opts.taskQueue ?? TASK_QUEUE;
  const dataConverter = upkeepDataConverter(opts.payloadCodecs);
  const queues = opts.queues ?? 'all';
  const tracing = await workerTracing(opts);
  // The worker's own heartbeats (heartbeatEvery) join tracing's activity interceptors.
  const withBeats = <T extends { interceptors?: { activity?: ActivityInterceptorsFactory[] } }>(o: T): T => ({
    ...o,
    ...beatingWorkerOptions(opts.heartbeatEvery, o.interceptors),
  });
  const common = {
    connection: opts.connection,
    namespace: opts.namespace,
    // Every activity on both queues: a run recorded before training had its own queue still
    // schedules trainCandidate on the workflows' queue. Evaluation steps timed when metrics are on.
    activities: instrumentActivities(activities, opts.metrics),
    // With payload keys, failures' messages and stack traces are encrypted too (failure-converter.ts).
    ...(dataConverter ? { dataConverter } : {}),
    // On SIGTERM running activities get SHUTDOWN_GRACE to finish, are then cancelled (reads stop
    // between chunks), and after SHUTDOWN_FORCE run() gives up on them, whatever they are doing.
    shutdownGraceTime: opts.shutdown?.graceTime ?? SHUTDOWN_GRACE,
    shutdownForceTime: opts.shutdown?.forceTime ?? SHUTDOWN_FORCE,
    ...withBeats(tracingWorkerOptions(tracing, { workflows: false })),
  };
  const workers: Worker[] = [];
  const taskQueues: string[] = [];
  if (queues !== 'training') {
    workers.push(
      await Worker.create({
        ...common,
        taskQueue,
        ...withBeats(tracingWorkerOptions(tracing, { workflows: !opts.workflowBundle })),
        ...(opts.workflowBundle
          ? { workflowBundle: opts.workflowBundle }
          : {
              workflowsPath: WORKFLOWS_PATH,
              bundlerOptions: { webpackConfigHook: (c) => ({ ...c, resolve: { ...c.resolve, extensionAlias: { '.js': ['.ts', '.js'] } } }) },
            }),
        maxConcurrentActivityTaskExecutions: opts.evaluationSlots ?? DEFAULT_EVALUATION_SLOTS,
      }),
    );
    taskQueues.push(taskQueue);
  }
  if (queues !== 'evaluation') {
    const training = trainingTaskQueue(taskQueue);
    workers.push(await Worker.create({ ...common, taskQueue: training, maxConcurrentActivityTaskExecutions: opts.trainingSlots ?? DEFAULT_TRAINING_SLOTS }));
    taskQueues.push(training);
  }
  // Stopping gracefully exports the spans still buffered.
  return { worker: flushingOnStop(combine(workers, taskQueues), tracing), engine };
}

/** The tracing given, or the environment's (said in one line when on). */
async function workerTracing(opts: UpkeepWorkerOptions): Promise<Tracing | undefined> {
  if (opts.tracing !== undefined) return opts.tracing || undefined;
  const tracing = await startTracing(process.env, { defaultService: 'upkeep-worker', encrypted: (opts.payloadCodecs?.length ?? 0) > 0 });
  if (tracing) (opts.log ?? console.log)(`upkeep: tracing to ${describeEndpoint(tracing.settings.url)} as ${tracing.settings.serviceName}`);
  return tracing;
}
