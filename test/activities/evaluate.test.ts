import assert from 'node:assert/strict';
import { createEvaluationEngine, type EvaluationEngine, type WindowFile } from '../../engine/evaluation/evaluate.js';
import { formatOf } from '../../engine/data/count-rows.js';
import { sha256Hex } from '../../engine/util.js';
import { isUpkeepError } from '../../engine/errors.js';
import { profileReferenceData } from '../../engine/evaluation/reference.js';
import { assertClose, evaluateWithThreads, fixtureBytes, goldenModelCases, specFor, specForCase } from '../helpers/fixtures.js';

const file = (rel: string): WindowFile => ({ name: rel.split('/').pop()!, format: formatOf(rel)!, load: async () => fixtureBytes(rel) });

async function evaluate(engine: EvaluationEngine, modelRel: string, spec: ReturnType<typeof specFor>, dataRels: string[]) {
  const bytes = fixtureBytes(modelRel);
  return engine.evaluate({ spec, modelBytes: bytes, modelKey: sha256Hex(bytes), artifactName: modelRel.split('/').pop()!, files: dataRels.map(file) });
}

describe('evaluating ONNX models on fixture data', function () {
  // Small batches so that batching is exercised too; two threads so that shards are merged.
  let runner: EvaluationEngine;
  before(() => {
    runner = createEvaluationEngine({ threads: 2, batchSize: 97 });
  });
  after(() => runner.close());

  for (const c of goldenModelCases()) {
    it(`matches scikit-learn on ${c.model} with ${c.data}`, async function () {
      const summary = await evaluate(runner, c.model, specForCase(c), [c.data]);
      assert.equal(summary.rows, c.rows);
      assert.deepEqual(Object.keys(summary.metrics).sort(), Object.keys(c.metrics).sort());
      for (const [name, expected] of Object.entries(c.metrics)) {
        assertClose(summary.metrics[name], expected, 1e-9, `${c.data} ${name}`);
        if (expected === null) assert.ok(summary.undefinedMetrics[name], `${name} is null with a reason`);
      }
      for (const name of Object.keys(c.warnings)) {
        if (c.metrics[name] !== null) assert.ok(summary.metricWarnings[name], `${name} carries scikit-learn's warning`);
      }
    });
  }

  it('evaluates a window of several files as one sample', async function () {
    const c = goldenModelCases().find((g) => g.data === 'data/binary.csv')!;
    const one = await evaluate(runner, c.model, specForCase(c), ['data/binary.csv']);
    const three = await evaluate(runner, c.model, specForCase(c), ['data/binary.csv', 'data/binary.parquet', 'data/binary.jsonl']);
    assert.equal(three.rows, 3 * one.rows);
    // Tripling every row leaves rate metrics unchanged.
    for (const name of ['accuracy', 'roc_auc', 'f1', 'log_loss']) assertClose(three.metrics[name], one.metrics[name]!, 1e-12, name);
  });

  it('refuses a model with ZipMap outputs and says how to export it', async function () {
    const spec = specFor({ task: 'binary', inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }], label: { column: 'y', positive: 1 } });
    await assert.rejects(evaluate(runner, 'models/binary_zipmap.onnx', spec, ['data/binary.csv']), (err: unknown) => {
      assert.ok(isUpkeepError(err, 'InvalidModel'));
      assert.match(err.message, /model fixture \(binary_zipmap\.onnx\)/);
      assert.match(err.message, /ZipMap/);
      assert.match(err.message, /zipmap": False/);
      return true;
    });
  });

  it('refuses a model that mixes float64 and float32 tensors (skl2onnx on float64 columns) and says how to export it', async function () {
    const spec = specFor({ task: 'binary', inputs: [{ name: 'X', type: 'double', columns: ['x1', 'x2'] }], label: { column: 'y', positive: 1 } });
    await assert.rejects(evaluate(runner, 'models/binary_double_mix.onnx', spec, ['data/binary.csv']), (err: unknown) => {
      assert.ok(isUpkeepError(err, 'InvalidModel'), String(err));
      assert.match(err.message, /model fixture \(binary_double_mix\.onnx\): ONNX Runtime cannot load it: Type Error/);
      assert.match(err.message, /cast the numeric columns to float32 before exporting/);
      return true;
    });
  });

  for (const bad of ['models/corrupt.onnx', 'models/not_onnx.onnx']) {
    it(`refuses ${bad} as an invalid model naming the file`, async function () {
      const spec = specFor({ task: 'binary', inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }], label: { column: 'y', positive: 1 } });
      await assert.rejects(evaluate(runner, bad, spec, ['data/binary.csv']), (err: unknown) => {
        assert.ok(isUpkeepError(err, 'InvalidModel'));
        assert.match(err.message, new RegExp(`model fixture \\(${bad.split('/')[1]!.replace('.', '\\.')}\\)`));
        return true;
      });
    });
  }

  it('refuses a spec whose inputs do not match the model', async function () {
    const spec = specFor({ task: 'binary', inputs: [{ name: 'features', columns: ['x1', 'x2', 'x3', 'x4'] }], label: { column: 'y', positive: 1 } });
    await assert.rejects(
      evaluate(runner, 'models/binary.onnx', spec, ['data/binary.csv']),
      /model fixture \(binary\.onnx\): inputs do not match the spec: the model expects input .*unknown input features/,
    );
    const narrow = specFor({ task: 'binary', inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3'] }], label: { column: 'y', positive: 1 } });
    await assert.rejects(
      evaluate(runner, 'models/binary.onnx', narrow, ['data/binary.csv']),
      /input input takes 4 columns but the spec lists 3 \(x1, x2, x3\)/,
    );
    const typed = specFor({
      task: 'binary',
      inputs: [{ name: 'input', type: 'int64', columns: ['x1', 'x2', 'x3', 'x4'] }],
      label: { column: 'y', positive: 1 },
    });
    await assert.rejects(evaluate(runner, 'models/binary.onnx', typed, ['data/binary.csv']), /input input has element type float32 but the spec says int64/);
  });

  it('refuses a positive label the model does not know', async function () {
    const spec = specFor({ task: 'binary', inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }], label: { column: 'y', positive: 'yes' } });
    await assert.rejects(evaluate(runner, 'models/binary.onnx', spec, ['data/binary.csv']), /label\.positive yes is not one of the model's classes \(0, 1\)/);
  });

  it("refuses labels the model does not know, naming them and the model's classes", async function () {
    // The binary fixture with its 0/1 labels written as text: a string-label export of the data.
    const csv = new TextDecoder().decode(fixtureBytes('data/binary.csv')).replace(/,1$/gm, ',yes').replace(/,0$/gm, ',no');
    const textLabels: WindowFile = { name: 'binary_text_labels.csv', format: 'csv', load: async () => new TextEncoder().encode(csv) };
    const spec = specFor({ task: 'binary', inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }], label: { column: 'y', positive: 1 } });
    const bytes = fixtureBytes('models/binary.onnx');
    await assert.rejects(
      runner.evaluate({ spec, modelBytes: bytes, modelKey: sha256Hex(bytes), artifactName: 'binary.onnx', files: [textLabels] }),
      (err: unknown) => {
        assert.ok(isUpkeepError(err, 'SchemaMismatch'), String(err));
        assert.match(
          err.message,
          /^model fixture: label column y holds 2 values the model does not know, in 1000 of 1000 rows; the model's classes are "0", "1" \(check label\.column/,
        );
        return true;
      },
    );
  });

  it('scores a window whose label column is missing as unlabelled rows, naming the file and the nearest column', async function () {
    const spec = specFor({ task: 'binary', inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }], label: { column: 'churned', positive: 1 } });
    const summary = await evaluate(runner, 'models/binary.onnx', spec, ['data/binary.csv']);
    assert.equal(summary.rows, 0);
    assert.deepEqual(summary.labels, { labelled: 0, unlabelled: 1000 });
    assert.deepEqual(summary.metrics, {});
    assert.ok(
      summary.warnings.includes(
        'label column churned is absent from file binary.csv: its rows are unlabelled (scored for the estimate, not in the realized metrics)',
      ),
    );
    assert.ok(summary.warnings.some((w) => /^no estimate for the 1000 unlabelled rows: estimation needs a reference/.test(w)));
  });

  it('suggests the nearest column no other role names when a column is missing', async function () {
    const misspelt = specFor({ task: 'binary', inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x5'] }], label: { column: 'Y', positive: 1 } });
    await assert.rejects(evaluate(runner, 'models/binary.onnx', misspelt, ['data/binary.csv']), (err: unknown) => {
      assert.ok(isUpkeepError(err, 'SchemaMismatch'));
      assert.equal(
        err.message,
        'model fixture: file binary.csv: column x5 (input input) is missing; the file has 5 columns, none of that name — did you mean x4?',
      );
      return true;
    });
    const label = specFor({ task: 'binary', inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }], label: { column: 'Y', positive: 1 } });
    const summary = await evaluate(runner, 'models/binary.onnx', label, ['data/binary.csv']);
    assert.ok(summary.warnings.some((w) => w.startsWith('label column Y is absent from file binary.csv — did you mean y?: its rows are unlabelled')));
  });

  it('refuses a slice column or a watched column that the data does not have, instead of skipping it', async function () {
    const base = specFor({ task: 'binary', inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }], label: { column: 'y', positive: 1 } });
    const sliced = { ...base, monitor: { ...base.monitor, segments: ['region'] } };
    await assert.rejects(evaluate(runner, 'models/binary.onnx', sliced, ['data/binary.csv']), (err: unknown) => {
      assert.ok(isUpkeepError(err, 'SchemaMismatch'));
      assert.equal(
        err.message,
        'model fixture: file binary.csv: column region (group column: monitor.segments, fairness or segments.columns) is missing; the file has 5 columns, none of that name',
      );
      return true;
    });
    const watched = { ...base, monitor: { ...base.monitor, categorical: ['x9'] } };
    const bytes = fixtureBytes('models/binary.onnx');
    await assert.rejects(
      profileReferenceData({
        spec: watched,
        modelBytes: bytes,
        modelKey: sha256Hex(bytes),
        artifactName: 'binary.onnx',
        files: [file('data/binary.csv')],
        engine: runner,
        createdAt: 't',
        source: 'binary.csv',
      }),
      (err: unknown) => {
        assert.ok(isUpkeepError(err, 'SchemaMismatch'));
        assert.equal(
          err.message,
          'model fixture: reference file binary.csv: column x9 (monitor.categorical) is missing; the file has 5 columns, none of that name — did you mean x1, x2 or x3?',
        );
        return true;
      },
    );
  });

  it('names the file and the column when a feature column holds text', async function () {
    const spec = specFor({ task: 'binary', inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }], label: { column: 'y', positive: 1 } });
    await assert.rejects(evaluate(runner, 'models/binary.onnx', spec, ['data/binary_wrong_type.csv']), (err: unknown) => {
      assert.ok(isUpkeepError(err, 'SchemaMismatch'));
      assert.match(
        err.message,
        /^model fixture: file binary_wrong_type\.csv: column x3 holds text \(first in row \d+\) but input input expects float32 numbers$/,
      );
      return true;
    });
  });

  it('drops rows with missing or non-finite values and says how many and where', async function () {
    const spec = specFor({
      task: 'binary',
      inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }],
      label: { column: 'y', positive: 1 },
      invalid_rows: { action: 'drop', max_share: 0.1 },
    });
    const summary = await evaluate(runner, 'models/binary.onnx', spec, ['data/binary_bad_values.csv']);
    assert.equal(summary.rowsRead, 100);
    // A missing label is not an invalid value: that row is scored, unlabelled.
    assert.equal(summary.droppedRows, 5);
    assert.equal(summary.rows, 94);
    assert.deepEqual(summary.labels, { labelled: 94, unlabelled: 1 });
    const byColumn = Object.fromEntries(summary.invalid.map((i) => [i.column, i]));
    assert.equal(byColumn.x2!.nulls + byColumn.x2!.nan, 3);
    assert.equal(byColumn.x3!.infinite, 2);
    assert.equal(byColumn.y, undefined);
    assert.match(summary.warnings[0]!, /^5 of 100 rows dropped before evaluation: binary_bad_values\.csv x2 .*binary_bad_values\.csv x3 \(2 infinite\)$/);
  });

  it('fails the window when more rows are invalid than allowed', async function () {
    const base = { task: 'binary' as const, inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }], label: { column: 'y', positive: 1 } };
    await assert.rejects(
      evaluate(runner, 'models/binary.onnx', specFor({ ...base, invalid_rows: { action: 'drop', max_share: 0.04 } }), ['data/binary_bad_values.csv']),
      (err: unknown) =>
        isUpkeepError(err, 'InvalidData') &&
        /5 of 100 rows \(5\.0%\).*more than invalid_rows\.max_share 0\.04.*binary_bad_values\.csv x3: 0 missing, 0 NaN, 2 infinite/.test(err.message),
    );
    await assert.rejects(
      evaluate(runner, 'models/binary.onnx', specFor({ ...base, invalid_rows: { action: 'fail', max_share: 0.5 } }), ['data/binary_bad_values.csv']),
      (err: unknown) => isUpkeepError(err, 'InvalidData') && /file binary_bad_values\.csv: 5 of 100 rows have missing or non-finite values/.test(err.message),
    );
  });

  it('reports an unreadable data file as UnreadableData naming the file', async function () {
    const spec = specFor({ task: 'binary', inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }], label: { column: 'y', positive: 1 } });
    const broken: WindowFile = { name: '2026-11-20.parquet', format: 'parquet', load: async () => fixtureBytes('data/binary.parquet').subarray(0, 500) };
    const bytes = fixtureBytes('models/binary.onnx');
    await assert.rejects(
      runner.evaluate({ spec, modelBytes: bytes, modelKey: sha256Hex(bytes), artifactName: 'binary.onnx', files: [broken] }),
      (err: unknown) => isUpkeepError(err, 'UnreadableData') && /^model fixture: 2026-11-20\.parquet/.test(err.message),
    );
  });
});

describe('evaluating a file split into shards', function () {
  for (const unknownLabel of [false, true])
    it(`gives exactly the metrics, slices and counts of a single-thread evaluation${unknownLabel ? ', refusing a label unknown to the model' : ''}`, async function () {
      const { parquetWriteBuffer } = await import('hyparquet-writer');
      const { readTable } = await import('../../engine/data/read-table.js');
      const table = await readTable(fixtureBytes('data/binary.csv'), { source: 'binary.csv' });
      const col = (n: string) => (table.columns.get(n) as { values: Float64Array }).values;
      // Ten row groups; a segment column and one label unknown to the model in the last group.
      const y = Float64Array.from(col('y'), (v, i) => (unknownLabel && i === 999 ? 7 : v));
      const bytes = new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            ...['x1', 'x2', 'x3', 'x4'].map((name) => ({ name, data: col(name), type: 'DOUBLE' as const })),
            { name: 'y', data: Int32Array.from(y), type: 'INT32' as const },
            { name: 'region', data: Array.from({ length: 1000 }, (_, i) => ['north', 'south', 'east'][i % 3]!), type: 'STRING' as const },
          ],
          rowGroupSize: 100,
        }),
      );
      const spec = specFor({
        task: 'binary',
        inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }],
        label: { column: 'y', positive: 1 },
        monitor: { segments: ['region'], significance: { resamples: 20 } },
      });
      const model = fixtureBytes('models/binary.onnx');
      const run = (threads: number) =>
        evaluateWithThreads(
          threads,
          { spec, model, artifactName: 'binary.onnx', files: [{ name: 'sharded.parquet', format: 'parquet', load: async () => bytes }] },
          { batchSize: 64 },
        );
      if (unknownLabel) {
        // The shards' labels are merged before the check: both runs name the one row, in the last shard.
        const refused = /label column y holds 1 value the model does not know, in 1 of 1000 rows; the model's classes are "0", "1"/;
        await assert.rejects(run(1), refused);
        await assert.rejects(run(2), refused);
        return;
      }
      const one = await run(1);
      const two = await run(2);
      assert.equal(two.rows, 1000);
      assert.deepEqual(two.metrics, one.metrics);
      assert.deepEqual(two.labelCounts, one.labelCounts);
      assert.deepEqual(two.slices, one.slices);
      assert.deepEqual(two.confidence, one.confidence);
      assert.ok(Math.abs(two.metrics.roc_auc! - 0.8096813883170355) < 1e-12, 'equal to the scikit-learn golden');
    });
});

describe('the interval of the primary metric on a large window', function () {
  this.timeout(120_000);
  // binary.parquet repeated to 24,000 rows: above the 20,000 rows where the method is chosen.
  const window = async (): Promise<WindowFile[]> =>
    Array.from({ length: 24 }, (_, i) => ({ name: `part-${i}.parquet`, format: 'parquet' as const, load: async () => fixtureBytes('data/binary.parquet') }));
  const model = fixtureBytes('models/binary.onnx');
  const run = async (threads: number, significance: Record<string, unknown>, metrics: unknown[] = []) => {
    const spec = specFor({
      task: 'binary',
      inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }],
      label: { column: 'y', positive: 1 },
      thresholds: { metric: 'roc_auc', min: 0.5 },
      baseline: { roc_auc: 0.85 },
      monitor: { significance },
      metrics,
    });
    const engine = createEvaluationEngine({ threads });
    try {
      return await engine.evaluate({ spec, modelBytes: model, modelKey: sha256Hex(model), artifactName: 'binary.onnx', files: await window() });
    } finally {
      await engine.close();
    }
  };

  it('is a bootstrap split over the evaluation threads that equals the one-thread bootstrap exactly', async () => {
    const one = await run(1, { resamples: 24, method: 'bootstrap' });
    const three = await run(3, { resamples: 24, method: 'bootstrap' });
    assert.equal(three.rows, 24_000);
    assert.equal(three.confidence?.method, 'bootstrap');
    assert.deepEqual(three.confidence, one.confidence);
    assert.ok(three.confidence!.low! < three.metrics.roc_auc! && three.metrics.roc_auc! < three.confidence!.high!);
  });

  it("spreads the declared metrics' resamples over the threads too, with the one-thread intervals exactly", async () => {
    const metrics = [
      { name: 'r_at_p80', kind: 'recall_at_precision', precision: 0.8, gate: { min: 0.1 }, baseline: 0.6 },
      { name: 'p_at_r50', kind: 'precision_at_recall', recall: 0.5 },
      { name: 'cost', kind: 'cost_matrix', matrix: { 0: { 0: 0, 1: 5 }, 1: { 0: 100, 1: -2.5 } } },
    ];
    const one = await run(1, { resamples: 24 }, metrics);
    const three = await run(3, { resamples: 24 }, metrics);
    assert.deepEqual(three.gated, one.gated);
    const [r, p, cost] = three.gated!;
    assert.equal(r!.interval?.method, 'bootstrap');
    assert.ok(r!.interval!.low <= r!.value! && r!.value! <= r!.interval!.high, JSON.stringify(r));
    assert.deepEqual(r!.drop, { value: 0.6 - r!.value!, low: 0.6 - r!.interval!.high, high: 0.6 - r!.interval!.low });
    assert.equal(p!.interval?.method, 'bootstrap');
    assert.equal(cost!.interval?.method, 'clt', 'a closed form where one exists: nothing to resample');
  });

  it("spreads a large fairness group's declared resamples over the threads too, with the one-thread intervals exactly", async () => {
    // binary.csv 24 times with a sensitive column: group F has 21,600 rows (resampled by the threads), M 2,400.
    const [head, ...lines] = Buffer.from(fixtureBytes('data/binary.csv')).toString('utf8').trimEnd().split('\n');
    const csv = Buffer.from(
      [`${head},sex`, ...Array.from({ length: 24 }, () => lines.map((l, i) => `${l},${i % 10 === 0 ? 'M' : 'F'}`)).flat()].join('\n') + '\n',
    );
    const spec = specFor({
      task: 'binary',
      inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }],
      label: { column: 'y', positive: 1 },
      thresholds: { metric: 'roc_auc', min: 0.5 },
      monitor: { significance: { resamples: 16 } },
      metrics: [
        { name: 'r_at_p80', kind: 'recall_at_precision', precision: 0.8 },
        { name: 'cost', kind: 'cost_matrix', per: 'window', matrix: { 0: { 0: 0, 1: 5 }, 1: { 0: 100, 1: -2.5 } } },
      ],
      fairness: { columns: ['sex'] },
    });
    const evaluate = (threads: number) =>
      evaluateWithThreads(threads, { spec, model, artifactName: 'binary.onnx', files: [{ name: 'w.csv', format: 'csv', load: async () => csv }] });
    const one = await evaluate(1);
    const three = await evaluate(3);
    assert.deepEqual(three.fairness, one.fairness);
    assert.deepEqual(three.gated, one.gated);
    const [f, m] = three.fairness!.families[0]!.groups;
    assert.deepEqual([f!.value, f!.rows, m!.value, m!.rows], ['F', 21_600, 'M', 2_400]);
    for (const g of [f!, m!]) {
      const [r, cost] = g.declared!;
      assert.equal(r!.method, 'bootstrap');
      assert.ok(r!.low! <= r!.value! && r!.value! <= r!.high!, JSON.stringify(r));
      assert.ok(cost!.method === 'clt' || cost!.method === 'bootstrap', JSON.stringify(cost));
    }
    assert.deepEqual(three.fairness!.declared, [{ name: 'r_at_p80' }, { name: 'cost', perRow: true }]);
  });

  it('is DeLong by default, and agrees with the bootstrap', async () => {
    const auto = await run(2, { resamples: 24 });
    const boot = await run(2, { resamples: 24, method: 'bootstrap' });
    assert.equal(auto.confidence?.method, 'delong');
    assert.equal(auto.confidence?.value, auto.metrics.roc_auc);
    const width = boot.confidence!.high! - boot.confidence!.low!;
    // 24 copies of 1,000 rows: both intervals are about √24 times narrower than on the file alone.
    assert.ok(
      Math.abs(auto.confidence!.low! - boot.confidence!.low!) < 0.3 * width && Math.abs(auto.confidence!.high! - boot.confidence!.high!) < 0.3 * width,
      JSON.stringify([auto.confidence, boot.confidence]),
    );
    assert.deepEqual(auto.confidence!.drop, { value: 0.85 - auto.confidence!.value!, low: 0.85 - auto.confidence!.high!, high: 0.85 - auto.confidence!.low! });
  });
});
