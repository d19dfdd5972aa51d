/**
 * Composition root of the worker process: config → ports → activities → Worker.
 */
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { PayloadCodec } from '@temporalio/common';
import { createActivities } from '../activities/index.js';
import { loadConfig, warnUnauthenticated } from '../activities/config/load.js';
import { createDataSource } from '../activities/data/sources.js';
import type { DataSource } from '../activities/data/source.js';
import { createEvaluationEngine, type EvaluationEngine } from '../activities/evaluation/evaluate.js';
import { openStore } from '../activities/store/open.js';
import type { ArtifactStore } from '../activities/store/store.js';
import { TASK_QUEUE } from '../workflows/definitions.js';
import os from 'node:os';
import path from 'node:path';

/** The workflows' entry: index.ts from the sources (tsx), index.js from the compiled code (dist/). */
export const WORKFLOWS_PATH = fileURLToPath(new URL(`../workflows/index${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

/** Bundles the workflow code once (workflow files import each other with .js specifiers). */
export async function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} } as never,
    webpackConfigHook: (config) => {
      config.resolve = { ...config.resolve, extensionAlias: { '.js': ['.ts', '.js'] } };
      return config;
    },
  });
}

export const SHUTDOWN_GRACE = '5s';
export const SHUTDOWN_FORCE = '15s';

export interface UpkeepWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue?: string;
  configPath: string;
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
}

export async function createUpkeepWorker(opts: UpkeepWorkerOptions): Promise<{ worker: Worker; engine: EvaluationEngine }> {
  const configPath = path.resolve(opts.configPath);
  const initial = await loadConfig(configPath); // fail fast on a bad config
  // The worker takes decisions for these models: say loudly when nobody can prove who made them.
  warnUnauthenticated(initial, path.basename(configPath));
  const store = opts.store ?? openStore(initial);
  const engine = opts.engine ?? createEvaluationEngine();
  const activities = createActivities({
    loadConfig: async () => ({ ...(await loadConfig(configPath)), name: path.basename(configPath) }),
    store,
    data: opts.data ?? createDataSource(initial.s3),
    engine,
    scratchDir: opts.scratchDir ?? os.tmpdir(),
    ...(opts.log ? { log: opts.log } : {}),
  });
  const worker = await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    activities,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: { webpackConfigHook: (c) => ({ ...c, resolve: { ...c.resolve, extensionAlias: { '.js': ['.ts', '.js'] } } }) } }),
    maxConcurrentActivityTaskExecutions: 4,
    ...(opts.payloadCodecs && opts.payloadCodecs.length > 0 ? { dataConverter: { payloadCodecs: opts.payloadCodecs } } : {}),
    // On SIGTERM running activities get SHUTDOWN_GRACE to finish, are then cancelled (reads stop
    // between chunks), and after SHUTDOWN_FORCE run() gives up on them, whatever they are doing.
    shutdownGraceTime: SHUTDOWN_GRACE,
    shutdownForceTime: SHUTDOWN_FORCE,
  });
  return { worker, engine };
}
