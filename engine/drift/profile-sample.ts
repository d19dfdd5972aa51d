/**
 * The numeric sample a profile keeps: every finite value up to EXACT_SAMPLE_LIMIT, beyond that
 * SAMPLE_SIZE values by selection sampling (Knuth's Algorithm S) over the sorted values, driven
 * by mulberry32(seed). See docs/statistics/drift.md, "Sampling rule".
 */
import { DEFAULT_SAMPLE_SEED, EXACT_SAMPLE_LIMIT, SAMPLE_SIZE, type NumericSample } from './profile-schema.js';

/** The rule as stored in a profile's settings. */
export const SAMPLING_RULE =
  'exact sorted finite values when count <= exactLimit; otherwise sampleSize values without replacement: ' +
  'selection sampling (Knuth Algorithm S) over the sorted finite values driven by mulberry32(seed)';

/** The seed, checked (DEFAULT_SAMPLE_SEED when undefined). */
export function checkSeed(seed: number | undefined): number {
  if (seed === undefined) return DEFAULT_SAMPLE_SEED;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`sample seed must be an integer in [0, 2^32), got ${seed}`);
  }
  return seed;
}

/** mulberry32: a small, fast 32-bit PRNG; returns integers in [0, 2^32). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const TWO_POW_32 = 4294967296;

/** Every value when there are at most EXACT_SAMPLE_LIMIT, else SAMPLE_SIZE by selection sampling (still sorted). */
export function sampleSorted(sorted: Float64Array, seed: number): NumericSample {
  const n = sorted.length;
  if (n <= EXACT_SAMPLE_LIMIT) return { values: Array.from(sorted, (v) => (v === 0 ? 0 : v)), exact: true };
  const k = SAMPLE_SIZE;
  const out = new Array<number>(k);
  const next = mulberry32(seed);
  let taken = 0;
  for (let i = 0; taken < k; i++) {
    // Take position i with probability (k − taken) / (n − i); certain once they are equal.
    if (next() * (n - i) < (k - taken) * TWO_POW_32) {
      const v = sorted[i]!;
      out[taken++] = v === 0 ? 0 : v;
    }
  }
  return { values: out, exact: false, seed };
}
