import { strict as assert } from 'node:assert';
import { Mulberry32 } from '../../engine/math/random.js';
import { aucOf, domainClassifier, studentQuantile } from '../../engine/multivariate/domain-classifier.js';
import type { RowMatrix } from '../../engine/multivariate/types.js';

function sample(rng: Mulberry32, n: number, d: number, shift?: { column: number; mean?: number; sd?: number }): RowMatrix {
  const g = (): number => Math.sqrt(-2 * Math.log(rng.next() || 1e-12)) * Math.cos(2 * Math.PI * rng.next());
  const values = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < d; j++) {
      const v = g();
      values[r * d + j] = shift && shift.column === j ? v * (shift.sd ?? 1) + (shift.mean ?? 0) : v;
    }
  }
  return { columns: Array.from({ length: d }, (_, j) => `c${j}`), rows: n, values };
}

describe('domain classifier (engine/multivariate/domain-classifier.ts)', () => {
  it('unchanged samples alert at about the alpha rate (1%): at most 1 of 20 seeds', () => {
    // measured over 300 seeds at 200 rows a side, 5 columns: 2 alerts (0.7%); docs/statistics/multivariate-drift.md
    let alerts = 0;
    for (let s = 0; s < 20; s++) {
      const rng = new Mulberry32(100 + s);
      const r = domainClassifier(sample(rng, 100, 3), sample(rng, 100, 3), { seed: s });
      assert.ok(r.threshold > 0.5 && r.threshold < 0.8, `threshold ${r.threshold}`);
      if (r.alert) alerts++;
    }
    assert.ok(alerts <= 1, `${alerts} of 20 unchanged pairs alerted`);
  });

  it('catches a mean shift in one column and names it first', () => {
    const rng = new Mulberry32(1);
    const r = domainClassifier(sample(rng, 800, 5), sample(rng, 800, 5, { column: 3, mean: 0.5 }), { seed: 1 });
    assert.equal(r.alert, true, `auc ${r.auc}, threshold ${r.threshold}`);
    assert.equal(r.features[0]!.column, 'c3');
    assert.equal(r.features.length, 5);
    assert.ok(Math.abs(r.features.reduce((a, f) => a + f.importance, 0) - 1) < 1e-9);
    assert.deepEqual(r.rows, { reference: 800, current: 800 });
  });

  it('catches a variance-only shift (invisible to a linear classifier) and names the column first', () => {
    const rng = new Mulberry32(2);
    const r = domainClassifier(sample(rng, 600, 5), sample(rng, 600, 5, { column: 1, sd: 1.6 }), { seed: 1 });
    assert.equal(r.alert, true, `auc ${r.auc}, threshold ${r.threshold}`);
    assert.equal(r.features[0]!.column, 'c1');
  });

  it('balances the sides by sampling the larger down, and caps both', () => {
    const rng = new Mulberry32(3);
    const r = domainClassifier(sample(rng, 900, 2), sample(rng, 300, 2), { seed: 1 });
    assert.deepEqual(r.rows, { reference: 300, current: 300 });
    const capped = domainClassifier(sample(rng, 400, 2), sample(rng, 400, 2), { seed: 1, maxRows: 250 });
    assert.deepEqual(capped.rows, { reference: 250, current: 250 });
  });

  it('is deterministic for a seed', () => {
    const a = domainClassifier(sample(new Mulberry32(4), 200, 3), sample(new Mulberry32(5), 200, 3), { seed: 7 });
    const b = domainClassifier(sample(new Mulberry32(4), 200, 3), sample(new Mulberry32(5), 200, 3), { seed: 7 });
    assert.deepEqual(a, b);
  });

  it('refuses other columns and too few rows in one line', () => {
    const rng = new Mulberry32(6);
    const other = sample(rng, 100, 2);
    other.columns = ['c0', 'x'];
    assert.throws(() => domainClassifier(sample(rng, 100, 2), other), /current rows have columns \[c0, x\] but the reference has \[c0, c1\]/);
    assert.throws(() => domainClassifier(sample(rng, 10, 2), sample(rng, 100, 2)), /at least 30 of each are needed/);
  });

  it('AUC by mid-ranks (ties count half) and the t quantile', () => {
    const scores = Float64Array.of(0.1, 0.4, 0.4, 0.8, 0.4, 0.9);
    const y = Float64Array.of(0, 0, 1, 1, 0, 1);
    // pairs (1, 0): 0.4 > 0.1, 0.4 = 0.4 (½), 0.4 = 0.4 (½); 0.8 and 0.9 beat all 3 → 8/9
    assert.ok(Math.abs(aucOf(scores, y) - 8 / 9) < 1e-12);
    assert.ok(Math.abs(studentQuantile(0.99, 10) - 2.7638) < 1e-3);
    assert.ok(Math.abs(studentQuantile(0.99, 5) - 3.3649) < 2e-3);
  });
});
