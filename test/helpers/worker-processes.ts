/**
 * Workers in their own processes (worker-process.ts), for fault tests that kill and restart them.
 * The workflow bundle is built once and handed to every process in a file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_DIR } from '../../workers/paths.js';
import { testTemporal } from './temporal.js';

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves when the worker polls; rejects if the process exits first. */
  ready: Promise<void>;
  /** The exit code and signal, once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  /** SIGKILLs the process (if still running) and waits for it. */
  kill(): Promise<void>;
}

let bundleFile: Promise<string> | undefined;

/** The test run's workflow bundle in a file, written once. */
export function workflowBundleFile(): Promise<string> {
  bundleFile ??= (async () => {
    const { bundle } = await testTemporal();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-bundle-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'workflows.json');
    writeFileSync(file, JSON.stringify({ code: bundle.code, sourceMap: bundle.sourceMap }));
    return file;
  })();
  return bundleFile;
}

/** Starts a worker process; `killAt` makes it SIGKILL itself at a store put/get or data read (see worker-process.ts). */
/** `env` adds variables, e.g. UPKEEP_WORKER_QUEUES and UPKEEP_*_SLOTS (read as the CLI reads them). */
export async function startWorkerProcess(o: {
  address: string;
  taskQueue: string;
  configPath: string;
  scratchDir: string;
  killAt?: string;
  snapshotReadMs?: number;
  env?: Record<string, string>;
}): Promise<WorkerProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...o.env, UPKEEP_TEST_WORKFLOW_BUNDLE: await workflowBundleFile() };
  if (o.killAt) env.UPKEEP_TEST_KILL_AT = o.killAt;
  if (o.snapshotReadMs) env.UPKEEP_TEST_SNAPSHOT_READ_MS = String(o.snapshotReadMs);
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/worker-process.ts', o.address, o.taskQueue, o.configPath, o.scratchDir], {
    cwd: PROJECT_DIR,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
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
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
