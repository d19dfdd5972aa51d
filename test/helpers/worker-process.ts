// A worker in its own process, so a test can kill it mid-activity:
//   node --import tsx test/helpers/worker-process.ts <address> <taskQueue> <configPath> <scratchDir>
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { createUpkeepWorker } from '../../workers/worker.js';

const [address, taskQueue, configPath, scratchDir] = process.argv.slice(2) as [string, string, string, string];
Runtime.install({ logger: new DefaultLogger('ERROR') });
const connection = await NativeConnection.connect({ address });
const { worker } = await createUpkeepWorker({ connection, namespace: 'default', taskQueue, configPath, scratchDir, log: () => {} });
console.log('worker ready');
await worker.run();
