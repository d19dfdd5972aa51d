import assert from 'node:assert/strict';
import type { ModelSpec } from '../../domain/config.js';
import type { EvaluationSummary } from '../../domain/evaluation.js';
import { createEvaluationEngine, referenceUnlabelled, type EvaluationEngine, type ReferenceInput, type WindowFile } from '../../engine/evaluation/evaluate.js';
import { profileReferenceData, referenceFromProfile } from '../../engine/evaluation/reference.js';
import type { ReferenceProfile } from '../../engine/drift/profile.js';
import { sha256Hex } from '../../engine/util.js';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { decodePartial, encodePartial } from '../../engine/evaluation/partial.js';
import { decideVerdict } from '../../workflows/policy.js';
import { fixtureBytes, goldenModelCases, specForCase, type GoldenCase } from '../helpers/fixtures.js';

const csv = (name: string, text: string): WindowFile => ({ name, format: 'csv', load: async () => new TextEncoder().encode(text) });
const lines = (c: GoldenCase): { header: string; rows: string[] } => {
  const [header, ...rows] = new TextDecoder().decode(fixtureBytes(c.data)).trimEnd().split('\n');
  return { header: header!, rows };
};
const withoutLabel = (line: string): string => line.slice(0, line.lastIndexOf(',') + 1);
const dropLast = (line: string): string => line.slice(0, line.lastIndexOf(','));

/** CSV lines (numbers, the label last and possibly empty) as a Parquet file of row groups of 200 rows. */
function halfParquet(header: string, rows: string[]): WindowFile {
  const names = header.split(',');
  const cells = rows.map((r) => r.split(','));
  const columnData = names.map((name, j) => {
    const values = cells.map((c) => (c[j] === '' ? null : c[j]!));
    const numeric = values.every((v) => v === null || !Number.isNaN(Number(v)));
    return numeric
      ? { name, data: values.map((v) => (v === null ? null : Number(v))), type: 'DOUBLE' as const }
      : { name, data: values, type: 'STRING' as const };
  });
  const bytes = new Uint8Array(parquetWriteBuffer({ columnData, rowGroupSize: 200 }));
  return { name: 'half.parquet', format: 'parquet', load: async () => bytes };
}

describe('estimated performance and multivariate drift through the engine', function () {
  this.timeout(120_000);
  let one: EvaluationEngine;
  let two: EvaluationEngine;
  const profiles = new Map<string, ReferenceProfile>();
  before(() => {
    one = createEvaluationEngine({ threads: 1, batchSize: 97 });
    two = createEvaluationEngine({ threads: 2, batchSize: 53 });
  });
  after(async () => {
    await one.close();
    await two.close();
  });

  const caseOf = (model: string): GoldenCase => goldenModelCases().find((g) => g.model === model && g.data.endsWith('.csv'))!;
  const spec = (c: GoldenCase, over: Partial<ModelSpec> = {}): ModelSpec => ({ ...specForCase(c), ...over });
  /** The spec with the domain classifier asked for (it is off by default: seconds a window). */
  const withDomainClassifier = (c: GoldenCase): ModelSpec => {
    const s = spec(c);
    return { ...s, monitor: { ...s.monitor, multivariate: { domain_classifier: true } } };
  };
  /** The fixture's own rows as the reference, profiled once per model. */
  async function reference(c: GoldenCase): Promise<ReferenceInput> {
    let p = profiles.get(c.model);
    if (!p) {
      const bytes = fixtureBytes(c.model);
      p = (
        await profileReferenceData({
          spec: spec(c),
          modelBytes: bytes,
          modelKey: sha256Hex(bytes),
          artifactName: 'm.onnx',
          files: [csv('reference.csv', new TextDecoder().decode(fixtureBytes(c.data)))],
          engine: one,
          createdAt: 't',
          source: 'reference.csv',
        })
      ).profile;
      // As stored and read back: plain JSON.
      p = JSON.parse(JSON.stringify(p)) as ReferenceProfile;
      profiles.set(c.model, p);
    }
    return referenceFromProfile(p, spec(c));
  }
  /** The workflows' verdict on a summary, judged on roc_auc with a minimum. */
  const rocAucVerdict = (evaluation: EvaluationSummary, rows: number, min: number, minRows: number) =>
    decideVerdict({
      model: { primaryMetric: 'roc_auc', thresholds: { metric: 'roc_auc', min }, baseline: {}, minRows },
      snapshot: { rows, files: [{ date: 'd', sourceUri: '', uri: '', sha256: '', bytes: 0, rows }], missing: [], firstDay: 'a', lastDay: 'b' },
      evaluation,
    });
  async function evaluate(engine: EvaluationEngine, c: GoldenCase, files: WindowFile[], ref?: ReferenceInput, s = spec(c)): Promise<EvaluationSummary> {
    const bytes = fixtureBytes(c.model);
    return engine.evaluate({ spec: s, modelBytes: bytes, modelKey: sha256Hex(bytes), artifactName: 'm.onnx', files, ...(ref ? { reference: ref } : {}) });
  }

  for (const model of ['models/binary.onnx', 'models/multiclass.onnx']) {
    it(`${model}: half the labels blanked gives realized on the labelled half and estimates on all rows, the same in shards`, async function () {
      const c = caseOf(model);
      const ref = await reference(c);
      assert.ok(ref.profile.estimators, 'the profile carries the fitted estimators');
      const { header, rows } = lines(c);
      const half = rows.map((r, i) => (i % 2 === 1 ? withoutLabel(r) : r));
      const labelledOnly = await evaluate(one, c, [csv('labelled.csv', [header, ...rows.filter((_, i) => i % 2 === 0)].join('\n'))]);
      const whole = await evaluate(one, c, [csv('half.csv', [header, ...half].join('\n'))], ref, withDomainClassifier(c));
      // The same rows in a Parquet file of five row groups: one thread reads it whole, two split it into shards.
      const parquet = halfParquet(header, half);
      const unsharded = await evaluate(one, c, [parquet], ref, withDomainClassifier(c));
      const sharded = await evaluate(two, c, [parquet], ref, withDomainClassifier(c));
      assert.equal(whole.rows, rows.length / 2);
      assert.deepEqual(whole.labels, { labelled: rows.length / 2, unlabelled: rows.length / 2 });
      assert.deepEqual(whole.metrics, labelledOnly.metrics);
      const est = whole.estimated!;
      assert.equal(est.method, 'cbpe');
      assert.equal(est.rows, rows.length);
      const primary = c.task === 'binary' ? 'roc_auc' : 'f1_macro';
      const m = est.metrics[primary]!;
      assert.equal(m.method, 'cbpe');
      assert.ok(m.lower! <= m.value! && m.value! <= m.upper!, 'the value lies in its band');
      // The window is the reference's own rows: the estimate is close to the realized value.
      assert.ok(Math.abs(m.value! - whole.metrics[primary]!) < 0.05, `${primary} estimated ${m.value} vs realized ${whole.metrics[primary]}`);
      assert.match(est.blindSpot, /label/);
      assert.ok(whole.multivariate?.reconstruction, 'reconstruction error against the reference');
      assert.equal(whole.multivariate!.reconstruction!.alert, false);
      assert.ok(whole.multivariate!.domainClassifier, 'a domain classifier against the reference sample');
      // Shards give exactly the same estimate and multivariate drift.
      assert.deepEqual(unsharded.estimated, whole.estimated);
      assert.deepEqual(sharded.estimated, unsharded.estimated);
      assert.deepEqual(sharded.multivariate, unsharded.multivariate);
      assert.deepEqual(sharded.labels, whole.labels);
      assert.deepEqual(sharded.metrics, whole.metrics);
    });
  }

  it('models/regression.onnx: half the labels blanked gives realized on the labelled half and a DLE estimate on all rows, the same in shards', async function () {
    const c = caseOf('models/regression.onnx');
    const ref = await reference(c);
    assert.ok(ref.profile.estimators?.dle, 'the profile carries the fitted loss models');
    const { header, rows } = lines(c);
    const half = rows.map((r, i) => (i % 2 === 1 ? withoutLabel(r) : r));
    const labelledOnly = await evaluate(one, c, [csv('labelled.csv', [header, ...rows.filter((_, i) => i % 2 === 0)].join('\n'))]);
    const parquet = halfParquet(header, half);
    const unsharded = await evaluate(one, c, [parquet], ref);
    const sharded = await evaluate(two, c, [parquet], ref);
    assert.deepEqual(unsharded.labels, { labelled: rows.length / 2, unlabelled: rows.length / 2 });
    assert.deepEqual(unsharded.metrics, labelledOnly.metrics);
    const est = unsharded.estimated!;
    assert.equal(est.method, 'dle');
    assert.equal(est.rows, rows.length);
    const m = est.metrics.rmse!;
    assert.equal(m.method, 'dle');
    assert.ok(m.lower! <= m.value! && m.value! <= m.upper!, 'the value lies in its band');
    assert.ok(Math.abs(m.value! - unsharded.metrics.rmse!) < 0.25 * unsharded.metrics.rmse!, `rmse estimated ${m.value} vs realized ${unsharded.metrics.rmse}`);
    assert.deepEqual(sharded.estimated, unsharded.estimated);
    assert.deepEqual(sharded.multivariate, unsharded.multivariate);
  });

  it('merges shards stored as partial results (row-group ranges, encoded and read back) into exactly the one-pass estimate', async function () {
    const c = caseOf('models/binary.onnx');
    const ref = await reference(c);
    const { header, rows } = lines(c);
    const file = halfParquet(
      header,
      rows.map((r, i) => (i % 3 === 0 ? r : withoutLabel(r))),
    );
    const bytes = fixtureBytes(c.model);
    const o = { spec: spec(c), modelBytes: bytes, modelKey: sha256Hex(bytes), artifactName: 'm.onnx', reference: ref };
    const whole = await one.evaluate({ ...o, files: [file] });
    const partials = [];
    for (const rowGroups of [
      { start: 0, end: 2 },
      { start: 2, end: 5 },
    ]) {
      const partial = await two.collect({ ...o, files: [{ ...file, rows: 200 * (rowGroups.end - rowGroups.start), rowGroups }] });
      partials.push(decodePartial(encodePartial(partial, {}), 'shard').partial);
    }
    const merged = await one.finish(o, partials);
    assert.deepEqual(merged.labels, { labelled: 334, unlabelled: 666 });
    assert.deepEqual(merged.estimated, whole.estimated);
    assert.deepEqual(merged.multivariate, whole.multivariate);
    assert.deepEqual(merged.metrics, whole.metrics);
  });

  it('estimates a window whose label column is absent, and judges the verdict on the estimate', async function () {
    const c = caseOf('models/binary.onnx');
    const ref = await reference(c);
    const { header, rows } = lines(c);
    const file = csv('unlabelled.csv', [dropLast(header), ...rows.map(dropLast)].join('\n'));
    const s = await evaluate(one, c, [file], ref);
    assert.equal(s.rows, 0);
    assert.deepEqual(s.labels, { labelled: 0, unlabelled: rows.length });
    assert.ok(s.estimated!.metrics.roc_auc!.value! > 0.7);
    assert.deepEqual(s.quality?.issues ?? [], [], 'the absent label is no quality issue');
    const judge = (min: number) =>
      decideVerdict({
        model: { primaryMetric: 'roc_auc', thresholds: { metric: 'roc_auc', min }, baseline: {}, minRows: 100 },
        snapshot: {
          rows: rows.length,
          files: [{ date: 'd', sourceUri: '', uri: '', sha256: '', bytes: 0, rows: rows.length }],
          missing: [],
          firstDay: 'a',
          lastDay: 'b',
        },
        evaluation: s,
      });
    const bad = judge(0.95);
    assert.equal(bad.status, 'degraded');
    assert.equal(bad.basis, 'estimated');
    assert.match(bad.reasons[0]!, /^estimated roc_auc 0\.\d+ is below the minimum 0\.95$/);
    const good = judge(0.6);
    assert.equal(good.status, 'healthy');
    assert.equal(good.basis, 'estimated');
  });

  it("marks the estimate unreliable when the window's labelled rows contradict the scores, and the verdict only warns", async function () {
    const c = caseOf('models/binary.onnx');
    const ref = await reference(c);
    const { header, rows } = lines(c);
    // 400 labelled rows whose labels are flipped (the model's calibration fails on them), the rest unlabelled.
    const flip = (line: string): string => `${withoutLabel(line)}${line.endsWith(',1') ? '0' : '1'}`;
    const window = rows.map((r, i) => (i < 400 ? flip(r) : withoutLabel(r)));
    const s = await evaluate(one, c, [csv('flipped.csv', [header, ...window].join('\n'))], ref);
    assert.equal(s.estimated!.reliability.reliable, false);
    assert.ok(s.estimated!.reliability.why);
    const v = rocAucVerdict(s, rows.length, 0.95, 500);
    assert.equal(v.status, 'warning', v.reasons.join('; '));
    assert.equal(v.basis, 'estimated');
    assert.match(v.reasons[0]!, /^the estimate is unreliable: /);
  });

  it('names the column that separates a shifted window from the reference in a multivariate warning', async function () {
    const c = caseOf('models/binary.onnx');
    const ref = await reference(c);
    const { header, rows } = lines(c);
    // x2 moved by 2, every label known.
    const shifted = rows.map((r) => {
      const cells = r.split(',');
      cells[1] = String(Number(cells[1]) + 2);
      return cells.join(',');
    });
    const s = await evaluate(one, c, [csv('shifted.csv', [header, ...shifted].join('\n'))], ref, withDomainClassifier(c));
    const d = s.multivariate!.domainClassifier!;
    assert.equal(d.alert, true);
    assert.equal(d.features[0]!.column, 'x2');
    const v = rocAucVerdict(s, rows.length, 0.5, 100);
    assert.notEqual(v.status, 'healthy');
    assert.ok(
      v.reasons.some((r) => /^multivariate drift: a classifier tells the window from the reference .*the columns that separate them most: x2/.test(r)),
      v.reasons.join('\n'),
    );
    // Not asked for, the domain classifier does not run; the reconstruction error always does.
    const plain = await evaluate(one, c, [csv('shifted.csv', [header, ...shifted].join('\n'))], ref);
    assert.equal(plain.multivariate?.domainClassifier, undefined);
    assert.ok(plain.multivariate?.reconstruction, 'the reconstruction error without the domain classifier');
  });

  it('gives no estimate against a profile made before estimators, and says so', async function () {
    const c = caseOf('models/binary.onnx');
    const ref = await reference(c);
    const { estimators: _old, ...profile } = ref.profile;
    const old = referenceFromProfile(profile, spec(c));
    const { header, rows } = lines(c);
    const s = await evaluate(one, c, [csv('half.csv', [header, ...rows.map((r, i) => (i % 2 ? withoutLabel(r) : r))].join('\n'))], old);
    assert.equal(s.estimated, undefined);
    assert.equal(s.multivariate, undefined);
    assert.deepEqual(s.labels, { labelled: 500, unlabelled: 500 });
    assert.ok(s.warnings.some((w) => /^no estimate for the 500 unlabelled rows: the reference profile was made before estimators/.test(w)));
    // A reference without CBPE (e.g. its rows had no labels) but with the rest: the window says why it has no estimate.
    const { cbpe: _cbpe, ...rest } = ref.profile.estimators as Record<string, unknown>;
    const noCbpe = referenceFromProfile({ ...ref.profile, estimators: rest }, spec(c));
    const t = await evaluate(one, c, [csv('half.csv', [header, ...rows.map((r, i) => (i % 2 ? withoutLabel(r) : r))].join('\n'))], noCbpe);
    assert.equal(t.estimated, undefined);
    assert.ok(t.multivariate?.reconstruction, 'multivariate drift needs no labels');
    assert.ok(
      t.warnings.some((w) => /^no estimate for the 500 unlabelled rows: the reference has no fitted CBPE \(its rows had no labels/.test(w)),
      t.warnings.join('\n'),
    );
  });

  it('gives no estimate against a reference none of whose rows has its label, and says that, not that the profile is old', async function () {
    const c = caseOf('models/binary.onnx');
    const { header, rows } = lines(c);
    const bytes = fixtureBytes(c.model);
    const unlabelled = [header, ...rows.map(withoutLabel)].join('\n');
    const { profile, estimatorNotes } = await profileReferenceData({
      spec: spec(c),
      modelBytes: bytes,
      modelKey: sha256Hex(bytes),
      artifactName: 'm.onnx',
      files: [csv('unlabelled.csv', unlabelled)],
      engine: one,
      createdAt: 't',
      source: 'unlabelled.csv',
    });
    assert.equal(profile.estimators, undefined);
    assert.deepEqual(estimatorNotes, ['no labelled reference rows: nothing to fit the estimators on']);
    assert.equal(referenceUnlabelled(profile), true);
    assert.equal(referenceUnlabelled((await reference(c)).profile), false);
    const s = await evaluate(one, c, [csv('window.csv', unlabelled)], referenceFromProfile(profile, spec(c)));
    assert.ok(
      s.warnings.includes(
        'no estimate for the 1000 unlabelled rows: the reference has no labelled rows to fit the estimators on; profile labelled reference data',
      ),
      s.warnings.join('\n'),
    );
  });

  it('keeps a model that emits NaN failing, never estimated, counting every scored row', async function () {
    const c = caseOf('models/binary.onnx');
    const ref = await reference(c);
    const { header, rows } = lines(c);
    // Inputs beyond float32 make the model's probabilities NaN on one unlabelled row.
    const huge = rows.map((r, i) => (i === 3 ? `1e308,1e308,1e308,1e308,` : withoutLabel(r)));
    await assert.rejects(evaluate(one, c, [csv('huge.csv', [header, ...huge].join('\n'))], ref), (err: Error & { type?: string }) => {
      assert.equal(err.type, 'ModelOutputInvalid');
      assert.match(err.message, /1 of 1000 rows are not finite \(first: huge\.csv row 4, NaN\)/);
      return true;
    });
  });
});
