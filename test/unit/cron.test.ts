import assert from 'node:assert/strict';
import { cronDays, cronHasNextRun, longestDayGap, cronProblem, isKnownTimeZone, parseCron } from '../../domain/cron.js';

describe('cron expressions checked at load', function () {
  it('accepts the usual forms: lists, ranges, steps, names, macros', function () {
    for (const ok of [
      '0 6 * * *',
      '*/15 * * * *',
      '0 9-17/2 * * mon-fri',
      '30 7 1,15 * *',
      '0 0 29 2 *',
      '0 0 * jan,jul sun',
      '0 0 31 * *',
      '@daily',
      '@hourly',
      '0 0 * * 7',
    ]) {
      assert.equal(cronProblem(ok), undefined, ok);
    }
  });

  it('names the field at fault in a malformed expression', function () {
    assert.match(cronProblem('0 6 * *')!, /malformed cron "0 6 \* \*": expected 5 fields/);
    assert.match(cronProblem('61 6 * * *')!, /minute: 61 is outside 0-59/);
    assert.match(cronProblem('0 25 * * *')!, /hour: 25 is outside 0-23/);
    assert.match(cronProblem('0 6 * * funday')!, /day of week: "funday" is not a number/);
    assert.match(cronProblem('*/0 * * * *')!, /minute: step "0" must be a whole number/);
    assert.match(cronProblem('0 6 5-1 * *')!, /day of month: range 5-1 runs backwards/);
    assert.match(cronProblem('@sometimes')!, /unknown cron macro/);
    assert.match(cronProblem('0 0 ? * *')!, /day of month: "\?" is not a number/);
  });

  it('refuses a schedule that can never fire', function () {
    assert.match(cronProblem('0 0 30 2 *')!, /never fires/);
    assert.match(cronProblem('0 0 31 4,6,9,11 *')!, /never fires/);
    // Temporal requires both day fields to match: Friday the 13th fires, Monday 31 February never
    assert.equal(cronHasNextRun(parseCron('0 0 13 * 5')), true);
    assert.match(cronProblem('0 0 31 2 1')!, /never fires/);
  });

  it('finds a date and weekday pair however rare: 29 February on a Monday (2044) fires', function () {
    assert.equal(cronProblem('0 0 29 2 1'), undefined);
    assert.equal(cronProblem('0 0 29 feb mon-fri'), undefined);
    // every weekday of 29 February occurs within one 400-year cycle
    for (let dow = 0; dow < 7; dow++) assert.equal(cronHasNextRun(parseCron(`0 0 29 2 ${dow}`)), true, `29 February, day ${dow}`);
    const days = [...cronDays(parseCron('0 0 29 2 1'), 2000)].map((t) => new Date(t).toISOString().slice(0, 10));
    assert.deepEqual(days.slice(0, 3), ['2016-02-29', '2044-02-29', '2072-02-29']);
    assert.ok(days.every((d) => new Date(d).getUTCDay() === 1));
  });

  it('finds the longest gap between matching days exactly, as a walk over every day of the cycle would', function () {
    const walk = (expr: string): number | undefined => {
      const days = [...cronDays(parseCron(expr))].map((t) => t / 86_400_000);
      if (days.length === 0) return undefined;
      let gap = days[0]! + 146_097 - days.at(-1)!;
      for (let i = 1; i < days.length; i++) gap = Math.max(gap, days[i]! - days[i - 1]!);
      return gap;
    };
    for (const e of [
      '0 0 * * *',
      '0 6 * * 1-5',
      '0 0 29 2 1',
      '0 0 29 2 *',
      '0 0 13 * 5',
      '0 0 31 * *',
      '0 0 1 1 *',
      '0 0 29 2 0',
      '0 0 30 2 *',
      '0 0 * 2 *',
      '0 0 1,15 * 3',
    ]) {
      assert.equal(longestDayGap(parseCron(e)), walk(e), e);
    }
    assert.equal(longestDayGap(parseCron('0 0 29 2 1')), 40 * 365 + 9, '2072 → 2112');
  });

  it('decides quickly, even for expressions that never fire', function () {
    const t0 = performance.now();
    const es = ['0 0 30 2 *', '0 0 31 2 1', '0 0 31 4,6,9,11 *', '0 0 29 2 1', '* * * * *', '0 6 * * 1-5'];
    for (const e of es) cronProblem(e);
    for (const e of es.slice(3)) longestDayGap(parseCron(e));
    assert.ok(performance.now() - t0 < 100, `${performance.now() - t0} ms`);
  });

  it('knows IANA time zones', function () {
    assert.equal(isKnownTimeZone('Europe/Berlin'), true);
    assert.equal(isKnownTimeZone('UTC'), true);
    assert.equal(isKnownTimeZone('Mars/Olympus_Mons'), false);
  });
});
