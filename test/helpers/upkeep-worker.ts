/**
 * A worker of upkeep's own for a test: the test server's connection and workflow bundle, the
 * default namespace, the test's task queue and config; anything else (a client, a log, codecs) as given.
 */
import { createUpkeepWorker, type UpkeepWorkerOptions } from '../../workers/worker.js';
import type { TestTemporal } from './temporal.js';

export function createTestWorker(t: TestTemporal, taskQueue: string, configPath: string, more: Partial<UpkeepWorkerOptions> = {}) {
  return createUpkeepWorker({ connection: t.connection, namespace: 'default', taskQueue, configPath, workflowBundle: t.bundle, ...more });
}
