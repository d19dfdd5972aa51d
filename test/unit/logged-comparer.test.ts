/**
 * Logged outputs row by row (engine/evaluation/logged.ts): what counts as skew for a class and a
 * regression value, what replaces the re-score with metrics_from: logged, and how parts merge.
 */
import assert from 'node:assert/strict';
import { LoggedComparer, mergeLogged, SKEW_EXAMPLES } from '../../engine/evaluation/logged.js';
import type { Column, Table } from '../../engine/data/table.js';
import { UpkeepError } from '../../engine/errors.js';

const table = (cols: Record<string, Column>, rows: number): Table => ({
  source: 'day.csv',
  rowCount: rows,
  columns: new Map(Object.entries(cols)),
  firstRow: 10,
});
const num = (values: (number | null)[]): Column => ({
  kind: 'number',
  sourceType: 'float',
  values: Float64Array.from(values, (v) => (v === null ? NaN : v)),
  nulls: Uint8Array.from(values, (v) => (v === null ? 1 : 0)),
});
const binary = { modelId: 'm', task: 'binary' as const, classes: ['no', 'yes'], positiveIndex: 1 };

describe('logged outputs against the re-score (logged.ts)', function () {
  it('regression: a logged value further than the tolerance is skew, and replaces the prediction when asked', function () {
    const c = new LoggedComparer({ modelId: 'm', task: 'regression' }, { prediction: 'served', tolerance: 0.5, useLogged: true });
    const yPredValue = Float64Array.from([1, 2, 3, 4]);
    c.add(table({ served: num([1.2, 5, null, 4]) }, 4), { at: (i) => i, count: 4, yPredValue });
    assert.deepEqual(c.counts, { compared: 3, skewed: 1, missing: 1, examples: ['day.csv row 12'] });
    assert.deepEqual([...yPredValue], [1.2, 5, 3, 4], 'a row without a logged value keeps its re-score');
  });

  it('binary with the logged class only: a different class is skew; judged on it, the class gets probability 1', function () {
    const served: Column = { kind: 'string', values: ['yes', 'no', 'maybe'] };
    const proba = Float64Array.from([0.2, 0.8, 0.3, 0.7, 0.6, 0.4]);
    const yPredClass = Int32Array.from([1, 1, 0]);
    const rescored = new LoggedComparer(binary, { prediction: 'served', tolerance: 0.001, useLogged: false, key: 'id' });
    const id: Column = { kind: 'string', values: ['a', 'b', 'c'] };
    rescored.add(table({ served, id }, 3), { at: (i) => i, count: 3, proba: proba.slice(), yPredClass: yPredClass.slice() });
    assert.deepEqual(rescored.counts, { compared: 3, skewed: 2, missing: 0, examples: ['b', 'c'] }, 'a class the model does not know is skew');
    const logged = new LoggedComparer(binary, { prediction: 'served', tolerance: 0.001, useLogged: true });
    const two = table({ served: { kind: 'string', values: ['yes', 'no'] } }, 2);
    logged.add(two, { at: (i) => i, count: 2, proba, yPredClass });
    assert.deepEqual([...proba.subarray(0, 4)], [0, 1, 1, 0]);
    assert.deepEqual([...yPredClass.subarray(0, 2)], [1, 0]);
    assert.throws(
      () => logged.add(table({ served }, 3), { at: (i) => i, count: 3, proba, yPredClass }),
      (err: unknown) =>
        err instanceof UpkeepError &&
        err.message === `model m: file day.csv: column served (data.logged.prediction) holds "maybe" in row 13, not one of the model's classes (no, yes)`,
    );
  });

  it('binary score: a score outside [0, 1] is no usable logged output; dropped rows are skipped through `at`', function () {
    const c = new LoggedComparer(binary, { score: 's', tolerance: 0.01, useLogged: true });
    const proba = Float64Array.from([0.5, 0.5, 0.9, 0.1]);
    const yPredClass = Int32Array.from([0, 0]);
    // table rows 0 and 2 were evaluated (row 1 dropped)
    c.add(table({ s: num([0.7, 0.5, 1.5]) }, 3), { at: (i) => [0, 2][i]!, count: 2, proba, yPredClass });
    assert.deepEqual(c.counts, { compared: 1, skewed: 1, missing: 1, examples: ['day.csv row 11'] });
    assert.deepEqual(
      [...proba].map((p) => +p.toFixed(6)),
      [0.3, 0.7, 0.9, 0.1],
    );
    assert.deepEqual([...yPredClass], [1, 0]);
  });

  it('refuses a logged score for a multiclass model, and names a missing logged column', function () {
    assert.throws(
      () => new LoggedComparer({ modelId: 'm', task: 'multiclass', classes: ['a', 'b', 'c'] }, { score: 's', tolerance: 0, useLogged: false }),
      /model m: data.logged.score is the positive class's probability of a binary model/,
    );
    const c = new LoggedComparer(binary, { score: 's', tolerance: 0, useLogged: false });
    assert.throws(() => c.columns(table({ x: num([1]) }, 1)), /^UpkeepError: model m: file day.csv: column s \(data.logged.score\) is missing; it has x$/);
  });

  it('merges parts: counts add up, the first examples in window order are kept', function () {
    const part = (n: number, from: number) => ({
      compared: n,
      skewed: n,
      missing: 1,
      examples: Array.from({ length: Math.min(n, SKEW_EXAMPLES) }, (_, i) => `k${from + i}`),
    });
    const merged = [part(2, 0), part(9, 100), part(3, 200)].reduce<ReturnType<typeof mergeLogged>>((acc, p) => mergeLogged(acc, p), undefined);
    assert.deepEqual(merged, { compared: 14, skewed: 14, missing: 3, examples: ['k0', 'k1', 'k100', 'k101', 'k102'] });
    assert.equal(mergeLogged(undefined, undefined), undefined);
  });
});
