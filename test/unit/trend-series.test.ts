import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDocsActivities } from '../../activities/reports.js';
import { detectDecline, windowSeries } from '../../engine/cards/trend.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { reportKeys } from '../../engine/store/keys.js';
import type { ArtifactStore } from '../../engine/store/store.js';

const DAY = 86_400_000;
const V1 = 'a'.repeat(64);
const V2 = 'b'.repeat(64);
const SETTINGS = { window: 12, min_points: 3, alpha: 0.05 };
const AUC = { metric: 'roc_auc', higherIsBetter: true } as const;

/** Window d of a daily schedule at 06:00 (3 days), evaluated at `hour` (06: the schedule; later: `upkeep start`). */
function evaluation(d: number, hour: number, value: number, model: string) {
  const scheduled = Date.parse('2026-10-01T06:00:00Z') + d * DAY;
  const day = (n: number) => new Date(scheduled - n * DAY).toISOString().slice(0, 10);
  const windowEnd = new Date(scheduled + (hour - 6) * 3_600_000).toISOString();
  return { windowEnd, value, firstDay: day(3), lastDay: day(1), model, ranAt: windowEnd };
}

async function storeReport(store: ArtifactStore, e: ReturnType<typeof evaluation>, runId: string): Promise<void> {
  const report = {
    schema: 'upkeep.evaluation-report/v1',
    window: { firstDay: e.firstDay, lastDay: e.lastDay, end: e.windowEnd, timezone: 'UTC' },
    verdict: { status: 'healthy', reasons: [] },
    metrics: { roc_auc: e.value },
    model: { artifactUri: '', sha256: e.model, bytes: 1 },
    workflow: { workflowId: 'w', runId, startedAt: e.ranAt },
  };
  await store.put(reportKeys('churn', e.windowEnd, runId).json, JSON.stringify(report));
}

describe('one trend point per window, one series per model version', function () {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-trend-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the latest evaluation of a window evaluated three times (the schedule, then two restarts)', function () {
    const series = windowSeries([evaluation(0, 6, 0.8, V1), evaluation(1, 6, 0.79, V1), evaluation(1, 14, 0.77, V1), evaluation(1, 20, 0.75, V1)]);
    assert.deepEqual(
      series.map((p) => [p.windowEnd, p.value]),
      [
        ['2026-10-01T06:00:00.000Z', 0.8],
        ['2026-10-02T20:00:00.000Z', 0.75],
      ],
    );
    // Later in the input wins when the run times are unknown; an earlier run given later does not.
    const late = evaluation(1, 20, 0.75, V1);
    assert.equal(windowSeries([late, { ...evaluation(1, 14, 0.77, V1) }])[0]!.value, 0.75);
    const { ranAt: _r, ...noTime } = evaluation(1, 14, 0.6, V1);
    assert.equal(windowSeries([late, noTime])[0]!.value, 0.6);
  });

  it('separates the series by model version', function () {
    const points = [evaluation(0, 6, 0.8, V1), evaluation(1, 6, 0.79, V1), evaluation(1, 14, 0.85, V2), evaluation(2, 6, 0.84, V2)];
    assert.deepEqual(
      windowSeries(points, { model: V1 }).map((p) => p.value),
      [0.8, 0.79],
    );
    assert.deepEqual(
      windowSeries(points, { model: V2 }).map((p) => p.value),
      [0.85, 0.84],
    );
  });

  it('assessTrend counts a window re-evaluated by restarts once, and fits the slope to the current version only', async function () {
    const store = createFileStore(dir);
    const { assessTrend } = createDocsActivities({ store });
    // Version 1: eight daily windows falling 0.001 a day; the last window re-evaluated twice by
    // restarts, each time lower (a different model each time would do the same).
    const v1 = Array.from({ length: 8 }, (_, d) => evaluation(d, 6, 0.8 - 0.001 * d, V1));
    const restarts = [evaluation(7, 10, 0.76, V1), evaluation(7, 12, 0.74, V1)];
    let run = 0;
    for (const e of [...v1, ...restarts]) await storeReport(store, e, `run-${String(run++).padStart(3, '0')}`);
    const current = evaluation(8, 6, 0.792, V1);
    const trend = await assessTrend({
      modelId: 'churn',
      ...AUC,
      current: { windowEnd: current.windowEnd, value: current.value, firstDay: current.firstDay, lastDay: current.lastDay, model: V1 },
      settings: SETTINGS,
    });
    const expected = detectDecline([...v1.slice(0, 7), restarts[1]!, current], { ...AUC, minPoints: 3, window: 12 });
    assert.equal(trend.points, 9);
    assert.equal(trend.slopePerWeek, expected.slopePerWeek);
    assert.equal(trend.message, expected.message);

    // Version 2 promoted: its evaluations only, from the window it first saw; version 1's steep
    // fall is not its slope.
    const v2 = [evaluation(8, 14, 0.85, V2), evaluation(9, 6, 0.851, V2)];
    for (const e of v2) await storeReport(store, e, `run-${String(run++).padStart(3, '0')}`);
    const now = evaluation(10, 6, 0.852, V2);
    const second = await assessTrend({
      modelId: 'churn',
      ...AUC,
      current: { windowEnd: now.windowEnd, value: now.value, firstDay: now.firstDay, lastDay: now.lastDay, model: V2 },
      settings: SETTINGS,
    });
    assert.equal(second.points, 3);
    assert.equal(second.declining, false);
    assert.ok(second.slopePerWeek! > 0, String(second.slopePerWeek));
    assert.equal(second.since, '2026-10-09');
  });
});

describe("the web page's chart of the primary metric", function () {
  it('has one point per window and model version, the latest evaluation of the same days', async function () {
    const { trendPoints } = await import('../../cli/web/data.js');
    const r = (end: string, value: number, model: string, firstDay = '2026-10-01', lastDay = '2026-10-03') =>
      ({
        window: { firstDay, lastDay, end, timezone: 'UTC' },
        verdict: { status: 'healthy', reasons: [] },
        metrics: { roc_auc: value },
        model: { sha256: model },
        workflow: { startedAt: end },
      }) as never;
    const spec = { thresholds: { metric: 'roc_auc' } } as never;
    const points = trendPoints(spec, [
      r('2026-10-04T06:00:00.000Z', 0.8, V1),
      r('2026-10-04T09:00:00.000Z', 0.81, V1), // upkeep start: the same days again
      r('2026-10-04T09:30:00.000Z', 0.85, V2), // the new champion on the same days: its own series
      r('2026-10-05T06:00:00.000Z', 0.84, V2, '2026-10-02', '2026-10-04'),
    ]);
    assert.deepEqual(
      points.map((p) => [p.windowEnd, p.value]),
      [
        ['2026-10-04T09:00:00.000Z', 0.81],
        ['2026-10-04T09:30:00.000Z', 0.85],
        ['2026-10-05T06:00:00.000Z', 0.84],
      ],
    );
  });
});

describe('the trend with late labels: realized values where they exist, estimates otherwise', function () {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-trend-late-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('takes the estimate of a window judged on it, and the realized value once that window is evaluated again', async function () {
    const store = createFileStore(dir);
    const { assessTrend } = createDocsActivities({ store });
    const put = async (e: ReturnType<typeof evaluation>, runId: string, estimate?: number) =>
      store.put(
        reportKeys('churn', e.windowEnd, runId).json,
        JSON.stringify({
          window: { firstDay: e.firstDay, lastDay: e.lastDay, end: e.windowEnd, timezone: 'UTC' },
          verdict: { status: 'healthy', reasons: [], ...(estimate !== undefined ? { basis: 'estimated' } : {}) },
          metrics: { roc_auc: estimate !== undefined ? null : e.value },
          ...(estimate !== undefined ? { evaluation: { estimated: { metrics: { roc_auc: { value: estimate, lower: 0, upper: 1, method: 'cbpe' } } } } } : {}),
          model: { artifactUri: '', sha256: V1, bytes: 1 },
          workflow: { workflowId: 'w', runId, startedAt: e.ranAt },
        }),
      );
    // Six windows falling 0.01 a day: the first three realized, the last three estimated only.
    for (let d = 0; d < 6; d++) await put(evaluation(d, 6, 0.8 - 0.01 * d, V1), `run-${d}`, d >= 3 ? 0.8 - 0.01 * d : undefined);
    const current = evaluation(6, 6, 0.74, V1);
    const ask = () =>
      assessTrend({
        modelId: 'churn',
        ...AUC,
        current: { windowEnd: current.windowEnd, value: 0.74, firstDay: current.firstDay, lastDay: current.lastDay, model: V1, estimated: true },
        settings: SETTINGS,
      });
    const before = await ask();
    assert.equal(before.points, 7);
    assert.equal(before.estimatedPoints, 4);
    assert.match(before.message!, /\(4 of the points estimated: their labels were not known yet\)$/);
    // Window 3's labels mature: evaluated again later, realized 0.7 (the estimate said 0.77).
    await put({ ...evaluation(3, 6, 0.7, V1), ranAt: evaluation(40, 6, 0, V1).ranAt }, 'run-matured');
    const after = await ask();
    assert.equal(after.estimatedPoints, 3);
    assert.equal(after.points, 7);
  });
});
