/**
 * Permutation importance through the ONNX model against scikit-learn's permutation_importance on
 * the same models and rows (scripts/fixtures/golden_importance.py scores through ONNX Runtime and
 * draws its permutations with the same random_state): every repeat's drop must agree to rounding.
 * Then the column transport behind the drift effect, the ranking and the floor rules.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTable } from '../../engine/data/read-table.js';
import { computeImportance, type LabelledSample } from '../../engine/evaluation/importance/compute.js';
import { columnSeed, meanStd } from '../../engine/evaluation/importance/permutation.js';
import { transportColumn } from '../../engine/evaluation/importance/transport.js';
import { createInProcessRunner } from '../../engine/evaluation/in-process-runner.js';
import { prepareModel } from '../../engine/evaluation/model.js';
import { sha256Hex } from '../../engine/util.js';
import { raisesDriftWarning, rankByImportance } from '../../domain/importance.js';
import { FIXTURES, specFor } from '../helpers/fixtures.js';
import { modelYaml } from '../helpers/config-text.js';
import { parseConfig } from '../../engine/config/load.js';
import { isUpkeepError } from '../../engine/errors.js';

interface Case {
  model: string;
  data: string;
  task: 'binary' | 'regression';
  label: string;
  positive?: string | number;
  inputs?: Record<string, string>;
  metric: string;
  importances: Record<string, number[]>;
  mean: Record<string, number>;
  std: Record<string, number>;
}
const golden = JSON.parse(readFileSync(join(FIXTURES, 'golden/importance.json'), 'utf8')) as { repeats: number; seed: number; cases: Case[] };

/** The data file's rows, in file order, as a reference sample with labels. */
async function sampleOf(c: Case, columns: string[]): Promise<LabelledSample> {
  const table = await readTable(new Uint8Array(readFileSync(join(FIXTURES, 'data', c.data))), { source: c.data });
  const categorical = columns.map((name) => c.inputs?.[name] === 'string');
  const categories = columns.map(() => [] as string[]);
  const values: number[] = [];
  for (let i = 0; i < table.rowCount; i++) {
    columns.forEach((name, j) => {
      const col = table.columns.get(name)!;
      if (!categorical[j]) {
        values.push(col.kind === 'number' ? col.values[i]! : Number(col.values[i]));
        return;
      }
      const v = String(col.values[i]);
      let code = categories[j]!.indexOf(v);
      if (code < 0) code = categories[j]!.push(v) - 1;
      values.push(code);
    });
  }
  const label = table.columns.get(c.label)!;
  const labels = Array.from({ length: table.rowCount }, (_, i) =>
    label.kind === 'number' ? (c.task === 'regression' ? label.values[i]! : String(label.values[i])) : label.kind === 'string' ? label.values[i]! : null,
  );
  return { columns, categorical, categories, rows: table.rowCount, values, labels };
}

describe('permutation importance through the ONNX model', function () {
  this.timeout(120_000);
  const runner = createInProcessRunner();
  after(() => runner.close());

  it("draws scikit-learn's per-column seed from random_state", () => {
    // numpy: np.random.RandomState(0).randint(2**31) == 209652396
    assert.equal(columnSeed(0), 209652396);
  });

  for (const c of golden.cases) {
    it(`matches scikit-learn's permutation_importance on ${c.model} (${c.metric}), every repeat`, async () => {
      const columns = Object.keys(c.importances);
      const inputs = c.inputs
        ? Object.entries(c.inputs).map(([name, type]) => ({ name, type: type === 'float' ? 'float' : type, columns: [name] }))
        : [{ name: 'input', columns }];
      const spec = specFor({
        task: c.task,
        inputs,
        label: { column: c.label, ...(c.positive !== undefined ? { positive: c.positive } : {}) },
        thresholds: { metric: c.metric },
      });
      const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'models', c.model)));
      const model = await prepareModel(spec, bytes, sha256Hex(bytes), runner, c.model);
      const sample = await sampleOf(c, columns);
      const out = await computeImportance(
        model,
        runner,
        { sample, labelColumn: c.label, metric: c.metric, repeats: golden.repeats, seed: golden.seed, importance: true, transports: {} },
        'test',
      );
      assert.equal(out.rows, sample.rows);
      // Rank and squared-error metrics agree to 1e-9; log_loss to 1e-8 (about 1e-9 seen here): the two
      // sides turn the model's float32 probabilities into a mean log loss with different rounding.
      const tol = c.metric === 'log_loss' ? 1e-8 : 1e-9;
      for (const name of columns) {
        const ours = out.drops![name]!;
        const theirs = c.importances[name]!;
        assert.equal(ours.length, theirs.length);
        ours.forEach((v, r) => assert.ok(Math.abs(v - theirs[r]!) <= tol * Math.max(1, Math.abs(theirs[r]!)), `${name} repeat ${r}: ${v} vs ${theirs[r]}`));
        const { mean, std } = meanStd(ours);
        assert.ok(Math.abs(mean - c.mean[name]!) <= tol * Math.max(1, Math.abs(c.mean[name]!)), `${name} mean ${mean} vs ${c.mean[name]}`);
        assert.ok(Math.abs(std - c.std[name]!) <= tol * Math.max(1, c.std[name]!), `${name} std ${std} vs ${c.std[name]}`);
      }
    });
  }

  it('refuses a stored sample whose labels do not match its rows, naming the model', async () => {
    const c = golden.cases[0]!;
    const spec = specFor({
      task: 'binary',
      inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }],
      label: { column: 'y', positive: 1 },
      thresholds: { metric: 'roc_auc' },
    });
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'models', c.model)));
    const model = await prepareModel(spec, bytes, sha256Hex(bytes), runner, c.model);
    const sample = await sampleOf(c, ['x1', 'x2', 'x3', 'x4']);
    const task = {
      sample: { ...sample, labels: sample.labels.slice(1) },
      labelColumn: 'y',
      metric: 'roc_auc',
      repeats: 1,
      seed: 0,
      importance: true,
      transports: {},
    };
    await assert.rejects(computeImportance(model, runner, task, 'model m'), /model m: the reference sample's rows, values and labels do not agree/);
  });
});

describe('a column moved to the window distribution', () => {
  const values = Float64Array.from({ length: 1000 }, (_, i) => (i % 100) / 10);
  const edges = Array.from({ length: 11 }, (_, i) => i);
  const flat = edges.slice(1).map(() => 100);

  it('is left as it is when the two distributions agree', () => {
    const out = transportColumn({ values }, { kind: 'histogram', edges, reference: flat, current: flat, binning: 'test' }, 1);
    out.values.forEach((v, i) => assert.ok(Math.abs(v - values[i]!) < 1e-9, `row ${i}: ${v} vs ${values[i]}`));
  });

  it('moves every value into the window range, keeping their order, when the window sits higher', () => {
    // The window's values all in the top half of the bins.
    const current = flat.map((_, b) => (b >= 5 ? 200 : 0));
    const out = transportColumn({ values }, { kind: 'histogram', edges, reference: flat, current, binning: 'test' }, 1);
    for (let i = 0; i < values.length; i++) assert.ok(out.values[i]! >= 5 && out.values[i]! <= 10, `row ${i}: ${out.values[i]}`);
    for (let i = 1; i < 100; i++) assert.ok(out.values[i]! >= out.values[i - 1]!, 'monotone');
  });

  it('keeps categories whose share did not fall, and moves the surplus to the categories the window has more of', () => {
    const codes = Float64Array.from({ length: 1000 }, (_, i) => (i < 500 ? 0 : 1));
    const dist = { kind: 'categories' as const, categories: ['a', 'b', 'c'], reference: [500, 500, 0], current: [250, 500, 250], unseen: [false, false, true] };
    const out = transportColumn({ values: codes, categories: ['a', 'b'] }, dist, 3);
    assert.deepEqual(out.categories, ['a', 'b', 'c']);
    let moved = 0;
    for (let i = 0; i < 1000; i++) {
      if (i >= 500) assert.equal(out.values[i], 1, 'b keeps its rows');
      else if (out.values[i] === 2) moved++;
      else assert.equal(out.values[i], 0);
    }
    // Half of a's rows go to c (binomial: 250 ± 3 sd of 11).
    assert.ok(moved > 215 && moved < 285, `moved ${moved}`);
  });
});

describe('drift ranked by importance', () => {
  const imp = { columns: { a: { importance: 0.001, std: 0 }, b: { importance: 0.05, std: 0 } }, floor: 0.01 };

  it('lists the more important drifted column first, columns without an importance last', () => {
    assert.deepEqual(rankByImportance(['w', 'a', 'b'], imp), ['b', 'a', 'w']);
    assert.deepEqual(rankByImportance(['a', 'b'], undefined), ['a', 'b']);
  });

  it('lets only columns at or above the floor raise the warning (all of them without a floor)', () => {
    assert.equal(raisesDriftWarning('a', imp), false);
    assert.equal(raisesDriftWarning('b', imp), true);
    assert.equal(raisesDriftWarning('w', imp), true);
    assert.equal(raisesDriftWarning('a', { ...imp, floor: 0 }), true);
    assert.equal(raisesDriftWarning('a', undefined), true);
  });
});

describe('monitor.drift.importance_floor in upkeep.yaml', () => {
  const parse = (floor: string) =>
    parseConfig(`models:${modelYaml({ extra: `    monitor: { drift: { importance_floor: ${floor} } }\n` })}`, { name: 'upkeep.yaml', baseDir: '/srv/upkeep' });

  it('is read per model, absent by default', () => {
    assert.equal(parse('0.01').models[0]!.monitor.drift.importance_floor, 0.01);
    assert.equal(parseConfig(`models:${modelYaml()}`, { name: 'upkeep.yaml', baseDir: '/srv/upkeep' }).models[0]!.monitor.drift.importance_floor, undefined);
  });

  it('refuses a negative or non-numeric floor at load, naming the field', () => {
    for (const bad of ['-0.1', 'high']) {
      assert.throws(
        () => parse(bad),
        (err: unknown) => isUpkeepError(err, 'InvalidConfig') && /importance_floor/.test(err.message) && !/\n\s+at /.test(err.message),
      );
    }
  });
});
