import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../../engine/config/load.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { auditEntryKey, watchdogFindingKey } from '../../engine/store/keys.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import { createWatchdogActivities } from '../../activities/watchdog.js';
import { readFindings, readWatchdogReport } from '../../engine/watchdog/findings.js';
import type { AuditEntry } from '../../domain/maintenance.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

const D = 86_400_000;
const NOW = Date.parse('2026-11-20T08:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

describe('the watchdog activity without a Temporal server', function () {
  let ws: Workspace;
  let store: ArtifactStore;
  let activities: ReturnType<typeof createWatchdogActivities>;
  let seq = 0;

  const log = async (e: Omit<AuditEntry, 'id' | 'modelId'> & { modelId?: string }): Promise<void> => {
    const entry: AuditEntry = { id: `e${String(++seq).padStart(4, '0')}`, modelId: 'churn', ...e };
    await store.put(auditEntryKey(entry), JSON.stringify(entry));
  };
  const evaluation = (at: number, verdict: string, modelId = 'churn') =>
    log({ modelId, at: iso(at), kind: 'evaluation', summary: `evaluated: ${verdict}`, details: { verdict } });
  const run = (runId: string, at = NOW) =>
    activities.watchdogInspect({ at: iso(at), workflowId: 'upkeep-watchdog', runId, evaluateSchedulePrefix: 'upkeep-evaluate-' });
  const ids = (list: { modelId: string; key: string }[]): string[] => list.map((f) => `${f.modelId}/${f.key}`).sort();

  beforeEach(async function () {
    ws = createWorkspace('churn', { owner: 'owner@x.org', approvers: ['gone@x.org'], approval: { escalate_after: '2d' } });
    // A second, healthy model, and the watchdog's settings.
    const config = parse(readFileSync(ws.configPath, 'utf8')) as { models: Record<string, unknown>[] };
    config.models.push({ ...config.models[0]!, id: 'fraud', owner: 'owner@x.org', approvers: [] });
    writeFileSync(path.join(ws.dir, 'people.yaml'), 'people: [owner@x.org]\n');
    writeFileSync(ws.configPath, stringify({ ...config, watchdog: { directory: 'people.yaml', platform: ['platform@x.org'], failures_in_a_row: 2 } }));
    const loaded = await loadConfig(ws.configPath);
    store = createFileStore(loaded.store);
    activities = createWatchdogActivities({ store, loadConfig: async () => ({ ...loaded, name: 'upkeep.yaml' }) });
    await evaluation(NOW - D, 'healthy', 'fraud');
    await evaluation(NOW - 10 * D, 'healthy');
  });
  afterEach(() => ws.remove());

  it('reports a finding once: again to a retry of the same run, never to a later run, until it is resolved', async function () {
    const first = await run('run-1');
    assert.deepEqual(first.opened.map((f) => f.kind).sort(), ['stale', 'unknown-person']);
    const unknown = first.opened.find((f) => f.kind === 'unknown-person')!;
    assert.match(unknown.key, /^unknown-person-gone_x\.org-[0-9a-f]{8}$/);
    assert.equal(unknown.summary, 'churn: approver gone@x.org is not in the directory of current people');
    const stale = first.opened.find((f) => f.kind === 'stale')!;
    assert.match(
      stale.summary,
      /^churn: no evaluation has looked at it since 2026-11-10T08:00:00\.000Z; its schedule runs on cron "0 6 \* \* \*" \(UTC\), so more than 2d without one means nobody is watching$/,
    );
    assert.deepEqual(stale.notified, ['owner@x.org', 'gone@x.org', 'platform@x.org']);
    assert.equal(stale.since, iso(NOW - 8 * D));
    assert.deepEqual(first.changedModels, ['churn']);
    assert.match(first.skipped.join('\n'), /paused schedules, failed evaluation workflows and schedule ages: no Temporal server to ask/);
    const report = (await readWatchdogReport(store))!;
    assert.equal(report.runId, 'run-1');
    assert.deepEqual(ids(report.findings), ids(first.opened));
    assert.ok(await store.exists(watchdogFindingKey('churn', 'stale')));

    // The same run's activity again (a retry after a crash): the same findings are new to it.
    assert.deepEqual(ids((await run('run-1')).opened), ids(first.opened));
    // A later run: nothing new, the findings stay open with their first report's time.
    const later = await run('run-2', NOW + 3_600_000);
    assert.deepEqual(later.opened, []);
    assert.equal(later.open, 2);
    assert.deepEqual(later.changedModels, []);
    assert.equal((await readWatchdogReport(store))!.findings.find((f) => f.key === 'stale')!.firstReportedAt, iso(NOW));

    // A fresh evaluation resolves the stale finding: it leaves the store and shows as resolved once.
    await evaluation(NOW + 2 * 3_600_000, 'warning');
    const resolved = await run('run-3', NOW + 3 * 3_600_000);
    assert.deepEqual(ids(resolved.resolved), ['churn/stale']);
    assert.deepEqual(resolved.changedModels, ['churn']);
    assert.equal(await store.exists(watchdogFindingKey('churn', 'stale')), false);
    // its retry still knows what it resolved
    assert.deepEqual(ids((await run('run-3', NOW + 3 * 3_600_000)).resolved), ['churn/stale']);
    assert.deepEqual((await run('run-4', NOW + 4 * 3_600_000)).resolved, []);

    // Stale again later: a new finding, reported again.
    const again = await run('run-5', NOW + 5 * D);
    assert.deepEqual(
      ids(again.opened).filter((k) => k.endsWith('/stale')),
      ['churn/stale', 'fraud/stale'],
    );
    assert.equal((await readFindings(store, 'churn')).find((f) => f.key === 'stale')!.firstReportedBy!.runId, 'run-5');
  });

  it('has one of two runs at the same time report each finding (the schedule and `upkeep watchdog run`)', async function () {
    const [a, b] = await Promise.all([run('run-a'), run('run-b')]);
    const told = [...ids(a.opened), ...ids(b.opened)].sort();
    assert.deepEqual(told, [...new Set(told)], 'nobody told twice');
    assert.deepEqual(
      told.map((k) => k.replace(/-[0-9a-f]{8}$/, '')),
      ['churn/stale', 'churn/unknown-person-gone_x.org'],
    );
    assert.equal(a.open, 2);
    assert.equal(b.open, 2);
  });

  it('finds failures in a row and approvals past their deadline in the log', async function () {
    await evaluation(NOW - 2 * D, 'failing');
    await evaluation(NOW - D, 'failing');
    await log({
      at: iso(NOW - 3 * D),
      kind: 'approval-requested',
      summary: 'asked owner@x.org: retrain churn?',
      workflowId: 'upkeep-retrain-churn',
      runId: 'r1',
      details: { gate: 'retrain' },
    });
    // decided: not overdue
    await log({
      at: iso(NOW - 9 * D),
      kind: 'approval-requested',
      summary: 'asked',
      workflowId: 'upkeep-retrain-churn',
      runId: 'r0',
      details: { gate: 'retrain' },
    });
    await log({ at: iso(NOW - 8 * D), kind: 'decision', summary: 'approved', workflowId: 'upkeep-retrain-churn', runId: 'r0', details: { gate: 'retrain' } });
    // asked a day ago: not overdue yet (escalate_after 2d)
    await log({
      at: iso(NOW - D),
      kind: 'approval-requested',
      summary: 'asked',
      workflowId: 'upkeep-rollback-churn',
      runId: 'r2',
      details: { gate: 'rollback' },
    });
    const r = await run('run-1');
    const byKind = new Map(r.opened.map((f) => [f.kind, f]));
    assert.equal(byKind.get('failing-in-a-row')!.since, iso(NOW - 2 * D));
    assert.equal(byKind.get('failing-in-a-row')!.summary, 'churn: the last 2 evaluations failed (since 2026-11-18T08:00:00.000Z)');
    const overdue = r.opened.filter((f) => f.kind === 'overdue-approval');
    assert.equal(overdue.length, 1);
    assert.equal(overdue[0]!.since, iso(NOW - D));
    assert.deepEqual(overdue[0]!.details, {
      gate: 'retrain',
      workflowId: 'upkeep-retrain-churn',
      runId: 'r1',
      requestedAt: iso(NOW - 3 * D),
      waitedMs: 3 * D,
      deadlineMs: 2 * D,
    });
    // failing windows are not evaluations that watched: the model is stale as well
    assert.ok(byKind.has('stale'));
  });

  it('fails with the directory file named when it is malformed', async function () {
    writeFileSync(path.join(ws.dir, 'people.yaml'), 'people: [owner@x.org\n');
    await assert.rejects(run('run-1'), /watchdog\.directory people\.yaml: not valid YAML or JSON/);
  });
});
