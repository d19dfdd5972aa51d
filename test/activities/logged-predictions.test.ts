/**
 * The outputs a model served, as logged (data.logged, engine/evaluation/logged.ts): skew against
 * the champion's re-score counted exactly (in one pass or in shards), the window judged on the
 * logged outputs with `metrics_from: logged`, and a candidate judged on its own re-score.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { createEvaluationActivities } from '../../activities/evaluation.js';
import { createEvaluationEngine, type EvaluationEngine } from '../../engine/evaluation/evaluate.js';
import { metricsOf } from '../../engine/evaluation/collected-metrics.js';
import { buildReport, renderReportMarkdown } from '../../engine/evaluation/report.js';
import { createFileDataSource } from '../../engine/data/source.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { isUpkeepError } from '../../engine/errors.js';
import { sha256Hex } from '../../engine/util.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import type { ModelSpec } from '../../domain/config.js';
import type { EvaluationSummary, ResolvedModel, SnapshotRef } from '../../domain/evaluation.js';
import { fixtureBytes, specFor } from '../helpers/fixtures.js';
import { rng } from '../../scripts/bench/data.js';

const ROWS = 3000;
const numbers = (s: EvaluationSummary): Omit<EvaluationSummary, 'durationMs'> => {
  const { durationMs: _, ...rest } = s;
  return rest;
};

/** Features for models/binary.onnx (x1..x4), the label y and the key request_id. */
function features(rows: number, seed: number): { x: Float64Array[]; y: Int32Array; key: string[] } {
  const u = rng(seed);
  const x = [0, 1, 2, 3].map(() => new Float64Array(rows));
  const y = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let logit = -0.2;
    for (let j = 0; j < 4; j++) {
      const v = Math.round((u() * 4 - 2) * 1e4) / 1e4;
      x[j]![r] = v;
      logit += (j + 1) * 0.4 * v;
    }
    y[r] = u() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  return { x, y, key: Array.from({ length: rows }, (_, r) => `req-${r}`) };
}

function parquet(f: ReturnType<typeof features>, from: number, to: number, served: (number | null)[]): Uint8Array {
  return new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        ...f.x.map((data, j) => ({ name: `x${j + 1}`, data: data.slice(from, to), type: 'DOUBLE' as const, nullable: false })),
        { name: 'y', data: f.y.slice(from, to), type: 'INT32' as const, nullable: false },
        { name: 'request_id', data: f.key.slice(from, to), type: 'STRING' as const },
        { name: 'served_score', data: served.slice(from, to), type: 'DOUBLE' as const },
      ],
      rowGroupSize: 500,
    }),
  );
}

describe('logged predictions: skew and metrics from what was served', function () {
  this.timeout(120_000);
  let dir: string;
  let store: ArtifactStore;
  let engine: EvaluationEngine;
  let activities: ReturnType<typeof createEvaluationActivities>;
  const modelBytes = fixtureBytes('models/binary.onnx');
  const f = features(ROWS, 11);
  /** The champion's re-score of each row: P(y = 1). */
  let rescore: Float64Array;
  /** The re-score's two probabilities per row, as the model gives them. */
  let rescoreRows: Float64Array;
  let positive: number;
  /** The served scores: the re-score, but 0.2 off every 10th row from row 3, and missing every 50th from row 7. */
  let served: (number | null)[];

  const spec = (logged?: Record<string, unknown>): ModelSpec =>
    specFor({
      task: 'binary',
      id: 'served',
      inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }],
      label: { column: 'y', positive: 1 },
      thresholds: { metric: 'roc_auc', min: 0.5 },
      data: { uri: '/tmp/{date}.parquet', key: 'request_id', ...(logged ? { logged } : {}) },
    });

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-logged-'));
    store = createFileStore(pathToFileURL(dir).href);
    engine = createEvaluationEngine({ threads: 2, batchSize: 333 });
    activities = createEvaluationActivities({ store, data: createFileDataSource(), engine, heartbeat: () => undefined });
    const bytes = parquet(f, 0, ROWS, new Array<null>(ROWS).fill(null));
    const partial = await engine.collect({
      spec: spec(),
      modelBytes,
      modelKey: sha256Hex(modelBytes),
      artifactName: 'binary.onnx',
      files: [{ name: 'all.parquet', format: 'parquet', load: async () => bytes }],
    });
    const part = partial.parts[0]!;
    positive = part.labels!.indexOf('1');
    rescoreRows = Float64Array.from(part.proba!);
    rescore = Float64Array.from({ length: ROWS }, (_, r) => part.proba![2 * r + positive]!);
    served = Array.from(rescore, (s, r) => (r % 50 === 7 ? null : r % 10 === 3 ? (s > 0.5 ? s - 0.2 : s + 0.2) : s));
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function stage(s: ModelSpec, files: Uint8Array[], champion = true): Promise<{ model: ResolvedModel; snapshot: SnapshotRef }> {
    const sha = sha256Hex(modelBytes);
    const artifact = await store.put(`models/${s.id}/artifacts/${sha}.onnx`, modelBytes);
    const staged = [];
    for (const [i, bytes] of files.entries()) {
      const fileSha = sha256Hex(bytes);
      const put = await store.put(`snapshots/${s.id}/files/${fileSha}.parquet`, bytes);
      staged.push({ date: `2026-11-1${i}`, sourceUri: `file:///data/${i}.parquet`, uri: put.uri, sha256: fileSha, bytes: bytes.byteLength, rows: 0 });
    }
    const counts = files.length === 1 ? [ROWS] : [ROWS / 2, ROWS / 2];
    staged.forEach((x, i) => (x.rows = counts[i]!));
    const snapshotSha = sha256Hex(JSON.stringify(staged));
    return {
      model: {
        modelId: s.id,
        spec: s,
        artifactUri: artifact.uri,
        artifactSha256: sha,
        artifactBytes: modelBytes.byteLength,
        ...(champion ? {} : { champion: false as const }),
      },
      snapshot: {
        uri: store.uriFor(`snapshots/${s.id}/manifests/${snapshotSha}.json`),
        sha256: snapshotSha,
        firstDay: staged[0]!.date,
        lastDay: staged.at(-1)!.date,
        windowEnd: '2026-11-30T00:00:00Z',
        rows: ROWS,
        files: staged,
        missing: [],
      },
    };
  }

  const expectedSkewed = (): { skewed: number; missing: number; examples: string[] } => {
    let skewed = 0;
    let missing = 0;
    const examples: string[] = [];
    for (let r = 0; r < ROWS; r++) {
      if (r % 50 === 7) missing++;
      else if (r % 10 === 3) {
        skewed++;
        if (examples.length < 5) examples.push(`req-${r}`);
      }
    }
    return { skewed, missing, examples };
  };

  it('counts the rows whose logged score is off the re-score, and keeps the metrics of the re-score by default', async () => {
    const { model, snapshot } = await stage(spec({ score: 'served_score', skew_tolerance: 0.01 }), [parquet(f, 0, ROWS, served)]);
    const summary = await activities.evaluateSnapshot({ model, snapshot });
    const e = expectedSkewed();
    assert.deepEqual(summary.logged, {
      metricsFrom: 'rescored',
      score: 'served_score',
      tolerance: 0.01,
      compared: ROWS - e.missing,
      skewed: e.skewed,
      share: e.skewed / (ROWS - e.missing),
      missing: e.missing,
      examples: e.examples,
    });
    assert.deepEqual(e.examples, ['req-3', 'req-13', 'req-23', 'req-33', 'req-43']);
    const plain = await stage({ ...spec(), id: 'served-plain' }, [parquet(f, 0, ROWS, served)]);
    const without = await activities.evaluateSnapshot(plain);
    assert.equal(without.logged, undefined);
    assert.deepEqual(summary.metrics, without.metrics, 'judged on the re-score');
    assert.ok(summary.warnings.some((w) => w.startsWith(`training/serving skew: ${e.skewed} of ${ROWS - e.missing} rows`)));
    const md = renderReportMarkdown(buildReport({ model, snapshot, evaluation: summary, verdict: { status: 'healthy', reasons: [] } as never }));
    assert.match(md, /Judged on the champion's re-score; the logged predictions \(`served_score`\) are compared with it\./);
    assert.match(md, /Training\/serving skew: \*\*300\*\* of 2940 rows \(10\.20%\) differ from the champion's re-score by more than 0\.01, e\.g\. `req-3`/);
  });

  it('with metrics_from: logged, judges the window on the logged scores: the metrics of those scores computed directly', async () => {
    const { model, snapshot } = await stage({ ...spec({ score: 'served_score', metrics_from: 'logged' }), id: 'served-logged' }, [parquet(f, 0, ROWS, served)]);
    const summary = await activities.evaluateSnapshot({ model, snapshot });
    // Directly: the labels beside the served scores (the re-score where none was logged).
    const proba = new Float64Array(2 * ROWS);
    const yPred = new Int32Array(ROWS);
    for (let r = 0; r < ROWS; r++) {
      const s = served[r]!;
      if (s === null) {
        proba[2 * r] = rescoreRows[2 * r]!;
        proba[2 * r + 1] = rescoreRows[2 * r + 1]!;
      } else {
        proba[2 * r + positive] = s;
        proba[2 * r + 1 - positive] = 1 - s;
      }
      yPred[r] = proba[2 * r + 1]! > proba[2 * r]! ? 1 : 0;
    }
    const labels = positive === 1 ? ['0', '1'] : ['1', '0'];
    const yTrue = Int32Array.from(f.y, (v) => labels.indexOf(String(v)));
    const direct = metricsOf(
      { task: 'binary', rows: ROWS, rowsRead: ROWS, droppedRows: 0, invalid: [], yTrueClass: yTrue, yPredClass: yPred, proba, labels },
      2,
      positive,
    );
    for (const [name, value] of Object.entries(direct.metrics)) {
      assert.ok(value === null || Math.abs(summary.metrics[name]! - value) <= 1e-12, `${name}: ${summary.metrics[name]} vs ${value}`);
    }
    assert.notEqual(
      summary.metrics.roc_auc,
      (await activities.evaluateSnapshot(await stage({ ...spec(), id: 'served-rescored' }, [parquet(f, 0, ROWS, served)]))).metrics.roc_auc,
    );
    assert.equal(summary.logged!.metricsFrom, 'logged');
    assert.ok(
      summary.warnings.includes(
        `${expectedSkewed().missing} rows have no usable logged output (missing, not finite, or a score outside [0, 1]): they are judged on the champion's re-score`,
      ),
    );
    const md = renderReportMarkdown(buildReport({ model, snapshot, evaluation: summary, verdict: { status: 'healthy', reasons: [] } as never }));
    assert.match(md, /Judged on the logged predictions \(what was served: `served_score`\), not on the champion's re-score\./);
  });

  it('merges the shards to the summary of one pass, skew counts and examples included', async () => {
    for (const metricsFrom of ['rescored', 'logged']) {
      const s = { ...spec({ score: 'served_score', metrics_from: metricsFrom }), id: `served-shards-${metricsFrom}` };
      const { model, snapshot } = await stage(s, [parquet(f, 0, ROWS / 2, served), parquet(f, ROWS / 2, ROWS, served)]);
      const single = await activities.evaluateSnapshot({ model, snapshot });
      for (const k of [2, 3, 5]) {
        const plan = await activities.planEvaluationShards({ model, snapshot, shards: k });
        const results = await Promise.all(
          plan.map((shard) => activities.evaluateShard({ model, snapshot: { sha256: snapshot.sha256, files: snapshot.files }, shard })),
        );
        const merged = await activities.mergeEvaluationShards({ model, snapshot, shards: results.map((r) => ({ key: r.key, index: r.index })) });
        assert.deepEqual(numbers(merged), numbers(single), `${metricsFrom} in ${k} shards`);
      }
      assert.equal(single.logged!.skewed, expectedSkewed().skewed);
    }
  });

  it('judges a candidate (not the champion) on its own re-score, without skew', async () => {
    const s = { ...spec({ score: 'served_score', metrics_from: 'logged' }), id: 'served-candidate' };
    const { model, snapshot } = await stage(s, [parquet(f, 0, ROWS, served)], false);
    const summary = await activities.evaluateSnapshot({ model, snapshot });
    assert.equal(summary.logged, undefined);
    const plain = await activities.evaluateSnapshot(await stage({ ...spec(), id: 'served-candidate-plain' }, [parquet(f, 0, ROWS, served)]));
    assert.deepEqual(summary.metrics, plain.metrics);
  });

  it('names the model, the file and the column when a logged column is missing', async () => {
    const { model, snapshot } = await stage({ ...spec({ score: 'served_prob' }), id: 'served-missing' }, [parquet(f, 0, ROWS, served)]);
    await assert.rejects(activities.evaluateSnapshot({ model, snapshot }), (err: unknown) => {
      assert.ok(isUpkeepError(err, 'SchemaMismatch'), String(err));
      assert.match((err as Error).message, /^model served-missing: file 2026-11-10 0\.parquet: column served_prob \(data\.logged\.score\) is missing; it has /);
      return true;
    });
  });
});
