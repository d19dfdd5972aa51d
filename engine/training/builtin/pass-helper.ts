/**
 * The binary objective's helper thread (started by pass-thread.ts through pass-worker.mjs): waits
 * for each pass and takes chunks of it beside the trainer, until told to stop.
 */
import { workerData } from 'node:worker_threads';
import { scratch } from './binary-pass.js';
import { dataOf, FAILED, FINISHED, GEN, STOP, takeChunks, type PassMemory } from './pass-shared.js';

const m = workerData as PassMemory;
const data = dataOf(m);
const z = scratch();
for (;;) {
  const gen = Atomics.load(m.control, GEN);
  if (Atomics.load(m.control, STOP) === 1) break;
  try {
    takeChunks(m, data, z);
  } catch {
    // The trainer sees the flag once the chunk counts as finished, and fails the fit.
    Atomics.store(m.control, FAILED, 1);
    Atomics.add(m.control, FINISHED, 1);
    Atomics.notify(m.control, FINISHED);
    break;
  }
  Atomics.wait(m.control, GEN, gen);
}
