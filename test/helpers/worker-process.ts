// A worker in its own process, so a test can kill it mid-activity:
//   node --import tsx test/helpers/worker-process.ts <address> <taskQueue> <configPath> <scratchDir> [stuck-reads]
// With `stuck-reads`, every data read never returns and ignores cancellation (a hung file system).
// Optional environment:
//   UPKEEP_TEST_WORKFLOW_BUNDLE  a JSON file { code, sourceMap } (workflowBundleFile in
//                                worker-processes.ts): skips bundling
//   UPKEEP_WORKER_QUEUES, UPKEEP_EVALUATION_SLOTS, UPKEEP_TRAINING_SLOTS  as for `upkeep worker`
//   UPKEEP_TEST_KILL_AT          `put:<regex>`, `get:<regex>` or `read:<regex>`: the process SIGKILLs
//                                itself right after a store put (or a successful putIfMatch), or right
//                                before a store get or a data read, of a matching key or URI
//   UPKEEP_TEST_SHUTDOWN_MS      `<grace>,<force>`: the worker's shutdown times after SIGTERM (default
//                                workers/worker.ts's 5 s and 15 s), shorter for a test that waits them out
//   UPKEEP_TEST_SNAPSHOT_READ_MS each read of a snapshot file takes this much longer (an activity
//                                that holds its slot a while, so that others go to other workers)
//   UPKEEP_TEST_HELD             the worker is made but polls only after a line on stdin (a standby
//                                started beside the worker a test kills, released after the kill)
//   UPKEEP_TEST_HEARTBEAT_MS     the worker beats every running activity this often (heartbeatEvery
//                                of createUpkeepWorker), for the fast-failover bundle's short timeouts
import { readFileSync } from 'node:fs';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { loadConfig } from '../../engine/config/load.js';
import { createFileDataSource, type DataSource } from '../../engine/data/source.js';
import { createFileStore } from '../../engine/store/file-store.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { readSettings } from '../../workers/settings.js';

const [address, taskQueue, configPath, scratchDir, mode] = process.argv.slice(2) as [string, string, string, string, string?];
Runtime.install({ logger: new DefaultLogger('ERROR') });

const m = /^(put|get|read):(.+)$/.exec(process.env.UPKEEP_TEST_KILL_AT ?? 'none:');
if (process.env.UPKEEP_TEST_KILL_AT && !m) throw new Error('UPKEEP_TEST_KILL_AT must be put:<regex>, get:<regex> or read:<regex>');
const [, op, pattern] = (m ?? []) as [string?, ('put' | 'get' | 'read')?, string?];
const re = new RegExp(pattern ?? '$^');
const die = (key: string): void => {
  console.log(`killed at ${op} ${key}`);
  process.kill(process.pid, 'SIGKILL');
};

/** The config's store, with a store operation that kills this process. */
function storeThatDies(store: ArtifactStore): ArtifactStore {
  return {
    root: store.root,
    uriFor: (key) => store.uriFor(key),
    put: async (key, data, opts) => {
      const r = await store.put(key, data, opts);
      if (op === 'put' && re.test(key)) die(key);
      return r;
    },
    putStream: async (key, chunks, expected) => {
      const r = await store.putStream(key, chunks, expected);
      if (op === 'put' && re.test(key)) die(key);
      return r;
    },
    delete: (key) => store.delete(key),
    putIfMatch: async (key, data, expected) => {
      const r = await store.putIfMatch(key, data, expected);
      if (op === 'put' && r.ok && re.test(key)) die(key);
      return r;
    },
    get: async (key) => {
      if (op === 'get' && re.test(key)) die(key);
      return store.get(key);
    },
    tryGet: async (key) => {
      if (op === 'get' && re.test(key)) die(key);
      return store.tryGet(key);
    },
    exists: (key) => store.exists(key),
    list: (prefix) => store.list(prefix),
  };
}

/** Local files, with a read that kills this process (e.g. mid-evaluation). */
function dataThatDies(data: DataSource): DataSource {
  return {
    read: async (uri) => {
      if (op === 'read' && re.test(uri)) die(uri);
      return data.read(uri);
    },
    ...(data.list ? { list: data.list.bind(data) } : {}),
  };
}

/** Local files, snapshot files read `ms` more slowly. */
function slowData(data: DataSource, ms: number): DataSource {
  return {
    read: async (uri, opts) => {
      if (/\/snapshots\/.+\/files\//.test(uri)) await new Promise((r) => setTimeout(r, ms));
      return data.read(uri, opts);
    },
    ...(data.list ? { list: data.list.bind(data) } : {}),
  };
}
const slowMs = Number(process.env.UPKEEP_TEST_SNAPSHOT_READ_MS ?? 0);

const shutdownMs = /^(\d+),(\d+)$/.exec(process.env.UPKEEP_TEST_SHUTDOWN_MS ?? '');
if (process.env.UPKEEP_TEST_SHUTDOWN_MS && !shutdownMs) throw new Error('UPKEEP_TEST_SHUTDOWN_MS must be <grace ms>,<force ms>');

const bundleFile = process.env.UPKEEP_TEST_WORKFLOW_BUNDLE;
const heartbeatMs = Number(process.env.UPKEEP_TEST_HEARTBEAT_MS ?? 0);
const connection = await NativeConnection.connect({ address });
const stuck = mode === 'stuck-reads' ? { data: { read: () => new Promise<undefined>(() => {}) } } : {};
const settings = readSettings(process.env);
const { worker } = await createUpkeepWorker({
  connection,
  queues: settings.workerQueues,
  evaluationSlots: settings.evaluationSlots,
  trainingSlots: settings.trainingSlots,
  namespace: 'default',
  taskQueue,
  configPath,
  scratchDir,
  log: () => {},
  ...stuck,
  ...(op ? { store: storeThatDies(createFileStore((await loadConfig(configPath)).store)), data: dataThatDies(createFileDataSource()) } : {}),
  ...(slowMs > 0 ? { data: slowData(createFileDataSource(), slowMs) } : {}),
  ...(shutdownMs ? { shutdown: { graceTime: Number(shutdownMs[1]), forceTime: Number(shutdownMs[2]) } } : {}),
  ...(heartbeatMs > 0 ? { heartbeatEvery: heartbeatMs } : {}),
  ...(bundleFile ? { workflowBundle: JSON.parse(readFileSync(bundleFile, 'utf8')) as { code: string; sourceMap: string } } : {}),
});
// Held: waits for the test's line; stdin closed without one (the test gone) ends the process.
if (process.env.UPKEEP_TEST_HELD) {
  const gone = (): never => process.exit(1);
  await new Promise((resolve) => process.stdin.once('data', resolve).once('end', gone));
  process.stdin.off('end', gone);
}
console.log('worker ready');
await worker.run();
