import assert from 'node:assert/strict';
import { assessDrift } from '../../engine/drift/assess.js';
import { atMostDistinct, histogramSorted, numericBins } from '../../engine/drift/bins.js';
import { MAX_DISTRIBUTION_BINS, MAX_DISTRIBUTION_CATEGORIES, mergeBins } from '../../engine/drift/distribution.js';
import { psi } from '../../engine/drift/methods/psi.js';
import { mergeSketches, sketchColumn, sketchFromProfile, type ColumnSketch } from '../../engine/drift/sketch.js';
import type { ColumnProfile } from '../../engine/drift/profile-schema.js';
import type { CategoryDistribution, NumericHistogram, NumericValues } from '../../domain/reports.js';
import { rng } from '../../scripts/bench/data.js';

type Numeric = Extract<ColumnSketch, { kind: 'numeric' }>;
const settings = { share: 0.5, columns: {} };

function numeric(values: number[] | Float64Array, sourceType: 'int' | 'float' = 'float'): Numeric {
  const v = Float64Array.from(values);
  return sketchColumn({ kind: 'number', sourceType, values: v }, v.length) as Numeric;
}
function categorical(counts: Record<string, number>): ColumnSketch {
  return {
    kind: 'categorical',
    sourceType: 'string',
    rows: Object.values(counts).reduce((a, b) => a + b, 0),
    missing: 0,
    categories: Object.keys(counts),
    counts: Object.values(counts),
  };
}
const sum = (a: number[]): number => a.reduce((s, x) => s + x, 0);

describe('drift report: each column carries its reference and current distribution', function () {
  it('a continuous column: the very bins PSI used (its PSI recomputes from them), exact counts', function () {
    const u = rng(3);
    const ref = Array.from({ length: 5000 }, () => u() * 10);
    const cur = Array.from({ length: 3000 }, () => 2 + u() * 10);
    const r = assessDrift({ reference: { x: numeric(ref) }, current: { x: numeric(cur) }, columns: ['x'], settings }).columns.x!;
    const d = r.distribution as NumericHistogram;
    assert.equal(d.kind, 'histogram');
    assert.equal(d.binning, 'test');
    const bins = numericBins(Float64Array.from(ref), Float64Array.from(cur));
    assert.equal(bins.kind, 'histogram');
    assert.deepEqual(d.edges, Array.from((bins as { edges: Float64Array }).edges));
    assert.equal(sum(d.reference), 5000);
    assert.equal(sum(d.current), 3000);
    assert.ok(d.edges.length - 1 <= MAX_DISTRIBUTION_BINS);
    // Counts checked one by one against a plain count of the values in each bin.
    const k = d.edges.length - 1;
    for (let i = 0; i < k; i++) {
      const inBin = (x: number): boolean => x >= d.edges[i]! && (i === k - 1 ? x <= d.edges[i + 1]! : x < d.edges[i + 1]!);
      assert.equal(d.current[i], cur.filter(inBin).length, `bin ${i}`);
      assert.equal(d.reference[i], ref.filter(inBin).length, `bin ${i}`);
    }
    assert.equal(psi(Float64Array.from(d.reference), Float64Array.from(d.current)), r.psi);
    assert.equal(d.current_scale, undefined);
  });

  it('a column with few values: one bar per value of reference ∪ current', function () {
    const r = assessDrift({
      reference: { n: numeric([1, 1, 2, 3, 3, 3], 'int') },
      current: { n: numeric([1, 2, 2, 4], 'int') },
      columns: ['n'],
      settings,
    }).columns.n!;
    assert.deepEqual(r.distribution, { kind: 'values', values: [1, 2, 3, 4], reference: [2, 1, 3, 0], current: [1, 2, 0, 1] } satisfies NumericValues);
  });

  it('few reference values but a window of many: Sturges bins over both, still bounded and exact', function () {
    const u = rng(5);
    const ref = Array.from({ length: 400 }, () => Math.floor(u() * 5));
    const cur = Array.from({ length: 400 }, () => u() * 5);
    const d = assessDrift({ reference: { x: numeric(ref) }, current: { x: numeric(cur) }, columns: ['x'], settings }).columns.x!
      .distribution as NumericHistogram;
    assert.equal(d.kind, 'histogram');
    assert.equal(d.binning, 'sturges');
    assert.ok(d.reference.length <= MAX_DISTRIBUTION_BINS);
    assert.equal(sum(d.reference), 400);
    assert.equal(sum(d.current), 400);
  });

  it('the early "at most 20 distinct values" check agrees with the full count', function () {
    const u = rng(13);
    for (const k of [1, 5, 20, 21, 40]) {
      const a = Float64Array.from({ length: 500 }, () => Math.floor(u() * k)).sort();
      const distinct = new Set(a).size;
      assert.equal(atMostDistinct(a, 20), distinct <= 20, `${distinct} distinct`);
    }
    assert.equal(atMostDistinct(new Float64Array(0), 20), true);
  });

  it('more bins than the bound: adjacent bins merged, every edge one of the originals, counts kept', function () {
    const edges = Float64Array.from({ length: 71 }, (_, i) => i / 7);
    const ref = Float64Array.from({ length: 70 }, (_, i) => i);
    const cur = Float64Array.from({ length: 70 }, () => 1);
    const m = mergeBins(edges, ref, cur, 30);
    assert.ok(m.reference.length <= 30);
    assert.equal(m.edges.length, m.reference.length + 1);
    for (const e of m.edges) assert.ok(edges.includes(e));
    assert.equal(m.edges[0], 0);
    assert.equal(m.edges.at(-1), 10);
    assert.equal(sum(m.reference), sum(Array.from(ref)));
    assert.equal(sum(m.current), 70);
  });

  it('a large window (a compacted sketch): the points the tests saw, with how many values each stands for', function () {
    const u = rng(7);
    const all = Float64Array.from({ length: 200_000 }, () => -Math.log(u()) * 3);
    const parts = [0, 1, 2, 3].map((p) => numeric(all.subarray(p * 50_000, (p + 1) * 50_000)));
    const compacted = mergeSketches(parts, 1000) as Numeric;
    assert.ok(compacted.compacted);
    const exact = numeric(all);
    const ref = numeric(Array.from({ length: 5000 }, () => -Math.log(u()) * 3));
    const a = assessDrift({ reference: { x: ref }, current: { x: compacted }, columns: ['x'], settings }).columns.x!;
    const d = a.distribution as NumericHistogram;
    assert.equal(d.binning, 'test');
    // The exact window's counts in the same bins (the tests binned the points: n = points + reference).
    const e = histogramSorted(exact.sorted, Float64Array.from(d.edges));
    assert.equal(sum(d.current), compacted.sorted.length);
    assert.ok(Math.abs(sum(d.current) * d.current_scale! - 200_000) < 1e-6);
    // Each bin's estimated count is within 2 · max_cdf_error · N of the exact count.
    const bound = 2 * a.current_sketch!.max_cdf_error * 200_000;
    for (let i = 0; i < d.current.length; i++) assert.ok(Math.abs(d.current[i]! * d.current_scale! - e[i]!) <= bound, `bin ${i}`);
  });

  it('a reference profile whose sample stands for more rows: its counts are the sample, with the scale', function () {
    const u = rng(19);
    const sample = Array.from({ length: 1000 }, () => u() * 4).sort((x, y) => x - y);
    const ref = sketchFromProfile({
      kind: 'numeric',
      sourceType: 'float',
      count: 50_000,
      nulls: 0,
      nonFinite: 0,
      sample: { values: sample, exact: false },
    } as unknown as ColumnProfile);
    const d = assessDrift({ reference: { x: ref }, current: { x: numeric(Array.from({ length: 800 }, () => u() * 4)) }, columns: ['x'], settings }).columns.x!
      .distribution as NumericHistogram;
    assert.equal(sum(d.reference), 1000);
    assert.equal(d.reference_scale, 50);
    assert.equal(d.current_scale, undefined);
  });

  it('categories: the most frequent shown, the rest as "other", the ones unseen in the reference marked', function () {
    const refCounts: Record<string, number> = {};
    const curCounts: Record<string, number> = {};
    for (let i = 0; i < 30; i++) refCounts[`c${i}`] = 100 - i;
    for (let i = 0; i < 30; i++) curCounts[`c${i}`] = 50;
    curCounts.fresh = 900;
    curCounts.rare_new = 1;
    const r = assessDrift({ reference: { c: categorical(refCounts) }, current: { c: categorical(curCounts) }, columns: ['c'], settings }).columns.c!;
    const d = r.distribution as CategoryDistribution;
    assert.equal(d.kind, 'categories');
    assert.equal(d.categories.length, MAX_DISTRIBUTION_CATEGORIES - 1);
    assert.equal(d.categories[0], 'fresh');
    assert.equal(d.unseen[0], true);
    assert.equal(d.reference[0], 0);
    assert.equal(d.current[0], 900);
    assert.ok(d.unseen.slice(1).every((x) => !x));
    assert.equal(d.other!.categories, 32 - 19);
    assert.equal(d.other!.unseen_categories, 1);
    assert.equal(d.other!.unseen_current, 1);
    assert.equal(sum(d.reference) + d.other!.reference, sum(Object.values(refCounts)));
    assert.equal(sum(d.current) + d.other!.current, sum(Object.values(curCounts)));
  });

  it('few categories: all shown, no "other"; long names cut', function () {
    const long = 'x'.repeat(500);
    const d = assessDrift({ reference: { c: categorical({ a: 3, [long]: 1 }) }, current: { c: categorical({ a: 1, b: 2 }) }, columns: ['c'], settings }).columns
      .c!.distribution as CategoryDistribution;
    assert.equal(d.other, undefined);
    assert.deepEqual(d.categories.slice(0, 2), ['a', 'b']);
    assert.deepEqual(d.unseen, [false, true, false]);
    assert.equal(d.categories[2]!.length, 80);
    assert.ok(d.categories[2]!.endsWith('…'));
  });
});
