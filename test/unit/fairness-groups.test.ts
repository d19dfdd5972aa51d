import assert from 'node:assert/strict';
import { assessFairness } from '../../engine/evaluation/fairness/index.js';
import { groupSortedScores, scoreOrder } from '../../engine/evaluation/fairness/score-order.js';
import { binaryMetrics } from '../../engine/evaluation/metrics/index.js';
import { fairnessSpec } from '../../domain/fairness-config.js';
import { Mulberry32 } from '../../engine/math/random.js';

/**
 * The per-group sweep (binary-groups.ts, score-order.ts) must give binaryMetrics' values on each
 * group's own rows, bit for bit: the groups' rows are materialised here and evaluated the slow way.
 */
function window(n: number, seed: number, distinctScores: number) {
  const rng = new Mulberry32(seed);
  const yTrue = new Int32Array(n);
  const yPred = new Int32Array(n);
  const proba = new Float64Array(2 * n);
  const a = new Int32Array(n);
  const b = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = rng.next() < 0.3 ? 0 : 1;
    b[i] = Math.floor(rng.next() * 4);
    // Group b = 3 has only negatives: roc_auc undefined there, average_precision 0.
    const y = b[i] === 3 ? 0 : rng.next() < 0.4 ? 1 : 0;
    const s = Math.round(Math.min(1, Math.max(0, 0.3 + 0.35 * y + (rng.next() - 0.5) * 0.8)) * distinctScores) / distinctScores;
    yTrue[i] = y;
    proba[2 * i] = 1 - s;
    proba[2 * i + 1] = s;
    yPred[i] = s >= 0.5 ? 1 : 0;
  }
  return { yTrue, yPred, proba, a, b };
}

describe('fairness per-group sweep', () => {
  for (const positive of [1, 0]) {
    for (const distinct of [20, 1e9]) {
      it(`equals binaryMetrics on each group's rows (positive ${positive}, ${distinct === 20 ? 'few' : 'many'} distinct scores)`, () => {
        const w = window(3000, 7 + positive, distinct);
        const columns = { a: { codes: w.a, values: ['x', 'y'] }, b: { codes: w.b, values: ['p', 'q', 'r', 's'] } };
        const spec = fairnessSpec.parse({ columns: ['a', 'b'], intersections: [['a', 'b']], min_group_rows: 1 });
        const data = { task: 'binary' as const, yTrue: w.yTrue, yPred: w.yPred, proba: w.proba, nClasses: 2, positive };
        for (const metric of ['accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'average_precision'] as const) {
          const report = assessFairness(data, { metric, spec, columns, resamples: 0, confidence: 0.95, seed: 0 });
          let checked = 0;
          for (const fam of report.families) {
            for (const g of fam.groups) {
              const parts = g.value.split(' & ');
              const keep = (i: number): boolean => fam.columns.every((c, j) => columns[c as 'a' | 'b'].values[columns[c as 'a' | 'b'].codes[i]!] === parts[j]);
              const idx = [...Array(w.yTrue.length).keys()].filter(keep);
              assert.equal(g.rows, idx.length);
              const sub = {
                yTrue: Int32Array.from(idx, (i) => w.yTrue[i]!),
                yPred: Int32Array.from(idx, (i) => w.yPred[i]!),
                proba: Float64Array.from(idx.flatMap((i) => [w.proba[2 * i]!, w.proba[2 * i + 1]!])),
                nClasses: 2,
                positive,
              };
              const expected = binaryMetrics(sub).metrics[metric];
              assert.equal(g.metric, expected, `${metric} of ${fam.name}=${g.value}`);
              const pos = idx.filter((i) => w.yTrue[i] === positive);
              const flagged = idx.filter((i) => w.yPred[i] === positive);
              assert.equal(g.selectionRate, flagged.length / idx.length);
              assert.equal(g.truePositiveRate, pos.length ? pos.filter((i) => w.yPred[i] === positive).length / pos.length : null);
              checked++;
            }
          }
          assert.equal(checked, 2 + 4 + 8);
        }
      });
    }
  }

  it('gives each group its sorted scores whether it counts per score or sweeps the sorted rows', () => {
    const w = window(2000, 3, 1e9);
    const so = scoreOrder(w.proba, 2, 1, 2000)!;
    const isPos = Uint8Array.from(w.yTrue);
    const slot = Int32Array.from(w.b, (g) => (g === 2 ? -1 : g));
    const counted = groupSortedScores(so, slot, isPos, 4, Infinity);
    const swept = groupSortedScores(so, slot, isPos, 4, 0);
    for (let g = 0; g < 4; g++) {
      const mine = (p: number): number[] =>
        [...Array(2000).keys()]
          .filter((i) => slot[i] === g && w.yTrue[i] === p)
          .map((i) => w.proba[2 * i + 1]!)
          .sort((x, y) => x - y);
      for (const got of [counted[g]!, swept[g]!]) {
        assert.deepEqual([...got.pos], mine(1));
        assert.deepEqual([...got.neg], mine(0));
      }
    }
    assert.equal(counted[2]!.pos.length + counted[2]!.neg.length, 0);
    assert.equal(scoreOrder(Float64Array.of(0.2, 0.8, 1, NaN), 2, 1, 2), null);
  });
});
