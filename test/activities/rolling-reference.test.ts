import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createDataActivities } from '../../activities/data.js';
import { createEvaluationActivities } from '../../activities/evaluation.js';
import { modelSpec, type ModelSpec } from '../../domain/config.js';
import type { EvaluationSummary, ResolvedModel } from '../../domain/evaluation.js';
import { rollingReferenceWindow } from '../../engine/data/model-window.js';
import { createFileDataSource } from '../../engine/data/source.js';
import { createEvaluationEngine, type EvaluationEngine } from '../../engine/evaluation/evaluate.js';
import { profileReferenceData } from '../../engine/evaluation/reference.js';
import { renderReportMarkdown, buildReport } from '../../engine/evaluation/report.js';
import { createFileStore } from '../../engine/store/file-store.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import { sha256Hex } from '../../engine/util.js';
import { decideVerdict } from '../../workflows/policy.js';
import { rng } from '../../scripts/bench/data.js';
import { fixtureBytes, specFor } from '../helpers/fixtures.js';

const ROWS = 400;
const DAY_MS = 86_400_000;
const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** One day of rows for models/binary.onnx: x1..x4 uniform on [-2, 2], x1 moved by `shift`. */
function dayCsv(seed: number, shift: number): string {
  const u = rng(seed);
  const lines = ['x1,x2,x3,x4,y'];
  for (let r = 0; r < ROWS; r++) {
    const x = [0, 1, 2, 3].map((j) => Math.round((u() * 4 - 2 + (j === 0 ? shift : 0)) * 1e4) / 1e4);
    const logit = -0.2 + x.reduce((s, v, j) => s + (j + 1) * 0.4 * v, 0);
    lines.push(`${x.join(',')},${u() < 1 / (1 + Math.exp(-logit)) ? 1 : 0}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('references need not be frozen: rolling and same-weekday references', function () {
  this.timeout(120_000);
  let dir: string;
  let store: ArtifactStore;
  let engine: EvaluationEngine;
  let data: ReturnType<typeof createDataActivities>;
  let evaluation: ReturnType<typeof createEvaluationActivities>;
  const modelBytes = fixtureBytes('models/binary.onnx');
  const base = {
    task: 'binary' as const,
    inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }],
    label: { column: 'y', positive: 1 },
    thresholds: { metric: 'roc_auc', min: 0.5 },
    monitor: { significance: { resamples: 0 } },
  };

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-rolling-'));
    store = createFileStore(pathToFileURL(path.join(dir, 'store')).href);
    engine = createEvaluationEngine({ threads: 1 });
    const files = createFileDataSource();
    data = createDataActivities({ store, data: files });
    evaluation = createEvaluationActivities({ store, data: files, engine });
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes a feed of daily files from..to (inclusive) into its own folder; `shift(day)` moves x1. */
  function feed(name: string, from: string, to: string, shift: (date: string, index: number) => number): string {
    const folder = path.join(dir, name);
    mkdirSync(folder, { recursive: true });
    let i = 0;
    for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS, i++) {
      writeFileSync(path.join(folder, `${iso(t)}.csv`), dayCsv(1000 + i, shift(iso(t), i)));
    }
    return `${pathToFileURL(folder).href}/{date}.csv`;
  }

  async function model(spec: ModelSpec, referenceUri?: string): Promise<ResolvedModel> {
    const sha = sha256Hex(modelBytes);
    const artifact = await store.put(`models/${spec.id}/artifacts/${sha}.onnx`, modelBytes);
    return {
      modelId: spec.id,
      spec,
      artifactUri: artifact.uri,
      artifactSha256: sha,
      artifactBytes: modelBytes.byteLength,
      ...(referenceUri ? { referenceUri } : {}),
    };
  }

  /** A frozen profile of the given days of a feed, stored as `upkeep profile` would. */
  async function frozenProfile(spec: ModelSpec, windowEnd: string, days: number): Promise<string> {
    const snap = await data.snapshotWindow({ model: await model(spec), windowEnd, days });
    const files = snap.files.map((f) => ({
      name: `${f.date}.csv`,
      format: 'csv' as const,
      load: async () => new Uint8Array(readFileSync(new URL(f.sourceUri))),
    }));
    const { profile } = await profileReferenceData({
      spec,
      modelBytes,
      modelKey: sha256Hex(modelBytes),
      artifactName: 'binary.onnx',
      files,
      engine,
      createdAt: windowEnd,
      source: 'frozen',
    });
    return (await store.put(`profiles/${spec.id}/frozen-${windowEnd.slice(0, 10)}.json`, JSON.stringify(profile))).uri;
  }

  /** Snapshots the window (and the rolling reference, as the workflow does) and evaluates it. */
  async function evaluate(m: ResolvedModel, windowEnd: string): Promise<EvaluationSummary> {
    const snapshot = await data.snapshotWindow({ model: m, windowEnd });
    const reference = typeof m.spec.reference === 'object' ? await data.snapshotWindow({ model: m, windowEnd, reference: true }) : undefined;
    return evaluation.evaluateSnapshot({ model: m, snapshot, ...(reference ? { reference } : {}) });
  }

  const drifted = (s: EvaluationSummary): boolean => s.drift?.columns.x1?.drifted === true;

  it('a weekly cycle: a frozen reference flags a Saturday, the same weekday over four weeks does not', async () => {
    // Weekends run 1.5 higher in x1; the window is one day, Saturday 2026-11-28.
    const weekend = (date: string): number => ([0, 6].includes(new Date(`${date}T00:00:00Z`).getUTCDay()) ? 1.5 : 0);
    const uri = feed('weekly', '2026-10-01', '2026-11-28', weekend);
    const windowEnd = '2026-11-29T00:00:00Z';
    const frozenSpec = specFor({ ...base, id: 'weekly-frozen', data: { uri, window: { days: 1 } } });
    const frozen = await evaluate(await model(frozenSpec, await frozenProfile(frozenSpec, '2026-11-28T00:00:00Z', 28)), windowEnd);
    assert.equal(drifted(frozen), true, 'the frozen four weeks (mostly weekdays) flag the weekend');
    assert.equal(frozen.rollingReference, undefined);

    const sameSpec = specFor({ ...base, id: 'weekly-same', data: { uri, window: { days: 1 } }, reference: { rolling: '28d', same: 'weekday' } });
    const same = await evaluate(await model(sameSpec), windowEnd);
    assert.equal(drifted(same), false, `same weekday: ${JSON.stringify(same.drift?.columns.x1)}`);
    assert.deepEqual(same.rollingReference?.days, ['2026-10-31', '2026-11-07', '2026-11-14', '2026-11-21'], 'the four Saturdays before the window');
    assert.equal(same.rollingReference?.rows, 4 * ROWS);
    assert.equal(same.rollingReference?.why, undefined);
    // The report names the days that formed the reference.
    const m = await model(sameSpec);
    const snapshot = await data.snapshotWindow({ model: m, windowEnd });
    const verdict = decideVerdict({
      model: { primaryMetric: 'roc_auc', thresholds: sameSpec.thresholds, baseline: {}, minRows: 1 },
      snapshot,
      evaluation: same,
    });
    const markdown = renderReportMarkdown(buildReport({ model: m, snapshot, evaluation: same, verdict }));
    assert.match(
      markdown,
      /Rolling reference \(the 28d before the window, same weekday only\): 4 days, 1600 rows: 2026-10-31, 2026-11-07, 2026-11-14, 2026-11-21\./,
    );
  });

  it('a slow legitimate change: a rolling reference follows it, a frozen one flags it', async () => {
    // x1 moves up by 0.005 a day for 100 days (0.5 in all; a rolling reference lags by about 14 days, 0.07).
    const uri = feed('slow', '2026-08-21', '2026-11-28', (_, i) => 0.005 * i);
    const windowEnd = '2026-11-29T00:00:00Z';
    const frozenSpec = specFor({ ...base, id: 'slow-frozen', data: { uri, window: { days: 1 } } });
    // Frozen at the first four weeks of the feed.
    const frozen = await evaluate(await model(frozenSpec, await frozenProfile(frozenSpec, '2026-09-18T00:00:00Z', 28)), windowEnd);
    assert.equal(drifted(frozen), true);
    const rollingSpec = specFor({ ...base, id: 'slow-rolling', data: { uri, window: { days: 1 } }, reference: { rolling: '28d' } });
    const rolling = await evaluate(await model(rollingSpec), windowEnd);
    assert.equal(drifted(rolling), false, `rolling: ${JSON.stringify(rolling.drift?.columns.x1)}`);
    assert.equal(rolling.rollingReference?.days.length, 28);
    assert.equal(rolling.rollingReference?.days[0], '2026-10-31');
    assert.equal(rolling.rollingReference?.days.at(-1), '2026-11-27');
    // In shards, merged: the same reference and the same drift.
    const m = await model(rollingSpec);
    const snapshot = await data.snapshotWindow({ model: m, windowEnd });
    const reference = await data.snapshotWindow({ model: m, windowEnd, reference: true });
    const plan = await evaluation.planEvaluationShards({ model: m, snapshot, shards: 2, reference });
    const shards = await Promise.all(plan.map((shard) => evaluation.evaluateShard({ model: m, snapshot, shard, reference })));
    const merged = await evaluation.mergeEvaluationShards({ model: m, snapshot, shards, reference });
    assert.deepEqual(merged.rollingReference, rolling.rollingReference);
    assert.deepEqual(merged.drift, rolling.drift);
  });

  it('too few reference days: the window is evaluated without drift checks and the verdict says why', async () => {
    // A new model: data only from 2026-11-20; 28 days asked for, at least 14 needed.
    const uri = feed('young', '2026-11-20', '2026-11-28', () => 0);
    const spec = specFor({ ...base, id: 'young', data: { uri, window: { days: 1 } }, reference: { rolling: '28d', min_days: 14 } });
    const m = await model(spec);
    const windowEnd = '2026-11-29T00:00:00Z';
    const summary = await evaluate(m, windowEnd);
    assert.equal(summary.drift, undefined);
    assert.equal(summary.quality, undefined);
    assert.ok(summary.metrics.roc_auc! > 0.5, 'the metrics are still computed');
    const why = summary.rollingReference?.why;
    assert.equal(
      why,
      'rolling reference: 8 of the 28 reference days (2026-10-31..2026-11-27) hold data, fewer than min_days 14: drift and data quality were not checked',
    );
    assert.deepEqual(summary.rollingReference?.days, [
      '2026-11-20',
      '2026-11-21',
      '2026-11-22',
      '2026-11-23',
      '2026-11-24',
      '2026-11-25',
      '2026-11-26',
      '2026-11-27',
    ]);
    const snapshot = await data.snapshotWindow({ model: m, windowEnd });
    const verdict = decideVerdict({
      model: { primaryMetric: 'roc_auc', thresholds: spec.thresholds, baseline: {}, minRows: 1 },
      snapshot,
      evaluation: summary,
    });
    assert.equal(verdict.status, 'healthy', 'the metric still decides');
    assert.ok(verdict.reasons.includes(why!), verdict.reasons.join('\n'));
  });

  it('reference days whose labels are not known yet: the inputs are still compared, the label is not', async () => {
    const uri = feed('unlabelled', '2026-11-14', '2026-11-28', () => 0);
    // The reference days have lost their labels (empty), the window keeps its own.
    for (let t = Date.parse('2026-11-14T00:00:00Z'); t < Date.parse('2026-11-28T00:00:00Z'); t += DAY_MS) {
      const file = path.join(dir, 'unlabelled', `${iso(t)}.csv`);
      writeFileSync(file, readFileSync(file, 'utf8').replace(/,[01]$/gm, ','));
    }
    const spec = specFor({ ...base, id: 'unlabelled', data: { uri, window: { days: 1 } }, reference: { rolling: '14d' } });
    const summary = await evaluate(await model(spec), '2026-11-29T00:00:00Z');
    assert.ok(summary.metrics.roc_auc! > 0.5);
    assert.equal(summary.rollingReference?.why, undefined);
    assert.equal(summary.rollingReference?.days.length, 14);
    // Rows without a label are unlabelled, not invalid: the reference's inputs are profiled and compared.
    assert.deepEqual(Object.keys(summary.drift?.columns ?? {}).sort(), ['x1', 'x2', 'x3', 'x4']);
    assert.equal('(label)' in summary.drift!.alarm!.p_values, false, 'no label distribution to compare the label with');
    // The window's labels are not "new categories" of a reference column that had none.
    assert.deepEqual(
      summary.quality!.issues.filter((i) => i.column === 'y'),
      [],
    );
  });

  it('the days of a rolling reference, and the config that declares one', () => {
    const spec = specFor({ ...base, data: { uri: '/data/{date}.csv', window: { days: 7 } }, reference: { rolling: '14d' } });
    const w = rollingReferenceWindow(spec, new Date('2026-11-29T00:00:00Z'));
    // The window is 11-22..11-28; the reference the 14 days before it.
    assert.equal(w.firstDay, '2026-11-08');
    assert.equal(w.lastDay, '2026-11-21');
    assert.equal(w.days.length, 14);
    assert.equal(w.days[0]!.uri, '/data/2026-11-08.csv');
    // One-day window on a Monday, same weekday: the Mondays of the 21 days before it.
    const monday = specFor({ ...base, data: { uri: '/data/{date}.csv', window: { days: 1 } }, reference: { rolling: '21d', same: 'weekday' } });
    assert.deepEqual(
      rollingReferenceWindow(monday, new Date('2026-11-24T00:00:00Z')).days.map((d) => d.date),
      ['2026-11-02', '2026-11-09', '2026-11-16'],
    );
    // A string is still a profile path.
    assert.equal(specFor({ ...base, reference: 'profiles/x.json' }).reference, 'profiles/x.json');
    const problems = (reference: unknown, uri = '/data/{date}.csv'): string[] => {
      const r = modelSpec.safeParse({ ...specFor({ ...base }), data: { uri, window: { days: 1 } }, reference });
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    assert.deepEqual(problems({ rolling: '28d' }), []);
    assert.deepEqual(problems({ rolling: '28d' }, '/data/all.csv'), [
      'reference.rolling: a rolling reference needs dated data (a {date} in data.uri, or a query) to find the days before the window',
    ]);
    assert.deepEqual(problems({ rolling: '5d', same: 'weekday' }), [
      'reference.rolling: same: weekday needs at least 7d of rolling days to hold every weekday (got 5d)',
    ]);
    assert.deepEqual(problems({ rolling: '7d', min_days: 8 }), ['reference.min_days: min_days 8 is more than the 7 rolling days']);
    assert.ok(problems({ rolling: '12h' }).some((p) => p.includes('expected whole days, like 28d')));
    assert.ok(problems({ rolling: '28d', same: 'hour' }).length > 0);
  });
});
