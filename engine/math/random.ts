/**
 * A small seeded random stream for the tree ensembles and what samples rows for them (bin
 * boundaries, bagging, folds, held-out parts): mulberry32 (32-bit state, period 2^32), enough for
 * choosing rows; the bootstrap has its own documented stream (engine/evaluation/significance/random.ts).
 */
export class Mulberry32 {
  private state: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    this.state = (seed ^ 0x9e3779b9) >>> 0;
  }

  /** Next unsigned 32-bit integer. */
  nextU32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n): floor(u·n) with u on a 2^-32 grid, so each value's probability is off by at most n/2^32. */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace(a: Uint32Array | Int32Array, rng: Mulberry32): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/** `k` distinct indices of [0, n), ascending (a partial shuffle); all of them when k ≥ n. */
export function sampleIndices(n: number, k: number, rng: Mulberry32): Uint32Array {
  const all = new Uint32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  if (k >= n) return all;
  for (let i = 0; i < k; i++) {
    const j = i + rng.below(n - i);
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  return all.subarray(0, k).sort();
}
