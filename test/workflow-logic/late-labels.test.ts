/**
 * Late labels in workflow time (docs/late-labels.md), on the time-skipping test server with the
 * activities mocked: a window without labels gets an estimated verdict; the model's scheduled run
 * evaluates it again once window end + label.delay has passed (not before), records that once
 * (even when the recording activity runs twice) and references the first evaluation.
 */
import assert from 'node:assert/strict';
import { evaluateModel } from '../../workflows/index.js';
import type { EvaluateModelResult } from '../../workflows/definitions.js';
import type { ResolvedModel, SnapshotRef } from '../../domain/evaluation.js';
import type { AuditEntry } from '../../domain/maintenance.js';
import { pendingLabelWindows } from '../../domain/late-labels.js';
import { DAY, mockActivities, resolvedModel, timeSkippingOrSkip, uniqueId, withWorkers, type TimeSkipping } from '../helpers/time-skipping.js';

describe('workflow logic: late labels, estimated verdicts and matured windows (time-skipping server)', function () {
  this.timeout(120_000);
  let t: TimeSkipping;
  before(async function () {
    this.timeout(180_000);
    t = await timeSkippingOrSkip(this);
  });
  after(async () => t?.env.teardown());

  /**
   * A model whose labels come 30 days late: a window evaluated for the first time has no labels
   * (the estimate says roc_auc 0.65, band 0.62..0.68, below the minimum 0.72); evaluated again, all
   * its rows are labelled and the realized roc_auc is 0.70. The trail is kept as the store keeps
   * it: an entry is written once under its id, and the matured entry's first write "crashes" after
   * landing, so the activity runs twice.
   */
  function lateLabelModel(modelId: string) {
    const model = resolvedModel(modelId, 'a11ce0000001', { label: { column: 'churned', positive: 1, delay: '30d' }, retrain: { on: 'never' } });
    const seen = new Set<string>();
    const stored = new Map<string, AuditEntry>();
    const attempts = new Map<string, number>();
    const trendPoints: { windowEnd: string; value: number; estimated?: boolean }[] = [];
    const m = mockActivities(model, {
      evaluateSnapshot: (async (input: { model: ResolvedModel; snapshot: SnapshotRef }) => {
        const again = seen.has(input.snapshot.windowEnd);
        seen.add(input.snapshot.windowEnd);
        return {
          rows: again ? 1200 : 0,
          rowsRead: 1200,
          droppedRows: 0,
          invalid: [],
          metrics: { roc_auc: again ? 0.7 : null, accuracy: again ? 0.66 : null },
          undefinedMetrics: again ? {} : { roc_auc: 'no labelled rows', accuracy: 'no labelled rows' },
          metricWarnings: {},
          warnings: [],
          labels: again ? { labelled: 1200, unlabelled: 0 } : { labelled: 0, unlabelled: 1200 },
          estimated: {
            method: 'cbpe',
            rows: 1200,
            metrics: {
              roc_auc: { value: 0.65, lower: 0.62, upper: 0.68, method: 'cbpe' },
              accuracy: { value: 0.64, lower: 0.61, upper: 0.67, method: 'cbpe' },
            },
            reliability: { reliable: true, referenceError: 0.01 },
            blindSpot: 'a change in the relation between inputs and labels that leaves the scores unchanged',
          },
          durationMs: 5,
        };
      }) as never,
      recordLedger: (async (input: { entries: AuditEntry[] }) => {
        for (const e of input.entries) {
          if (!stored.has(e.id)) {
            stored.set(e.id, e);
            m.entries.push(e);
          }
          const n = (attempts.get(e.id) ?? 0) + 1;
          attempts.set(e.id, n);
          if (e.id.startsWith('matured-') && n === 1) throw new Error('the worker died after writing the entry');
        }
      }) as never,
      assessTrend: (async (input: { metric: string; current: { windowEnd: string; value: number; estimated?: boolean } }) => {
        trendPoints.push(input.current);
        return { metric: input.metric, declining: false, slopePerWeek: null, since: null, pValue: null, points: 1 };
      }) as never,
      pendingLabels: (async (q: { since: string; entry?: string }) => {
        const pending = pendingLabelWindows(m.entries.filter((e) => e.at >= q.since));
        return q.entry === undefined ? pending : pending.filter((p) => p.entry === q.entry);
      }) as never,
    });
    return { m, attempts, trendPoints, evaluations: () => m.named('snapshotWindow').map((c) => (c.input as { windowEnd: string }).windowEnd) };
  }

  /** The scheduled run of the window ending `windowEnd` (its scheduled time: the clock matured labels are judged by). */
  const evaluate = async (modelId: string, taskQueue: string, windowEnd: number): Promise<EvaluateModelResult> =>
    t.env.client.workflow.execute(evaluateModel, {
      taskQueue,
      workflowId: uniqueId(`evaluate-${modelId}`),
      args: [{ modelId, windowEnd: new Date(windowEnd).toISOString() }],
    });

  it('gives a window without labels an estimated verdict and alerts its people, saying plainly that it is an estimate', async function () {
    const modelId = uniqueId('estimated');
    const taskQueue = uniqueId('tq-estimated');
    const { m } = lateLabelModel(modelId);
    const day0 = (await t.env.currentTimeMs()) - 2 * DAY;
    const first = await withWorkers(t, taskQueue, m.activities, () => evaluate(modelId, taskQueue, day0));
    assert.deepEqual([first.verdict.status, first.verdict.basis], ['degraded', 'estimated']);
    const entry = m.entries.find((e) => e.kind === 'evaluation')!;
    assert.match(entry.summary, /degraded \(estimated\): window .*, estimated roc_auc 0\.6500 \(0\.6200\.\.0\.6800\)$/);
    assert.equal(entry.details!.basis, 'estimated');
    const alert = m.notifications.find((n) => n.kind === 'degraded')!;
    assert.match(alert.title, /^estimated-\w+ is degraded \(estimated: too few labels known yet\)$/);
    assert.match(
      alert.text,
      /^Estimated roc_auc 0\.6500 from the model's scores on 1200 rows without labels; realized metrics follow when the labels arrive\./,
    );
    // The same people as any degradation: the owner and the approvers.
    assert.deepEqual([...alert.to].sort(), [m.state.champion.spec.owner, ...m.state.champion.spec.approvers].sort());
  });

  it('evaluates a window with unlabelled rows again once its labels matured (not before), records it once and references the first evaluation', async function () {
    const modelId = uniqueId('late');
    const taskQueue = uniqueId('tq-late');
    const { m, attempts, trendPoints, evaluations } = lateLabelModel(modelId);
    // Windows a day apart in the server's past (its clock jumps while workflows wait on activities).
    const day0 = (await t.env.currentTimeMs()) - 40 * DAY;
    await withWorkers(t, taskQueue, m.activities, async () => {
      // Day 0: no labels yet.
      const first = await evaluate(modelId, taskQueue, day0);
      assert.equal(first.matured, undefined);
      const entry = m.entries.find((e) => e.kind === 'evaluation')!;
      assert.deepEqual(entry.details!.labels, { labelled: 0, unlabelled: 1200, delay: '30d' });
      assert.deepEqual((entry.details!.estimated as Record<string, unknown>).roc_auc, { value: 0.65, lower: 0.62, upper: 0.68 });

      // Day 29: the labels are not due yet (due at day 30); only the current window is evaluated.
      const before = await evaluate(modelId, taskQueue, day0 + 29 * DAY);
      assert.equal(before.matured, undefined);
      assert.deepEqual(evaluations(), [first.windowEnd, before.windowEnd]);

      // Day 31: the first window's labels have matured (its end + 30 days): it is evaluated again.
      const after = await evaluate(modelId, taskQueue, day0 + 31 * DAY);
      assert.deepEqual(after.matured, [first.windowEnd]);
      assert.deepEqual(evaluations(), [first.windowEnd, before.windowEnd, after.windowEnd, first.windowEnd]);
      const again = m.entries.filter((e) => e.details?.matured);
      assert.equal(again.length, 1, 'recorded once');
      const re = again[0]!;
      assert.equal(re.id, `matured-${entry.id}`);
      assert.equal(attempts.get(re.id), 2, 'the recording activity ran twice');
      assert.deepEqual(re.details!.matured, {
        entry: entry.id,
        report: entry.details!.report,
        verdict: first.verdict.status,
        basis: first.verdict.basis ?? null,
      });
      assert.equal(re.details!.windowEnd, first.windowEnd);
      assert.equal(re.at, new Date(day0 + 30 * DAY).toISOString(), 'timed when its labels were due');
      assert.equal(re.details!.value, 0.7);
      const error = (re.details!.estimateError as Record<string, { error: number; inBand: boolean; estimated: number; realized: number }>).roc_auc!;
      assert.deepEqual([error.estimated, error.realized, error.inBand], [0.65, 0.7, false]);
      assert.ok(Math.abs(error.error - 0.05) < 1e-12);
      assert.match(
        re.summary,
        /evaluated a11ce0000001 again, its labels matured: degraded: .*roc_auc 0\.7000; estimated roc_auc 0\.6500, realized 0\.7000: error \+0\.0500 \(band 0\.6200\.\.0\.6800, outside\)/,
      );

      // The trend: the estimate while the labels were not known, the realized value once they came.
      const ofFirst = trendPoints.filter((p) => Date.parse(p.windowEnd) === Date.parse(first.windowEnd));
      assert.deepEqual(
        ofFirst.map((p) => [p.value, p.estimated ?? false]),
        [
          [0.65, true],
          [0.7, false],
        ],
      );

      // Day 32: nothing is evaluated again twice.
      const later = await evaluate(modelId, taskQueue, day0 + 32 * DAY);
      assert.equal(later.matured, undefined);
      assert.equal(m.entries.filter((e) => e.details?.matured).length, 1);
    });
  });
});
