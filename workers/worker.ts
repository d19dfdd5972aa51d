/**
 * Composition root of the worker process: config → ports → activities → Worker.
 */
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { loadConfig } from '../activities/config/load.js';
import { createFileDataSource, type DataSource } from '../activities/data/source.js';
import { createEvaluationEngine, type EvaluationEngine } from '../activities/evaluation/evaluate.js';
import { createFileStore } from '../activities/store/file-store.js';
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

export interface UpkeepWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue?: string;
  configPath: string;
  /** Defaults to the store named in the config. */
  store?: ArtifactStore;
  /** Defaults to local files (file:// URIs). */
  data?: DataSource;
  engine?: EvaluationEngine;
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** Temporary working folders for trainers (default: the OS temp folder). */
  scratchDir?: string;
  /** Where notification lines go (default: stdout). */
  log?(line: string): void;
}

export async function createUpkeepWorker(opts: UpkeepWorkerOptions): Promise<{ worker: Worker; engine: EvaluationEngine }> {
  const configPath = path.resolve(opts.configPath);
  const initial = await loadConfig(configPath); // fail fast on a bad config
  const store = opts.store ?? createFileStore(initial.store);
  const engine = opts.engine ?? createEvaluationEngine();
  const activities = createActivities({
    loadConfig: async () => ({ ...(await loadConfig(configPath)), name: path.basename(configPath) }),
    store,
    data: opts.data ?? createFileDataSource(),
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
  });
  return { worker, engine };
}
