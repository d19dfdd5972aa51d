import assert from 'node:assert/strict';

import { sortFloat64 } from '../../engine/math/sort.js';
import { sortFloat64Before } from '../helpers/sort-float64-before.js';

let seed = 20261207;
const u = (): number => ((seed = (seed * 16807) % 2147483647), seed / 2147483647);

const SPECIAL = [
  0,
  -0,
  Infinity,
  -Infinity,
  Number.MIN_VALUE,
  -Number.MIN_VALUE,
  2.2250738585072014e-308 / 3, // subnormal
  -2.2250738585072014e-308 / 7,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  1,
  -1,
];

/** Every kind of value: ties, ±0, ±Infinity, subnormals, NaN of both signs and several payloads, wide and narrow magnitudes. */
function mixed(n: number, nan: boolean): Float64Array {
  const a = new Float64Array(n);
  const words = new Uint32Array(a.buffer);
  for (let i = 0; i < n; i++) {
    const r = u();
    if (r < 0.15) a[i] = SPECIAL[Math.floor(u() * SPECIAL.length)]!;
    else if (r < 0.3)
      a[i] = Math.round(u() * 20 - 10) / 4; // ties
    else if (r < 0.4)
      a[i] = (u() - 0.5) * 1e-310; // subnormals of both signs
    else if (r < 0.5)
      a[i] = 1 + u() * 2 ** -30; // equal high words, different low words
    else if (r < 0.55 && nan) {
      words[2 * i + 1] = (u() < 0.5 ? 0x7ff00000 : 0xfff00000) | Math.floor(u() * 0x100000);
      words[2 * i] = u() < 0.5 ? 0 : Math.floor(u() * 2 ** 32);
      if ((words[2 * i + 1]! & 0xfffff) === 0 && words[2 * i] === 0) words[2 * i] = 1; // a NaN, not an infinity
    } else a[i] = (u() - 0.5) * 10 ** Math.floor(u() * 40 - 20);
  }
  return a;
}

/** The bits of a sorted copy, in place and into a separate array, each checked against the sort before. */
function assertSameBits(a: Float64Array, what: string): void {
  const expected = a.slice();
  sortFloat64Before(expected);
  const into = new Float64Array(a.length);
  const before = a.slice();
  sortFloat64(a, into);
  assert.deepEqual(new Uint32Array(before.buffer), new Uint32Array(a.buffer), `${what}: the input of a sort into another array is left as it was`);
  assert.deepEqual(new Uint32Array(into.buffer), new Uint32Array(expected.buffer), `${what}: sorted into another array`);
  sortFloat64(a);
  assert.deepEqual(new Uint32Array(a.buffer), new Uint32Array(expected.buffer), `${what}: sorted in place`);
}

describe('sortFloat64 (high-word radix sort) against the sort before it', function () {
  it('gives the same bits on ties, ±0, ±Infinity, subnormals and NaN, at every size path', function () {
    // below 512 (TypedArray#sort), 11-bit digits (below 65,536), 16-bit digits
    for (const n of [0, 1, 2, 511, 512, 513, 3000, 40_000, 70_000, 300_000])
      for (const nan of [false, true]) assertSameBits(mixed(n, nan), `${n} mixed values${nan ? ' with NaN' : ''}`);
  });

  it('gives the same bits when long runs share a high word (the low words sorted per run)', function () {
    const gens: [string, () => number][] = [
      ['integers', () => Math.floor(u() * 100)], // runs of equal values: already in order
      ['a 2^-20-wide range', () => 1 + u() * 2 ** -20], // one run of every value
      ['a 2^-10-wide range', () => 1 + u() * 2 ** -10], // runs of about a hundred
      ['float32 values', () => Math.fround(u() * 10 - 5)],
      ['negatives sharing a high word', () => -(1 + u() * 2 ** -21)],
      ['short runs', () => 1 + Math.floor(u() * 5000) * 2 ** -12 + u() * 2 ** -30],
    ];
    for (const [what, gen] of gens) for (const n of [5000, 200_000]) assertSameBits(Float64Array.from({ length: n }, gen), `${n} ${what}`);
  });

  it('orders −0 before +0 and NaN by its sign bit, as the key does', function () {
    const n = 1200;
    const a = new Float64Array(n);
    const words = new Uint32Array(a.buffer);
    // Written as words: a NaN stored through a number may lose its sign.
    const values: [number, number][] = [
      [0, 0],
      [0x80000000, 0],
      [0x3ff00000, 0],
      [0xbff00000, 0],
      [0x7ff80000, 0],
      [0xfff80000, 0],
    ];
    for (let i = 0; i < n; i++) [words[2 * i + 1], words[2 * i]] = values[i % 6]!;
    sortFloat64(a);
    const per = n / 6;
    const high = new Uint32Array(a.buffer).filter((_, i) => i % 2 === 1);
    assert.ok(
      high.subarray(0, per).every((h) => h === 0xfff80000),
      'NaN with the sign bit set first',
    );
    assert.equal(a[per], -1);
    assert.ok(Object.is(a[2 * per], -0) && Object.is(a[3 * per - 1], -0), '−0 before +0');
    assert.ok(Object.is(a[3 * per], 0));
    assert.equal(a[4 * per], 1);
    assert.ok(
      high.subarray(5 * per).every((h) => h === 0x7ff80000),
      'NaN without the sign bit last',
    );
  });
});
