import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bool, lcg, num, str } from '../helpers/columns.js';

import { readTable } from '../../engine/data/read-table.js';
import type { BooleanColumn, Column, NumberColumn, StringColumn, Table } from '../../engine/data/table.js';
import {
  buildReferenceProfile,
  columnDriftInput,
  concatTables,
  DEFAULT_SAMPLE_SEED,
  EXACT_SAMPLE_LIMIT,
  forcedCategorical,
  MAX_CATEGORIES,
  OTHER_CATEGORY,
  parseReferenceProfile,
  profileColumn,
  profileTable,
  REFERENCE_PROFILE_SCHEMA,
  referenceCategoryCounts,
  referenceSortedSample,
  SAMPLE_SIZE,
  type CategoricalColumnProfile,
  type ColumnProfile,
  type NumericColumnProfile,
} from '../../engine/drift/profile.js';
import { columnDrift, type CategoricalColumnInput, type NumericColumnInput } from '../../engine/drift/column.js';
import { countCategories } from '../../engine/drift/categories.js';
import { isUpkeepError } from '../../engine/errors.js';

const DATA = fileURLToPath(new URL('../fixtures/data/', import.meta.url));

const table = (columns: Record<string, Column>, source = 'test.csv'): Table => {
  const first = Object.values(columns)[0];
  return { source, rowCount: first ? first.values.length : 0, columns: new Map(Object.entries(columns)) };
};
const numeric = (p: ColumnProfile | undefined): NumericColumnProfile => {
  assert.ok(p && p.kind === 'numeric', 'a numeric profile');
  return p;
};
const categorical = (p: ColumnProfile | undefined): CategoricalColumnProfile => {
  assert.ok(p && p.kind === 'categorical', 'a categorical profile');
  return p;
};
function assertSortedAscending(values: number[]): void {
  for (let i = 1; i < values.length; i++) assert.ok(values[i - 1]! <= values[i]!, `ascending at ${i}`);
}

describe('reference profile', () => {
  describe('numeric columns', () => {
    it('counts nulls and non-finite values apart and computes range, mean and the population standard deviation', () => {
      const p = numeric(profileColumn(num([3, null, 1, NaN, 2, Infinity, 2, null, -Infinity, 4])));
      assert.equal(p.kind, 'numeric');
      assert.equal(p.sourceType, 'float');
      assert.equal(p.count, 5);
      assert.equal(p.nulls, 2);
      assert.equal(p.nonFinite, 3);
      assert.equal(p.nullRate, 0.5);
      assert.equal(p.min, 1);
      assert.equal(p.max, 4);
      assert.equal(p.mean, 2.4);
      // np.std([3, 1, 2, 2, 4]) (ddof = 0)
      assert.ok(Math.abs(p.std! - Math.sqrt(1.04)) < 1e-15, `std ${p.std}`);
      assert.equal(p.stdDdof, 0);
      assert.equal(p.uniques, 4);
      assert.deepEqual(p.sample, { values: [1, 2, 2, 3, 4], exact: true });
    });

    it('keeps exact value counts for a column with at most 20 distinct values and none beyond', () => {
      const low = numeric(profileColumn(num([2, 1, 2, 3, 3, 3, -0, 0], 'int')));
      assert.equal(low.sourceType, 'int');
      assert.equal(low.uniques, 4, '-0 and 0 are one value');
      assert.deepEqual(low.counts, { '0': 2, '1': 1, '2': 2, '3': 3 });
      const twenty = numeric(profileColumn(num(Array.from({ length: 40 }, (_, i) => i % 20))));
      assert.equal(twenty.uniques, 20);
      assert.equal(Object.keys(twenty.counts!).length, 20);
      const many = numeric(profileColumn(num(Array.from({ length: 21 }, (_, i) => i / 2))));
      assert.equal(many.uniques, 21);
      assert.equal(many.counts, undefined);
    });

    it('describes a column without any finite value with nulls, not NaN', () => {
      const p = numeric(profileColumn(num([null, null, NaN])));
      assert.equal(p.count, 0);
      assert.equal(p.nullRate, 1);
      assert.equal(p.min, null);
      assert.equal(p.max, null);
      assert.equal(p.mean, null);
      assert.equal(p.std, null);
      assert.equal(p.uniques, 0);
      assert.deepEqual(p.sample, { values: [], exact: true });
      const json = JSON.parse(JSON.stringify(p)) as NumericColumnProfile;
      assert.deepEqual(json, p, 'survives JSON unchanged');
    });

    it('keeps every value, sorted, up to 100 000 finite values', () => {
      const next = lcg(7);
      const values = Array.from({ length: EXACT_SAMPLE_LIMIT + 3 }, (_, i) => (i < 3 ? null : Math.round(next() * 1e6) / 100));
      const p = numeric(profileColumn(num(values)));
      assert.equal(p.count, EXACT_SAMPLE_LIMIT);
      assert.equal(p.sample.exact, true);
      assert.equal(p.sample.seed, undefined);
      assert.equal(p.sample.values.length, EXACT_SAMPLE_LIMIT);
      assertSortedAscending(p.sample.values);
      const expected = (values.filter((v) => v !== null) as number[]).sort((a, b) => a - b);
      assert.deepEqual(p.sample.values, expected);
    });

    it('samples 100 000 values without replacement beyond 100 000, deterministically for a seed', () => {
      const n = 250_000;
      // Distinct values, so "without replacement" means no value appears twice.
      const values = Array.from({ length: n }, (_, i) => (i * 7919) % n);
      const col = num(values, 'int');
      const a = numeric(profileColumn(col, { seed: 11 }));
      assert.equal(a.count, n);
      assert.equal(a.uniques, n, 'uniques from the full data');
      assert.equal(a.min, 0);
      assert.equal(a.max, n - 1);
      assert.equal(a.mean, (n - 1) / 2);
      assert.equal(a.sample.exact, false);
      assert.equal(a.sample.seed, 11);
      assert.equal(a.sample.values.length, SAMPLE_SIZE);
      assertSortedAscending(a.sample.values);
      assert.equal(new Set(a.sample.values).size, SAMPLE_SIZE, 'no value drawn twice');
      for (const v of a.sample.values) assert.ok(Number.isInteger(v) && v >= 0 && v < n);

      const again = numeric(profileColumn(num(values, 'int'), { seed: 11 }));
      assert.deepEqual(again.sample, a.sample, 'same seed, same sample');
      const reversed = numeric(profileColumn(num([...values].reverse(), 'int'), { seed: 11 }));
      assert.deepEqual(reversed.sample, a.sample, 'the row order does not matter');
      const other = numeric(profileColumn(col, { seed: 12 }));
      assert.notDeepEqual(other.sample.values, a.sample.values, 'another seed, another sample');
      const byDefault = numeric(profileColumn(col));
      assert.equal(byDefault.sample.seed, DEFAULT_SAMPLE_SEED);
    });

    it('draws the sample uniformly (quartile shares and mean of a uniform grid)', () => {
      const n = 400_000;
      const p = numeric(profileColumn(num(Array.from({ length: n }, (_, i) => i)), { seed: 3 }));
      const s = p.sample.values;
      const mean = s.reduce((acc, v) => acc + v, 0) / s.length;
      // Standard error of the mean of 100k draws from U(0, 400k) ≈ 365 (less without replacement).
      assert.ok(Math.abs(mean - (n - 1) / 2) < 2000, `sample mean ${mean}`);
      for (let q = 1; q <= 3; q++) {
        const share = s.filter((v) => v < (q * n) / 4).length / s.length;
        assert.ok(Math.abs(share - q / 4) < 0.01, `share below quartile ${q}: ${share}`);
      }
    });
  });

  describe('categorical columns', () => {
    it('counts string categories, most frequent first, with nulls and distinct values', () => {
      const p = categorical(profileColumn(str(['b', 'a', null, 'b', 'c', 'b', 'a', null])));
      assert.equal(p.sourceType, 'string');
      assert.equal(p.count, 6);
      assert.equal(p.nulls, 2);
      assert.equal(p.nullRate, 0.25);
      assert.equal(p.uniques, 3);
      assert.deepEqual(Object.entries(p.counts), [
        ['b', 3],
        ['a', 2],
        ['c', 1],
      ]);
      assert.equal(p.otherCount, undefined);
    });

    it('counts booleans as the categories true and false', () => {
      const p = categorical(profileColumn(bool([true, false, true, null, true])));
      assert.equal(p.sourceType, 'boolean');
      assert.deepEqual(p.counts, { true: 3, false: 1 });
      assert.equal(p.nulls, 1);
      assert.equal(p.uniques, 2);
    });

    it('treats number columns named as categorical as codes keyed by their decimal text, NaN as missing', () => {
      const t = table({ code: num([3, 1, 3, null, NaN, 1.5, 3], 'float'), x: num([1, 2, 3, 4, 5, 6, 7]) });
      const cols = profileTable(t, { categorical: ['code'] });
      const code = categorical(cols.code);
      assert.equal(code.sourceType, 'float');
      assert.deepEqual(code.counts, { '3': 3, '1': 1, '1.5': 1 });
      assert.equal(code.nulls, 2);
      assert.equal(code.uniques, 3);
      assert.equal(cols.x!.kind, 'numeric');
    });

    it('keeps the 10 000 most frequent categories and folds the rest into otherCount', () => {
      const values: string[] = [];
      for (let i = 0; i < MAX_CATEGORIES + 500; i++) {
        values.push(`c${i}`);
        if (i < 100) values.push(`c${i}`, `c${i}`); // 100 categories three times
      }
      const p = categorical(profileColumn(str(values)));
      assert.equal(p.uniques, MAX_CATEGORIES + 500);
      assert.equal(Object.keys(p.counts).length, MAX_CATEGORIES);
      assert.equal(p.counts.c0, 3);
      assert.equal(p.counts.c99, 3);
      assert.equal(p.counts.c9999, 1, 'ties at the cut are kept in order of first appearance');
      assert.equal(Object.hasOwn(p.counts, 'c10000'), false);
      assert.equal(p.otherCategories, 500);
      assert.equal(p.otherCount, 500);
      const kept = Object.values(p.counts).reduce((s, c) => s + c, 0);
      assert.equal(kept + p.otherCount!, p.count);
      const counts = referenceCategoryCounts(p);
      assert.equal(counts.get(OTHER_CATEGORY), 500);
    });

    it('handles a category named __proto__ as an ordinary key', () => {
      const p = categorical(profileColumn(str(['__proto__', '__proto__', 'x'])));
      assert.equal(Object.hasOwn(p.counts, '__proto__'), true);
      assert.deepEqual(Object.entries(p.counts), [
        ['__proto__', 2],
        ['x', 1],
      ]);
      assert.deepEqual(JSON.parse(JSON.stringify(p.counts)), p.counts);
    });
  });

  describe('profiling a table', () => {
    it('profiles the requested columns in order and names a missing one with the source', () => {
      const t = table({ a: num([1, 2]), b: str(['x', 'y']), c: num([0, 0]) });
      assert.deepEqual(Object.keys(profileTable(t, { columns: ['c', 'a'] })), ['c', 'a']);
      assert.throws(
        () => profileTable(t, { columns: ['a', 'nope'] }),
        (err: unknown) => isUpkeepError(err, 'SchemaMismatch') && /test\.csv: column "nope" is not in the data/.test(err.message),
      );
    });

    it('names a label column the reference lacks as the label, also when it is listed as categorical', () => {
      // Reference data whose labels have not come (the column not written yet): said plainly.
      const t = table({ x: num([0.5, 1.5]) }, 'late.parquet');
      assert.throws(
        () => buildReferenceProfile({ data: t, label: { column: 'y', kind: 'categorical' }, categorical: ['y'], createdAt: '2026-12-07T00:00:00Z' }),
        (err: unknown) => isUpkeepError(err, 'SchemaMismatch') && err.message === 'late.parquet: label column "y" is not in the data (the file has 1 column)',
      );
    });

    it('builds a versioned profile with label, prediction and baseline metrics that survives JSON', () => {
      const t = table({ x: num([0.5, 1.5, 2.5, 3.5]), plan: str(['a', 'b', 'a', null]), y: num([0, 1, 1, 1], 'int') }, 'train.csv');
      const profile = buildReferenceProfile({
        data: t,
        label: { column: 'y', kind: 'categorical' },
        prediction: { values: new Float64Array([0, 1, 0, 1]), kind: 'categorical', name: 'label' },
        baselineMetrics: { accuracy: 0.75, roc_auc: null },
        createdAt: '2025-01-31T12:00:00.000Z',
        source: 'train.csv@sha256:abc',
      });
      assert.equal(profile.schema, REFERENCE_PROFILE_SCHEMA);
      assert.equal(profile.rows, 4);
      assert.equal(profile.createdAt, '2025-01-31T12:00:00.000Z');
      assert.equal(profile.source, 'train.csv@sha256:abc');
      assert.equal(profile.settings.exactLimit, 100_000);
      assert.equal(profile.settings.sampleSize, 100_000);
      assert.equal(profile.settings.seed, DEFAULT_SAMPLE_SEED);
      assert.deepEqual(Object.keys(profile.columns), ['x', 'plan', 'y']);
      assert.equal(profile.columns.y!.kind, 'numeric', 'the label column is profiled like any column');
      assert.equal(profile.label?.column, 'y');
      assert.deepEqual(categorical(profile.label?.distribution).counts, { '1': 3, '0': 1 });
      assert.equal(profile.prediction?.name, 'label');
      assert.deepEqual(categorical(profile.prediction?.distribution).counts, { '0': 2, '1': 2 });
      assert.deepEqual(profile.baselineMetrics, { accuracy: 0.75, roc_auc: null });
      const back = parseReferenceProfile(JSON.parse(JSON.stringify(profile)));
      assert.deepEqual(back, profile);
    });

    it('profiles a regression label numerically and reads a CSV fixture end to end', async () => {
      const bytes = new Uint8Array(readFileSync(`${DATA}regression.csv`));
      const t = await readTable(bytes, { source: 'regression.csv' });
      const profile = buildReferenceProfile({ data: t, label: 'target', createdAt: '2025-01-01T00:00:00Z' });
      assert.equal(profile.source, 'regression.csv');
      assert.deepEqual(Object.keys(profile.columns), ['r1', 'r2', 'r3', 'target']);
      const label = numeric(profile.label?.distribution);
      assert.equal(label, profile.columns.target, 'the column profile is reused');
      assert.equal(label.count, t.rowCount);
      assert.equal(label.sample.exact, true);
      assert.equal(label.sample.values.length, t.rowCount);
    });

    it('refuses a label column the data does not have', () => {
      assert.throws(
        () => buildReferenceProfile({ data: table({ x: num([1]) }), label: 'y', createdAt: 't' }),
        (err: unknown) => isUpkeepError(err, 'SchemaMismatch') && /label column "y"/.test(err.message),
      );
    });

    it('concatenates several tables: int and float give float, an absent column is missing in its rows', () => {
      const a = table({ x: num([1, 2], 'int'), s: str(['p', 'q']) }, 'a.csv');
      const b = table({ x: num([2.5, null]), t: bool([true, false]) }, 'b.csv');
      const merged = concatTables([a, b]);
      assert.equal(merged.rowCount, 4);
      assert.equal(merged.source, 'a.csv, b.csv');
      const x = merged.columns.get('x') as NumberColumn;
      assert.equal(x.sourceType, 'float');
      assert.deepEqual(Array.from(x.nulls!), [0, 0, 0, 1]);
      assert.deepEqual((merged.columns.get('s') as StringColumn).values, ['p', 'q', null, null]);
      assert.deepEqual(Array.from((merged.columns.get('t') as BooleanColumn).nulls!), [1, 1, 0, 0]);
      const profile = buildReferenceProfile({ data: [a, b], createdAt: 't' });
      assert.equal(profile.rows, 4);
      assert.equal(profile.source, 'a.csv, b.csv');
      assert.equal(numeric(profile.columns.x).count, 3);
      assert.equal(categorical(profile.columns.s).nulls, 2);
      assert.throws(
        () => concatTables([a, table({ x: str(['1']) }, 'c.csv')]),
        (err: unknown) => isUpkeepError(err, 'SchemaMismatch') && /column "x" has different types/.test(err.message),
      );
    });

    it('rejects a stored profile with another schema or an unsorted sample', () => {
      const profile = buildReferenceProfile({ data: table({ x: num([1, 2, 3]) }), createdAt: 't' });
      const json = JSON.parse(JSON.stringify(profile)) as Record<string, unknown>;
      assert.throws(() => parseReferenceProfile({ ...json, schema: 'upkeep.reference-profile/v0' }), /unsupported schema/);
      const bad = JSON.parse(JSON.stringify(profile)) as { columns: { x: { sample: { values: number[] } } } };
      bad.columns.x.sample.values = [3, 1, 2];
      assert.throws(() => parseReferenceProfile(bad), /column "x": sample.values must be finite numbers in ascending order/);
    });

    it('lists the number columns the reference treated as categorical', () => {
      const t = table({ code: num([1, 2], 'int'), x: num([1, 2]), s: str(['a', 'b']) });
      const profile = buildReferenceProfile({ data: t, categorical: ['code'], createdAt: 't' });
      assert.deepEqual(forcedCategorical(profile), ['code']);
    });
  });

  describe('drift inputs', () => {
    it('gives the same numeric drift result from the exact stored sample as from the raw reference values', () => {
      const next = lcg(5);
      const ref = num(Array.from({ length: 3000 }, (_, i) => (i % 97 === 0 ? null : next() * 10)));
      const cur = num(Array.from({ length: 2000 }, () => next() * 10 + 0.7));
      const p = numeric(profileColumn(ref));
      const stored = JSON.parse(JSON.stringify(p)) as NumericColumnProfile;
      const input = columnDriftInput('x', stored, cur) as NumericColumnInput;
      assert.equal(input.kind, 'numeric');
      assert.equal(referenceSortedSample(stored), input.reference, 'the sorted array is built once per profile');
      const fromProfile = columnDrift(input);
      const fromRaw = columnDrift({ kind: 'numeric', reference: ref.values, current: cur.values });
      assert.deepEqual(fromProfile, fromRaw);
      assert.equal(fromProfile.referenceDropped, 31);
    });

    it('marks integer columns without missing values as integer on both sides', () => {
      const ref = numeric(profileColumn(num([1, 2, 3, 4], 'int')));
      assert.equal((columnDriftInput('n', ref, num([1, 2], 'int')) as NumericColumnInput).integer, true);
      assert.equal((columnDriftInput('n', ref, num([1, null], 'int')) as NumericColumnInput).integer, false);
      assert.equal((columnDriftInput('n', ref, num([1.5, 2])) as NumericColumnInput).integer, false);
    });

    it('gives the same categorical drift result from stored counts as from the raw values', () => {
      const refValues = ['a', 'b', 'b', null, 'c', 'a', 'b'];
      const curValues = ['a', 'a', 'a', 'd', null, null];
      const p = categorical(profileColumn(str(refValues)));
      const input = columnDriftInput('plan', JSON.parse(JSON.stringify(p)) as ColumnProfile, str(curValues)) as CategoricalColumnInput;
      const r = countCategories(refValues);
      const c = countCategories(curValues);
      const raw = columnDrift({ kind: 'categorical', reference: r.counts, current: c.counts, referenceMissing: r.missing, currentMissing: c.missing });
      assert.deepEqual(columnDrift(input), raw);
      assert.equal(input.referenceMissing, 1);
      assert.equal(input.currentMissing, 2);
    });

    it('compares a current profile with the reference profile', () => {
      const ref = categorical(profileColumn(str(['a', 'b', 'a'])));
      const cur = categorical(profileColumn(str(['a', 'c'])));
      const input = columnDriftInput('plan', ref, cur) as CategoricalColumnInput;
      assert.deepEqual([...(input.current as Map<string, number>).entries()].sort(), [
        ['a', 1],
        ['c', 1],
      ]);
      const nref = numeric(profileColumn(num([1, 2, 3])));
      const ncur = numeric(profileColumn(num([2, 3, 4])));
      const ninput = columnDriftInput('x', nref, ncur) as NumericColumnInput;
      assert.deepEqual(ninput.current, { sorted: new Float64Array([2, 3, 4]), dropped: 0 });
    });

    it('folds current categories outside the kept reference categories into one', () => {
      const values: string[] = [];
      for (let i = 0; i < MAX_CATEGORIES + 10; i++) values.push(`c${i}`, ...(i < MAX_CATEGORIES ? [`c${i}`] : []));
      const ref = categorical(profileColumn(str(values)));
      assert.equal(ref.otherCount, 10);
      const input = columnDriftInput('id', ref, str(['c0', `c${MAX_CATEGORIES + 1}`, 'brand-new', null])) as CategoricalColumnInput;
      const current = input.current as Map<string, number>;
      assert.equal(current.get('c0'), 1);
      assert.equal(current.get(OTHER_CATEGORY), 2);
      assert.equal(current.has('brand-new'), false);
    });

    it('refuses a numeric reference against text values', () => {
      const ref = numeric(profileColumn(num([1, 2])));
      assert.throws(
        () => columnDriftInput('age', ref, str(['1'])),
        (err: unknown) =>
          isUpkeepError(err, 'SchemaMismatch') && /column "age": the reference is numeric \(float\) but the current data is string/.test(err.message),
      );
    });
  });
});
