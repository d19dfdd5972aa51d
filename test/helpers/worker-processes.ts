/**
 * Workers in their own processes (worker-process.ts), for fault tests that kill and restart them.
 * The workflow bundle is built once (bundles.ts) and handed to every process in a file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { PROJECT_DIR } from '../../workers/paths.js';
import { testBundle, testBundleFile } from './bundles.js';

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves when the worker polls; rejects if the process exits first. */
  ready: Promise<void>;
  /** The exit code and signal, once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  /** Lets a process started `held` poll (ready resolves once it does). */
  release(): void;
  /** SIGKILLs the process (if still running) and waits for it. */
  kill(): Promise<void>;
}

/** The test run's workflow bundle in a file (bundles.ts). */
export function workflowBundleFile(): Promise<string> {
  return testBundleFile('plain');
}

/** The workers' beat with the fast-failover bundle: well within its heartbeat timeout of 5 s. */
export const FAST_HEARTBEAT_EVERY_MS = 1000;

/**
 * upkeep's workflows bundled with short heartbeat timeouts (fast-failover-interceptors.ts), built
 * once: a killed worker's attempt is retried seconds after the kill instead of a minute. Workers
 * running it must beat every running activity: `fastFailover` of startWorkerProcess, or
 * `heartbeatEvery: FAST_HEARTBEAT_EVERY_MS` of createUpkeepWorker.
 */
export function fastFailoverBundle(): Promise<WorkflowBundleWithSourceMap> {
  return testBundle('fast-failover');
}

/** fastFailoverBundle in a file (bundles.ts). */
export function fastFailoverBundleFile(): Promise<string> {
  return testBundleFile('fast-failover');
}

/**
 * Node's arguments that run worker-process.ts (from the project folder): the copy npm test compiled
 * once against dist/ (UPKEEP_TEST_WORKER_JS: plain node starts it with less CPU), else the source
 * through tsx, for a file run on its own.
 */
export function workerProcessScript(): string[] {
  const compiled = process.env.UPKEEP_TEST_WORKER_JS;
  return compiled ? [compiled] : ['--import', 'tsx', 'test/helpers/worker-process.ts'];
}

/** Starts a worker process; `killAt` makes it SIGKILL itself at a store put/get or data read (see worker-process.ts). */
/** `env` adds variables, e.g. UPKEEP_WORKER_QUEUES and UPKEEP_*_SLOTS (read as the CLI reads them). */
/** `fastFailover`: it runs fastFailoverBundle and beats every running activity every FAST_HEARTBEAT_EVERY_MS. */
/**
 * `held`: it starts (the slow part on a loaded machine: compiling and loading the code, connecting)
 * but polls only once release() is called, so a test starts the worker that takes over from a
 * killed one beside it and releases it after the kill.
 */
export async function startWorkerProcess(o: {
  address: string;
  taskQueue: string;
  configPath: string;
  scratchDir: string;
  killAt?: string;
  snapshotReadMs?: number;
  env?: Record<string, string>;
  fastFailover?: boolean;
  held?: boolean;
}): Promise<WorkerProcess> {
  const bundle = await (o.fastFailover ? fastFailoverBundleFile() : workflowBundleFile());
  const env: NodeJS.ProcessEnv = { ...process.env, ...o.env, UPKEEP_TEST_WORKFLOW_BUNDLE: bundle };
  if (o.fastFailover) env.UPKEEP_TEST_HEARTBEAT_MS = String(FAST_HEARTBEAT_EVERY_MS);
  if (o.killAt) env.UPKEEP_TEST_KILL_AT = o.killAt;
  if (o.snapshotReadMs) env.UPKEEP_TEST_SNAPSHOT_READ_MS = String(o.snapshotReadMs);
  if (o.held) env.UPKEEP_TEST_HELD = '1';
  const child = spawn(process.execPath, [...workerProcessScript(), o.address, o.taskQueue, o.configPath, o.scratchDir], {
    cwd: PROJECT_DIR,
    env,
    stdio: [o.held ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (out.includes('worker ready')) resolve();
    };
    child.stdout!.on('data', check);
    void exited.then(({ code, signal }) => reject(new Error(`the worker process exited (${signal ?? code}) before it was ready:\n${out.slice(-2000)}`)));
  });
  ready.catch(() => undefined);
  return {
    child,
    ready,
    exited,
    output: () => out,
    release() {
      child.stdin?.end('run\n');
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
