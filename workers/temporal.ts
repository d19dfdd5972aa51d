/**
 * Where Temporal is. TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE / TLS / API key settings (or a
 * temporal.toml profile, read by @temporalio/envconfig) point at a real cluster or Temporal Cloud;
 * without them upkeep runs its own dev server with a SQLite file in the state folder.
 */
import path from 'node:path';
import { Client, Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { loadClientConfigProfile, toClientOptions } from '@temporalio/envconfig';
import type { NativeConnection, NativeConnectionOptions } from '@temporalio/worker';
import { resolveTemporalCli, startDevServer, temporalAnswers, type DevServer, type Log } from './dev-server.js';
import { UPKEEP_SEARCH_ATTRIBUTES } from '../workflows/definitions.js';
import type { Settings } from './settings.js';
import { upkeepDataConverter } from './codec.js';

/** How long the embedded dev server keeps closed workflows. */
export const DEV_RETENTION = '720h';

export interface TemporalTarget {
  kind: 'external' | 'embedded';
  namespace: string;
  connectionOptions: NativeConnectionOptions;
  uiUrl?: string;
  /** Set when this process started the dev server (and must stop it). */
  devServer?: DevServer;
}

/** The configured external cluster, or undefined for the embedded default. */
export function externalTarget(env: NodeJS.ProcessEnv): TemporalTarget | undefined {
  const profile = loadClientConfigProfile({ overrideEnvVars: env as Record<string, string> });
  if (!profile.address) {
    if (profile.namespace || profile.apiKey || profile.tls) {
      throw new Error('TEMPORAL_NAMESPACE, TLS or API-key settings are set but TEMPORAL_ADDRESS is not: set it to the cluster address');
    }
    return undefined;
  }
  const { connectionOptions, namespace } = toClientOptions(profile);
  return { kind: 'external', namespace: namespace ?? 'default', connectionOptions };
}

export interface EmbeddedOptions {
  /** Persist to <stateDir>/temporal.db (default) or keep everything in memory. */
  persist?: boolean;
  log?: Log;
}

/** The target of commands that only connect: the external cluster, else the embedded dev server's port. */
export function clientTarget(settings: Pick<Settings, 'env' | 'devPort'>): TemporalTarget {
  return externalTarget(settings.env) ?? { kind: 'embedded', namespace: 'default', connectionOptions: { address: `127.0.0.1:${settings.devPort}` } };
}

/** The external cluster, else the dev server on the settings' ports (started here when none answers). */
export async function resolveTemporal(settings: Settings, embedded: EmbeddedOptions = {}): Promise<TemporalTarget> {
  const external = externalTarget(settings.env);
  if (external) return external;
  const log = embedded.log ?? (() => {});
  const { devPort: port, devUiPort: uiPort, stateDir } = settings;
  const address = `127.0.0.1:${port}`;
  const uiUrl = `http://127.0.0.1:${uiPort}`;
  if (await temporalAnswers(address, 1500)) {
    log(`using the Temporal server already running at ${address}`);
    return { kind: 'embedded', namespace: 'default', connectionOptions: { address }, uiUrl };
  }
  const cli = resolveTemporalCli({ settings, log });
  const dbFile = embedded.persist === false ? undefined : path.join(stateDir, 'temporal.db');
  if (!cli) {
    log('starting a dev server with the Temporal SDK download');
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const env2 = await TestWorkflowEnvironment.createLocal({
      server: { ip: '127.0.0.1', port, uiPort, dbFilename: dbFile, searchAttributes: [...UPKEEP_SEARCH_ATTRIBUTES] },
    });
    return {
      kind: 'embedded',
      namespace: 'default',
      connectionOptions: { address },
      uiUrl,
      devServer: { address, namespace: 'default', stop: () => env2.teardown() },
    };
  }
  // Closed workflows are kept 30 days (set explicitly; the dev server's own default is shorter).
  // Hourly, exportHistories copies each closed history to the store, where audits read it later.
  const server = await startDevServer({ cli, port, uiPort, dbFile, log, retention: DEV_RETENTION });
  return { kind: 'embedded', namespace: server.namespace, connectionOptions: { address: server.address }, uiUrl: server.uiUrl, devServer: server };
}

/**
 * A client; with `payloadCodecs` (workers/codec.ts) payloads are encrypted and decrypted.
 * `connectTimeoutMs`: how long to wait for the server (the SDK's default, 10s, when absent).
 */
export async function connectClient(
  target: TemporalTarget,
  payloadCodecs: PayloadCodec[] = [],
  opts: { connectTimeoutMs?: number; interceptors?: WorkflowClientInterceptor[] } = {},
): Promise<Client> {
  const o = target.connectionOptions;
  const connection = await Connection.connect({
    address: o.address,
    tls: o.tls,
    apiKey: o.apiKey,
    metadata: o.metadata,
    ...(opts.connectTimeoutMs ? { connectTimeout: opts.connectTimeoutMs } : {}),
  });
  const dataConverter = upkeepDataConverter(payloadCodecs);
  return new Client({
    connection,
    namespace: target.namespace,
    ...(dataConverter ? { dataConverter } : {}),
    // Tracing (workers/tracing.ts): the spans of the workflows this client starts and signals.
    ...(opts.interceptors?.length ? { interceptors: { workflow: opts.interceptors } } : {}),
  });
}

/** @temporalio/worker is loaded here, not at import: commands that only connect a client start faster. */
export async function connectWorker(target: TemporalTarget): Promise<NativeConnection> {
  const { NativeConnection } = await import('@temporalio/worker');
  return NativeConnection.connect(target.connectionOptions);
}
