/**
 * Runs one builtin fit in a worker thread, so the activity's event loop keeps heartbeating while
 * a large training set is fitted.
 */
import { parentPort, Worker } from 'node:worker_threads';
import { BuiltinTrainingError, trainBuiltin, type BuiltinResult, type BuiltinTrainInput } from './builtin.js';

type Reply = { ok: true; result: BuiltinResult } | { ok: false; message: string; training: boolean };

if (parentPort) {
  const port = parentPort;
  port.once('message', (input: BuiltinTrainInput) => {
    let reply: Reply;
    try {
      reply = { ok: true, result: trainBuiltin(input) };
    } catch (err) {
      reply = { ok: false, message: (err as Error).message, training: err instanceof BuiltinTrainingError };
    }
    port.postMessage(reply);
  });
}

/**
 * trainBuiltin in a separate thread; the thread is ended when `signal` aborts. The input's typed
 * arrays are moved to the thread, not copied: the caller must not use them afterwards.
 */
export function trainBuiltinInThread(input: BuiltinTrainInput, signal?: AbortSignal): Promise<BuiltinResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./train-worker.mjs', import.meta.url), { execArgv: [] });
    const abort = (): void => {
      void worker.terminate();
      reject(signal?.reason instanceof Error ? signal.reason : new Error('training cancelled'));
    };
    signal?.addEventListener('abort', abort, { once: true });
    worker.once('message', (reply: Reply) => {
      signal?.removeEventListener('abort', abort);
      void worker.terminate();
      if (reply.ok) resolve(reply.result);
      else reject(reply.training ? new BuiltinTrainingError(reply.message) : new Error(reply.message));
    });
    worker.once('error', (err) => {
      signal?.removeEventListener('abort', abort);
      reject(err);
    });
    const buffers = new Set<ArrayBuffer>([...input.features.numeric.map((c) => c.buffer as ArrayBuffer), input.labels.buffer as ArrayBuffer]);
    worker.postMessage(input, [...buffers]);
  });
}
