/**
 * The drift distributions stored apart from the evaluation summary (engine/evaluation/distributions.ts):
 * the summary that goes through workflow history carries only the object's reference, and the report
 * writeReport stores from it is byte for byte the one written from the summary with them inline.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { modelSpec } from '../../domain/config.js';
import type { EvaluationSummary, ResolvedModel, SnapshotRef } from '../../domain/evaluation.js';
import { isUpkeepError } from '../../engine/errors.js';
import { inlineDistributions, storeDistributions } from '../../engine/evaluation/distributions.js';
import { writeReport, type ReportInput } from '../../engine/evaluation/write-report.js';
import { renderReportHtml } from '../../engine/pictures/report-html.js';
import { createFileStore } from '../../engine/store/file-store.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import { demoModel } from '../helpers/demo-workspace.js';

const MODEL = 'churn-dist';

const model: ResolvedModel = {
  modelId: MODEL,
  spec: modelSpec.parse(demoModel(MODEL)),
  artifactUri: `file:///store/${'a'.repeat(64)}.onnx`,
  artifactSha256: 'a'.repeat(64),
  artifactBytes: 1000,
  source: 'config',
};

const snapshot: SnapshotRef = {
  uri: 'file:///store/snapshots/m.json',
  sha256: 'b'.repeat(64),
  firstDay: '2026-02-01',
  lastDay: '2026-02-01',
  windowEnd: '2026-02-02T06:00:00.000Z',
  rows: 900,
  files: [],
  missing: [],
};

const column = (kind: 'numeric' | 'categorical', score: number) => ({
  kind,
  test: kind === 'numeric' ? 'ks' : 'chisquare',
  threshold: 0.05,
  score,
  drifted: score < 0.05,
  reference_rows: 1000,
  current_rows: 900,
});

/** A summary as the engine makes it: each watched column's distribution last, label drift's too. */
function summary(): EvaluationSummary {
  return {
    rows: 900,
    rowsRead: 900,
    droppedRows: 0,
    invalid: [],
    metrics: { roc_auc: 0.81 },
    undefinedMetrics: {},
    metricWarnings: {},
    warnings: [],
    drift: {
      columns: {
        tenure: {
          ...column('numeric', 0.01),
          distribution: { kind: 'histogram', edges: [0, 1, 2, 3], reference: [300, 500, 200], current: [100, 300, 500], binning: 'test' },
        },
        plan: {
          ...column('categorical', 0.4),
          distribution: {
            kind: 'categories',
            categories: ['basic', 'pro', 'max'],
            reference: [600, 400, 0],
            current: [500, 350, 50],
            unseen: [false, false, true],
          },
        },
        // A column named like an Object.prototype property, without a distribution.
        constructor: column('numeric', 0.9),
      },
      dataset_drift: false,
      share_drifted: 1 / 3,
      drift_share: 0.5,
      drifted_columns: ['tenure'],
      label: {
        ...column('categorical', 0.7),
        distribution: { kind: 'categories', categories: ['0', '1'], reference: [700, 300], current: [620, 280], unseen: [false, false] },
      },
    },
    durationMs: 12,
  };
}

const input = (evaluation: EvaluationSummary): ReportInput => ({
  model,
  snapshot,
  evaluation,
  verdict: { status: 'warning', reasons: ['drift in tenure (ks 0.01)'] },
  workflow: { workflowId: 'w', runId: 'r1', startedAt: '2026-02-02T06:00:01.000Z' },
});

describe('the drift distributions stored apart from the evaluation summary', function () {
  let dir: string;
  let store: ArtifactStore;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-dist-'));
    store = createFileStore(path.join(dir, 'store'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const objects = () => readdirSync(path.join(dir, 'store', 'evaluation-distributions', MODEL));

  it('leaves the summary with a reference and no distribution, one object however often it runs', async function () {
    const lean = await storeDistributions(store, MODEL, summary());
    assert.ok(!JSON.stringify(lean).includes('distribution"'), JSON.stringify(lean));
    assert.match(lean.distributions!.uri, new RegExp(`/evaluation-distributions/${MODEL}/${lean.distributions!.sha256}[.]json$`));
    // A retried activity: the same reference, the same single object.
    assert.deepEqual(await storeDistributions(store, MODEL, summary()), lean);
    assert.deepEqual(objects(), [`${lean.distributions!.sha256}.json`]);
    // Back inline: the summary as the engine made it, field order included.
    assert.equal(JSON.stringify(await inlineDistributions(store, MODEL, lean)), JSON.stringify(summary()));
  });

  it('writes the same report (JSON, Markdown, HTML) from the reference as from the distributions inline', async function () {
    const lean = await storeDistributions(store, MODEL, summary());
    // Another store (the reports name their spec's URI in it).
    const other = createFileStore(path.join(dir, 'inline'));
    const fromRef = await writeReport(store, input(lean), renderReportHtml);
    const inline = await writeReport(other, input(summary()), renderReportHtml);
    for (const k of ['jsonUri', 'markdownUri', 'htmlUri'] as const) {
      assert.equal(readFileSync(fileURLToPath(fromRef[k]!), 'utf8'), readFileSync(fileURLToPath(inline[k]!), 'utf8').replaceAll(other.root, store.root), k);
    }
    const report = JSON.parse(readFileSync(fileURLToPath(fromRef.jsonUri), 'utf8'));
    assert.deepEqual(report.drift.columns.plan.distribution.unseen, [false, false, true]);
    assert.equal(report.evaluation.drift.label.distribution.kind, 'categories');
    assert.equal(report.evaluation.distributions, undefined);
    assert.match(readFileSync(fileURLToPath(fromRef.htmlUri!), 'utf8'), /<svg[^>]*role="img"/);
  });

  it('refuses an altered object, naming the model and the object, and writes no report', async function () {
    const lean = await storeDistributions(store, MODEL, summary());
    const file = fileURLToPath(lean.distributions!.uri);
    writeFileSync(file, readFileSync(file, 'utf8').replace('[100,300,500]', '[100,300,900]'));
    await assert.rejects(writeReport(store, input(lean), renderReportHtml), (err: Error) => {
      assert.ok(isUpkeepError(err, 'StoreIntegrity'), String(err));
      assert.equal(
        err.message.split(' (the stored')[0],
        `model ${MODEL}: the drift distributions ${lean.distributions!.uri} do not match their sha256 ${lean.distributions!.sha256}`,
      );
      assert.match(err.message, /altered in the store\?\)$/);
      return true;
    });
    assert.equal(await store.list(`reports/${MODEL}`).then((keys) => keys.filter((k) => k.endsWith('.json')).length), 0);
  });

  it('a missing object is an error naming it that is retried (not an UpkeepError)', async function () {
    const lean = await storeDistributions(store, MODEL, summary());
    unlinkSync(fileURLToPath(lean.distributions!.uri));
    await assert.rejects(writeReport(store, input(lean)), (err: Error) => {
      assert.ok(!isUpkeepError(err), 'retried like other store reads');
      assert.equal(
        err.message,
        `model ${MODEL}: the drift distributions ${lean.distributions!.uri} are not in the store (removed?): the report cannot show the columns' distributions`,
      );
      return true;
    });
  });

  it('a summary without drift or without distributions is left as it is, and stores nothing', async function () {
    const { drift: _d, ...none } = summary();
    assert.deepEqual(await storeDistributions(store, MODEL, none), none);
    const bare = summary();
    for (const c of Object.values(bare.drift!.columns)) delete c.distribution;
    delete bare.drift!.label!.distribution;
    assert.deepEqual(await storeDistributions(store, MODEL, bare), bare);
    assert.deepEqual(await store.list('evaluation-distributions'), []);
  });
});
