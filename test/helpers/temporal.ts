/**
 * Workflow tests run against a real Temporal dev server: the one `npm test` started
 * (UPKEEP_TEST_TEMPORAL_ADDRESS), or one started here for a standalone mocha run.
 * The workflow bundle is built once per run; each test uses its own task queue.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflows } from '../../workers/worker.js';
import { resolveTemporalCli, startDevServer, type DevServer } from '../../workers/dev-server.js';
import { readSettings } from '../../workers/settings.js';

export interface TestTemporal {
  address: string;
  client: Client;
  connection: NativeConnection;
  bundle: WorkflowBundleWithSourceMap;
}

let shared: Promise<TestTemporal> | undefined;
let ownServer: DevServer | undefined;
let runtimeInstalled = false;

export function testTemporal(): Promise<TestTemporal> {
  shared ??= (async () => {
    if (!runtimeInstalled) {
      runtimeInstalled = true;
      try {
        Runtime.install({ logger: new DefaultLogger('ERROR') });
      } catch {
        // the time-skipping tier's helper installed it first, the same way
      }
    }
    let address = process.env.UPKEEP_TEST_TEMPORAL_ADDRESS;
    if (!address) {
      const cli = resolveTemporalCli({ settings: readSettings(process.env) });
      if (!cli) throw new Error('no Temporal CLI available: run the suite with npm test');
      ownServer = await startDevServer({ cli, startTimeoutMs: 90_000 });
      address = ownServer.address;
    }
    const [connection, clientConnection, bundle] = await Promise.all([NativeConnection.connect({ address }), Connection.connect({ address }), bundleWorkflows()]);
    return { address, connection, client: new Client({ connection: clientConnection }), bundle };
  })();
  return shared;
}

export const uniqueTaskQueue = (name: string): string => `test-${name}-${randomUUID().slice(0, 8)}`;
export const uniqueModelId = (name: string): string => `${name}-${randomUUID().slice(0, 8)}`;

/** Root hook: close connections and stop a server this process started. */
export const mochaHooks = {
  async afterAll(): Promise<void> {
    if (!shared) return;
    const t = await shared.catch(() => undefined);
    await t?.client.connection.close();
    await t?.connection.close();
    await ownServer?.stop();
  },
};
