import assert from 'node:assert/strict';
import { mergeCollected } from '../../engine/evaluation/engine.js';
import type { Collected } from '../../engine/evaluation/evaluator.js';
import type { PreparedModel } from '../../engine/evaluation/model.js';
import { WindowArrays } from '../../engine/evaluation/window-arrays.js';

/** A binary part of `n` rows; `unknown` adds a true label the model does not know. */
function part(n: number, seed: number, region: string[], unknown?: string): Collected {
  const labels = ['0', '1', ...(unknown ? [unknown] : [])];
  const yTrue = Int32Array.from({ length: n }, (_, i) => (unknown && i === 1 ? 2 : (i * seed) % 2));
  const yPred = Int32Array.from({ length: n }, (_, i) => (i + seed) % 2);
  const proba = Float64Array.from({ length: 2 * n }, (_, i) => (i % 2 ? ((i * seed) % 7) / 7 : 1 - (((i - 1) * seed) % 7) / 7));
  const pos = Float64Array.from({ length: 2 }, (_, i) => i + seed).sort();
  return {
    task: 'binary',
    rows: n,
    rowsRead: n + 1,
    droppedRows: 1,
    invalid: [{ file: `f${seed}`, column: 'x', nulls: 1, nan: 0, infinite: 0 }],
    labels,
    yTrueClass: yTrue,
    yPredClass: yPred,
    proba,
    sortedScores: { pos, neg: new Float64Array(0) },
    segments: { region: { codes: Int32Array.from({ length: n }, (_, i) => i % region.length), values: region } },
  };
}

const copy = (c: Collected): Collected => structuredClone(c);
const model = { task: 'binary', classes: ['0', '1'], positiveIndex: 1 } as unknown as PreparedModel;

describe('WindowArrays: a window joined as its parts come in', () => {
  const parts = [part(5, 3, ['north', 'south']), part(4, 5, ['east', 'north'], 'maybe'), part(6, 7, ['west'])];

  for (const capacity of [15, 4]) {
    it(`equals mergeCollected, whatever order the parts come in (capacity ${capacity})`, () => {
      const expected = mergeCollected(model, parts.map(copy));
      const arrays = new WindowArrays('binary', ['0', '1'], capacity, ['region']);
      for (const i of [2, 0, 1]) arrays.add(i, copy(parts[i]!));
      const got = arrays.result();
      assert.equal(got.rows, 15);
      assert.equal(got.rowsRead, 18);
      assert.equal(got.droppedRows, 3);
      assert.deepEqual(got.labels, expected.labels);
      assert.deepEqual(got.labels, ['0', '1', 'maybe']);
      assert.deepEqual(Array.from(got.yTrueClass!), Array.from(expected.yTrueClass!));
      assert.deepEqual(Array.from(got.yPredClass!), Array.from(expected.yPredClass!));
      assert.deepEqual(Array.from(got.proba!), Array.from(expected.proba!));
      assert.deepEqual(got.segments!.region!.values, expected.segments!.region!.values);
      assert.deepEqual(Array.from(got.segments!.region!.codes), Array.from(expected.segments!.region!.codes));
      assert.deepEqual(got.invalid, expected.invalid);
      // The sorted runs are kept for the finishing step, one per part, in window order.
      assert.deepEqual(
        got.scoreRuns?.map((r) => Array.from(r.pos)),
        parts.map((p) => Array.from(p.sortedScores!.pos)),
      );
      // Joined again (a shard's stored result), its runs come along.
      const again = new WindowArrays('binary', ['0', '1'], 15, ['region']);
      again.add(0, got);
      assert.equal(again.result().scoreRuns?.length, 3);
    });
  }

  it('takes the parts arrays: a part is left empty once placed', () => {
    const arrays = new WindowArrays('binary', ['0', '1'], 15, ['region']);
    const p = copy(parts[0]!);
    arrays.add(0, p);
    assert.equal(p.proba, undefined);
    assert.equal(p.yTrueClass, undefined);
    const later = copy(parts[2]!);
    arrays.add(2, later);
    assert.ok(later.proba, 'a part waits, whole, until the parts before it are in');
    assert.throws(() => arrays.result(), /a part of the window is missing/);
  });
  it('keeps float32 probabilities as float32, and widens exactly when a part brings float64 ones', () => {
    const f32 = (c: Collected): Collected => ({ ...c, proba: new Float32Array(c.proba!) });
    const narrow = new WindowArrays('binary', ['0', '1'], 15, ['region']);
    for (const i of [0, 1, 2]) narrow.add(i, f32(copy(parts[i]!)));
    const n = narrow.result();
    assert.ok(n.proba instanceof Float32Array);
    assert.deepEqual(Array.from(n.proba), Array.from(new Float32Array(mergeCollected(model, parts.map(copy)).proba!)));
    // The middle part's probabilities are float64: the rows before it keep their values.
    const mixed = new WindowArrays('binary', ['0', '1'], 15, ['region']);
    for (const i of [0, 2]) mixed.add(i, f32(copy(parts[i]!)));
    mixed.add(1, copy(parts[1]!));
    const m = mixed.result();
    assert.ok(m.proba instanceof Float64Array);
    const expected = [...new Float32Array(parts[0]!.proba!), ...parts[1]!.proba!, ...new Float32Array(parts[2]!.proba!)];
    assert.deepEqual(Array.from(m.proba), expected);
  });
});
