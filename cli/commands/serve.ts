/** `upkeep serve` and `upkeep users add|list|remove`: the web inbox's commands. */
import type { AddressInfo } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import type { Client } from '@temporalio/client';
import type { UpkeepConfig } from '../../domain/config.js';
import { durationMs } from '../../domain/duration.js';
import { UpkeepError } from '../../engine/errors.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import { onStopRequest } from '../../workers/parent-watch.js';
import { commandConfig, openClient, settings } from '../context.js';
import { createSigningKey, readSigningKey, type SigningKey } from '../keys.js';
import { createWebApp, hostName, LOOPBACK_HOSTS, type WebOptions } from '../web/server.js';
import { tokenAuthenticator, usersCommand } from '../web/users.js';

/** The users file: `web.users_file` (relative to the config), else <state folder>/web-users.json. */
export function usersFile(config: Pick<UpkeepConfig, 'web'>, configPath: string, stateDir: string): string {
  return config.web.users_file ? path.resolve(path.dirname(configPath), config.web.users_file) : path.join(stateDir, 'web-users.json');
}

/** The server's authenticator id: `web.authenticator`, else upkeep-web@<host name>. */
export const authenticatorId = (config: Pick<UpkeepConfig, 'web'>, host = hostname()): string => config.web.authenticator ?? `upkeep-web@${host}`;

/** The server's signing key, made on first use in the key folder. */
export function serverKey(keyDir: string, id: string): { key: SigningKey; created: boolean } {
  const existing = readSigningKey(keyDir, id);
  if (existing) return { key: existing, created: false };
  return { key: createSigningKey(keyDir, id).key, created: true };
}

/** Refuses a key that is not listed under `authenticators` with this public key (for every model). */
export function checkAuthenticator(config: UpkeepConfig, configName: string, key: SigningKey): void {
  const unlisted = config.models.filter((m) => m.keys?.authenticators[key.id] !== key.publicKey);
  if (unlisted.length === 0) return;
  const snippet = ['authenticators:', `  - id: ${JSON.stringify(key.id)}`, `    public_key: ${key.publicKey}`].join('\n');
  throw new UpkeepError(
    'InvalidConfig',
    `${configName}: the web server's key ${key.id} is not listed under authenticators${unlisted.length < config.models.length ? ` for ${unlisted.map((m) => m.id).join(', ')}` : ''} (with public key ${key.publicKey}, key file ${key.file}); add this to ${configName} (or the keys file) and start again:\n\n${snippet}\n`,
  );
}

export interface RunningWebServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The host names the inbox answers to: the loopback names, the bind address (every address and the
 * machine's name when bound to all interfaces), the public URL's host and `web.hosts`.
 */
export function allowedHosts(
  o: { bind: string; publicUrl?: string | undefined; configured?: readonly string[] },
  machine = { name: hostname(), addresses: () => Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address)) },
): string[] {
  const names = new Set<string>(LOOPBACK_HOSTS);
  const add = (h: string | undefined): void => {
    const n = h === undefined ? undefined : hostName(h.includes(':') && !h.startsWith('[') ? `[${h}]` : h);
    if (n) names.add(n);
  };
  if (o.bind === '0.0.0.0' || o.bind === '::' || o.bind === '') {
    add(machine.name);
    machine.addresses().forEach(add);
  } else add(o.bind);
  if (o.publicUrl) add(new URL(o.publicUrl).hostname);
  o.configured?.forEach(add);
  return [...names];
}

/** A request's headers must arrive within this, and the whole request within `REQUEST_TIMEOUT_MS` (Node's default: 300 s). */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;

/** Listens on host:port (0: any free port) until close(). */
export async function startWebServer(
  o: WebOptions & { host: string; port: number; timeouts?: { headersMs: number; requestMs: number; checkEveryMs?: number } },
): Promise<RunningWebServer> {
  const { app } = createWebApp({ ...o, hosts: o.hosts ?? allowedHosts({ bind: o.host, publicUrl: o.publicUrl, configured: o.config.web.hosts }) });
  const t = o.timeouts ?? { headersMs: HEADERS_TIMEOUT_MS, requestMs: REQUEST_TIMEOUT_MS };
  // A slow client (headers or a body trickled a byte at a time) is cut off: 408 and the connection closed.
  const serverOptions = {
    headersTimeout: t.headersMs,
    requestTimeout: t.requestMs,
    connectionsCheckingInterval: t.checkEveryMs ?? Math.min(1000, t.headersMs),
  };
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: o.host, port: o.port, serverOptions }, () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}

/** What `upkeep serve` needs besides Temporal: the config, the store, the users file, the server's key. */
export async function webSetup(
  configPath: string,
  o: { stateDir: string; keyDir: string },
): Promise<{ config: UpkeepConfig; store: ArtifactStore; users: string; key: SigningKey; created: boolean }> {
  const { loadConfig } = await import('../../engine/config/load.js');
  const { openStore } = await import('../../engine/store/open.js');
  const config = await loadConfig(configPath);
  const { key, created } = serverKey(o.keyDir, authenticatorId(config));
  checkAuthenticator(config, path.basename(configPath), key);
  return { config, store: openStore(config), users: usersFile(config, configPath, o.stateDir), key, created };
}

/**
 * The /metrics route of `upkeep serve`: with a `metrics` block and its token_file (the inbox may
 * face the network: its metrics are never open); without the token, off, saying so.
 */
export async function serveMetrics(
  config: UpkeepConfig,
  configPath: string,
  o: { store: ArtifactStore; client?: Client; taskQueue: string; log?: (line: string) => void },
): Promise<WebOptions['metrics'] | undefined> {
  if (!config.metrics) return undefined;
  const { readMetricsToken, upkeepRegistry } = await import('../metrics/endpoint.js');
  const token = readMetricsToken(config, configPath);
  if (!token) {
    (o.log ?? console.log)(`metrics: /metrics is off in upkeep serve until metrics.token_file is set in ${path.basename(configPath)} (docs/observability.md)`);
    return undefined;
  }
  const { store, client, taskQueue } = o;
  return {
    token,
    registry: upkeepRegistry({ config: () => Promise.resolve(config), refresh: config.metrics.refresh, store, ...(client ? { client } : {}), taskQueue }),
  };
}

export async function serveCommand(o: { port: number; host: string; publicUrl?: string; config?: string }): Promise<void> {
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new UpkeepError('InvalidConfig', `--port ${o.port} is not a port number`);
  if (o.publicUrl && !/^https?:\/\/[^/]+\/?$/.test(o.publicUrl))
    throw new UpkeepError('InvalidConfig', `--public-url ${o.publicUrl}: expected http(s)://host[:port], without a path`);
  const s = settings();
  const configPath = commandConfig(o.config);
  const setup = await webSetup(configPath, s);
  if (setup.created) console.log(`created the web server's signing key ${setup.key.id}: ${setup.key.file}`);
  const client: Client = await openClient();
  const metrics = await serveMetrics(setup.config, configPath, { store: setup.store, client, taskQueue: s.taskQueue });
  const server = await startWebServer({
    ...(metrics ? { metrics } : {}),
    config: setup.config,
    store: setup.store,
    client,
    taskQueue: s.taskQueue,
    authenticator: tokenAuthenticator(setup.users),
    signer: { id: setup.key.id, secretKey: setup.key.secretKey },
    sessions: { idleMs: durationMs(setup.config.web.session_ttl), maxMs: durationMs(setup.config.web.session_max) },
    ...(o.publicUrl ? { publicUrl: o.publicUrl.replace(/\/$/, '') } : {}),
    host: o.host,
    port: o.port,
    log: (line) => console.log(`${new Date().toISOString()} ${line}`),
  });
  console.log(`upkeep web inbox at ${o.publicUrl ?? server.url} (users: ${setup.users}; decisions signed as ${setup.key.id}); Ctrl-C stops it`);
  if (!['127.0.0.1', 'localhost', '::1'].includes(o.host) && !o.publicUrl?.startsWith('https://')) {
    console.log(`warning: listening on ${o.host} over plain HTTP: put it behind a TLS proxy and pass --public-url https://… (docs/web.md)`);
  }
  // Stops on Ctrl-C, SIGTERM, SIGHUP, and when the process that started it is gone (`npx upkeep serve`).
  await new Promise<void>((resolve) => onStopRequest(() => void server.close().finally(() => client.connection.close().finally(resolve))));
  console.log('upkeep web inbox stopped');
}

export async function usersCliCommand(verb: 'add' | 'list' | 'remove', id: string | undefined, o: { config?: string }): Promise<void> {
  const configPath = commandConfig(o.config);
  const { loadConfig } = await import('../../engine/config/load.js');
  const config = await loadConfig(configPath);
  usersCommand(usersFile(config, configPath, settings().stateDir), verb, id);
  if (verb === 'list') return;
  // Who may sign in changed: recorded in every model's audit chain, with who ran the command.
  const [{ openStore }, { recordFleetConfig }, { witness }, { readUsers }] = await Promise.all([
    import('../../engine/store/open.js'),
    import('../../engine/audit/config-entries.js'),
    import('../witness.js'),
    import('../web/users.js'),
  ]);
  const webUsers = readUsers(usersFile(config, configPath, settings().stateDir)).map((u) => ({ id: u.id, created: u.created }));
  const by = witness(`users ${verb}`, settings());
  await recordFleetConfig(openStore(config), config, { by, webUsers, configName: path.basename(configPath) });
  // A person who left and owned models: each gets a handover request to the platform contacts (docs/governance.md#handover).
  if (verb === 'remove' && id) await (await import('./handover.js')).departureHandovers(config, id, `upkeep users remove, run by ${by.user}@${by.host}`);
}
