/**
 * The bootstrap's random numbers: SplitMix64 seeding and xoshiro128** 1.1 (Blackman & Vigna),
 * row indices by bitmask rejection. docs/statistics/significance.md describes the stream.
 */
const MASK64 = (1n << 64n) - 1n;

/** xoshiro128** state from a seed via two SplitMix64 outputs (documented above). */
export function seedState(seed: number): Uint32Array {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`seed must be an integer in [0, 2^53), got ${seed}`);
  }
  let x = BigInt(seed);
  const out: bigint[] = [];
  for (let i = 0; i < 2; i++) {
    x = (x + 0x9e3779b97f4a7c15n) & MASK64;
    let z = x;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    out.push(z ^ (z >> 31n));
  }
  const [o1, o2] = out as [bigint, bigint];
  const s = Uint32Array.of(Number(o1 & 0xffffffffn), Number(o1 >> 32n), Number(o2 & 0xffffffffn), Number(o2 >> 32n));
  if ((s[0]! | s[1]! | s[2]! | s[3]!) === 0) s[0] = 1; // never happens for 2^53 seeds; guards the invariant
  return s;
}

/** xoshiro128** 1.1: 32-bit outputs from a 128-bit state. */
export class Xoshiro128StarStar {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(state: ArrayLike<number>) {
    if (state.length !== 4) throw new RangeError('xoshiro128** needs 4 state words');
    this.s0 = state[0]! | 0;
    this.s1 = state[1]! | 0;
    this.s2 = state[2]! | 0;
    this.s3 = state[3]! | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) throw new RangeError('xoshiro128** state must not be all zero');
  }

  static fromSeed(seed: number): Xoshiro128StarStar {
    return new Xoshiro128StarStar(seedState(seed));
  }

  /** Next output as an unsigned 32-bit integer. */
  next(): number {
    const x = Math.imul(this.s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }

  /** Uniform integer in [0, n) by bitmask rejection on the high bits (1 ≤ n ≤ 2^32). */
  index(n: number): number {
    const shift = 32 - indexBits(n);
    for (;;) {
      const r = this.next() >>> shift;
      if (r < n) return r;
    }
  }

  state(): Uint32Array {
    return Uint32Array.of(this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0);
  }

  /** Continue from a state (used by the fast draw loop, which keeps the state in locals). */
  setState(s: Uint32Array): void {
    this.s0 = s[0]! | 0;
    this.s1 = s[1]! | 0;
    this.s2 = s[2]! | 0;
    this.s3 = s[3]! | 0;
  }
}

export function indexBits(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) throw new RangeError(`cannot draw an index below ${n}`);
  return Math.max(1, 32 - Math.clz32(n - 1));
}

/**
 * Draws n row indices (one resample) and adds them to `counts` (counts[i]++ per draw of row i).
 * Same sequence as n calls of rng.index(n).
 */
export function drawResample(rng: Xoshiro128StarStar, n: number, counts: Int32Array): void {
  drawIndices(rng, n, n, counts);
}

/**
 * Draws one resample of n rows, as drawResample, and adds each draw of row i to sums[cell[i]]
 * instead of counting it per row: the per-cell sums a metric of cells needs, without the row
 * counts' array or a second pass over it. Same sequence, same sums.
 */
export function drawResampleCells(rng: Xoshiro128StarStar, n: number, cell: Int32Array | Uint16Array, sums: Float64Array): void {
  const st = rng.state();
  let s0 = st[0]! | 0;
  let s1 = st[1]! | 0;
  let s2 = st[2]! | 0;
  let s3 = st[3]! | 0;
  const shift = 32 - indexBits(n);
  for (let drawn = 0; drawn < n;) {
    const x = Math.imul(s1, 5);
    const r = Math.imul((x << 7) | (x >>> 25), 9) >>> shift;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    if (r < n) {
      sums[cell[r]!]!++;
      drawn++;
    }
  }
  st[0] = s0;
  st[1] = s1;
  st[2] = s2;
  st[3] = s3;
  rng.setState(st);
}

/**
 * Advances the generator past `count` accepted index draws below n without recording them: the
 * state a resample range starting at resample b begins from is the seed's state skipped b·n draws.
 */
export function skipDraws(rng: Xoshiro128StarStar, n: number, count: number): void {
  drawIndices(rng, n, count);
}

/** `count` accepted draws of an index below n, counted into `counts` when given; the generator is inlined for speed. */
function drawIndices(rng: Xoshiro128StarStar, n: number, count: number, counts?: Int32Array): void {
  const st = rng.state();
  let s0 = st[0]! | 0;
  let s1 = st[1]! | 0;
  let s2 = st[2]! | 0;
  let s3 = st[3]! | 0;
  const shift = 32 - indexBits(n);
  for (let drawn = 0; drawn < count;) {
    const x = Math.imul(s1, 5);
    const r = Math.imul((x << 7) | (x >>> 25), 9) >>> shift;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    if (r < n) {
      if (counts) counts[r]!++;
      drawn++;
    }
  }
  st[0] = s0;
  st[1] = s1;
  st[2] = s2;
  st[3] = s3;
  rng.setState(st);
}
