/** The memory the binary objective shares with its helper thread: layout and the chunk loop both sides run. */
import { binaryChunk, chunkCount, scratch, slotSize, type BinaryData } from './binary-pass.js';

/** Int32 control words. */
export const GEN = 0; // bumped by the trainer for each pass (the helper waits on it)
export const NEXT = 1; // next chunk to take
export const FINISHED = 2; // chunks finished in this pass (the trainer waits on it)
export const GRADIENT = 3; // 1: this pass computes the gradient too
export const STOP = 4; // 1: the helper returns
export const FAILED = 5; // 1: the helper threw
export const CONTROL_WORDS = 6;

export interface PassMemory {
  control: Int32Array;
  /** θ of the current pass. */
  theta: Float64Array;
  /** One slot of partial sums per chunk (binary-pass.ts slotSize). */
  slots: Float64Array;
  /** The column-major design and the labels. */
  x: Float64Array;
  y: Int32Array;
  n: number;
  d: number;
  chunkRows: number;
}

export function dataOf(m: PassMemory): BinaryData {
  const cols = Array.from({ length: m.d }, (_, j) => m.x.subarray(j * m.n, (j + 1) * m.n));
  return { cols, y: m.y, n: m.n, d: m.d };
}

/**
 * Takes chunks of the current pass until none is left, each into its own slot; returns how many.
 * Either thread may take any chunk: the slots are added in chunk order afterwards, so the sum is
 * the same bits however the chunks were shared.
 */
export function takeChunks(m: PassMemory, data: BinaryData, z: Float64Array = scratch()): number {
  const chunks = chunkCount(m.n, m.chunkRows);
  const size = slotSize(m.d);
  let taken = 0;
  for (;;) {
    const c = Atomics.add(m.control, NEXT, 1);
    if (c >= chunks) return taken;
    const gradient = Atomics.load(m.control, GRADIENT) === 1;
    binaryChunk(data, m.theta, c * m.chunkRows, Math.min((c + 1) * m.chunkRows, m.n), m.slots, c * size, gradient, z);
    taken++;
    Atomics.add(m.control, FINISHED, 1);
    Atomics.notify(m.control, FINISHED);
  }
}
