/**
 * Workflow tests run against a real Temporal dev server: the one `npm test` started
 * (UPKEEP_TEST_TEMPORAL_ADDRESS), or one started here for a standalone mocha run.
 * The workflow bundle is built once per run (bundles.ts); each test uses its own task queue.
 *
 * In mocha's parallel mode (`npm test` runs the files in two worker processes) the root hook
 * below runs after each file, and the worker process then runs further files: it closes the
 * connections and the next file opens its own, while the bundle and a server this process started
 * are kept (that server stops when its process exits: see startDevServer).
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { resolveTemporalCli, startDevServer, type DevServer } from '../../workers/dev-server.js';
import { readSettings } from '../../workers/settings.js';
import { testBundle } from './bundles.js';

export interface TestTemporal {
  address: string;
  client: Client;
  connection: NativeConnection;
  bundle: WorkflowBundleWithSourceMap;
}

let shared: Promise<TestTemporal> | undefined;
let ownServer: DevServer | undefined;
let runtimeInstalled = false;
/** Set in the worker processes of mocha's parallel mode. */
const parallelWorker = process.env.MOCHA_WORKER_ID !== undefined;

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
    let address = process.env.UPKEEP_TEST_TEMPORAL_ADDRESS ?? ownServer?.address;
    if (!address) {
      const cli = resolveTemporalCli({ settings: readSettings(process.env) });
      if (!cli) throw new Error('no Temporal CLI available: run the suite with npm test');
      ownServer = await startDevServer({ cli, startTimeoutMs: 90_000 });
      address = ownServer.address;
    }
    const [connection, clientConnection, bundle] = await Promise.all([
      NativeConnection.connect({ address }),
      Connection.connect({ address }),
      testBundle('plain'),
    ]);
    return { address, connection, client: new Client({ connection: clientConnection }), bundle };
  })();
  return shared;
}

export const uniqueTaskQueue = (name: string): string => `test-${name}-${randomUUID().slice(0, 8)}`;
export const uniqueModelId = (name: string): string => `${name}-${randomUUID().slice(0, 8)}`;

/** Root hook: close the connections; at the end of a serial run also stop a server this process started. */
export const mochaHooks = {
  async afterAll(): Promise<void> {
    const current = shared;
    shared = undefined;
    const t = await current?.catch(() => undefined);
    await t?.client.connection.close();
    await t?.connection.close();
    if (!parallelWorker) await ownServer?.stop();
  },
};
