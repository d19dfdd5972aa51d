import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import {
  predictBuiltin,
  trainBuiltin,
  BuiltinTrainingError,
  HELPER_MIN_CELLS,
  type BuiltinFeatures,
  type BuiltinResult,
  type BuiltinTask,
} from '../../engine/training/builtin.js';
import { readOnnxGraphFacts } from '../../engine/evaluation/onnx-graph.js';
import { fixture } from '../helpers/fixtures.js';
import { rng } from '../../scripts/bench/data.js';

// Reference fits: scripts/fixtures/golden_builtin.py (scikit-learn on the same CSV files).
interface GoldenCase {
  name: string;
  task: BuiltinTask;
  l2: number;
  features: string[];
  categorical: { name: string; categories: string[] }[];
  label: string;
  mean: number[];
  scale: number[];
  classes?: (string | number)[];
  coefficients: number[][];
  intercepts: number[];
  test_probabilities?: number[][];
  test_predictions?: number[];
  test_accuracy?: number;
  test_r2?: number;
  train_logloss?: number;
  train_mse?: number;
}

const golden = JSON.parse(readFileSync(fixture('golden/builtin.json'), 'utf8')) as { cases: GoldenCase[] };
const goldenCase = (name: string): GoldenCase => golden.cases.find((c) => c.name === name)!;

interface Split {
  features: BuiltinFeatures;
  labelText: string[];
  n: number;
}

function readSplit(c: GoldenCase, split: 'train' | 'test'): Split {
  const lines = readFileSync(fixture(`data/builtin/${c.name}_${split}.csv`), 'utf8')
    .trim()
    .split('\n');
  const header = lines[0]!.split(',');
  const rows = lines.slice(1).map((l) => l.split(','));
  const col = (name: string): string[] => {
    const j = header.indexOf(name);
    assert.ok(j >= 0, `column ${name} in ${c.name}_${split}.csv`);
    return rows.map((r) => r[j]!);
  };
  return {
    features: {
      numeric: c.features.map((f) => Float64Array.from(col(f), Number)),
      categorical: c.categorical.map((k) => ({ name: k.name, values: col(k.name) })),
    },
    labelText: col(c.label),
    n: rows.length,
  };
}

function classIndex(c: GoldenCase, text: string[]): Int32Array {
  const keys = c.classes!.map(String);
  return Int32Array.from(text, (t) => {
    const i = keys.indexOf(t);
    assert.ok(i >= 0, `unknown class ${t}`);
    return i;
  });
}

function train(c: GoldenCase, extra: { solver?: 'newton' | 'lbfgs' } = {}): { result: BuiltinResult; trainSplit: Split; testSplit: Split } {
  const trainSplit = readSplit(c, 'train');
  const testSplit = readSplit(c, 'test');
  const labels = c.task === 'regression' ? Float64Array.from(trainSplit.labelText, Number) : classIndex(c, trainSplit.labelText);
  const result = trainBuiltin({
    task: c.task,
    features: trainSplit.features,
    featureNames: c.features,
    labels,
    ...(c.classes ? { classes: c.classes } : {}),
    params: { l2: c.l2, ...extra },
  });
  return { result, trainSplit, testSplit };
}

function feeds(c: GoldenCase, split: Split): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  const p = c.features.length;
  if (p > 0) {
    const data = new Float32Array(split.n * p);
    split.features.numeric.forEach((col, j) => col.forEach((v, i) => (data[i * p + j] = v)));
    out.input = new ort.Tensor('float32', data, [split.n, p]);
  }
  for (const k of split.features.categorical ?? []) out[k.name] = new ort.Tensor('string', k.values, [split.n, 1]);
  return out;
}

function assertRelClose(actual: number, expected: number, rel: number, what: string): void {
  const err = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-3);
  assert.ok(err <= rel, `${what}: ${actual} vs ${expected} (relative error ${err.toExponential(2)})`);
}

function assertCoefficientsMatch(result: BuiltinResult, c: GoldenCase, rel: number): void {
  const { weights, intercepts } = result.info.coefficients;
  assert.equal(weights.length, c.coefficients.length);
  c.coefficients.forEach((row, r) => row.forEach((w, j) => assertRelClose(weights[r]![j]!, w, rel, `${c.name} weight[${r}][${j}]`)));
  c.intercepts.forEach((b, r) => assertRelClose(intercepts[r]!, b, rel, `${c.name} intercept[${r}]`));
  c.mean.forEach((m, j) => assertRelClose(result.model.mean[j]!, m, 1e-12, `${c.name} mean[${j}]`));
  c.scale.forEach((s, j) => assertRelClose(result.model.scale[j]!, s, 1e-12, `${c.name} scale[${j}]`));
}

async function session(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes);
}

function typeOf(meta: ort.InferenceSession.ValueMetadata): { type: string; shape: (number | string)[] } {
  assert.ok(meta.isTensor, `${meta.name} is a tensor`);
  return { type: meta.type, shape: [...meta.shape] };
}

/** Checks the ONNX classifier against the TypeScript model and the scikit-learn reference on the held-out rows. */
async function checkClassifier(c: GoldenCase, result: BuiltinResult, testSplit: Split): Promise<{ accuracy: number; maxOnnxDiff: number }> {
  const s = await session(result.onnx);
  const k = c.classes!.length;
  const out = await s.run(feeds(c, testSplit));
  const probs = out.probabilities!;
  assert.deepEqual(probs.dims, [testSplit.n, k]);
  const onnxP = probs.data as Float32Array;
  const labels = Array.from(out.label!.data as ArrayLike<bigint | string>);
  const ts = predictBuiltin(result.model, testSplit.features);
  let correct = 0;
  let maxOnnxDiff = 0;
  const truth = classIndex(c, testSplit.labelText);
  for (let i = 0; i < testSplit.n; i++) {
    let sum = 0;
    let best = 0;
    for (let j = 0; j < k; j++) {
      const p = onnxP[i * k + j]!;
      sum += p;
      if (p > onnxP[i * k + best]!) best = j;
      const diff = Math.abs(p - ts.probabilities![i * k + j]!);
      maxOnnxDiff = Math.max(maxOnnxDiff, diff);
      assert.ok(diff <= 1e-5, `${c.name} row ${i} class ${j}: onnx ${p} vs TypeScript ${ts.probabilities![i * k + j]}`);
      // The TypeScript model against scikit-learn's predict_proba on the same rows.
      assert.ok(Math.abs(ts.probabilities![i * k + j]! - c.test_probabilities![i]![j]!) <= 1e-6, `${c.name} row ${i} class ${j} vs scikit-learn`);
    }
    assert.ok(Math.abs(sum - 1) <= 1e-6, `${c.name} row ${i}: probabilities sum to ${sum}`);
    // The label output is the argmax of the probabilities (ties are not expected on continuous data).
    assert.equal(String(labels[i]), String(c.classes![best]), `${c.name} row ${i}: label is the argmax`);
    assert.equal(ts.labelIndex![i], best);
    if (best === truth[i]) correct++;
  }
  return { accuracy: correct / testSplit.n, maxOnnxDiff };
}

describe('the builtin trainer', function () {
  it('fits a binary logistic regression equal to scikit-learn and exports a runnable ONNX classifier', async function () {
    const c = goldenCase('binary');
    const { result, testSplit } = train(c);
    assert.equal(result.info.solver, 'newton');
    assert.ok(result.info.converged);
    assertCoefficientsMatch(result, c, 1e-4);
    assertRelClose(result.info.loss, c.train_logloss!, 1e-8, 'training log-loss');

    const s = await session(result.onnx);
    assert.deepEqual(s.inputNames, ['input']);
    assert.deepEqual(s.outputNames, ['label', 'probabilities']);
    assert.deepEqual(typeOf(s.inputMetadata[0]!), { type: 'float32', shape: ['N', 3] });
    assert.deepEqual(typeOf(s.outputMetadata[0]!), { type: 'int64', shape: ['N'] });
    assert.deepEqual(typeOf(s.outputMetadata[1]!), { type: 'float32', shape: ['N', 2] });
    assert.deepEqual(readOnnxGraphFacts(result.onnx).classLabels, [0, 1]);

    const { accuracy } = await checkClassifier(c, result, testSplit);
    assert.equal(accuracy, c.test_accuracy);
  });

  it('fits the binary cases by L-BFGS (the chunked passes of large fits) equal to scikit-learn', async function () {
    for (const name of ['binary', 'categorical']) {
      const c = goldenCase(name);
      const { result, testSplit } = train(c, { solver: 'lbfgs' });
      assert.equal(result.info.solver, 'lbfgs');
      assert.ok(result.info.converged, `${name} converged`);
      assertCoefficientsMatch(result, c, 1e-4);
      if (c.train_logloss !== undefined) assertRelClose(result.info.loss, c.train_logloss, 1e-8, `${name} training log-loss`);
      const { accuracy } = await checkClassifier(c, result, testSplit);
      assert.equal(accuracy, c.test_accuracy);
    }
  });

  it('fits a large binary design the same, bit for bit, with and without its helper thread', function () {
    this.timeout(120_000);
    const u = rng(9);
    // Just over HELPER_MIN_CELLS: the design goes on a SharedArrayBuffer and the helper starts.
    const p = 20;
    const n = Math.ceil(HELPER_MIN_CELLS / p) + 1000;
    const numeric = Array.from({ length: p }, () => Float64Array.from({ length: n }, () => u() * 2 - 1));
    const labels = Int32Array.from({ length: n }, (_, i) => (u() < 1 / (1 + Math.exp(-(numeric[0]![i]! - 0.5 * numeric[1]![i]!))) ? 1 : 0));
    const fit = (threads: 1 | 2): BuiltinResult =>
      trainBuiltin({
        task: 'binary',
        features: { numeric },
        featureNames: numeric.map((_, j) => `f${j}`),
        labels,
        params: { solver: 'lbfgs', threads },
      });
    const alone = fit(1);
    const helped = fit(2);
    assert.ok(alone.info.converged);
    assert.deepEqual(helped.info, alone.info);
    assert.deepEqual(helped.onnx, alone.onnx);
  });

  it('fits a softmax regression with string classes equal to scikit-learn (Newton and L-BFGS)', async function () {
    const c = goldenCase('multiclass');
    for (const solver of ['newton', 'lbfgs'] as const) {
      const { result, testSplit } = train(c, { solver });
      assert.equal(result.info.solver, solver);
      assert.ok(result.info.converged, `${solver} converged`);
      assertCoefficientsMatch(result, c, 1e-4);
      assertRelClose(result.info.loss, c.train_logloss!, 1e-7, 'training log-loss');

      const s = await session(result.onnx);
      assert.deepEqual(s.inputNames, ['input']);
      assert.deepEqual(s.outputNames, ['label', 'probabilities']);
      assert.deepEqual(typeOf(s.inputMetadata[0]!), { type: 'float32', shape: ['N', 4] });
      assert.deepEqual(typeOf(s.outputMetadata[0]!), { type: 'string', shape: ['N'] });
      assert.deepEqual(typeOf(s.outputMetadata[1]!), { type: 'float32', shape: ['N', 3] });
      assert.deepEqual(readOnnxGraphFacts(result.onnx).classLabels, ['bronze', 'gold', 'silver']);

      const { accuracy } = await checkClassifier(c, result, testSplit);
      assert.equal(accuracy, c.test_accuracy);
    }
  });

  it('fits ridge regression equal to scikit-learn and exports a `variable` output', async function () {
    const c = goldenCase('regression');
    const { result, testSplit } = train(c);
    assert.equal(result.info.solver, 'cholesky');
    assertCoefficientsMatch(result, c, 1e-8);
    assertRelClose(result.info.loss, c.train_mse!, 1e-8, 'training MSE');

    const s = await session(result.onnx);
    assert.deepEqual(s.inputNames, ['input']);
    assert.deepEqual(s.outputNames, ['variable']);
    assert.deepEqual(typeOf(s.outputMetadata[0]!), { type: 'float32', shape: ['N', 1] });
    assert.equal(readOnnxGraphFacts(result.onnx).classLabels, undefined);

    const out = await s.run(feeds(c, testSplit));
    assert.deepEqual(out.variable!.dims, [testSplit.n, 1]);
    const onnxY = out.variable!.data as Float32Array;
    const ts = predictBuiltin(result.model, testSplit.features).values!;
    const y = Float64Array.from(testSplit.labelText, Number);
    let ssRes = 0;
    let ssTot = 0;
    const mean = y.reduce((a, b) => a + b, 0) / y.length;
    for (let i = 0; i < testSplit.n; i++) {
      assertRelClose(onnxY[i]!, ts[i]!, 1e-5, `row ${i} onnx vs TypeScript`);
      assert.ok(Math.abs(ts[i]! - c.test_predictions![i]!) <= 1e-8, `row ${i} vs scikit-learn`);
      ssRes += (y[i]! - ts[i]!) ** 2;
      ssTot += (y[i]! - mean) ** 2;
    }
    assertRelClose(1 - ssRes / ssTot, c.test_r2!, 1e-8, 'held-out R²');
  });

  it('one-hot encodes a categorical column into its own string input, unseen categories as zeros', async function () {
    const c = goldenCase('categorical');
    const { result, testSplit } = train(c);
    assert.ok(result.info.converged);
    assert.deepEqual(result.model.categorical, c.categorical);
    assert.deepEqual(result.info.coefficients.columns, ['age', 'visits', 'plan=basic', 'plan=plus', 'plan=pro']);
    assertCoefficientsMatch(result, c, 1e-4);

    const s = await session(result.onnx);
    assert.deepEqual(s.inputNames, ['input', 'plan']);
    assert.deepEqual(typeOf(s.inputMetadata[0]!), { type: 'float32', shape: ['N', 2] });
    assert.deepEqual(typeOf(s.inputMetadata[1]!), { type: 'string', shape: ['N', 1] });
    assert.deepEqual(s.outputNames, ['label', 'probabilities']);
    assert.ok(testSplit.features.categorical![0]!.values.includes('enterprise'), 'the held-out rows contain an unseen category');

    const { accuracy } = await checkClassifier(c, result, testSplit);
    assert.equal(accuracy, c.test_accuracy);
  });

  it('exports a categorical-only model without a numeric input', async function () {
    const values = ['a', 'b', 'c', 'a', 'b', 'c', 'a', 'c'];
    const labels = Int32Array.from([0, 1, 1, 0, 1, 0, 1, 1]);
    const { onnx, model } = trainBuiltin({
      task: 'binary',
      features: { numeric: [], categorical: [{ name: 'kind', values }] },
      featureNames: [],
      labels,
      classes: ['no', 'yes'],
    });
    const s = await session(onnx);
    assert.deepEqual(s.inputNames, ['kind']);
    const out = await s.run({ kind: new ort.Tensor('string', ['a', 'b', 'zzz'], [3, 1]) });
    const ts = predictBuiltin(model, { numeric: [], categorical: [{ name: 'kind', values: ['a', 'b', 'zzz'] }] });
    (out.probabilities!.data as Float32Array).forEach((p, i) => assert.ok(Math.abs(p - ts.probabilities![i]!) <= 1e-6));
  });

  it('refuses bad input with a message that names the column', function () {
    const base = { task: 'binary' as const, featureNames: ['x'], classes: [0, 1] };
    assert.throws(
      () => trainBuiltin({ ...base, features: { numeric: [Float64Array.from([1, NaN, 3])] }, labels: Int32Array.from([0, 1, 0]) }),
      (e: unknown) => e instanceof BuiltinTrainingError && /column x row 1/.test(e.message),
    );
    assert.throws(
      () => trainBuiltin({ ...base, features: { numeric: [Float64Array.from([1, 2, 3])] }, labels: Int32Array.from([0, 0, 0]) }),
      /no training rows of class 1/,
    );
    assert.throws(
      () => trainBuiltin({ ...base, features: { numeric: [Float64Array.from([1, 2, 3])] }, labels: Int32Array.from([0, 1, 0]), params: { threads: 3 as 2 } }),
      /threads must be 1 or 2, got 3/,
    );
    assert.throws(
      () => trainBuiltin({ ...base, features: { numeric: [Float64Array.from([1, 2, -Infinity])] }, labels: Int32Array.from([0, 1, 0]) }),
      (e: unknown) => e instanceof BuiltinTrainingError && /column x row 2 is not a finite number \(-Infinity\)/.test(e.message),
    );
    assert.throws(
      () => trainBuiltin({ ...base, features: { numeric: [Float64Array.from([1e308, 1e308, -1])] }, labels: Int32Array.from([0, 1, 0]) }),
      (e: unknown) => e instanceof BuiltinTrainingError && /column x has values too large to standardise/.test(e.message),
    );
    assert.throws(
      () =>
        trainBuiltin({
          ...base,
          features: { numeric: [Float64Array.from([1, 2, 3])], categorical: [{ name: 'input', values: ['a', 'b', 'c'] }] },
          labels: Int32Array.from([0, 1, 0]),
        }),
      /clashes/,
    );
    assert.throws(
      () => trainBuiltin({ ...base, task: 'regression', features: { numeric: [Float64Array.from([1, 2, 3])] }, labels: Int32Array.from([0, 1, 0]) }),
      /Float64Array/,
    );
  });
});
