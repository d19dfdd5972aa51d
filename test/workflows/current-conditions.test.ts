import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, findModel } from '../../engine/config/load.js';
import { createEvaluationEngine } from '../../engine/evaluation/evaluate.js';
import { profileReferenceData } from '../../engine/evaluation/reference.js';
import { profileKey } from '../../engine/store/keys.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { sha256Hex } from '../../engine/util.js';
import { evaluateModel } from '../../workflows/index.js';
import type { EvaluateModelResult } from '../../workflows/definitions.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { fixture } from '../helpers/fixtures.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

/** The binary fixture's rows with a categorical `channel` column, transformed per row. */
function variant(opts: { shiftX1?: number; newChannelEvery?: number; flipPercent?: number; dropColumn?: string }): string {
  const [header, ...rows] = readFileSync(fixture('data/binary.csv'), 'utf8').trim().split('\n');
  const cols = [...header!.split(','), 'channel'];
  const out = rows.map((line, i) => {
    const v = line.split(',');
    if (opts.shiftX1) v[0] = String(Number(v[0]) + opts.shiftX1);
    // Nested sets: the rows flipped at k% are also flipped at every higher percentage.
    if (opts.flipPercent && (i * 37) % 100 < opts.flipPercent) v[4] = v[4] === '1' ? '0' : '1';
    const channel = opts.newChannelEvery && i % opts.newChannelEvery === 0 ? 'partner' : i % 3 === 0 ? 'store' : 'web';
    return [...v, channel];
  });
  const drop = opts.dropColumn ? cols.indexOf(opts.dropColumn) : -1;
  const keep = (r: string[]) => r.filter((_, j) => j !== drop).join(',');
  return `${[keep(cols), ...out.map(keep)].join('\n')}\n`;
}

describe('current conditions in scheduled evaluations', function () {
  this.timeout(180_000);
  let ws: Workspace;
  afterEach(() => ws.remove());

  async function setUp(name: string, model: Record<string, unknown> = {}) {
    const t = await testTemporal();
    const modelId = uniqueModelId(name);
    const taskQueue = uniqueTaskQueue(name);
    ws = createWorkspace(modelId, {
      data: { uri: 'data/{date}.csv', window: { days: 1 } },
      monitor: { categorical: ['channel'], significance: { resamples: 100 } },
      ...model,
    });
    // The reference profile of this model version, as `upkeep profile` stores it.
    writeFileSync(path.join(ws.dir, 'reference.csv'), variant({}));
    const config = await loadConfig(ws.configPath);
    const spec = findModel(config, modelId);
    const bytes = new Uint8Array(readFileSync(new URL(spec.artifact)));
    const engine = createEvaluationEngine();
    try {
      const { profile } = await profileReferenceData({
        spec,
        modelBytes: bytes,
        modelKey: sha256Hex(bytes),
        artifactName: 'binary.onnx',
        files: [{ name: 'reference.csv', format: 'csv', load: async () => new Uint8Array(readFileSync(path.join(ws.dir, 'reference.csv'))) }],
        engine,
        createdAt: '2026-01-01T00:00:00Z',
        source: 'reference.csv',
      });
      await createFileStore(config.store).put(profileKey(modelId, sha256Hex(bytes)), JSON.stringify(profile));
    } finally {
      await engine.close();
    }
    const run = async (date: string, csv: string): Promise<EvaluateModelResult> => {
      writeFileSync(path.join(ws.dataDir, `${date}.csv`), csv);
      const next = new Date(Date.parse(`${date}T06:00:00Z`) + 86_400_000).toISOString();
      return t.client.workflow.execute(evaluateModel, { taskQueue, workflowId: `${modelId}-${date}`, args: [{ modelId, windowEnd: next }] });
    };
    const { worker, engine: workerEngine } = await createUpkeepWorker({
      connection: t.connection,
      namespace: 'default',
      taskQueue,
      configPath: ws.configPath,
      workflowBundle: t.bundle,
    });
    return { run, within: <T>(fn: () => Promise<T>) => worker.runUntil(fn).finally(() => workerEngine.close()) };
  }

  it('finds nothing on data like the reference', async function () {
    const { run, within } = await setUp('calm');
    const r = await within(() => run('2026-02-01', variant({})));
    assert.equal(r.verdict.status, 'healthy', r.verdict.reasons.join('; '));
    const report = JSON.parse(readFileSync(new URL(r.report.jsonUri), 'utf8'));
    assert.equal(report.drift.dataset_drift, false);
    assert.deepEqual(report.drift.drifted_columns, []);
    assert.deepEqual(report.quality.issues, []);
    assert.ok(report.confidence.low <= report.metrics.roc_auc && report.metrics.roc_auc <= report.confidence.high);
  });

  it('names a mean shift, a new category and a dropped column', async function () {
    const { run, within } = await setUp('shifts');
    const [shift, category, dropped] = await within(async () => [
      await run('2026-02-01', variant({ shiftX1: 1.5 })),
      await run('2026-02-02', variant({ newChannelEvery: 10 })),
      await run('2026-02-03', variant({ dropColumn: 'x3' })),
    ]);
    assert.equal(shift!.verdict.status, 'warning');
    assert.match(shift!.verdict.reasons.join('\n'), /drift in x1 \(ks [0-9.e-]+[;)]|dataset drift: .*x1 \(ks/);

    assert.equal(category!.verdict.status, 'warning');
    const reasons = category!.verdict.reasons.join('\n');
    assert.match(reasons, /quality: column channel: 1 new category \(partner\) in 10\.0% of rows/);
    const report = JSON.parse(readFileSync(new URL(category!.report.jsonUri), 'utf8'));
    assert.deepEqual(report.drift.columns.channel.new_categories, ['partner']);
    assert.equal(report.drift.columns.channel.share_rows_new_category, 0.1);

    assert.equal(dropped!.verdict.status, 'failing');
    assert.match(dropped!.verdict.reasons[0]!, /column x3 \(input input\) is missing/);
  });

  it('reports a slow decline over 8 windows while every window passes its threshold', async function () {
    const { run, within } = await setUp('decline', {
      thresholds: { metric: 'roc_auc', min: 0.6 },
      monitor: { categorical: ['channel'], significance: { resamples: 0 } },
    });
    const results = await within(async () => {
      const out: EvaluateModelResult[] = [];
      // One more percent of the labels flipped each week: roc_auc falls slowly.
      for (let w = 0; w < 8; w++) {
        const date = new Date(Date.UTC(2026, 8, 14 + 7 * w)).toISOString().slice(0, 10);
        out.push(await run(date, variant({ flipPercent: w })));
      }
      return out;
    });
    const values = results.map((r) => r.metrics.roc_auc!);
    for (let i = 1; i < values.length; i++) assert.ok(values[i]! < values[i - 1]!, `roc_auc falls each week: ${values.join(', ')}`);
    for (const r of results) assert.ok(r.metrics.roc_auc! > 0.6, 'every window passes its threshold');
    const last = results.at(-1)!;
    assert.equal(last.verdict.status, 'warning');
    assert.match(last.verdict.reasons.join('\n'), /slow decline: roc_auc falling 0\.\d+ per week since 2026-09-1[45]/);
    assert.equal(results[2]!.verdict.status, 'healthy', 'too few windows to call a trend');
  });
});
