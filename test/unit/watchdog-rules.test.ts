import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../engine/config/load.js';
import { isUpkeepError } from '../../engine/errors.js';
import { parseDirectory, readDirectory } from '../../engine/watchdog/directory.js';
import type { AuditEntry } from '../../domain/maintenance.js';
import { failingSince, openApprovals, overdueSince, pausedTooLongSince, staleSince } from '../../domain/watchdog-rules.js';
import { cronIntervalMs as cronGapMs, scheduleIntervalMs } from '../../domain/staleness.js';
import { modelYaml } from '../helpers/config-text.js';

const H = 3_600_000;
const D = 24 * H;
const iso = (ms: number): string => new Date(ms).toISOString();
const T0 = Date.parse('2026-11-01T06:00:00Z');

function directoryError(text: string): string {
  try {
    parseDirectory(text, 'people.yaml');
  } catch (err) {
    assert.ok(isUpkeepError(err, 'InvalidConfig'), String(err));
    return err.message;
  }
  assert.fail('expected the directory to be refused');
}

const entry = (id: string, at: string, kind: AuditEntry['kind'], run: string, details?: Record<string, unknown>): AuditEntry => ({
  id,
  modelId: 'churn',
  at,
  kind,
  summary: `${kind} ${id}`,
  workflowId: `upkeep-retrain-churn`,
  runId: run,
  ...(details ? { details } : {}),
});

describe('watchdog rules', function () {
  describe("a schedule's interval", function () {
    it('is the every duration, or the longest gap between two fire times of the cron expression', function () {
      assert.equal(scheduleIntervalMs({ every: '2h' }), 2 * H);
      assert.equal(cronGapMs('0 6 * * *'), D);
      assert.equal(cronGapMs('@hourly'), H);
      assert.equal(cronGapMs('*/15 * * * *'), 15 * 60_000);
      // twice a day, unevenly: the longer gap (17:00 → 09:00)
      assert.equal(cronGapMs('0 9,17 * * *'), 16 * H);
      // weekdays: Friday 06:00 → Monday 06:00
      assert.equal(cronGapMs('0 6 * * 1-5'), 3 * D);
      // monthly on the 1st: the longest month
      assert.equal(cronGapMs('0 0 1 * *'), 31 * D);
      // the 29th of February: eight years at the longest (2096 → 2104: 2100 is no leap year)
      assert.equal(cronGapMs('0 0 29 2 *'), (7 * 365 + 366) * D);
      assert.equal(scheduleIntervalMs({ cron: '30 7 * * mon' }), 7 * D);
    });
  });

  describe('stale', function () {
    it('is stale only strictly after twice the interval since the last evaluation that watched', function () {
      const last = iso(T0);
      assert.equal(staleSince({ lastWatchedAt: last, now: iso(T0 + 2 * D), intervalMs: D }), undefined);
      assert.equal(staleSince({ lastWatchedAt: last, now: iso(T0 + 2 * D + 1), intervalMs: D }), iso(T0 + 2 * D));
      // the last evaluation counts, not when the model was born
      assert.equal(staleSince({ lastWatchedAt: last, bornAt: iso(T0 - 100 * D), now: iso(T0 + D), intervalMs: D }), undefined);
    });

    it('judges a model never evaluated by its age, and one of unknown age not at all', function () {
      assert.equal(staleSince({ bornAt: iso(T0), now: iso(T0 + 2 * H), intervalMs: H }), undefined);
      assert.equal(staleSince({ bornAt: iso(T0), now: iso(T0 + 3 * H), intervalMs: H }), iso(T0 + 2 * H));
      assert.equal(staleSince({ now: iso(T0 + 1000 * D), intervalMs: H }), undefined);
    });
  });

  describe('failures in a row', function () {
    const at = (d: number): string => iso(T0 + d * D);
    it('needs the latest n outcomes all failed, whatever order they come in', function () {
      const outcomes = [
        { at: at(3), failed: true },
        { at: at(1), failed: false },
        { at: at(4), failed: true },
        { at: at(2), failed: true },
      ];
      assert.equal(failingSince(outcomes, 3), at(2));
      assert.equal(failingSince(outcomes, 4), undefined);
      assert.equal(failingSince([...outcomes, { at: at(5), failed: false }], 3), undefined);
      assert.equal(failingSince(outcomes.slice(0, 1), 3), undefined, 'fewer outcomes than n are not a run of n');
    });
  });

  describe('approvals', function () {
    it('keeps a request open until a decision on its gate or an expiry of its run', function () {
      const log = [
        entry('1', iso(T0), 'approval-requested', 'run-a', { gate: 'retrain' }),
        entry('2', iso(T0 + H), 'decision', 'run-a', { gate: 'retrain' }),
        entry('3', iso(T0 + 2 * H), 'approval-requested', 'run-a', { gate: 'promote' }),
        entry('4', iso(T0), 'approval-requested', 'run-b', { gate: 'retrain' }),
        // a decision of another run closes nothing of run-b
        entry('5', iso(T0 + 3 * H), 'decision', 'run-c', { gate: 'retrain' }),
        entry('6', iso(T0), 'approval-requested', 'run-d', { gate: 'retrain' }),
        entry('7', iso(T0 + D), 'expired', 'run-d'),
      ];
      const open = openApprovals(log)
        .map((a) => `${a.runId}/${a.gate}`)
        .sort();
      assert.deepEqual(open, ['run-a/promote', 'run-b/retrain']);
    });

    it('is overdue strictly after escalate_after', function () {
      const a = { requestedAt: iso(T0) };
      assert.equal(overdueSince(a, '3d', iso(T0 + 3 * D)), undefined);
      assert.equal(overdueSince(a, '3d', iso(T0 + 3 * D + 1000)), iso(T0 + 3 * D));
    });
  });

  it('finds a schedule paused longer than allowed', function () {
    assert.equal(pausedTooLongSince(iso(T0), '7d', iso(T0 + 7 * D)), undefined);
    assert.equal(pausedTooLongSince(iso(T0), '7d', iso(T0 + 8 * D)), iso(T0));
  });

  describe('the directory of current people', function () {
    it('reads people: [...] or a bare list, in YAML or JSON', function () {
      assert.deepEqual([...parseDirectory('people: [a@x.org, " b@x.org "]\n', 'people.yaml')], ['a@x.org', 'b@x.org']);
      assert.deepEqual([...parseDirectory('["a@x.org"]', 'people.json')], ['a@x.org']);
      assert.deepEqual([...parseDirectory('- a@x.org\n- c@x.org\n', 'people.yaml')], ['a@x.org', 'c@x.org']);
    });

    it('refuses a malformed file with an error naming it and the entry', function () {
      assert.match(directoryError('people: [a@x.org'), /^people\.yaml: not valid YAML or JSON: /);
      assert.equal(directoryError('people: a@x.org'), 'people.yaml: expected a list of people ids, e.g. people: [a@example.com, b@example.com]');
      assert.equal(directoryError(''), 'people.yaml: expected a list of people ids, e.g. people: [a@example.com, b@example.com]');
      assert.equal(directoryError('staff: [a@x.org]'), 'people.yaml: expected a list of people ids, e.g. people: [a@example.com, b@example.com]');
      assert.equal(directoryError('people: [a@x.org, { id: b }]'), 'people.yaml: people[1]: expected a person\'s id (a non-empty string), not {"id":"b"}');
      assert.equal(directoryError('people: [a@x.org, ""]'), 'people.yaml: people[1]: expected a person\'s id (a non-empty string), not ""');
    });

    it('names the file it cannot read', async function () {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-directory-'));
      try {
        await assert.rejects(
          readDirectory(path.join(dir, 'people.yaml')),
          (err: unknown) => isUpkeepError(err, 'InvalidConfig') && /people\.yaml/.test(err.message),
        );
        writeFileSync(path.join(dir, 'people.yaml'), 'people: 7\n');
        await assert.rejects(readDirectory(path.join(dir, 'people.yaml')), /^UpkeepError: watchdog\.directory people\.yaml: expected a list of people ids/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('the watchdog section of upkeep.yaml', function () {
    const model = modelYaml();
    const parse = (text: string) => parseConfig(text, { name: 'upkeep.yaml', baseDir: '/srv/upkeep' });

    it("has defaults, and resolves the directory against the config's folder", function () {
      assert.deepEqual(parse(`models:${model}`).watchdog, {
        schedule: { every: '1d', timezone: 'UTC', jitter: '0s', paused: false },
        paused_longer_than: '7d',
        failures_in_a_row: 3,
        platform: [],
      });
      const w = parse(
        `watchdog: { schedule: { cron: "0 7 * * 1-5", timezone: Europe/Berlin }, directory: people.yaml, platform: [ops@x.org] }\nmodels:${model}`,
      ).watchdog;
      assert.equal(w.directory, '/srv/upkeep/people.yaml');
      assert.equal(w.schedule.cron, '0 7 * * 1-5');
      assert.deepEqual(w.platform, ['ops@x.org']);
    });

    it('refuses bad values with the field named', function () {
      assert.throws(() => parse(`watchdog: { failures_in_a_row: 0 }\nmodels:${model}`), /upkeep\.yaml: watchdog\.failures_in_a_row/);
      assert.throws(() => parse(`watchdog: { paused_longer_than: soon }\nmodels:${model}`), /upkeep\.yaml: watchdog\.paused_longer_than.*duration/);
      assert.throws(() => parse(`watchdog: { schedule: { every: 1d, cron: "@daily" } }\nmodels:${model}`), /watchdog\.schedule.*exactly one of every or cron/);
      assert.throws(() => parse(`watchdog: { owner: me }\nmodels:${model}`), /watchdog/);
    });
  });
});
