import assert from 'node:assert/strict';
import { dataWindow, fillTemplate } from '../../engine/data/window.js';

describe('the data window', function () {
  it('covers the whole days before the scheduled time', function () {
    const w = dataWindow({ template: 'file:///d/{date}.csv', end: new Date('2026-11-25T06:00:00Z'), days: 3, timezone: 'UTC' });
    assert.deepEqual(
      w.days.map((d) => d.date),
      ['2026-11-22', '2026-11-23', '2026-11-24'],
    );
    assert.equal(w.days[0]!.uri, 'file:///d/2026-11-22.csv');
    assert.equal(w.end, '2026-11-25T06:00:00.000Z');
  });

  it('uses the calendar of the schedule time zone', function () {
    // 02:00 UTC on the 25th is still the 24th in New York.
    const w = dataWindow({ template: '{date}', end: new Date('2026-11-25T02:00:00Z'), days: 2, timezone: 'America/New_York' });
    assert.deepEqual(
      w.days.map((d) => d.date),
      ['2026-11-22', '2026-11-23'],
    );
  });

  it('crosses month and year boundaries', function () {
    const w = dataWindow({ template: '{yyyy}/{mm}/{dd}.parquet', end: new Date('2026-01-02T00:00:00Z'), days: 3, timezone: 'UTC' });
    assert.deepEqual(
      w.days.map((d) => d.uri),
      ['2025/12/30.parquet', '2025/12/31.parquet', '2026/01/01.parquet'],
    );
  });

  it('reads an undated source as one file', function () {
    const w = dataWindow({ template: 'file:///d/latest.csv', end: new Date('2026-11-25T06:00:00Z'), days: 7, timezone: 'UTC' });
    assert.equal(w.days.length, 1);
    assert.equal(w.days[0]!.uri, 'file:///d/latest.csv');
  });

  it('refuses an unknown time zone', function () {
    assert.throws(() => dataWindow({ template: '{date}', end: new Date(), days: 1, timezone: 'Mars/Olympus' }), /unknown time zone Mars\/Olympus/);
  });

  it('fills every placeholder', function () {
    assert.equal(fillTemplate('s/{yyyy}-{mm}-{dd}/{date}', '2026-02-03'), 's/2026-02-03/2026-02-03');
  });

  it('ends a training window where its holdout begins when told to skip the most recent days', function () {
    const holdout = dataWindow({ template: '{date}', end: new Date('2026-11-25T06:00:00Z'), days: 2, timezone: 'UTC' });
    const training = dataWindow({ template: '{date}', end: new Date('2026-11-25T06:00:00Z'), days: 3, timezone: 'UTC', skipDays: 2 });
    assert.deepEqual(
      holdout.days.map((d) => d.date),
      ['2026-11-23', '2026-11-24'],
    );
    assert.deepEqual(
      training.days.map((d) => d.date),
      ['2026-11-20', '2026-11-21', '2026-11-22'],
    );
    assert.throws(
      () => dataWindow({ template: 'file:///d/all.csv', end: new Date('2026-11-25T06:00:00Z'), days: 3, timezone: 'UTC', skipDays: 2 }),
      /no \{date\}/,
    );
  });
});
