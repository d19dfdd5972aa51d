import assert from 'node:assert/strict';

import type { Column, NumberColumn, StringColumn, Table } from '../../engine/data/table.js';
import { buildReferenceProfile, forcedCategorical, profileTable, type ReferenceProfile } from '../../engine/drift/profile.js';
import { checkQuality, formatPercent, type QualityReport } from '../../engine/drift/quality.js';
import { typeChance } from '../../engine/drift/quality-chance.js';
import { lcg, num, str } from '../helpers/columns.js';

const PLANS = ['basic', 'pro', 'team'];
const COUNTRIES = ['DE', 'FR', 'US', 'IT'];
const REQUIRED = ['age', 'income', 'plan', 'country', 'active', 'code', 'y'];

/** A customer table: every column drawn from the same distributions whatever the seed. */
function customers(n: number, seed: number): Map<string, Column> {
  const next = lcg(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)]!;
  const columns = new Map<string, Column>();
  columns.set(
    'age',
    num(
      Array.from({ length: n }, () => 18 + Math.floor(next() * 73)),
      'int',
    ),
  );
  columns.set('income', num(Array.from({ length: n }, (_, i) => (i % 100 === 0 ? null : 20_000 + next() * 100_000))));
  columns.set('plan', str(Array.from({ length: n }, () => pick(PLANS))));
  columns.set('country', str(Array.from({ length: n }, () => pick(COUNTRIES))));
  columns.set('active', { kind: 'boolean', values: Uint8Array.from({ length: n }, () => (next() < 0.7 ? 1 : 0)) });
  columns.set(
    'code',
    num(
      Array.from({ length: n }, () => 1 + Math.floor(next() * 5)),
      'int',
    ),
  );
  columns.set('notes', str(Array.from({ length: n }, (_, i) => (i % 3 === 0 ? null : `note ${i % 7}`))));
  columns.set(
    'y',
    num(
      Array.from({ length: n }, () => (next() < 0.4 ? 1 : 0)),
      'int',
    ),
  );
  return columns;
}
const asTable = (columns: Map<string, Column>, source: string): Table => ({
  source,
  rowCount: columns.values().next().value!.values.length,
  columns,
});

function reference(): ReferenceProfile {
  return buildReferenceProfile({
    data: asTable(customers(5000, 1), 'train.csv'),
    label: { column: 'y', kind: 'categorical' },
    categorical: ['code'],
    createdAt: '2025-01-01T00:00:00.000Z',
  });
}

/** 2000 rows with every kind of problem, in known amounts. */
function shifted(): Table {
  const n = 2000;
  const columns = customers(n, 2);
  const plan = (columns.get('plan') as StringColumn).values;
  for (let i = 0; i < 40; i++) plan[i * 50] = 'enterprise';
  for (let i = 0; i < 22; i++) plan[i * 50 + 1] = 'trial';
  columns.set('income', num(Array.from({ length: n }, (_, i) => (i % 10 < 3 ? null : 20_000 + (i % 1000) * 100))));
  const age = (columns.get('age') as NumberColumn).values;
  for (let i = 0; i < n; i += 20) age[i] = i % 40 === 0 ? 10 : 95; // 50 below, 50 above
  columns.set('country', str(Array.from({ length: n }, () => 'DE')));
  const code = (columns.get('code') as NumberColumn).values;
  for (let i = 5; i < n; i += 100) code[i] = 9; // 20 rows
  columns.delete('notes');
  columns.set('session', str(Array.from({ length: n }, (_, i) => `s${i}`)));
  return asTable(columns, 'window.csv');
}

function assertClean(report: QualityReport): void {
  assert.deepEqual(report.issues, []);
  assert.equal(report.schemaBreak, false);
  for (const key of ['missingColumns', 'unexpectedColumns', 'typeChanges', 'newCategories', 'nullRateIncreases', 'outOfRange', 'constantColumns'] as const) {
    assert.deepEqual(report[key], [], `${key} is empty`);
  }
}

describe('schema and data-quality checks', () => {
  const ref = reference();

  it('reports nothing for fresh data from the same distributions', () => {
    const current = asTable(customers(2000, 2), 'window.csv');
    const report = checkQuality(ref, current, { requiredColumns: REQUIRED });
    assertClean(report);
    assert.equal(report.rows, 2000);
    assertClean(checkQuality(ref, profileTable(current, { categorical: forcedCategorical(ref) }), { requiredColumns: REQUIRED }));
  });

  it('reports reference data checked against itself as clean', () => {
    assertClean(checkQuality(ref, asTable(customers(5000, 1), 'train.csv'), { requiredColumns: REQUIRED }));
  });

  it('detects new categories with the share of rows that carry them, and warns beyond chance', () => {
    const report = checkQuality(ref, shifted(), { requiredColumns: REQUIRED });
    assert.deepEqual(
      report.newCategories.map(({ expected: _e, pValue: _p, ...rest }) => rest),
      [
        { column: 'plan', categories: ['enterprise', 'trial'], count: 2, rows: 62, shareOfRows: 0.031, alarm: true },
        // Far beyond chance, but only 1.0% of rows: not above the share, so information.
        { column: 'code', categories: ['9'], count: 1, rows: 20, shareOfRows: 0.01, alarm: false },
      ],
    );
    // No reference category was seen once: by chance (0 + 1) / (5000 + 1) of the 2000 rows.
    for (const found of report.newCategories) {
      assert.ok(Math.abs(found.expected! - 2000 / 5001) < 1e-12);
      assert.ok(found.pValue! < 1e-20);
    }
    const warning = (column: string) => report.issues.find((i) => i.column === column && i.message.includes('new categor'));
    assert.equal(warning('plan')?.severity, 'warning');
    assert.match(
      warning('plan')!.message,
      /^column plan: 2 new categories \(enterprise, trial\) in 3\.1% of rows \(0\.39992 rows expected by chance, p = [0-9.e-]+\)$/,
    );
    assert.equal(warning('code')?.severity, 'info');
  });

  it('detects a null-rate increase beyond the tolerance', () => {
    const report = checkQuality(ref, shifted(), { requiredColumns: REQUIRED });
    assert.deepEqual(
      report.nullRateIncreases.map(({ pValue: _p, ...rest }) => rest),
      [{ column: 'income', reference: 0.01, current: 0.3, expected: 20, alarm: true }],
    );
    // 600 of 2000 rows null where 1% were: Fisher's exact test leaves no room for chance.
    assert.ok(report.nullRateIncreases[0]!.pValue! < 1e-100);
    assert.ok(
      report.issues.some(
        (i) =>
          i.severity === 'warning' &&
          /^column income: null rate rose from 1\.0% to 30\.0% \(20 null rows expected by chance, p = [0-9.]+e-\d+\)$/.test(i.message),
      ),
    );
    const tolerant = checkQuality(ref, shifted(), { requiredColumns: REQUIRED, nullRateIncrease: 0.3 });
    assert.deepEqual(tolerant.nullRateIncreases, []);
  });

  it('detects values outside the reference range', () => {
    const report = checkQuality(ref, shifted(), { requiredColumns: REQUIRED });
    const [entry] = report.outOfRange;
    assert.deepEqual(
      { ...entry, expected: undefined, pValue: undefined },
      { column: 'age', below: 50, above: 50, share: 0.05, min: 18, max: 90, estimated: false, expected: undefined, pValue: undefined, alarm: true },
    );
    assert.ok(entry!.pValue! < 1e-40);
    assert.ok(
      report.issues.some(
        (i) => i.severity === 'warning' && i.message.startsWith('column age: 5.0% of values outside the reference range [18, 90] (50 below, 50 above; '),
      ),
    );
    // At the tolerated share the finding stays as information only.
    const tolerant = checkQuality(ref, shifted(), { requiredColumns: REQUIRED, outOfRangeShare: 0.05 });
    assert.equal(tolerant.outOfRange[0]!.alarm, false);
    assert.ok(tolerant.issues.some((i) => i.severity === 'info' && i.column === 'age'));
    assert.ok(!tolerant.issues.some((i) => i.severity === 'warning' && i.column === 'age'));
  });

  it('detects a column that became constant', () => {
    const report = checkQuality(ref, shifted(), { requiredColumns: REQUIRED });
    assert.deepEqual(report.constantColumns, [{ column: 'country', value: 'DE', referenceUniques: 4, pValue: 0, alarm: true }]);
    assert.ok(
      report.issues.some(
        (i) =>
          i.severity === 'warning' &&
          i.message === 'column country: is constant in the current data (every value is "DE") while the reference had 4 distinct values (p = 0 by chance)',
      ),
    );
  });

  it('reports missing optional and unexpected columns as warnings only', () => {
    const report = checkQuality(ref, shifted(), { requiredColumns: REQUIRED });
    assert.deepEqual(report.missingColumns, [{ column: 'notes', required: false }]);
    assert.deepEqual(report.unexpectedColumns, ['session']);
    assert.deepEqual(report.typeChanges, []);
    assert.equal(report.schemaBreak, false);
    // Warnings first, then information (code's new category is in only 1.0% of rows).
    assert.deepEqual(
      report.issues.map((i) => `${i.severity} ${i.column}`),
      ['warning notes', 'warning plan', 'warning income', 'warning age', 'warning country', 'warning session', 'info code'],
    );
    for (const issue of report.issues) assert.ok(issue.message.startsWith(`column ${issue.column}: `), issue.message);
  });

  it('finds the same problems in a current profile as in the current table', () => {
    const current = shifted();
    const fromTable = checkQuality(ref, current, { requiredColumns: REQUIRED });
    const fromProfile = checkQuality(ref, profileTable(current, { categorical: forcedCategorical(ref) }), { requiredColumns: REQUIRED });
    assert.deepEqual(fromProfile, fromTable);
  });

  it('makes a missing required column a schema break listed first', () => {
    const current = shifted();
    current.columns.delete('age');
    current.columns.delete('y');
    const report = checkQuality(ref, current, { requiredColumns: REQUIRED });
    assert.equal(report.schemaBreak, true);
    assert.deepEqual(report.missingColumns, [
      { column: 'age', required: true },
      { column: 'notes', required: false },
      { column: 'y', required: true },
    ]);
    assert.deepEqual(report.issues.slice(0, 2), [
      { severity: 'break', column: 'age', message: 'column age: required column is missing from the current data' },
      { severity: 'break', column: 'y', message: 'column y: required column is missing from the current data' },
    ]);
    assert.ok(report.issues.slice(2).every((i) => i.severity !== 'break'));
  });

  it('counts a column the reader saw but did not decode as present', () => {
    const current = asTable(customers(100, 3), 'window.parquet');
    current.fileColumns = [...current.columns.keys()];
    current.columns.delete('notes');
    assertClean(checkQuality(ref, current, { requiredColumns: REQUIRED }));
  });

  it('makes a required column that turned from numbers to text a schema break, and other type changes warnings', () => {
    const current = asTable(customers(2000, 2), 'window.csv');
    const income = (current.columns.get('income') as NumberColumn).values;
    current.columns.set('income', str(Array.from(income, (v) => (Number.isNaN(v) ? null : `$${Math.round(v)}`))));
    current.columns.set(
      'notes',
      num(
        Array.from({ length: 2000 }, (_, i) => i % 5),
        'int',
      ),
    );
    const age = current.columns.get('age') as NumberColumn;
    current.columns.set('age', { ...age, sourceType: 'float', values: age.values.map((v) => v + 0.5) });
    const report = checkQuality(ref, current, { requiredColumns: REQUIRED });
    assert.equal(report.schemaBreak, true);
    assert.deepEqual(report.typeChanges, [
      {
        column: 'age',
        reference: { kind: 'numeric', sourceType: 'int' },
        current: { kind: 'numeric', sourceType: 'float' },
        required: true,
        kindChanged: false,
        breaking: false,
        pValue: 0,
        alarm: true,
      },
      {
        column: 'income',
        reference: { kind: 'numeric', sourceType: 'float' },
        current: { kind: 'categorical', sourceType: 'string' },
        required: true,
        kindChanged: true,
        breaking: true,
        pValue: 0,
        alarm: true,
      },
      {
        column: 'notes',
        reference: { kind: 'categorical', sourceType: 'string' },
        current: { kind: 'numeric', sourceType: 'int' },
        required: false,
        kindChanged: true,
        breaking: false,
        pValue: 0,
        alarm: true,
      },
    ]);
    assert.deepEqual(report.issues[0], {
      severity: 'break',
      column: 'income',
      message: 'column income: type changed from numeric (float) to categorical (string) (p = 0 by chance)',
    });
    assert.equal(report.issues.filter((i) => i.severity === 'break').length, 1);
    assert.ok(
      report.issues.some((i) => i.severity === 'warning' && i.message === 'column age: type changed from numeric (int) to numeric (float) (p = 0 by chance)'),
    );
    assert.deepEqual(report.newCategories, [], 'no category check on a column whose kind changed');
  });

  it('does not call an all-empty column a type change, but reports its nulls and that it is constant', () => {
    const current = asTable(customers(500, 4), 'window.csv');
    // CSV reads a column without any value as float nulls.
    current.columns.set('plan', num(Array.from({ length: 500 }, () => null)));
    const report = checkQuality(ref, current, { requiredColumns: REQUIRED });
    assert.deepEqual(report.typeChanges, []);
    assert.equal(report.schemaBreak, false);
    assert.deepEqual(report.nullRateIncreases, [{ column: 'plan', reference: 0, current: 1, expected: 0, pValue: 0, alarm: true }]);
    assert.deepEqual(report.constantColumns, [{ column: 'plan', value: null, referenceUniques: 3, pValue: 0, alarm: true }]);
    assert.ok(
      report.issues.some(
        (i) =>
          i.severity === 'warning' &&
          i.message === 'column plan: has no usable value in the current data while the reference had 3 distinct values (p = 0 by chance)',
      ),
    );
  });

  it('warns about a required column the reference profile does not describe', () => {
    const current = asTable(customers(100, 5), 'window.csv');
    current.columns.set('segment', str(Array.from({ length: 100 }, () => 'a')));
    const report = checkQuality(ref, current, { requiredColumns: [...REQUIRED, 'segment', 'region'] });
    assert.deepEqual(report.unexpectedColumns, []);
    assert.deepEqual(report.missingColumns, [{ column: 'region', required: true }]);
    assert.equal(report.schemaBreak, true);
    assert.ok(
      report.issues.some((i) => i.severity === 'warning' && i.message === 'column segment: required but not in the reference profile, so it is not checked'),
    );
  });

  it('estimates out-of-range counts from a sampled current profile', () => {
    const small = buildReferenceProfile({ data: asTable(new Map([['x', num(Array.from({ length: 1000 }, (_, i) => i))]]), 'ref.csv'), createdAt: 't' });
    const n = 200_000;
    const current = asTable(new Map([['x', num(Array.from({ length: n }, (_, i) => (i % 100 < 3 ? 1000 + (i % 37) : i % 1000)))]]), 'cur.csv');
    const exact = checkQuality(small, current, { requiredColumns: ['x'] });
    assert.deepEqual(
      exact.outOfRange.map(({ expected: _e, pValue: _p, ...rest }) => rest),
      [{ column: 'x', below: 0, above: 6000, share: 0.03, min: 0, max: 999, estimated: false, alarm: true }],
    );
    const estimated = checkQuality(small, profileTable(current), { requiredColumns: ['x'] }).outOfRange[0]!;
    assert.equal(estimated.estimated, true);
    assert.equal(estimated.below, 0);
    assert.ok(Math.abs(estimated.above - 6000) < 600, `estimated ${estimated.above} of 6000`);
    assert.ok(Math.abs(estimated.share - 0.03) < 0.003);
  });

  it('does not call categories new when the reference kept only its most frequent ones', () => {
    const ids = Array.from({ length: 10_050 }, (_, i) => `u${i}`);
    const wide = buildReferenceProfile({ data: asTable(new Map([['user', str(ids)]]), 'ref.csv'), createdAt: 't' });
    const report = checkQuality(wide, asTable(new Map([['user', str(['u10049', 'somebody-else'])]]), 'cur.csv'), { requiredColumns: ['user'] });
    assert.deepEqual(report.newCategories, []);
  });

  it('lists at most 20 new categories, the most frequent first', () => {
    const small = buildReferenceProfile({ data: asTable(new Map([['c', str(['a', 'b'])]]), 'ref.csv'), createdAt: 't' });
    const values = ['a', ...Array.from({ length: 25 }, (_, i) => `n${String(i).padStart(2, '0')}`), 'n24', 'n24', 'n03'];
    const report = checkQuality(small, asTable(new Map([['c', str(values)]]), 'cur.csv'), { requiredColumns: ['c'] });
    const found = report.newCategories[0]!;
    assert.equal(found.count, 25);
    assert.equal(found.rows, 28);
    assert.equal(found.categories.length, 20);
    assert.deepEqual(found.categories.slice(0, 3), ['n24', 'n03', 'n00']);
    // Both reference categories were seen once: any next value may be new (Good–Turing), so a
    // reference of two rows cannot tell a new category from chance.
    assert.equal(found.alarm, false);
    assert.match(
      report.issues[0]!.message,
      /^column c: 25 new categories \(n24, n03, n00, n01, n02, …\) in 96\.6% of rows \(29 rows expected by chance, p = 0\.59\d*\)$/,
    );
    assert.equal(report.issues[0]!.severity, 'info');
  });

  it('judges new categories by how many the reference left unseen (Good–Turing)', () => {
    // 1000 reference rows over 10 categories, none seen once: unseen categories are rare.
    const common = buildReferenceProfile({
      data: asTable(new Map([['c', str(Array.from({ length: 1000 }, (_, i) => `k${i % 10}`))]]), 'ref.csv'),
      createdAt: 't',
    });
    const window = (newRows: number) =>
      str([...Array.from({ length: 500 - newRows }, (_, i) => `k${i % 10}`), ...Array.from({ length: newRows }, (_, i) => `x${i}`)]);
    const quiet = checkQuality(common, asTable(new Map([['c', window(1)]]), 'cur.csv'), { requiredColumns: ['c'] }).newCategories[0]!;
    assert.equal(quiet.alarm, false, 'one unseen value in 500 rows is chance');
    const loud = checkQuality(common, asTable(new Map([['c', window(10)]]), 'cur.csv'), { requiredColumns: ['c'] }).newCategories[0]!;
    assert.equal(loud.alarm, true, '10 of 500 rows (2%) with unseen values is not');
    // 1000 reference rows, 400 of them singletons (an id-like column): unseen values are expected.
    const idLike = buildReferenceProfile({
      data: asTable(new Map([['c', str(Array.from({ length: 1000 }, (_, i) => (i < 400 ? `u${i}` : `k${i % 10}`)))]]), 'ref.csv'),
      createdAt: 't',
    });
    const ids = checkQuality(idLike, asTable(new Map([['c', window(200)]]), 'cur.csv'), { requiredColumns: ['c'] }).newCategories[0]!;
    assert.ok(Math.abs(ids.expected! - (500 * 401) / 1001) < 1e-9);
    assert.equal(ids.alarm, false, '40% unseen where Good–Turing expects 40%');
  });

  it('refuses tolerances outside [0, 1]', () => {
    const current = asTable(customers(10, 6), 'window.csv');
    assert.throws(() => checkQuality(ref, current, { requiredColumns: REQUIRED, nullRateIncrease: -0.1 }), RangeError);
    assert.throws(() => checkQuality(ref, current, { requiredColumns: REQUIRED, outOfRangeShare: 2 }), RangeError);
  });

  it('formats shares as percentages people can read', () => {
    assert.equal(formatPercent(0), '0%');
    assert.equal(formatPercent(0.031), '3.1%');
    assert.equal(formatPercent(0.00004), '0.004%');
    assert.equal(formatPercent(0.99996), '99.996%');
    assert.equal(formatPercent(1), '100.0%');
  });

  it('judges values outside the range against what a sample of that size shows by chance', () => {
    // 300 reference values 0..299; 300 current values, 3 above: 2·300/301 ≈ 2 are expected by chance.
    const reference = buildReferenceProfile({ data: asTable(new Map([['x', num(Array.from({ length: 300 }, (_, i) => i))]]), 'ref.csv'), createdAt: 't' });
    const current = (above: number) => asTable(new Map([['x', num(Array.from({ length: 300 }, (_, i) => (i < above ? 300 + i : i * 0.997)))]]), 'cur.csv');
    const chance = checkQuality(reference, current(3), { requiredColumns: ['x'] });
    assert.equal(chance.outOfRange.length, 1);
    assert.equal(chance.outOfRange[0]!.alarm, false);
    assert.ok(Math.abs(chance.outOfRange[0]!.expected! - 600 / 301) < 1e-12);
    assert.ok(Math.abs(chance.outOfRange[0]!.pValue! - 0.3119) < 1e-3, `p ${chance.outOfRange[0]!.pValue}`);
    assert.deepEqual(
      chance.issues.map((i) => i.severity),
      ['info'],
    );
    const shifted = checkQuality(reference, current(30), { requiredColumns: ['x'] });
    assert.equal(shifted.outOfRange[0]!.alarm, true);
    assert.deepEqual(
      shifted.issues.map((i) => i.severity),
      ['warning'],
    );
    assert.throws(() => checkQuality(reference, current(3), { requiredColumns: ['x'], outOfRangeAlpha: 0 }), /outOfRangeAlpha/);
  });
});

describe('quality rules judged against chance', () => {
  const profileOf = (columns: Map<string, Column>) => buildReferenceProfile({ data: asTable(columns, 'ref.csv'), createdAt: 't' });
  const warned = (report: QualityReport, column: string) => report.issues.some((i) => i.severity === 'warning' && i.column === column);

  it('does not call a window constant when chance gives it: 2 values in 900 reference rows, one of them once', () => {
    // The case of the issue: nearly always one value, constant in a 200-row window most of the time.
    const ref = profileOf(new Map([['flag', str(Array.from({ length: 900 }, (_, i) => (i === 17 ? 'b' : 'a')))]]));
    const report = checkQuality(ref, asTable(new Map([['flag', str(Array.from({ length: 200 }, () => 'a'))]]), 'w.csv'), { requiredColumns: [] });
    const [entry] = report.constantColumns;
    // P(the one 'b' of the pool of 1100 falls in the reference) = 900/1100.
    assert.ok(Math.abs(entry!.pValue! - 900 / 1100) < 1e-12, String(entry!.pValue));
    assert.equal(entry!.alarm, false);
    assert.ok(!warned(report, 'flag'));
    assert.ok(report.issues.some((i) => i.severity === 'info' && i.column === 'flag' && i.message.includes('(p = 0.818182 by chance)')));
  });

  it('still warns when a column with two common values turns constant, or constant at a value never seen', () => {
    const ref = profileOf(new Map([['flag', str(Array.from({ length: 900 }, (_, i) => (i % 10 === 0 ? 'b' : 'a')))]]));
    const window = (v: string, n: number) => asTable(new Map([['flag', str(Array.from({ length: n }, () => v))]]), 'w.csv');
    // 90 'b' of 900: all 200 window values 'a' has chance ≈ 0.9^200.
    const a = checkQuality(ref, window('a', 200), { requiredColumns: [] });
    assert.ok(a.constantColumns[0]!.pValue! < 1e-8 && warned(a, 'flag'));
    // Constant at 'b' is rarer still; at a value never seen rarest.
    assert.ok(warned(checkQuality(ref, window('b', 200), { requiredColumns: [] }), 'flag'));
    assert.ok(warned(checkQuality(ref, window('z', 50), { requiredColumns: [] }), 'flag'));
    // 20 rows of 'a' happen by chance (0.9^20 ≈ 0.12): information.
    assert.ok(!warned(checkQuality(ref, window('a', 20), { requiredColumns: [] }), 'flag'));
  });

  it('warns about a null-rate rise only beyond chance (Fisher) and above the tolerated increase', () => {
    const ref = profileOf(new Map([['x', num(Array.from({ length: 900 }, (_, i) => (i % 10 < 3 ? null : i)))]]));
    const window = (nulls: number, n: number) => asTable(new Map([['x', num(Array.from({ length: n }, (_, i) => (i < nulls ? null : i)))]]), 'w.csv');
    // 21 of 50 null where 30% were: +12 points, what 50 rows give by chance every so often.
    const small = checkQuality(ref, window(21, 50), { requiredColumns: [] });
    assert.equal(small.nullRateIncreases.length, 1);
    assert.ok(small.nullRateIncreases[0]!.pValue! > 0.05, String(small.nullRateIncreases[0]!.pValue));
    assert.equal(small.nullRateIncreases[0]!.alarm, false);
    assert.ok(!warned(small, 'x'));
    // 40 of 50: no chance.
    const big = checkQuality(ref, window(40, 50), { requiredColumns: [] });
    assert.ok(big.nullRateIncreases[0]!.pValue! < 1e-6 && warned(big, 'x'));
  });

  it('does not call a window of integral values a type change when the reference had few fractional ones', () => {
    // 9 of 900 reference values are fractional: a window whose values are all integral reads as int.
    const ref = profileOf(new Map([['x', num(Array.from({ length: 900 }, (_, i) => (i % 100 === 0 ? i + 0.5 : i % 50)))]]));
    const window = (n: number) =>
      asTable(
        new Map([
          [
            'x',
            num(
              Array.from({ length: n }, (_, i) => i % 50),
              'int',
            ),
          ],
        ]),
        'w.csv',
      );
    const small = checkQuality(ref, window(100), { requiredColumns: [] });
    assert.equal(small.typeChanges.length, 1);
    // All 9 fractional values of the pool of 1000 fell in the reference: C(900, 9) / C(1000, 9).
    let expected = 1;
    for (let i = 0; i < 9; i++) expected *= (900 - i) / (1000 - i);
    assert.ok(Math.abs(small.typeChanges[0]!.pValue! - expected) < 1e-12, String(small.typeChanges[0]!.pValue));
    assert.ok(!warned(small, 'x'));
    // 5000 integral values in a row: the 9 of the pool would all have landed in the reference by chance ≈ (900/5900)^9.
    const big = checkQuality(ref, window(5000), { requiredColumns: [] });
    assert.ok(big.typeChanges[0]!.pValue! < 1e-6 && warned(big, 'x'));
    // Counts scaled from a sample may round past their total: taken as the total, not an error.
    assert.equal(typeChance(100, 101, 50, 0), typeChance(100, 100, 50, 0));
    assert.equal(typeChance(100, 0, 50, 51), typeChance(100, 0, 50, 50));
  });
});
