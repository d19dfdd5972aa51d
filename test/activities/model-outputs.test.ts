import assert from 'node:assert/strict';
import { createEvaluationEngine, type EvaluationEngine, type WindowFile } from '../../engine/evaluation/evaluate.js';
import { decodePartial, encodePartial } from '../../engine/evaluation/partial.js';
import { WindowArrays } from '../../engine/evaluation/window-arrays.js';
import { sha256Hex } from '../../engine/util.js';
import { isUpkeepError } from '../../engine/errors.js';
import { decideVerdict } from '../../workflows/policy.js';
import { DATA_ERROR_TYPES } from '../../domain/evaluation.js';
import { classifierModel, sqrtRegressorModel, tiledClassifierModel } from '../helpers/bad-models.js';
import { fixtureBytes, specFor } from '../helpers/fixtures.js';

const text = (rel: string): string => new TextDecoder().decode(fixtureBytes(rel));
const csvFile = (name: string, body: string): WindowFile => ({ name, format: 'csv', load: async () => new TextEncoder().encode(body) });

/** binary.csv with every feature made non-negative, then the features of `negative` rows (1-based) negated; `missing` rows lose x1. */
function binaryCsv(negative: number[] = [], missing: number[] = []): string {
  const [header, ...rows] = text('data/binary.csv').trimEnd().split('\n');
  return [
    header,
    ...rows.map((line, i) => {
      const cells = line.split(',');
      const x = cells.slice(0, 4).map((v) => String(Math.abs(Number(v)) + 0.01));
      if (negative.includes(i + 1)) x[1] = `-${x[1]}`;
      if (missing.includes(i + 1)) x[0] = '';
      return [...x, cells[4]].join(',');
    }),
  ].join('\n');
}

const binarySpec = specFor({
  task: 'binary',
  inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }],
  label: { column: 'y', positive: 1 },
  classes: [0, 1],
  invalid_rows: { action: 'drop', max_share: 0.1 },
});

describe("checking a model's outputs before any metric", function () {
  // Small batches and two threads: a window's problems are counted across batches, files and threads.
  let engine: EvaluationEngine;
  before(() => {
    engine = createEvaluationEngine({ threads: 2, batchSize: 97 });
  });
  after(() => engine.close());

  const evaluate = (model: Uint8Array, files: WindowFile[], spec = binarySpec) =>
    engine.evaluate({ spec, modelBytes: model, modelKey: sha256Hex(model), artifactName: 'bad.onnx', files });

  /** Rejects with ModelOutputInvalid and exactly `message`; the verdict made of it is failing. */
  async function refuses(p: Promise<unknown>, message: string): Promise<void> {
    await assert.rejects(p, (err: unknown) => {
      assert.ok(isUpkeepError(err, 'ModelOutputInvalid'), String(err));
      assert.equal(err.message, message);
      assert.ok(DATA_ERROR_TYPES.includes(err.type), 'the workflow turns it into a failing window');
      const verdict = decideVerdict({
        model: { primaryMetric: 'roc_auc', thresholds: { metric: 'roc_auc', min: 0.7 }, baseline: {}, minRows: 100 },
        snapshot: { rows: 1000, files: [{ date: 'd', sourceUri: '', uri: '', sha256: '', bytes: 0, rows: 1000 }], missing: [], firstDay: 'd', lastDay: 'd' },
        failure: { type: err.type, message: err.message },
      });
      assert.deepEqual(verdict, { status: 'failing', reasons: [`ModelOutputInvalid: ${message}`] });
      return true;
    });
  }

  it('fails a window whose probabilities are NaN, counting the rows over files, batches and threads and naming the first', async function () {
    // Sqrt of a negative feature: NaN probabilities for rows 17, 150 and 400 of a.csv and 5, 6 of b.csv.
    // Row 3 of a.csv is dropped for a missing value: rows keep their number in the file.
    const model = classifierModel({ sqrt: true, W: [0.1, -0.2, 0.3, 0.1, 0, 0.5, -0.1, 0.2], b: [0, 0], activation: 'softmax' });
    await refuses(
      evaluate(model, [csvFile('a.csv', binaryCsv([17, 150, 400], [3])), csvFile('b.csv', binaryCsv([5, 6]))]),
      'model fixture: output probabilities: 5 of 1999 rows are not finite (first: a.csv row 17, NaN)',
    );
    // The same model on data without a negative feature is evaluated.
    const summary = await evaluate(model, [csvFile('a.csv', binaryCsv())]);
    assert.equal(summary.rows, 1000);
  });

  it('counts the same rows when the window is evaluated in shards stored and merged (evaluation.shard_rows)', async function () {
    const model = classifierModel({ sqrt: true, W: [0.1, -0.2, 0.3, 0.1, 0, 0.5, -0.1, 0.2], b: [0, 0], activation: 'softmax' });
    const o = { spec: binarySpec, modelBytes: model, modelKey: sha256Hex(model), artifactName: 'bad.onnx' };
    // Each shard's partial goes through its stored form, as evaluateShard and mergeEvaluationShards do.
    const stored = [];
    for (const [i, f] of [csvFile('a.csv', binaryCsv([17, 150, 400], [3])), csvFile('b.csv', binaryCsv([5, 6]))].entries()) {
      stored.push(decodePartial(encodePartial(await engine.collect({ ...o, files: [f] }), { index: i }), `shard ${i}`).partial);
    }
    const message = 'model fixture: output probabilities: 5 of 1999 rows are not finite (first: a.csv row 17, NaN)';
    // Joined into the window's arrays as they are read (mergeEvaluationShards on a store read by range) …
    const arrays = new WindowArrays('binary', ['0', '1'], 1999, []);
    stored.flatMap((p) => p.parts).forEach((part, i) => arrays.add(i, structuredClone(part)));
    await refuses(engine.finish(o, [{ parts: [arrays.result()], sketches: [], fileColumns: [] }]), message);
    // … or as parts.
    await refuses(engine.finish(o, stored), message);
  });

  it('fails a window whose "probabilities" are a linear output above 1', async function () {
    await refuses(
      evaluate(classifierModel({ b: [1.7, 0.3], activation: 'none' }), [csvFile('binary.csv', binaryCsv())]),
      'model fixture: output probabilities: 1000 of 1000 rows hold a probability outside [0, 1] (first: binary.csv row 1, 1.7)',
    );
  });

  it('fails a window whose probabilities are in [0, 1] but do not sum to 1 per row', async function () {
    // A sigmoid per class instead of a softmax: 0.5 and 0.731.
    await refuses(
      evaluate(classifierModel({ b: [0, 1], activation: 'sigmoid' }), [csvFile('binary.csv', binaryCsv())]),
      'model fixture: output probabilities: 1000 of 1000 rows do not sum to 1 (first: binary.csv row 1, sum 1.23106)',
    );
  });

  it('fails a window whose probabilities have the wrong shape, rows × classes, instead of a RangeError', async function () {
    await refuses(
      evaluate(tiledClassifierModel(), [csvFile('binary.csv', binaryCsv())]),
      'model fixture: output probabilities: shape [97, 4] for a batch of 97 rows of binary.csv; expected [97, 2] (rows × classes: 0, 1)',
    );
    await refuses(
      evaluate(classifierModel({ b: [0, 0], activation: 'softmax', rowsMean: true }), [csvFile('binary.csv', binaryCsv())]),
      'model fixture: output probabilities: shape [1, 2] for a batch of 97 rows of binary.csv; expected [97, 2] (rows × classes: 0, 1)',
    );
  });

  it('fails a window whose regression values are not finite', async function () {
    const lines = text('data/regression.csv').trimEnd().split('\n').slice(1);
    const bad = lines
      .map((l, i) =>
        l
          .split(',')
          .slice(0, 3)
          .some((v) => Number(v) < 0)
          ? i + 1
          : 0,
      )
      .filter((i) => i > 0);
    assert.ok(bad.length > 0 && bad.length < lines.length);
    const spec = specFor({ task: 'regression', inputs: [{ name: 'input', columns: ['r1', 'r2', 'r3'] }], label: { column: 'target' } });
    await refuses(
      evaluate(sqrtRegressorModel(3), [csvFile('regression.csv', text('data/regression.csv'))], spec),
      `model fixture: output variable: ${bad.length} of ${lines.length} rows are not finite (first: regression.csv row ${bad[0]}, NaN)`,
    );
  });

  it('accepts a softmax whose float32 rows sum to 1 within rounding', async function () {
    const summary = await evaluate(classifierModel({ W: [0, 1, 0, -1, 0, 0.5, 0, 0], b: [0, 0], activation: 'softmax' }), [csvFile('binary.csv', binaryCsv())]);
    assert.equal(summary.rows, 1000);
    assert.equal(typeof summary.metrics.roc_auc, 'number');
  });
});
