import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { stringify } from 'yaml';
import { parseConfig } from '../../engine/config/load.js';
import { isUpkeepError } from '../../engine/errors.js';
import type { EvaluationReport } from '../../engine/evaluation/report.js';
import type { ChampionPointer } from '../../engine/registry/types.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { championKey, auditEntryKey, reportKeys, watchdogReportKey } from '../../engine/store/keys.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import type { UpkeepConfig } from '../../domain/config.js';
import type { AuditEntry } from '../../domain/maintenance.js';
import { cronIntervalMs, scheduleIntervalMs, staleness } from '../../domain/staleness.js';
import type { WatchdogReport } from '../../domain/watchdog.js';
import { fleetStatus } from '../../cli/status/fleet.js';
import { cut, fitWidths, renderFleetTable, renderModelDetail, shortDuration, TABLE_HEADER } from '../../cli/status/table.js';
import { metricTrend, trendArrow } from '../../cli/status/trend.js';
import type { FleetStatus, ModelStatus } from '../../cli/status/types.js';
import { localeIsUtf8 } from '../../cli/commands/status.js';
import { fleetPage } from '../../cli/web/pages.js';
import { demoModel } from '../helpers/demo-workspace.js';

const H = 3_600_000;
const D = 24 * H;

describe('fleet status: schedule intervals and staleness', () => {
  it('takes a fixed interval from every', () => {
    assert.equal(scheduleIntervalMs({ every: '5m' }), 5 * 60_000);
  });

  it('takes the longest gap between two firings of a cron expression', () => {
    assert.equal(cronIntervalMs('0 6 * * *'), D);
    assert.equal(cronIntervalMs('*/15 * * * *'), 15 * 60_000);
    assert.equal(cronIntervalMs('0 9,17 * * *'), 16 * H, 'from 17:00 to 09:00 the next day');
    assert.equal(cronIntervalMs('0 6 * * 1-5'), 3 * D, 'Friday 06:00 to Monday 06:00');
    assert.equal(cronIntervalMs('@monthly'), 31 * D);
    assert.equal(cronIntervalMs('@yearly'), 366 * D, 'a leap year');
    assert.equal(cronIntervalMs('0 0 29 2 *'), (7 * 365 + 366) * D, '29 February: eight years across 2100, which is no leap year');
    // 29 February on a Monday: 2016, 2044, 2072, then 2112 (2100 is no leap year): 40 years at the longest
    assert.equal(cronIntervalMs('0 0 29 2 1'), Date.UTC(2112, 1, 29) - Date.UTC(2072, 1, 29));
    assert.equal(scheduleIntervalMs({ cron: '@hourly' }), H);
  });

  it('is fresh within the interval (plus jitter and a tenth), late after it, stale after twice it', () => {
    assert.equal(staleness(undefined, D), 'never');
    assert.equal(staleness(0, D), 'fresh');
    assert.equal(staleness(D + 2 * H, D), 'fresh', 'a tenth of a day is 2.4h of slack');
    assert.equal(staleness(D + 3 * H, D), 'late');
    assert.equal(staleness(D + 3 * H, D, H), 'fresh', 'jitter adds to the slack');
    assert.equal(staleness(2 * D, D), 'late', 'exactly twice is not yet stale');
    assert.equal(staleness(2 * D + 1, D), 'stale');
  });
});

describe('fleet status: trend of the primary metric', () => {
  it('calls a rise of a score better and a rise of an error metric worse', () => {
    assert.deepEqual(metricTrend('roc_auc', 0.8, 0.75), { direction: 'up', better: true, previous: 0.75, delta: 0.8 - 0.75 });
    assert.equal(metricTrend('roc_auc', 0.7, 0.75).better, false);
    assert.equal(metricTrend('rmse', 2.5, 2).direction, 'up');
    assert.equal(metricTrend('rmse', 2.5, 2).better, false);
    assert.equal(metricTrend('rmse', 1.5, 2).better, true);
  });

  it('is flat when the move does not show at 4 decimals, unknown without two values', () => {
    assert.equal(metricTrend('roc_auc', 0.80001, 0.8).direction, 'flat');
    assert.equal(metricTrend('roc_auc', 0.8, null).direction, 'unknown');
    assert.equal(metricTrend('roc_auc', null, 0.8).direction, 'unknown');
  });

  it('draws arrows, or ASCII when the terminal is not UTF-8', () => {
    assert.deepEqual(
      ['up', 'down', 'flat'].map((d) => trendArrow(d as 'up')),
      ['↑', '↓', '→'],
    );
    assert.deepEqual(
      ['up', 'down', 'flat'].map((d) => trendArrow(d as 'up', false)),
      ['^', 'v', '='],
    );
    assert.equal(localeIsUtf8({ LANG: 'en_US.UTF-8' }), true);
    assert.equal(localeIsUtf8({ LANG: 'C' }), false);
    assert.equal(localeIsUtf8({ LC_ALL: 'POSIX', LANG: 'en_US.UTF-8' }), false, 'LC_ALL wins');
    assert.equal(localeIsUtf8({}), true);
  });
});

const NOW = new Date('2026-06-10T12:00:00.000Z');

function model(id: string, over: Partial<ModelStatus> = {}): ModelStatus {
  return {
    id,
    owner: `${id}-owner@example.com`,
    approvers: ['lead@example.com'],
    task: 'binary',
    schedule: { declared: 'cron "0 6 * * *" UTC', intervalMs: D },
    champion: { version: 'abcdef012345', source: 'config' },
    lastEvaluation: {
      windowEnd: '2026-06-10T06:00:00.000Z',
      verdict: 'healthy',
      reasons: ['roc_auc 0.8100 ≥ 0.72'],
      metric: 'roc_auc',
      value: 0.81,
      trend: metricTrend('roc_auc', 0.81, 0.79),
      rows: 1200,
      version: 'abcdef012345',
      reportUri: 'file:///store/reports/x.json',
    },
    recent: [],
    staleness: { state: 'fresh', ageMs: 6 * H, intervalMs: D, lastLookedAt: '2026-06-10T06:00:00.000Z' },
    scheduleState: { scheduleId: `upkeep-evaluate-${id}`, state: 'active', nextRun: '2026-06-11T06:00:00.000Z' },
    pendingApprovals: [],
    maintenance: [],
    findings: [],
    unknown: [],
    problems: [],
    ...over,
  };
}

function fleet(models: ModelStatus[], over: Partial<FleetStatus> = {}): FleetStatus {
  return {
    at: NOW.toISOString(),
    server: { reachable: true },
    watchdog: null,
    models,
    totals: { models: models.length, byVerdict: {}, byStaleness: {}, pendingApprovals: 0, findings: 0 },
    ...over,
  };
}

describe('fleet status: the table', () => {
  const waiting = model('fraud-detector-with-a-rather-long-name', {
    lastEvaluation: null,
    champion: { version: '0123456789ab', source: 'registry', since: '2026-06-01T00:00:00.000Z', change: 'promotion', generation: 1 },
    staleness: { state: 'never', ageMs: null, intervalMs: D, lastLookedAt: null },
    pendingApprovals: [
      {
        kind: 'retrain',
        gate: 'retrain',
        workflowId: 'upkeep-retrain-x',
        runId: 'r',
        since: '2026-06-08T12:00:00.000Z',
        waitingMs: 2 * D,
        expiresAt: '2026-06-15T12:00:00.000Z',
        overdue: false,
        approvers: ['lead@example.com'],
        reminders: 1,
        escalated: false,
      },
    ],
  });

  it('prints one line per model under the header, with the arrow, the wait and the next run', () => {
    const text = renderFleetTable(fleet([model('churn'), waiting]));
    const lines = text.split('\n');
    assert.match(lines[0]!, /^model\s+owner\s+champion\s+evaluated\s+verdict\s+primary metric\s+staleness\s+next run\s+approvals\s+findings$/);
    assert.match(lines[1]!, /^churn\s+churn-owner@example\.com\s+abcdef012345 \(config\)\s+6h ago\s+healthy\s+roc_auc 0\.8100 ↑\s+fresh\s+in 18h$/);
    assert.match(lines[2]!, /^fraud-detector-with-a-rather-long-name\s+.*0123456789ab\s+never\s+never\s+in 18h\s+retrain 2d$/);
  });

  it('says whose verdict it is when the last evaluation was of another version than the champion (just promoted)', () => {
    const promoted = model('credit', {
      champion: { version: '4d0b4e6cc7b8', source: 'registry', since: '2026-06-10T11:00:00.000Z', change: 'promotion', generation: 1 },
    });
    const line = renderFleetTable(fleet([promoted, model('churn')])).split('\n');
    assert.match(line[1]!, /^credit\s+\S+\s+4d0b4e6cc7b8\s+6h ago \(version abcdef012345\)\s+healthy\s/);
    assert.match(line[2]!, /^churn\s+\S+\s+abcdef012345 \(config\)\s+6h ago\s+healthy\s/);
    const page = String(fleetPage({ user: 'dana@example.com', csrf: 'x' }, fleet([promoted, model('churn')])));
    assert.equal(page.match(/\(version abcdef012345\)/g)?.length, 1, 'the fleet page says it of credit only');
  });

  it('cuts long cells with an ellipsis so that every line fits the terminal', () => {
    const text = renderFleetTable(fleet([model('churn'), waiting]), { width: 100 });
    const table = text.split('\n\n')[0]!.split('\n');
    for (const line of table) assert.ok([...line].length <= 100, `${line.length} > 100: ${line}`);
    assert.match(table[2]!, /^fraud-d[^ ]*… /);
    assert.ok(table[0]!.startsWith('model'));
  });

  it('cuts nothing when piped (no width)', () => {
    const text = renderFleetTable(fleet([model('churn'), waiting]));
    assert.ok(!text.includes('…'));
    assert.ok(text.includes('fraud-detector-with-a-rather-long-name'));
  });

  it('fits widths by shrinking the widest shrinkable column first, never the verdict', () => {
    const rows = [[...TABLE_HEADER], ['m'.repeat(40), 'o'.repeat(30), 'c', '6h ago', 'healthy', 'roc_auc 0.8 ↑', 'fresh', 'in 1h', '', '']];
    const natural = fitWidths(rows);
    const fitted = fitWidths(rows, natural.reduce((a, b) => a + b, 0) + 18 - 10);
    assert.equal(fitted[0], 30, 'the model column (widest) gave up 10');
    assert.equal(fitted[1], 30);
    assert.equal(fitted[4], natural[4]);
  });

  it('says ? where the server was not reachable, and prints the note', () => {
    const off = model('churn', {
      scheduleState: null,
      pendingApprovals: null,
      maintenance: null,
      unknown: ['scheduleState', 'pendingApprovals', 'maintenance'],
    });
    const text = renderFleetTable(fleet([off], { server: { reachable: false, note: 'cannot reach Temporal at 127.0.0.1:7233' } }));
    assert.match(text.split('\n')[1]!, /fresh\s+\?\s+\?$/);
    assert.match(text, /^note: cannot reach Temporal at 127\.0\.0\.1:7233$/m);
  });

  it('shows one model in detail: champion, verdict, trend, approvals', () => {
    const text = renderModelDetail(waiting, fleet([waiting]));
    assert.match(text, /champion:\s+0123456789ab \(promotion, generation 1, since 2026-06-01T00:00:00.000Z\)/);
    assert.match(text, /evaluated:\s+never/);
    assert.match(
      text,
      /approval:\s+retrain \(retrain upkeep-retrain-x\) waiting 2d since 2026-06-08T12:00:00.000Z, expires 2026-06-15T12:00:00.000Z; approvers lead@example.com; reminders 1/,
    );
    const churn = renderModelDetail(model('churn'), fleet([model('churn')]), { utf8: false });
    assert.match(churn, /metric:\s+roc_auc 0\.8100 \^ from 0\.7900 \(better\)/);
    assert.match(churn, /staleness:\s+fresh \(last looked at by an evaluation 6h ago \(2026-06-10T06:00:00\.000Z\); stale after 2d\)/);
  });

  it('marks a verdict judged on the estimate (labels not known yet), in the table and in detail', () => {
    const late = model('churn', {
      lastEvaluation: { ...model('churn').lastEvaluation!, verdict: 'degraded', basis: 'estimated', value: 0.65, reasons: ['estimated roc_auc 0.65 < 0.72'] },
    });
    const row = renderFleetTable(fleet([late]), { utf8: false }).split('\n')[1]!;
    assert.match(row, /degraded \(estimated\)\s+roc_auc ~0\.6500/);
    const detail = renderModelDetail(late, fleet([late]), { utf8: false });
    assert.match(detail, /verdict:\s+degraded \(estimated: too few labels known yet\): estimated roc_auc 0\.65 < 0\.72/);
    assert.match(detail, /metric:\s+roc_auc 0\.6500 \(estimated\)/);
    assert.doesNotMatch(renderFleetTable(fleet([model('churn')])), /estimated/);
  });

  it('writes durations short and cuts by characters', () => {
    assert.deepEqual([45_000, 20 * 60_000, 5 * H, 3 * D].map(shortDuration), ['45s', '20m', '5h', '3d']);
    assert.equal(cut('abcdef', 4), 'abc…');
    assert.equal(cut('abcdef', 6), 'abcdef');
    assert.equal(cut('abcdef', 5, false), 'ab...');
  });
});

describe('fleet status from the store', () => {
  let dir: string;
  let store: ArtifactStore;
  let config: UpkeepConfig;

  const report = (id: string, windowEnd: string, value: number | null, status: EvaluationReport['verdict']['status'], sha = 'c'.repeat(64)): EvaluationReport =>
    ({
      schema: 'upkeep.evaluation-report/v1',
      modelId: id,
      verdict: { status, reasons: [`reason of ${windowEnd}`] },
      window: { firstDay: '', lastDay: '', end: windowEnd, timezone: 'UTC' },
      model: { artifactUri: 'file:///x.onnx', sha256: sha, bytes: 1 },
      rows: 900,
      metrics: value === null ? {} : { roc_auc: value },
      workflow: { workflowId: `upkeep-evaluate-${id}`, runId: `run-${windowEnd.slice(0, 10)}`, startedAt: windowEnd },
    }) as unknown as EvaluationReport;

  const put = async (key: string, value: unknown): Promise<void> => {
    await store.put(key, JSON.stringify(value));
  };
  /** The evaluation's entry in the audit trail, as the workflow records it. */
  const logged = async (id: string, at: string, verdict: string): Promise<void> => {
    const e: AuditEntry = {
      id: `evaluation-${at.slice(0, 13)}`,
      modelId: id,
      at,
      kind: 'evaluation',
      summary: `evaluated: ${verdict}`,
      details: { verdict, windowEnd: at },
    };
    await put(auditEntryKey(e), e);
  };

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-status-'));
    config = parseConfig(
      stringify({
        version: 1,
        store: 'store',
        models: [demoModel('churn'), demoModel('fraud', { owner: 'fraud-owner@example.com', schedule: { every: '1h' } }), demoModel('late')],
      }),
      { name: 'upkeep.yaml', baseDir: dir },
    );
    store = createFileStore(pathToFileURL(path.join(dir, 'store')).href);
    // churn: three daily evaluations, the last one degraded, on the config's artifact.
    for (const [end, v, s] of [
      ['2026-06-08T06:00:00.000Z', 0.8, 'healthy'],
      ['2026-06-09T06:00:00.000Z', 0.79, 'healthy'],
      ['2026-06-10T06:00:00.000Z', 0.74, 'degraded'],
    ] as const) {
      await put(reportKeys('churn', end, `run-${end.slice(0, 10)}`).json, report('churn', end, v, s));
      await logged('churn', end, s);
    }
    // fraud: promoted, evaluated once (a failing window without metrics).
    const pointer: ChampionPointer = {
      modelId: 'fraud',
      version: 'f0f0f0f0f0f0',
      sha256: 'f0'.repeat(32),
      generation: 1,
      since: '2026-06-10T10:30:00.000Z',
      change: 'promotion',
      previous: null,
      approvals: [],
    };
    await put(championKey('fraud'), pointer);
    await put(reportKeys('fraud', '2026-06-10T11:00:00.000Z', 'r1').json, report('fraud', '2026-06-10T11:00:00.000Z', null, 'failing', 'f0'.repeat(32)));
    await logged('fraud', '2026-06-10T11:00:00.000Z', 'failing');
    // late: last looked at three days ago on a daily schedule; today's window failed, which does not count.
    await put(reportKeys('late', '2026-06-07T06:00:00.000Z', 'r').json, report('late', '2026-06-07T06:00:00.000Z', 0.8, 'healthy'));
    await logged('late', '2026-06-07T06:00:00.000Z', 'healthy');
    await logged('late', '2026-06-10T06:00:00.000Z', 'failing');
    const watchdog: WatchdogReport = {
      at: '2026-06-10T07:00:00.000Z',
      workflowId: 'upkeep-watchdog',
      runId: 'w',
      findings: [
        {
          modelId: 'late',
          kind: 'stale',
          key: 'stale',
          summary: 'late: last evaluated 3d ago',
          since: '2026-06-08T06:00:00.000Z',
          firstReportedAt: '2026-06-10T07:00:00.000Z',
          notified: ['x'],
        },
      ],
      resolved: [],
    };
    await put(watchdogReportKey, watchdog);
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('answers from the store alone: champion, last evaluation and its trend, staleness, findings; the server fields unknown', async () => {
    const s = await fleetStatus({ config, store, taskQueue: 'upkeep', now: NOW });
    assert.deepEqual(
      s.models.map((m) => m.id),
      ['churn', 'fraud', 'late'],
    );
    assert.equal(s.server.reachable, false);
    const [churn, fraud, late] = s.models as [ModelStatus, ModelStatus, ModelStatus];

    assert.deepEqual(churn.champion, { version: 'cccccccccccc', source: 'config' });
    assert.equal(churn.lastEvaluation?.verdict, 'degraded');
    assert.equal(churn.lastEvaluation?.value, 0.74);
    assert.equal(churn.lastEvaluation?.trend.direction, 'down');
    assert.equal(churn.lastEvaluation?.trend.better, false);
    assert.equal(churn.lastEvaluation?.trend.previous, 0.79);
    assert.equal(churn.lastEvaluation?.ranAt, '2026-06-10T06:00:00.000Z');
    assert.deepEqual(
      churn.recent.map((p) => p.value),
      [0.8, 0.79, 0.74],
    );
    assert.deepEqual(churn.staleness, { state: 'fresh', ageMs: 6 * H, intervalMs: D, lastLookedAt: '2026-06-10T06:00:00.000Z' });
    assert.equal(churn.scheduleState, null);
    assert.equal(churn.pendingApprovals, null);
    assert.deepEqual(churn.unknown, ['scheduleState', 'pendingApprovals', 'maintenance']);

    assert.equal(fraud.champion?.version, 'f0f0f0f0f0f0');
    assert.equal(fraud.champion?.source, 'registry');
    assert.equal(fraud.lastEvaluation?.verdict, 'failing');
    assert.equal(fraud.lastEvaluation?.value, null);
    assert.equal(fraud.lastEvaluation?.trend.direction, 'unknown');
    assert.deepEqual(
      fraud.staleness,
      {
        state: 'never',
        ageMs: 1.5 * H,
        intervalMs: H,
        lastLookedAt: null,
        notYetEvaluated: { version: 'f0f0f0f0f0f0', since: '2026-06-10T10:30:00.000Z', change: 'promotion' },
      },
      'promoted 1.5h ago, its one window failed an hour ago: not yet looked at, not yet stale',
    );
    const later = await fleetStatus({ config, store, taskQueue: 'upkeep', now: new Date(NOW.getTime() + 2 * H), models: ['fraud'] });
    assert.equal(later.models[0]!.staleness.state, 'stale', 'never looked at, its first evaluation three intervals old');

    assert.deepEqual(
      late.staleness,
      { state: 'stale', ageMs: 3 * D + 6 * H, intervalMs: D, lastLookedAt: '2026-06-07T06:00:00.000Z' },
      'the failing window of today does not count',
    );
    assert.deepEqual(
      late.findings.map((f) => f.kind),
      ['stale'],
    );
    assert.equal(s.watchdog?.findings, 1);
    assert.deepEqual(s.totals.byVerdict, { degraded: 1, failing: 1, healthy: 1 });
    assert.deepEqual(s.totals.byStaleness, { fresh: 1, never: 1, stale: 1 });
    assert.equal(s.totals.findings, 1);
  });

  it('counts the same days evaluated again (each `upkeep start`, a re-run) as one window in recent and the trend', async () => {
    // late (evaluated on 06-07 before): its window of 06-04..06-06 evaluated three times (06:00, and two restarts), then the next day's.
    const again = (end: string, ranAt: string, v: number, firstDay: string, lastDay: string): EvaluationReport => {
      const r = report('late', end, v, 'healthy') as unknown as { window: Record<string, string>; workflow: Record<string, string> };
      r.window.firstDay = firstDay;
      r.window.lastDay = lastDay;
      r.workflow.startedAt = ranAt;
      r.workflow.runId = `run-${ranAt.slice(11, 16)}`;
      return r as unknown as EvaluationReport;
    };
    for (const [end, v] of [
      ['2026-06-08T06:00:00.000Z', 0.81],
      ['2026-06-08T09:00:00.000Z', 0.81],
      ['2026-06-08T09:05:00.000Z', 0.81],
    ] as const) {
      await put(reportKeys('late', end, `run-${end.slice(11, 13)}${end.slice(14, 16)}`).json, again(end, end, v, '2026-06-04', '2026-06-06'));
    }
    await put(
      reportKeys('late', '2026-06-09T06:00:00.000Z', 'next').json,
      again('2026-06-09T06:00:00.000Z', '2026-06-09T06:00:00.000Z', 0.78, '2026-06-05', '2026-06-07'),
    );
    const s = await fleetStatus({ config, store, taskQueue: 'upkeep', now: NOW, models: ['late'] });
    const late = s.models[0]!;
    assert.deepEqual(
      late.recent.map((p) => [p.windowEnd, p.value]),
      [
        ['2026-06-07T06:00:00.000Z', 0.8],
        ['2026-06-08T09:05:00.000Z', 0.81],
        ['2026-06-09T06:00:00.000Z', 0.78],
      ],
    );
    assert.equal(late.lastEvaluation?.trend.previous, 0.81);
  });

  it('reads a verdict judged on the estimate from the store: marked, with the estimate as its value', async () => {
    const r = report('late', '2026-06-09T06:00:00.000Z', null, 'degraded') as unknown as Record<string, unknown>;
    r.verdict = { status: 'degraded', basis: 'estimated', reasons: ['estimated roc_auc 0.65 below 0.72'] };
    r.evaluation = { estimated: { metrics: { roc_auc: { value: 0.65, lower: 0.62, upper: 0.68, method: 'cbpe' } } } };
    await put(reportKeys('late', '2026-06-09T06:00:00.000Z', 'est').json, r);
    const late = (await fleetStatus({ config, store, taskQueue: 'upkeep', now: NOW, models: ['late'] })).models[0]!;
    assert.deepEqual([late.lastEvaluation?.verdict, late.lastEvaluation?.basis, late.lastEvaluation?.value], ['degraded', 'estimated', 0.65]);
    assert.deepEqual(late.recent.at(-1), { windowEnd: '2026-06-09T06:00:00.000Z', verdict: 'degraded', value: 0.65, estimated: true });
  });

  it('reads only the models asked for, and refuses one the config does not declare', async () => {
    const s = await fleetStatus({ config, store, taskQueue: 'upkeep', now: NOW, models: ['late'] });
    assert.deepEqual(
      s.models.map((m) => m.id),
      ['late'],
    );
    await assert.rejects(
      fleetStatus({ config, store, taskQueue: 'upkeep', now: NOW, models: ['nope'], configName: 'upkeep.yaml' }),
      (err: unknown) => isUpkeepError(err) && /^no model nope in upkeep\.yaml \(models: churn, fraud, late\)$/.test((err as Error).message),
    );
  });

  it('names a report it cannot parse on its model and still answers for the others', async () => {
    await store.put(reportKeys('late', '2026-06-09T06:00:00.000Z', 'bad').json, '{ not json');
    const s = await fleetStatus({ config, store, taskQueue: 'upkeep', now: NOW });
    const late = s.models.find((m) => m.id === 'late')!;
    assert.match(late.problems[0]!, /^reports unreadable: report reports\/late\/20260609T060000Z_bad\.json: /);
    assert.equal(s.models.find((m) => m.id === 'churn')!.lastEvaluation?.verdict, 'degraded');
  });

  it("answers from the store when the client's server does not answer", async function () {
    this.timeout(20_000);
    // Nothing listens on port 1: the probe fails and the store answers.
    const connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 1000 });
    const client = new Client({ connection });
    try {
      const s = await fleetStatus({ config, store, client, taskQueue: 'upkeep', now: NOW });
      assert.equal(s.server.reachable, false);
      assert.match(s.server.note ?? '', /^Temporal at 127\.0\.0\.1:1 did not answer \(.+\): schedules, next runs and pending approvals are unknown$/);
      assert.equal(s.models[0]!.lastEvaluation?.verdict, 'degraded');
      assert.equal(s.models[0]!.pendingApprovals, null);
      // unknown, not "0 pending approvals" (one may be waiting), in the JSON, the table and the web page
      assert.equal(s.totals.pendingApprovals, null);
      assert.match(renderFleetTable(s), /; \? pending approvals;/);
      const page = String(await fleetPage({ user: 'dana@example.com', csrf: 'x' }, s));
      assert.match(page, /; \? waiting for a decision;/);
      assert.equal(page.split('did not answer').length - 1, 1, 'the note once, not wrapped in a second "did not answer"');
      assert.match(page, /<p class="error">Temporal at 127\.0\.0\.1:1 did not answer \(.+\): schedules, next runs and pending approvals are unknown\.<\/p>/);
    } finally {
      await connection.close();
    }
  });

  it('reads a fleet of 500 models (its speed is in npm run bench)', async function () {
    this.timeout(60_000);
    const many = parseConfig(stringify({ version: 1, store: 'store', models: Array.from({ length: 500 }, (_, i) => demoModel(`m${i}`)) }), {
      name: 'upkeep.yaml',
      baseDir: dir,
    });
    for (let i = 0; i < 500; i++) {
      await put(reportKeys(`m${i}`, '2026-06-09T06:00:00.000Z', 'a').json, report(`m${i}`, '2026-06-09T06:00:00.000Z', 0.8, 'healthy'));
      await put(reportKeys(`m${i}`, '2026-06-10T06:00:00.000Z', 'b').json, report(`m${i}`, '2026-06-10T06:00:00.000Z', 0.81, 'healthy'));
    }
    const s = await fleetStatus({ config: many, store, taskQueue: 'upkeep', now: NOW });
    assert.equal(s.models.length, 500);
    assert.ok(s.models.every((m) => m.lastEvaluation?.trend.direction === 'up'));
  });
});
