/**
 * Late labels on a real store (docs/late-labels.md): which windows wait for their labels, when they
 * mature, the estimate's error; a re-evaluation entry appended twice is one entry, and the trail's
 * checks (verifyTrail, as `upkeep audit verify` runs it) accept the chain with it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appendEntry } from '../../engine/audit/chain.js';
import { readPendingLabels } from '../../engine/audit/late-labels.js';
import { verifyTrail } from '../../engine/audit/verify-trail.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { reportKeys } from '../../engine/store/keys.js';
import { estimateErrors, maturedEntryId, maturedWindows, pendingLabelWindows, trendPoint } from '../../domain/late-labels.js';
import { sha256Hex } from '../../engine/util.js';
import type { AuditEntry } from '../../domain/maintenance.js';

const MODEL = 'churn';
const DAY = 86_400_000;

describe('late labels: windows waiting for their labels, and the estimate beside the realized value', function () {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-late-labels-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** An evaluation entry with the report it cites written to the store, as a workflow run leaves them. */
  async function evaluation(runId: string, windowEnd: string, details: Record<string, unknown>, id = `${runId}-0001`): Promise<AuditEntry> {
    const store = createFileStore(dir);
    const key = reportKeys(MODEL, windowEnd, runId).json;
    const bytes = JSON.stringify({ workflow: { workflowId: `wf-${runId}`, runId, startedAt: windowEnd }, window: { end: windowEnd } });
    await store.put(key, bytes);
    return {
      id,
      modelId: MODEL,
      at: new Date(Date.parse(windowEnd) + 60_000).toISOString(),
      kind: 'evaluation',
      summary: `evaluated: window ending ${windowEnd}`,
      runId,
      workflowId: `wf-${runId}`,
      details: { verdict: 'degraded', windowEnd, report: store.uriFor(key), reportSha256: sha256Hex(bytes), ...details },
    };
  }

  const estimated = { roc_auc: { value: 0.65, lower: 0.62, upper: 0.68 }, accuracy: { value: 0.7, lower: null, upper: null } };

  it('finds the windows with unlabelled rows, drops them once evaluated again, and the chain with the re-evaluation verifies', async function () {
    const store = createFileStore(dir);
    const w1 = '2026-10-01T06:00:00.000Z';
    const w2 = '2026-10-02T06:00:00.000Z';
    const w3 = '2026-10-03T06:00:00.000Z';
    const first = await evaluation('run1', w1, { basis: 'estimated', labels: { labelled: 0, unlabelled: 900 }, estimated, version: 'a11ce0000001' });
    await appendEntry(store, first);
    await appendEntry(store, await evaluation('run2', w2, { labels: { labelled: 400, unlabelled: 0 } })); // every row labelled
    await appendEntry(store, await evaluation('run3', w3, { labels: { labelled: 10, unlabelled: 500 }, estimated }));
    await appendEntry(store, {
      id: 'run3-0002',
      modelId: MODEL,
      at: '2026-10-03T06:02:00.000Z',
      kind: 'evaluation',
      summary: 'no retrain requested',
      details: { windowEnd: w3 },
    });

    const pending = await readPendingLabels(store, { modelId: MODEL, since: '2026-09-01T00:00:00.000Z' });
    assert.deepEqual(
      pending.map((p) => [p.windowEnd, p.entry, p.unlabelled, p.basis]),
      [
        [w1, 'run1-0001', 900, 'estimated'],
        [w3, 'run3-0001', 500, null],
      ],
    );
    assert.equal(pending[0]!.version, 'a11ce0000001');
    assert.deepEqual(pending[0]!.estimated.roc_auc, { value: 0.65, lower: 0.62, upper: 0.68 });
    assert.deepEqual(await readPendingLabels(store, { modelId: MODEL, since: '2026-10-02T00:00:00.000Z' }).then((p) => p.map((x) => x.windowEnd)), [w3]);
    assert.deepEqual(
      await readPendingLabels(store, { modelId: MODEL, since: '2026-09-01T00:00:00.000Z', entry: 'run3-0001' }).then((p) => p.map((x) => x.windowEnd)),
      [w3],
    );

    // The labels of w1 mature (30 days): its re-evaluation is appended twice (an activity that ran twice).
    const again = await evaluation(
      'run9',
      w1,
      {
        labels: { labelled: 900, unlabelled: 0 },
        matured: { entry: first.id, report: first.details!.report },
        estimateError: estimateErrors(estimated, { roc_auc: 0.7 }),
      },
      maturedEntryId(first.id),
    );
    const a = await appendEntry(store, again);
    const b = await appendEntry(store, again);
    assert.deepEqual([a.created, b.created, a.seq === b.seq], [true, false, true]);
    const keys = await store.list(`audit/${MODEL}/evaluations`);
    assert.equal(keys.filter((k) => k.includes('matured-run1-0001')).length, 1, 'one entry file');
    const trail = await verifyTrail(store, MODEL);
    assert.deepEqual(trail.problems, []);

    const left = await readPendingLabels(store, { modelId: MODEL, since: '2026-09-01T00:00:00.000Z' });
    assert.deepEqual(
      left.map((p) => p.windowEnd),
      [w3],
    );
  });

  it('matures a window at its end plus the delay, not before, oldest first and a few per run', function () {
    const base = Date.parse('2026-10-01T06:00:00.000Z');
    const entries: AuditEntry[] = [0, 1, 2, 3].map((d) => ({
      id: `r${d}-0001`,
      modelId: MODEL,
      at: new Date(base + d * DAY + 1000).toISOString(),
      kind: 'evaluation',
      summary: '',
      details: { verdict: 'healthy', windowEnd: new Date(base + d * DAY).toISOString(), labels: { labelled: 0, unlabelled: 5 } },
    }));
    const pending = pendingLabelWindows(entries);
    assert.deepEqual(maturedWindows(pending, 30 * DAY, base + 30 * DAY - 1, 7), []);
    assert.deepEqual(
      maturedWindows(pending, 30 * DAY, base + 30 * DAY, 7).map((p) => p.entry),
      ['r0-0001'],
    );
    assert.deepEqual(
      maturedWindows(pending, 30 * DAY, base + 40 * DAY, 2).map((p) => p.entry),
      ['r0-0001', 'r1-0001'],
    );
  });

  it('takes a window end written with or without milliseconds as one window', function () {
    const entry = (id: string, windowEnd: string, details: Record<string, unknown>): AuditEntry => ({
      id,
      modelId: MODEL,
      at: '2026-10-02T06:01:00.000Z',
      kind: 'evaluation',
      summary: '',
      details: { verdict: 'healthy', windowEnd, ...details },
    });
    const first = entry('a', '2026-10-01T06:00:00Z', { labels: { labelled: 0, unlabelled: 5 } });
    assert.deepEqual(
      pendingLabelWindows([first]).map((p) => p.windowEnd),
      ['2026-10-01T06:00:00Z'],
    );
    assert.deepEqual(pendingLabelWindows([first, entry('b', '2026-10-01T06:00:00.000Z', { matured: { entry: 'a' } })]), []);
  });

  it('keeps the error per estimated metric: realized − estimated, and whether it fell in the band', function () {
    const e = estimateErrors(estimated, { roc_auc: 0.66, accuracy: 0.65, f1: 0.5 });
    assert.deepEqual(Object.keys(e), ['roc_auc', 'accuracy']);
    assert.equal(e.roc_auc!.inBand, true);
    assert.ok(Math.abs(e.roc_auc!.error - 0.01) < 1e-12);
    assert.equal(e.accuracy!.inBand, null, 'an estimate without a band');
    assert.deepEqual(estimateErrors(estimated, { roc_auc: null }), {});
  });

  it('puts the realized value in the trend where the labels give one, the estimate otherwise, marked', function () {
    const est = { metrics: { roc_auc: { value: 0.65 } } };
    assert.deepEqual(trendPoint({ metrics: { roc_auc: 0.7 }, labels: { labelled: 900 }, estimated: est }, 'roc_auc', 500), { value: 0.7, estimated: false });
    assert.deepEqual(trendPoint({ metrics: { roc_auc: 0.9 }, labels: { labelled: 12 }, estimated: est }, 'roc_auc', 500), { value: 0.65, estimated: true });
    assert.deepEqual(trendPoint({ metrics: { roc_auc: null }, estimated: est }, 'roc_auc', 500), { value: 0.65, estimated: true });
    assert.deepEqual(trendPoint({ metrics: { roc_auc: 0.8 }, labels: { labelled: 12 } }, 'roc_auc', 500), { value: 0.8, estimated: false });
    assert.equal(trendPoint({ metrics: { roc_auc: null } }, 'roc_auc', 500), undefined);
  });
});
