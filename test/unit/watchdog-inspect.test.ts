import assert from 'node:assert/strict';
import { loadConfig } from '../../engine/config/load.js';
import type { ScheduleState, TemporalPort, WorkflowRunInfo } from '../../engine/ports.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { auditEntryKey } from '../../engine/store/keys.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import { createWatchdogActivities } from '../../activities/watchdog.js';
import type { AuditEntry } from '../../domain/maintenance.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

const D = 86_400_000;
const NOW = Date.parse('2026-11-20T08:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

/** A Temporal port answering from tables, recording the visibility queries it was asked. */
function fakePort(o: { schedules?: Record<string, ScheduleState>; runs?: WorkflowRunInfo[] }): TemporalPort & { queries: string[] } {
  const queries: string[] = [];
  return {
    namespace: 'default',
    queries,
    async schedule(id) {
      return o.schedules?.[id];
    },
    async listWorkflows(query, limit) {
      queries.push(query);
      const id = /WorkflowId = '([^']+)' AND RunId = '([^']+)'/.exec(query);
      if (id) return (o.runs ?? []).filter((r) => r.workflowId === id[1] && r.runId === id[2]).slice(0, limit);
      const model = /UpkeepModelId = '([^']+)'/.exec(query)?.[1];
      return (o.runs ?? [])
        .filter((r) => r.type === 'evaluateModel' && r.modelId === model && r.status !== 'RUNNING')
        .sort((a, b) => b.startTime.localeCompare(a.startTime))
        .slice(0, limit);
    },
    async history() {
      throw new Error('not asked');
    },
  };
}

describe('the watchdog activity with a Temporal server', function () {
  let ws: Workspace;
  let store: ArtifactStore;
  const run = async (temporal: TemporalPort, runId: string, at = NOW) => {
    const config = await loadConfig(ws.configPath);
    return createWatchdogActivities({ store, temporal, loadConfig: async () => ({ ...config, name: 'upkeep.yaml' }) }).watchdogInspect({
      at: iso(at),
      workflowId: 'upkeep-watchdog',
      runId,
      evaluateSchedulePrefix: 'upkeep-evaluate-',
    });
  };
  const log = async (e: Omit<AuditEntry, 'modelId'>): Promise<void> => {
    const entry = { ...e, modelId: 'churn' };
    await store.put(auditEntryKey(entry), JSON.stringify(entry));
  };
  const schedule = (s: Partial<ScheduleState>): Record<string, ScheduleState> => ({ 'upkeep-evaluate-churn': { paused: false, recent: [], ...s } });

  beforeEach(async function () {
    ws = createWorkspace('churn', { approval: { escalate_after: '1d' } });
    store = createFileStore((await loadConfig(ws.configPath)).store);
  });
  afterEach(() => ws.remove());

  it("judges a model never evaluated by its schedule's age", async function () {
    const young = await run(fakePort({ schedules: schedule({ createdAt: iso(NOW - D) }) }), 'r1');
    assert.deepEqual(young.opened, []);
    assert.deepEqual(young.skipped, ['unknown people: no watchdog.directory configured']);
    const old = await run(fakePort({ schedules: schedule({ createdAt: iso(NOW - 3 * D) }) }), 'r2');
    assert.deepEqual(
      old.opened.map((f) => [f.kind, f.since]),
      [['stale', iso(NOW - D)]],
    );
    assert.match(old.opened[0]!.summary, /it has never been evaluated \(known since 2026-11-17T08:00:00\.000Z\)/);
  });

  it('reads a long failing log only back to its last 100 evaluations, and judges staleness from the oldest of them', async function () {
    // 150 daily evaluations, all failing: nothing has looked at the model for 150 days.
    for (let d = 150; d >= 1; d--) await log({ id: `e-${d}`, at: iso(NOW - d * D), kind: 'evaluation', summary: 'failing', details: { verdict: 'failing' } });
    const r = await run(fakePort({ schedules: schedule({ createdAt: iso(NOW - 200 * D) }) }), 'r1');
    const stale = r.opened.find((f) => f.kind === 'stale')!;
    assert.equal(stale.since, iso(NOW - 100 * D + 2 * D), 'stale from the oldest evaluation read, plus twice the interval');
    assert.match(stale.summary, /none of its last 100 evaluations looked at it \(since 2026-08-12T08:00:00\.000Z at least\)/);
    assert.ok(r.opened.some((f) => f.kind === 'failing-in-a-row'));
  });

  it('finds a model never evaluated that has no schedule on the server: nothing will evaluate it', async function () {
    const unscheduled = await run(fakePort({}), 'r1');
    assert.deepEqual(
      unscheduled.opened.map((f) => [f.kind, f.summary]),
      [['stale', 'churn: it has never been evaluated and has no evaluation schedule on the server (upkeep schedules sync makes it)']],
    );
  });

  it('finds a schedule paused too long, and keeps the finding while it stays paused though a sync changed it', async function () {
    const pausedAt = iso(NOW - 8 * D);
    const evaluated = { id: 'e1', at: iso(NOW - 12 * 3_600_000), kind: 'evaluation' as const, summary: 'evaluated', details: { verdict: 'healthy' } };
    await log(evaluated);
    const first = await run(fakePort({ schedules: schedule({ paused: true, note: 'migration', updatedAt: pausedAt, createdAt: iso(NOW - 100 * D) }) }), 'r1');
    assert.deepEqual(
      first.opened.map((f) => [f.kind, f.since, f.summary]),
      [['paused', pausedAt, `churn: its evaluation schedule has been paused since ${pausedAt} (migration), longer than 7d`]],
    );
    // A sync updated the paused schedule today: the finding stays open, nobody is told again.
    const later = await run(fakePort({ schedules: schedule({ paused: true, note: 'migration', updatedAt: iso(NOW + D - 3_600_000) }) }), 'r2', NOW + D);
    assert.deepEqual(later.opened, []);
    assert.deepEqual(later.resolved, []);
    // Asked without a server, the watchdog cannot tell: the finding stays open, neither told nor resolved.
    const config = await loadConfig(ws.configPath);
    const blind = await createWatchdogActivities({ store, loadConfig: async () => ({ ...config, name: 'upkeep.yaml' }) }).watchdogInspect({
      at: iso(NOW + D),
      workflowId: 'one-shot',
      runId: 'r-blind',
      evaluateSchedulePrefix: 'upkeep-evaluate-',
    });
    assert.deepEqual([blind.opened, blind.resolved, blind.open], [[], [], 1]);
    // Resumed: resolved.
    const resumed = await run(fakePort({ schedules: schedule({ paused: false, updatedAt: iso(NOW + D) }) }), 'r3', NOW + D);
    assert.deepEqual(
      resumed.resolved.map((f) => f.key),
      ['paused'],
    );
  });

  it('does not find a schedule paused less long than allowed', async function () {
    const r = await run(fakePort({ schedules: schedule({ paused: true, updatedAt: iso(NOW - 6 * D), createdAt: iso(NOW - 10 * D) }) }), 'r1');
    assert.deepEqual(
      r.opened.filter((f) => f.kind === 'paused'),
      [],
    );
  });

  it('counts evaluation workflows that failed or timed out with the failing verdicts of the log, newest first', async function () {
    await log({ id: 'e1', at: iso(NOW - 3 * D), kind: 'evaluation', summary: 'evaluated', details: { verdict: 'healthy' } });
    await log({ id: 'e2', at: iso(NOW - 2 * D), kind: 'evaluation', summary: 'evaluated', details: { verdict: 'failing' } });
    const runs = (statuses: WorkflowRunInfo['status'][]): WorkflowRunInfo[] =>
      statuses.map((status, i) => ({
        workflowId: `e-${i}`,
        runId: `r-${i}`,
        type: 'evaluateModel',
        status,
        modelId: 'churn',
        startTime: iso(NOW - D + i * 3_600_000),
        closeTime: iso(NOW - D + i * 3_600_000 + 60_000),
      }));
    const port = fakePort({ runs: runs(['FAILED', 'TIMED_OUT']) });
    const r = await run(port, 'r1');
    assert.deepEqual(
      r.opened.filter((f) => f.kind === 'failing-in-a-row').map((f) => f.since),
      [iso(NOW - 2 * D)],
    );
    assert.ok(port.queries.includes("WorkflowType = 'evaluateModel' AND UpkeepModelId = 'churn' AND ExecutionStatus != 'Running'"), port.queries.join('\n'));
    // A cancelled or terminated run is someone's decision, not a failure.
    const stopped = await run(fakePort({ runs: runs(['TERMINATED', 'CANCELLED']) }), 'r2');
    assert.deepEqual(
      stopped.opened.filter((f) => f.kind === 'failing-in-a-row'),
      [],
    );
    assert.deepEqual(
      stopped.resolved.map((f) => f.kind).filter((k) => k === 'failing-in-a-row'),
      ['failing-in-a-row'],
    );
  });

  it('reports an overdue approval only while its run has not ended, or when the server no longer knows it', async function () {
    const ask = (runId: string, at: number) =>
      log({
        id: `a-${runId}`,
        at: iso(at),
        kind: 'approval-requested',
        summary: 'asked',
        workflowId: 'upkeep-retrain-churn',
        runId,
        details: { gate: 'retrain' },
      });
    await ask('running', NOW - 2 * D);
    await ask('terminated', NOW - 2 * D);
    await ask('forgotten', NOW - 2 * D);
    await log({ id: 'e1', at: iso(NOW - 3_600_000), kind: 'evaluation', summary: 'evaluated', details: { verdict: 'healthy' } });
    const run_ = (runId: string, status: WorkflowRunInfo['status']): WorkflowRunInfo => ({
      workflowId: 'upkeep-retrain-churn',
      runId,
      type: 'retrainModel',
      status,
      startTime: iso(NOW - 2 * D),
    });
    const r = await run(fakePort({ runs: [run_('running', 'RUNNING'), run_('terminated', 'TERMINATED')] }), 'w1');
    assert.deepEqual(r.opened.map((f) => [f.kind, f.details!.runId]).sort(), [
      ['overdue-approval', 'forgotten'],
      ['overdue-approval', 'running'],
    ]);
  });
});
