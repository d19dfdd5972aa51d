/**
 * What every command shares, made when a command runs (not for --help): the settings, read once
 * from the environment, and a Temporal client for the commands that need one.
 */
import type { Client } from '@temporalio/client';
import { UpkeepError } from '../engine/errors.js';
import { howToRun } from '../workers/how-to-run.js';
import { configPath, readSettings, type Settings } from '../workers/settings.js';
import type { MaintenanceContext } from './commands/maintenance-context.js';

let cached: Settings | undefined;

export function settings(): Settings {
  cached ??= readSettings(process.env);
  return cached;
}

/** The config file of a command: --config, else UPKEEP_CONFIG, else ./upkeep.yaml, else the example config. */
export const commandConfig = (flag?: string): string => configPath(settings(), flag);

/** A client of Temporal (the cluster of TEMPORAL_ADDRESS, else the local dev server); the caller closes its connection. */
export async function openClient(): Promise<Client> {
  const [{ clientTarget, connectClient }, { payloadCodecs }, { startTracing }] = await Promise.all([
    import('../workers/temporal.js'),
    import('../workers/codec.js'),
    import('../workers/tracing.js'),
  ]);
  const target = clientTarget(settings());
  const codecs = payloadCodecs(settings());
  // With tracing on (docs/tracing.md) a workflow the command starts or signals is traced from here.
  const tracing = await startTracing(process.env, { defaultService: 'upkeep-cli', encrypted: codecs.length > 0 });
  try {
    // Connection.connect has already asked the server for its system info: it is reachable.
    const client = await connectClient(target, codecs, tracing ? { interceptors: tracing.clientInterceptors } : {});
    if (tracing) {
      // The spans still buffered are exported when the command closes its client.
      const close = client.connection.close.bind(client.connection);
      client.connection.close = async () => {
        await tracing.shutdown(3_000);
        await close();
      };
    }
    return client;
  } catch (err) {
    throw new UpkeepError(
      'InvalidConfig',
      `cannot reach Temporal at ${target.connectionOptions.address}: ${(err as Error).message}\n` +
        (target.kind === 'embedded'
          ? `Start the embedded server and worker with \`${howToRun().start}\`, or set TEMPORAL_ADDRESS to your cluster.`
          : 'Check TEMPORAL_ADDRESS and the TLS / API-key settings.'),
    );
  }
}

/** Connects to Temporal, runs `fn`, closes. */
export async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await openClient();
  try {
    return await fn(client);
  } finally {
    await client.connection.close();
  }
}

export function maintenanceContext(): MaintenanceContext {
  const s = settings();
  return { withClient, taskQueue: s.taskQueue, defaultRequester: s.user, configPath: commandConfig, keyDir: s.keyDir };
}
