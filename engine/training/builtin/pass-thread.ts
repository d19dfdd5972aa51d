/**
 * The binary objective's passes over the rows, split into chunks that the trainer's thread and
 * (for a large design) one helper thread take from a shared counter; the chunks' partial sums are
 * added in chunk order, so a fit's result does not depend on how the chunks were shared, nor on
 * whether the helper started at all (the trainer takes every chunk the helper does not).
 */
import { Worker } from 'node:worker_threads';
import { chunkCount, CHUNK_ROWS, scratch, slotSize, type BinaryData } from './binary-pass.js';
import { CONTROL_WORDS, dataOf, FAILED, FINISHED, GEN, GRADIENT, NEXT, STOP, takeChunks, type PassMemory } from './pass-shared.js';

const shared = <T extends Float64Array | Int32Array>(make: (b: SharedArrayBuffer) => T, bytes: number): T => make(new SharedArrayBuffer(bytes));

export interface BinaryPasses {
  /** Summed loss over the rows at θ (returned) and, given g, its gradient [Σ r·x, Σ r] written into g. */
  run(theta: Float64Array, g?: Float64Array): number;
  /** Chunks the helper thread has taken so far (0 without one). */
  helperChunks(): number;
  /** Ends the helper thread (if any). */
  close(): void;
}

/**
 * `helper`: start a helper thread (the design must be on a SharedArrayBuffer). `chunkRows`: for
 * tests; the chunking, not the helper, decides the order of the sums.
 */
export function binaryPasses(x: Float64Array, labels: Int32Array, n: number, d: number, opts: { helper?: boolean; chunkRows?: number } = {}): BinaryPasses {
  const chunkRows = opts.chunkRows ?? CHUNK_ROWS;
  const chunks = chunkCount(n, chunkRows);
  const size = slotSize(d);
  const helper = opts.helper === true && x.buffer instanceof SharedArrayBuffer && chunks > 1;
  const y = helper ? shared((b) => new Int32Array(b), n * 4) : labels;
  if (helper) y.set(labels);
  const m: PassMemory = {
    control: shared((b) => new Int32Array(b), CONTROL_WORDS * 4),
    theta: shared((b) => new Float64Array(b), (d + 1) * 8),
    slots: shared((b) => new Float64Array(b), chunks * size * 8),
    x,
    y,
    n,
    d,
    chunkRows,
  };
  const data: BinaryData = dataOf(m);
  const z = scratch();
  let worker: Worker | undefined;
  if (helper) {
    worker = new Worker(new URL('./pass-worker.mjs', import.meta.url), { workerData: m, execArgv: [] });
    worker.unref();
    // A helper that fails to start only leaves every chunk to the trainer.
    worker.on('error', () => {});
  }
  const c = m.control;
  let helperChunks = 0;
  return {
    helperChunks: () => helperChunks,
    run(theta, g) {
      m.theta.set(theta.subarray(0, d + 1));
      Atomics.store(c, GRADIENT, g ? 1 : 0);
      Atomics.store(c, FINISHED, 0);
      // Last: a chunk taken from here on sees this pass's θ.
      Atomics.store(c, NEXT, 0);
      if (worker) {
        Atomics.add(c, GEN, 1);
        Atomics.notify(c, GEN);
      }
      helperChunks += chunks - takeChunks(m, data, z);
      for (let done = Atomics.load(c, FINISHED); done < chunks; done = Atomics.load(c, FINISHED)) Atomics.wait(c, FINISHED, done);
      if (Atomics.load(c, FAILED) === 1) throw new Error('builtin trainer: its helper thread failed during a pass over the rows');
      let f = 0;
      g?.fill(0, 0, d + 1);
      for (let k = 0, at = 0; k < chunks; k++, at += size) {
        f += m.slots[at]!;
        if (g) for (let j = 0; j <= d; j++) g[j] = g[j]! + m.slots[at + 1 + j]!;
      }
      return f;
    },
    close() {
      if (!worker) return;
      Atomics.store(c, STOP, 1);
      Atomics.add(c, GEN, 1);
      Atomics.notify(c, GEN);
      void worker.terminate();
      worker = undefined;
    },
  };
}
