// A worker in its own process, so a test can kill it mid-activity:
//   node --import tsx test/helpers/worker-process.ts <address> <taskQueue> <configPath> <scratchDir> [stuck-reads]
// With `stuck-reads`, every data read never returns and ignores cancellation (a hung file system).
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { createUpkeepWorker } from '../../workers/worker.js';

const [address, taskQueue, configPath, scratchDir, mode] = process.argv.slice(2) as [string, string, string, string, string?];
Runtime.install({ logger: new DefaultLogger('ERROR') });
const connection = await NativeConnection.connect({ address });
const stuck = mode === 'stuck-reads' ? { data: { read: () => new Promise<undefined>(() => {}) } } : {};
const { worker } = await createUpkeepWorker({ connection, namespace: 'default', taskQueue, configPath, scratchDir, log: () => {}, ...stuck });
console.log('worker ready');
await worker.run();
