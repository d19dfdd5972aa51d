import assert from 'node:assert/strict';

import { countColumnCategories, countSortedValues } from '../../engine/drift/categories.js';
import {
  decide,
  DEFAULT_THRESHOLDS,
  DRIFT_TEST_LIST,
  DRIFT_TESTS,
  driftTest,
  reportedTests,
  resolveTest,
  TEST_STATISTIC,
} from '../../engine/drift/methods/index.js';

describe('drift test descriptors', () => {
  it('lists each of Evidently’s six tests once, each deciding on a statistic it reports', () => {
    assert.deepEqual([...DRIFT_TESTS].sort(), ['chisquare', 'jensenshannon', 'ks', 'psi', 'wasserstein', 'z']);
    const statistics = DRIFT_TEST_LIST.flatMap((t) => [...t.reports]);
    assert.equal(new Set(statistics).size, statistics.length, 'no statistic is reported by two tests');
    for (const t of DRIFT_TEST_LIST) {
      assert.ok((t.reports as readonly string[]).includes(t.statistic), `${t.name} reports ${t.statistic}`);
      assert.equal(DEFAULT_THRESHOLDS[t.name], t.defaultThreshold);
      assert.equal(TEST_STATISTIC[t.name], t.statistic);
      assert.equal(driftTest(t.name), t);
    }
  });

  it('keeps Evidently’s default thresholds and decision rules', () => {
    const rules = Object.fromEntries(DRIFT_TEST_LIST.map((t) => [t.name, [t.defaultThreshold, t.decision]]));
    assert.deepEqual(rules, {
      ks: [0.05, 'p <= threshold'],
      chisquare: [0.05, 'p < threshold'],
      z: [0.05, 'p < threshold'],
      wasserstein: [0.1, 'value >= threshold'],
      jensenshannon: [0.1, 'value >= threshold'],
      psi: [0.1, 'value >= threshold'],
    });
    assert.equal(decide('p <= threshold', 0.05, 0.05), true);
    assert.equal(decide('p < threshold', 0.05, 0.05), false);
    assert.equal(decide('value >= threshold', 0.1, 0.1), true);
  });

  it('reports a column’s statistics in a fixed order, the deciding test’s always', () => {
    const names = (kind: 'numeric' | 'categorical', uniques: number, deciding: (typeof DRIFT_TESTS)[number]) =>
      reportedTests(kind, uniques, deciding).flatMap((t) => [...t.reports]);
    assert.deepEqual(names('numeric', 100, 'wasserstein'), ['psi', 'ks_statistic', 'ks_p_value', 'wasserstein_normed', 'jensenshannon']);
    assert.deepEqual(names('numeric', 100, 'z'), ['psi', 'ks_statistic', 'ks_p_value', 'wasserstein_normed', 'jensenshannon', 'z_test_p_value']);
    assert.deepEqual(names('numeric', 4, 'jensenshannon'), ['psi', 'ks_statistic', 'ks_p_value', 'wasserstein_normed', 'jensenshannon', 'chi2_p_value']);
    assert.deepEqual(names('categorical', 2, 'z'), ['psi', 'jensenshannon', 'chi2_p_value', 'z_test_p_value']);
    assert.deepEqual(names('categorical', 30, 'jensenshannon'), ['psi', 'jensenshannon', 'chi2_p_value']);
  });

  it('refuses an unknown test and a test for the wrong column kind, naming them', () => {
    assert.throws(() => resolveTest('numeric', { test: 'ks', threshold: 0.05 }, { test: 'anderson' as never }), /unknown drift test "anderson"/);
    assert.throws(() => resolveTest('categorical', { test: 'jensenshannon', threshold: 0.1 }, { test: 'ks' }), /"ks" does not apply to a categorical column/);
    assert.deepEqual(resolveTest('numeric', { test: 'wasserstein', threshold: 0.1 }, { test: 'ks' }), { test: 'ks', threshold: 0.05 });
  });
});

describe('category counting', () => {
  it('keys strings as they are, numbers by String(value) and counts null and NaN as missing', () => {
    const s = countColumnCategories({ kind: 'string', values: ['b', null, 'a', 'b'] });
    assert.deepEqual(
      [...s.counts],
      [
        ['b', 2],
        ['a', 1],
      ],
    );
    assert.equal(s.missing, 1);
    const n = countColumnCategories({
      kind: 'number',
      sourceType: 'float',
      values: Float64Array.of(3, NaN, 1.5, -0, 0, Infinity, 3, 7),
      nulls: Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 1),
    });
    assert.deepEqual(
      [...n.counts],
      [
        ['3', 2],
        ['1.5', 1],
        ['0', 2],
        ['Infinity', 1],
      ],
    );
    assert.equal(n.missing, 2);
  });

  it('lists booleans false first for profiles and in first-seen order for sketches', () => {
    const col = { kind: 'boolean' as const, values: Uint8Array.of(1, 0, 1, 0), nulls: Uint8Array.of(0, 0, 0, 1) };
    assert.deepEqual(
      [...countColumnCategories(col).counts],
      [
        ['false', 1],
        ['true', 2],
      ],
    );
    assert.deepEqual(
      [...countColumnCategories(col, { booleans: 'first-seen' }).counts],
      [
        ['true', 2],
        ['false', 1],
      ],
    );
    assert.equal(countColumnCategories(col).missing, 1);
    assert.deepEqual(
      [...countColumnCategories(col, { rows: 2, booleans: 'first-seen' }).counts],
      [
        ['true', 1],
        ['false', 1],
      ],
    );
  });

  it('counts a sorted numeric sample by value, ascending', () => {
    assert.deepEqual(
      [...countSortedValues(Float64Array.of(-1, -0, 0, 0, 2.5, 2.5))],
      [
        ['-1', 1],
        ['0', 3],
        ['2.5', 2],
      ],
    );
  });
});
