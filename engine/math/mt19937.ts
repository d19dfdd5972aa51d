/**
 * The Mersenne Twister MT19937 (Matsumoto & Nishimura, 1998) seeded with one 32-bit integer, and
 * the bounded integers and in-place shuffles numpy's legacy RandomState draws from it (masked
 * rejection sampling; Fisher–Yates from the last element down). With the same seed it gives the
 * same streams as numpy.random.RandomState(seed), so a split scikit-learn draws with
 * random_state=seed can be drawn here too (test/unit/cbpe.test.ts checks the first outputs).
 */
const N = 624;
const M = 397;

export class Mt19937 {
  private readonly mt = new Uint32Array(N);
  private index = N;

  constructor(seed: number) {
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]!;
      mt[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
    }
  }

  private reload(): void {
    const mt = this.mt;
    let k = 0;
    for (; k < N - M; k++) {
      const y = (mt[k]! & 0x80000000) | (mt[k + 1]! & 0x7fffffff);
      mt[k] = mt[k + M]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    for (; k < N - 1; k++) {
      const y = (mt[k]! & 0x80000000) | (mt[k + 1]! & 0x7fffffff);
      mt[k] = mt[k + M - N]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    const y = (mt[N - 1]! & 0x80000000) | (mt[0]! & 0x7fffffff);
    mt[N - 1] = mt[M - 1]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    this.index = 0;
  }

  /** The next 32-bit output, in [0, 2^32). */
  nextUint32(): number {
    if (this.index >= N) this.reload();
    let y = this.mt[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A uniform integer in [0, max] (max < 2^32): the smallest bit mask covering max, redrawn while above it. */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let v: number;
    do v = (this.nextUint32() & mask) >>> 0;
    while (v > max);
    return v;
  }

  /** Shuffles `a[0..n)` in place as RandomState.shuffle does (n − 1 draws). */
  shuffle(a: Int32Array, n = a.length): void {
    for (let i = n - 1; i > 0; i--) {
      const j = this.interval(i);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
  }

  /** Draws what shuffling n elements would, without an array (the order is not needed, the stream is). */
  skipShuffle(n: number): void {
    if (n < 2) return;
    const mt = this.mt;
    let index = this.index;
    let mask = n - 1;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    for (let i = n - 1; i > 0; i--) {
      // The smallest all-ones mask covering i shrinks as i does.
      while (mask >>> 1 >= i) mask >>>= 1;
      let v: number;
      do {
        if (index >= N) {
          this.reload();
          index = 0;
        }
        let y = mt[index++]!;
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        v = (y & mask) >>> 0;
      } while (v > i);
    }
    this.index = index;
  }

  /** RandomState.permutation(n): 0..n−1 shuffled. */
  permutation(n: number): Int32Array {
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = i;
    this.shuffle(a);
    return a;
  }
}
