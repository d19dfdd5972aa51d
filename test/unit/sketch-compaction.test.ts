import assert from 'node:assert/strict';
import { assessDrift } from '../../engine/drift/assess.js';
import { EXACT_VALUES, mergeSketches, mergeSorted, profileFromSketch, SKETCH_POINTS, sketchColumn, type ColumnSketch } from '../../engine/drift/sketch.js';
import { SketchFolder } from '../../engine/evaluation/fold.js';
import { rng } from '../../scripts/bench/data.js';

type Numeric = Extract<ColumnSketch, { kind: 'numeric' }>;

/** `n` values of a skewed, partly discrete distribution, in parts of `part` rows, each sketched. */
function parts(n: number, part: number, seed: number): { sketches: Numeric[]; all: Float64Array } {
  const u = rng(seed);
  const all = new Float64Array(n);
  for (let i = 0; i < n; i++) all[i] = u() < 0.2 ? Math.floor(u() * 5) : -Math.log(u()) * 3;
  const sketches: Numeric[] = [];
  for (let at = 0; at < n; at += part) {
    const values = all.slice(at, Math.min(n, at + part));
    sketches.push(sketchColumn({ kind: 'number', sourceType: 'float', values }, values.length) as Numeric);
  }
  return { sketches, all: all.sort() };
}

/** sup over x of |F_points(x) − F_values(x)|, evaluated at every point and value. */
function cdfDistance(points: Float64Array, values: Float64Array): number {
  let i = 0;
  let j = 0;
  let worst = 0;
  while (i < points.length || j < values.length) {
    const x = Math.min(points[i] ?? Infinity, values[j] ?? Infinity);
    while (i < points.length && points[i] === x) i++;
    while (j < values.length && values[j] === x) j++;
    worst = Math.max(worst, Math.abs(i / points.length - j / values.length));
  }
  return worst;
}

describe('numeric drift sketches beyond EXACT_VALUES', function () {
  this.timeout(60_000);

  it('merge sorted runs (any number, empty ones and ties included) into what sorting them all gives', () => {
    const u = rng(9);
    for (const k of [1, 2, 3, 7, 64]) {
      const runs = Array.from({ length: k }, (_, i) =>
        Float64Array.from({ length: i % 5 === 4 ? 0 : 1 + Math.floor(u() * 300) }, () => Math.floor(u() * 50) / 4).sort(),
      );
      const all = Float64Array.from(runs.flatMap((r) => Array.from(r))).sort();
      assert.deepEqual(mergeSorted(runs), all, `${k} runs`);
    }
  });

  it('stay exact up to EXACT_VALUES values: every value, sorted', () => {
    const { sketches, all } = parts(EXACT_VALUES, 100_000, 1);
    const merged = mergeSketches(sketches, EXACT_VALUES) as Numeric;
    assert.equal(merged.compacted, undefined);
    assert.deepEqual(merged.sorted, all);
  });

  it('compact to SKETCH_POINTS points whose CDF is within the error they report, with exact count, min and max', () => {
    const n = 3 * EXACT_VALUES + 12_345;
    const { sketches, all } = parts(n, 200_000, 2);
    // Folded as the engine does: a compacted sketch folded again with the next parts.
    let folded: Numeric | undefined;
    for (let at = 0; at < sketches.length; at += 3)
      folded = mergeSketches([...(folded ? [folded] : []), ...sketches.slice(at, at + 3)], EXACT_VALUES) as Numeric;
    const c = folded!.compacted!;
    assert.ok(c, 'compacted');
    assert.equal(folded!.sorted.length, SKETCH_POINTS);
    assert.equal(c.count, n);
    assert.equal(c.min, all[0]);
    assert.equal(c.max, all[n - 1]);
    const distance = cdfDistance(folded!.sorted, all);
    assert.ok(distance <= c.error, `CDF distance ${distance} within the reported bound ${c.error}`);
    assert.ok(c.error < 5 / SKETCH_POINTS, `bound ${c.error} stays small after several folds`);
    const profile = profileFromSketch(folded!);
    assert.equal(profile.count, n);
    assert.equal(profile.kind === 'numeric' && profile.min, all[0]);
  });

  it('give the drift statistics of the exact window to within the bound, and say so in the report', () => {
    const n = 2 * EXACT_VALUES;
    const cur = parts(n, 250_000, 3);
    const ref = parts(200_000, 200_000, 4);
    const exact: ColumnSketch = { ...cur.sketches[0]!, rows: n, sorted: cur.all };
    const compacted = mergeSketches(cur.sketches, EXACT_VALUES) as Numeric;
    const settings = { share: 0.5, columns: { x: { test: 'ks' as const } } };
    const a = assessDrift({ reference: { x: ref.sketches[0]! }, current: { x: exact }, columns: ['x'], settings }).columns.x!;
    const b = assessDrift({ reference: { x: ref.sketches[0]! }, current: { x: compacted }, columns: ['x'], settings }).columns.x!;
    assert.equal(b.current_rows, n);
    assert.deepEqual(b.current_sketch, { points: SKETCH_POINTS, max_cdf_error: compacted.compacted!.error });
    assert.equal(a.current_sketch, undefined);
    assert.ok(Math.abs(a.ks_statistic! - b.ks_statistic!) <= compacted.compacted!.error, `KS ${a.ks_statistic} vs ${b.ks_statistic}`);
    const w = assessDrift({ reference: { x: ref.sketches[0]! }, current: { x: exact }, columns: ['x'], settings: { share: 0.5, columns: {} } }).columns.x!;
    const v = assessDrift({ reference: { x: ref.sketches[0]! }, current: { x: compacted }, columns: ['x'], settings: { share: 0.5, columns: {} } }).columns.x!;
    assert.equal(w.test, v.test);
    assert.ok(Math.abs(w.score! - v.score!) < 1e-3, `Wasserstein ${w.score} vs ${v.score}`);
  });

  it('fold parts in window order, whatever order they finish in', async () => {
    const { sketches } = parts(3 * EXACT_VALUES, 150_000, 5);
    const run = async (order: number[]) => {
      const folder = new SketchFolder(async (lists) => Object.fromEntries(Object.entries(lists).map(([k, v]) => [k, mergeSketches(v, EXACT_VALUES)])));
      for (const i of order) folder.add(i, sketches[i]!.sorted.length, { x: { ...sketches[i]!, sorted: sketches[i]!.sorted.slice() } });
      const out = await folder.result(sketches.length);
      return mergeSketches(
        out.flatMap((o) => (o.x ? [o.x] : [])),
        EXACT_VALUES,
      ) as Numeric;
    };
    const inOrder = await run(sketches.map((_, i) => i));
    const shuffled = await run(sketches.map((_, i) => i).reverse());
    assert.ok(inOrder.compacted);
    assert.deepEqual(shuffled, inOrder);
  });
});
