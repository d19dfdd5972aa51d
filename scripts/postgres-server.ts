/**
 * A throwaway PostgreSQL cluster for the tests (test/helpers/postgres.ts) and `npm test`
 * (scripts/test.ts): Debian's server binaries (initdb, pg_ctl), a cluster made in a temporary
 * folder on each start (`initdb --no-sync`, fsync off: about a second), listening on 127.0.0.1 and
 * a free port, its unix socket in the same folder, removed when it stops.
 *
 * Run as root, the cluster belongs to the `postgres` user (`runuser -u postgres --`), as the server
 * refuses to run as root. The superuser `postgres` connects through the socket without a password
 * (`trust` on a folder only its owner, and root, can open): the tests create their databases that
 * way. Over TCP every role needs its password (scram-sha-256), so that tests can see a password
 * refused: the role `upkeep` has a random one, given to the tests as UPKEEP_TEST_PG_PASSWORD.
 *
 * The binaries are, in order: UPKEEP_PG_BIN (a folder holding initdb and pg_ctl); `pg_ctl` on PATH;
 * the newest /usr/lib/postgresql/<version>/bin; else, as root with apt-get, Debian's `postgresql`
 * package installed now. Anywhere else the PostgreSQL tests are skipped, saying why.
 *
 * A cluster is stopped by stop(), else when this process exits, else (the process killed outright)
 * by a small watcher process that notices it is gone.
 */
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, isExecutable, onPath } from '../workers/dev-server.js';

/** The superuser, reached through the socket without a password. */
export const PG_ADMIN_USER = 'postgres';
/** The role the tests read as, over TCP with its password. */
export const PG_TEST_USER = 'upkeep';

/** The folder of the server binaries, or why there is none. */
export type PostgresLookup = { bin: string; missing?: undefined } | { bin?: undefined; missing: string };

const hasServer = (dir: string): boolean => isExecutable(path.join(dir, 'initdb')) && isExecutable(path.join(dir, 'pg_ctl'));

/** The newest /usr/lib/postgresql/<major>/bin holding a server. */
function debianBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  let versions: string[];
  try {
    versions = readdirSync(base);
  } catch {
    return undefined;
  }
  return versions
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => path.join(base, v, 'bin'))
    .find(hasServer);
}

function look(): string | undefined {
  const onPathCtl = onPath('pg_ctl', process.env);
  if (onPathCtl && hasServer(path.dirname(onPathCtl))) return path.dirname(onPathCtl);
  return debianBin();
}

/**
 * The server binaries' folder. With `install` (the default; `npm test`), Debian's package is
 * installed when there is none and this runs as root on a machine with apt-get (without creating
 * the package's own cluster: only the binaries are wanted).
 */
export function resolvePostgres(opts: { install?: boolean; log?: (line: string) => void } = {}): PostgresLookup {
  const log = opts.log ?? (() => {});
  const configured = process.env.UPKEEP_PG_BIN;
  if (configured) {
    if (!hasServer(configured)) return { missing: `UPKEEP_PG_BIN=${configured} does not hold initdb and pg_ctl` };
    return { bin: configured };
  }
  const found = look();
  if (found) return { bin: found };
  const advice = "install Debian's postgresql package, or set UPKEEP_PG_BIN to a folder holding initdb and pg_ctl";
  if (opts.install === false) return { missing: `no PostgreSQL server binaries (initdb, pg_ctl): ${advice}` };
  const aptGet = onPath('apt-get', process.env);
  if (!aptGet || process.getuid?.() !== 0) {
    return { missing: `no PostgreSQL server binaries (initdb, pg_ctl) and ${aptGet ? 'not root' : 'no apt-get'} to install them: ${advice}` };
  }
  // Debian's package makes and starts a cluster of its own unless told not to, before the first one exists.
  const createConf = '/etc/postgresql-common/createcluster.conf';
  if (!existsSync(createConf)) {
    mkdirSync(path.dirname(createConf), { recursive: true });
    writeFileSync(createConf, 'create_main_cluster = false\n');
  }
  log("installing Debian's postgresql package for the PostgreSQL tests (apt-get) ...");
  const quiet: SpawnSyncOptions = { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } };
  spawnSync(aptGet, ['update', '-qq'], quiet);
  const r = spawnSync(aptGet, ['install', '-y', '-qq', '--no-install-recommends', 'postgresql'], quiet);
  const installed = look();
  if (r.status === 0 && installed) return { bin: installed };
  return { missing: `could not install Debian's postgresql package (apt-get exited ${r.status}): ${advice}` };
}

export interface PostgresCluster {
  host: string;
  port: number;
  /** The folder of the unix socket (the superuser connects there without a password). */
  socketDir: string;
  /** The password of the role `upkeep` (over TCP). */
  password: string;
  /** The server's version, e.g. 15.18. */
  version: string;
  stop(): Promise<void>;
}

/** A cluster already running, as `npm test` hands it to the test processes. */
export interface PostgresSettings {
  host: string;
  port: number;
  socketDir: string;
  password: string;
}

/** The environment variables that hand a running cluster to the test processes. */
export function postgresEnv(c: PostgresSettings): Record<string, string> {
  return { UPKEEP_TEST_PG: `${c.host}:${c.port}`, UPKEEP_TEST_PG_PASSWORD: c.password, UPKEEP_TEST_PG_SOCKET: c.socketDir };
}

/** The cluster `npm test` started, from the environment, or undefined when it did not. */
export function postgresFromEnv(env: NodeJS.ProcessEnv = process.env): PostgresSettings | undefined {
  const at = env.UPKEEP_TEST_PG;
  if (!at) return undefined;
  const m = /^(.+):(\d+)$/.exec(at);
  if (!m || !env.UPKEEP_TEST_PG_PASSWORD || !env.UPKEEP_TEST_PG_SOCKET) {
    throw new Error(`UPKEEP_TEST_PG=${at} needs host:port, with UPKEEP_TEST_PG_PASSWORD and UPKEEP_TEST_PG_SOCKET set`);
  }
  return { host: m[1]!, port: Number(m[2]), password: env.UPKEEP_TEST_PG_PASSWORD, socketDir: env.UPKEEP_TEST_PG_SOCKET };
}

/** A client of the superuser through the socket (no password), connected to `database`. */
export async function adminClient(c: Pick<PostgresSettings, 'socketDir' | 'port'>, database = 'postgres'): Promise<pg.Client> {
  const client = new pg.Client({ host: c.socketDir, port: c.port, user: PG_ADMIN_USER, database, password: '' });
  await client.connect();
  return client;
}

/** The uid and gid of the `postgres` user, from /etc/passwd. */
function postgresIds(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error('running as root and there is no postgres user to run the PostgreSQL server as');
  return { uid: Number(uid), gid: Number(gid) };
}

/** A command line, as the `postgres` user when we are root. */
function asOwner(bin: string, cmd: string, args: string[]): [string, string[]] {
  const file = path.join(bin, cmd);
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
}

function exec(bin: string, cmd: string, args: string[]): Promise<{ code: number | null; output: string }> {
  const [file, argv] = asOwner(bin, cmd, args);
  return new Promise((resolve) => {
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: os.tmpdir() });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
    child.stderr.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
    child.once('error', (err) => resolve({ code: null, output: err.message }));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

/** Stops the cluster at once and removes its folder, synchronously (process exit, or after a failed start). */
function stopNow(bin: string, dir: string): void {
  const data = path.join(dir, 'data');
  if (existsSync(path.join(data, 'postmaster.pid'))) {
    const [file, argv] = asOwner(bin, 'pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w', '-t', '10']);
    spawnSync(file, argv, { stdio: 'ignore', cwd: os.tmpdir() });
  }
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Stops the cluster when `pid` is gone (killed outright, so that neither stop() nor the exit hook
 * ran): a shell polling it, detached, in its own process group.
 */
function watchOwner(bin: string, dir: string, pid: number): number | undefined {
  const [file, argv] = asOwner(bin, 'pg_ctl', ['stop', '-D', path.join(dir, 'data'), '-m', 'immediate', '-w', '-t', '10']);
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const script = `while kill -0 ${pid} 2>/dev/null; do sleep 2; done; ${[file, ...argv].map(q).join(' ')} >/dev/null 2>&1; rm -rf ${q(dir)}`;
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore', cwd: os.tmpdir() });
  child.unref();
  return child.pid;
}

/**
 * Makes and starts a cluster: initdb in a new temporary folder, pg_ctl start on a free port
 * (again on another port, twice at most, when the one chosen was taken before the server bound it),
 * then the role `upkeep` with a random password.
 */
export async function startPostgres(bin: string, opts: { log?: (line: string) => void } = {}): Promise<PostgresCluster> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-pg-'));
  const data = path.join(dir, 'data');
  let watcher: number | undefined;
  const onExit = (): void => stopNow(bin, dir);
  try {
    if (process.getuid?.() === 0) {
      const { uid, gid } = postgresIds();
      chownSync(dir, uid, gid);
    }
    const init = await exec(bin, 'initdb', [
      '-D',
      data,
      '-U',
      PG_ADMIN_USER,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ]);
    if (init.code !== 0) throw new Error(`initdb failed (exit ${init.code}):\n${init.output}`);
    // A throwaway cluster: nothing is worth waiting for the disk.
    const settings = [
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dir}'`,
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'max_connections = 200',
      "log_min_messages = 'warning'",
    ];
    appendFileSync(path.join(data, 'postgresql.conf'), `\n# upkeep tests\n${settings.join('\n')}\n`);
    process.once('exit', onExit);
    watcher = watchOwner(bin, dir, process.pid);
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const started = await exec(bin, 'pg_ctl', ['start', '-D', data, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', '-o', `-p ${port}`]);
      if (started.code === 0) break;
      const log = readLog(dir);
      if (attempt < 3 && /could not bind|address already in use/i.test(log)) {
        opts.log?.(`PostgreSQL could not bind 127.0.0.1:${port}, taken meanwhile: starting it on another port`);
        continue;
      }
      throw new Error(`pg_ctl start failed (exit ${started.code}):\n${started.output}\n${log}`);
    }
    const password = randomBytes(18).toString('base64url');
    const admin = await adminClient({ socketDir: dir, port });
    let version: string;
    try {
      await admin.query(`create role ${PG_TEST_USER} login password '${password}'`);
      version = String((await admin.query<{ v: string }>(`select current_setting('server_version') as v`)).rows[0]!.v).split(' ')[0]!;
    } finally {
      await admin.end();
    }
    let stopped: Promise<void> | undefined;
    return {
      host: '127.0.0.1',
      port,
      socketDir: dir,
      password,
      version,
      stop() {
        stopped ??= (async () => {
          process.off('exit', onExit);
          kill(watcher);
          const r = await exec(bin, 'pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w', '-t', '30']);
          if (r.code !== 0) stopNow(bin, dir);
          rmSync(dir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  } catch (err) {
    process.off('exit', onExit);
    kill(watcher);
    stopNow(bin, dir);
    throw err;
  }
}

function kill(pid: number | undefined): void {
  try {
    if (pid) process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

function readLog(dir: string): string {
  try {
    return readFileSync(path.join(dir, 'server.log'), 'utf8').slice(-4000);
  } catch {
    return '';
  }
}
