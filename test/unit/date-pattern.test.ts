import assert from 'node:assert/strict';
import { datePatternHint, namePattern } from '../../engine/data/date-pattern.js';

describe('the date pattern a data folder suggests', function () {
  it('reads year-first dates in file names as patterns', function () {
    assert.deepEqual(namePattern('20261120.csv'), { pattern: '{yyyy}{mm}{dd}.csv', date: '2026-11-20' });
    assert.deepEqual(namePattern('sales_2026-11-20.parquet'), { pattern: 'sales_{date}.parquet', date: '2026-11-20' });
    assert.deepEqual(namePattern('2026_11_20.csv'), { pattern: '{yyyy}_{mm}_{dd}.csv', date: '2026-11-20' });
    assert.equal(namePattern('notes.txt'), undefined);
    assert.equal(namePattern('20261320.csv'), undefined); // month 13
  });

  it("suggests the folder's most common naming when the template matches no file", function () {
    const hint = datePatternHint('file:///srv/data/{date}.csv', ['20261118.csv', '20261119.csv', '20261120.csv', 'README.md', '2026-01-01-old.csv']);
    assert.equal(hint, 'no file matches {date}.csv in /srv/data/, which holds 3 files named like 20261118.csv — did you mean data.uri …/{yyyy}{mm}{dd}.csv?');
    assert.match(datePatternHint('file:///srv/data/{date}.csv', ['2026-11-20.parquet'])!, /did you mean data\.uri …\/\{date\}\.parquet\?$/);
  });

  it('reads day-first and month-first dates (year last) too', function () {
    assert.deepEqual(namePattern('20-11-2026.csv'), { pattern: '{dd}-{mm}-{yyyy}.csv', date: '2026-11-20' });
    assert.deepEqual(namePattern('sales_20112026.parquet'), { pattern: 'sales_{dd}{mm}{yyyy}.parquet', date: '2026-11-20' });
    assert.deepEqual(namePattern('11-20-2026.csv', { monthFirst: true }), { pattern: '{mm}-{dd}-{yyyy}.csv', date: '2026-11-20' });
    assert.equal(namePattern('11-20-2026.csv'), undefined, 'day first, 20 is no month');
    assert.equal(
      datePatternHint('file:///srv/data/{date}.csv', ['18-11-2026.csv', '19-11-2026.csv', '20-11-2026.csv']),
      'no file matches {date}.csv in /srv/data/, which holds 3 files named like 18-11-2026.csv — did you mean data.uri …/{dd}-{mm}-{yyyy}.csv?',
    );
    // One name whose second number is above 12 shows the folder is month first.
    assert.match(
      datePatternHint('file:///srv/data/{date}.csv', ['11-09-2026.csv', '11-10-2026.csv', '11-20-2026.csv'])!,
      /named like 11-09-2026\.csv — did you mean data\.uri …\/\{mm\}-\{dd\}-\{yyyy\}\.csv\?$/,
    );
  });

  it('points at the window when the files are named right but for other days', function () {
    assert.equal(
      datePatternHint('file:///srv/data/{yyyy}-{mm}-{dd}.csv', ['2026-11-19.csv', '2026-11-20.csv']),
      '/srv/data/ holds 2 files named like {yyyy}-{mm}-{dd}.csv, the newest for 2026-11-20: does the window end at the right time?',
    );
  });

  it('says nothing without dated files, or for a template with dates in its folders', function () {
    assert.equal(datePatternHint('file:///srv/data/{date}.csv', ['README.md']), undefined);
    assert.equal(datePatternHint('file:///srv/data/{date}.csv', []), undefined);
    assert.equal(datePatternHint('file:///srv/{yyyy}/{mm}/{dd}.csv', ['20261120.csv']), undefined);
    assert.equal(datePatternHint('file:///srv/data/latest.csv', ['20261120.csv']), undefined);
  });
});
