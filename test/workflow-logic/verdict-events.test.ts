/**
 * The evaluation's warning and recovered events (docs/channels.md "Routes"), on the time-skipping
 * server with the activities mocked: sent with the verdict's numbers when verdictEvents (the
 * model's routes, the earlier verdicts) says so, and not otherwise.
 */
import assert from 'node:assert/strict';
import { evaluateModel } from '../../workflows/index.js';
import { mockActivities, resolvedModel, timeSkippingOrSkip, uniqueId, withWorkers, type TimeSkipping } from '../helpers/time-skipping.js';

describe('workflow logic: warning and recovered events from the evaluation (time-skipping server)', function () {
  this.timeout(120_000);
  let t: TimeSkipping;
  before(async function () {
    this.timeout(180_000);
    t = await timeSkippingOrSkip(this);
  });
  after(async () => t?.env.teardown());

  const healthy = {
    rows: 2000,
    rowsRead: 2000,
    droppedRows: 0,
    invalid: [],
    metrics: { roc_auc: 0.81, accuracy: 0.76 },
    undefinedMetrics: {},
    metricWarnings: {},
    warnings: [],
    durationMs: 5,
  };

  async function run(summary: object, events: object, routes?: { warning: boolean; recovered: boolean }) {
    const modelId = uniqueId('verdict-events');
    const asked: unknown[] = [];
    const model = resolvedModel(modelId, 'a11ce0000001', { retrain: { on: 'never' } });
    const m = mockActivities(routes ? { ...model, routes } : model, {
      evaluateSnapshot: (async () => summary) as never,
      verdictEvents: (async (input: unknown) => {
        asked.push(input);
        return events;
      }) as never,
    });
    const taskQueue = uniqueId('verdict-events');
    const windowEnd = new Date(await t.env.currentTimeMs()).toISOString();
    const r = await withWorkers(t, taskQueue, m.activities, () =>
      t.env.client.workflow.execute(evaluateModel, { taskQueue, workflowId: `${modelId}-run`, args: [{ modelId, windowEnd }] }),
    );
    return { r, asked, notifications: m.notifications, modelId, windowEnd };
  }

  it('sends recovered with the agreed details when the model is healthy again after degraded', async function () {
    const { r, asked, notifications, modelId, windowEnd } = await run(healthy, { recovered: { previous: 'degraded', windowEnd: '2026-01-01T06:00:00Z' } });
    assert.equal(r.verdict.status, 'healthy');
    assert.deepEqual(asked, [{ modelId, verdict: 'healthy', windowEnd, workflowId: `${modelId}-run` }]);
    assert.deepEqual(
      notifications.map((n) => n.kind),
      ['recovered'],
    );
    const d = notifications[0]!.details!;
    assert.deepEqual([d.verdict, d.previous, d.metric, d.value, d.rows], ['healthy', 'degraded', 'roc_auc', 0.81, 2000]);
    assert.equal(notifications[0]!.title, `${modelId} is healthy again`);
  });

  it('sends warning only when verdictEvents says a route wants it, and nothing for a healthy model that was healthy', async function () {
    const warned = { ...healthy, quality: { issues: [{ severity: 'warning', message: '12% of tenure is missing', column: 'tenure' }] } };
    const w = await run(warned, { warning: true });
    assert.equal(w.r.verdict.status, 'warning');
    assert.deepEqual(
      w.notifications.map((n) => [n.kind, n.details?.verdict]),
      [['warning', 'warning']],
    );
    const quiet = await run(warned, {});
    assert.deepEqual(quiet.notifications, []);
    const plain = await run(healthy, {});
    assert.deepEqual(plain.notifications, []);
  });

  it('does not ask for the events when the resolved model says no route carries them (no activity, no history events)', async function () {
    const none = { warning: false, recovered: false };
    const warned = { ...healthy, quality: { issues: [{ severity: 'warning', message: '12% of tenure is missing', column: 'tenure' }] } };
    for (const summary of [healthy, warned]) {
      const { asked, notifications } = await run(summary, { warning: true, recovered: { previous: 'degraded' } }, none);
      assert.deepEqual(asked, []);
      assert.deepEqual(notifications, []);
    }
    const recoveredOnly = await run(healthy, { recovered: { previous: 'failing' } }, { warning: false, recovered: true });
    assert.equal(recoveredOnly.asked.length, 1);
    assert.deepEqual(
      recoveredOnly.notifications.map((n) => n.kind),
      ['recovered'],
    );
  });
});
