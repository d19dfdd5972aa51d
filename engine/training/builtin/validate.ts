/** Checks on the trainer's input, each failure a BuiltinTrainingError naming the task and column. */
import { rowCount } from './design.js';
import { BuiltinTrainingError, type BuiltinTrainInput } from './types.js';

export function validate(input: BuiltinTrainInput): { n: number; classes?: (string | number)[] } {
  const { task, features, featureNames, labels } = input;
  const fail = (msg: string): never => {
    throw new BuiltinTrainingError(`builtin ${task} trainer: ${msg}`);
  };
  if (!['binary', 'multiclass', 'regression'].includes(task)) fail(`unknown task ${String(task)}`);
  const n = rowCount(features);
  if (featureNames.length !== features.numeric.length) {
    fail(`${featureNames.length} feature names for ${features.numeric.length} numeric columns`);
  }
  if (features.numeric.length === 0 && (features.categorical ?? []).length === 0) fail('no feature columns');
  if (n < 2) fail(`${n} rows; at least 2 are needed`);
  // Values are checked finite by numericStats, in the pass that takes their mean.
  features.numeric.forEach((col, j) => {
    if (col.length !== n) fail(`numeric column ${featureNames[j]} has ${col.length} values, expected ${n}`);
  });
  const numericInput = input.numericInput ?? 'input';
  const names = new Set<string>([numericInput]);
  for (const c of features.categorical ?? []) {
    if (names.has(c.name) || !c.name)
      fail(`categorical column name ${JSON.stringify(c.name)} is empty, duplicated or clashes with the numeric input "${numericInput}"`);
    names.add(c.name);
    if (c.values.length !== n) fail(`categorical column ${c.name} has ${c.values.length} values, expected ${n}`);
    for (let i = 0; i < n; i++) if (typeof c.values[i] !== 'string') fail(`categorical column ${c.name} row ${i} is not a string`);
  }
  if (labels.length !== n) fail(`${labels.length} labels for ${n} rows`);
  const params = input.params ?? {};
  const l2 = params.l2 ?? 1;
  if (!(l2 >= 0) || !Number.isFinite(l2)) fail(`l2 must be a finite number >= 0, got ${l2}`);
  if (task !== 'regression' && !(l2 > 0)) fail('l2 must be > 0 for classifiers (an unpenalised fit diverges on separable data)');
  if (params.maxIterations !== undefined && !(Number.isInteger(params.maxIterations) && params.maxIterations > 0))
    fail('maxIterations must be a positive integer');
  if (params.tolerance !== undefined && !(params.tolerance > 0)) fail('tolerance must be > 0');
  if (params.threads !== undefined && params.threads !== 1 && params.threads !== 2) fail(`threads must be 1 or 2, got ${String(params.threads)}`);
  if (params.solver !== undefined && !['auto', 'newton', 'lbfgs'].includes(params.solver)) fail(`unknown solver ${String(params.solver)}`);

  if (task === 'regression') {
    if (!(labels instanceof Float64Array)) fail('regression labels must be a Float64Array');
    for (let i = 0; i < n; i++) if (!Number.isFinite(labels[i]!)) fail(`target row ${i} is not a finite number`);
    return { n };
  }
  if (!(labels instanceof Int32Array)) fail('classifier labels must be an Int32Array of class indices');
  let maxLabel = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i]! < 0) fail(`label row ${i} is a negative class index`);
    maxLabel = Math.max(maxLabel, labels[i]!);
  }
  const classes = input.classes ?? Array.from({ length: Math.max(maxLabel + 1, 2) }, (_, i) => i);
  if (maxLabel >= classes.length) fail(`class index ${maxLabel} but only ${classes.length} classes`);
  if (task === 'binary' && classes.length !== 2) fail(`binary needs exactly 2 classes, got ${classes.length}`);
  if (task === 'multiclass' && classes.length < 2) fail('multiclass needs at least 2 classes');
  const asText = classes.map(String);
  if (new Set(asText).size !== asText.length) fail(`duplicate classes ${JSON.stringify(classes)}`);
  const seen = new Array<number>(classes.length).fill(0);
  for (let i = 0; i < n; i++) seen[labels[i]!]!++;
  const missing = classes.filter((_, c) => seen[c] === 0);
  if (missing.length > 0) fail(`no training rows of class ${missing.map((c) => JSON.stringify(c)).join(', ')}`);
  return { n, classes };
}

/** Integer classes export as int64 labels; anything else as strings. */
export function labelKind(classes: (string | number)[]): 'int' | 'string' {
  return classes.every((c) => typeof c === 'number' && Number.isSafeInteger(c)) ? 'int' : 'string';
}

/**
 * Each numeric column's mean and scale (StandardScaler's: the population standard deviation, 1
 * for a (near-)constant column), two passes each; a column with a value that is not a finite
 * number (its sum is not) fails naming the column and the first such row.
 */
export function numericStats(input: BuiltinTrainInput, n: number): { mean: number[]; scale: number[] } {
  const mean: number[] = [];
  const scale: number[] = [];
  input.features.numeric.forEach((col, j) => {
    const fail = (msg: string): never => {
      throw new BuiltinTrainingError(`builtin ${input.task} trainer: numeric column ${input.featureNames[j]} ${msg}`);
    };
    // Four partial sums: four independent chains of additions instead of one.
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      s0 += col[i]!;
      s1 += col[i + 1]!;
      s2 += col[i + 2]!;
      s3 += col[i + 3]!;
    }
    for (; i < n; i++) s0 += col[i]!;
    const m = (s0 + s1 + (s2 + s3)) / n;
    if (!Number.isFinite(m)) {
      for (let r = 0; r < n; r++) if (!Number.isFinite(col[r]!)) fail(`row ${r} is not a finite number (${col[r]})`);
      fail('has values too large to standardise (their sum overflows)');
    }
    let v0 = 0;
    let v1 = 0;
    let v2 = 0;
    let v3 = 0;
    for (i = 0; i + 4 <= n; i += 4) {
      const a = col[i]! - m;
      const b = col[i + 1]! - m;
      const c = col[i + 2]! - m;
      const d = col[i + 3]! - m;
      v0 += a * a;
      v1 += b * b;
      v2 += c * c;
      v3 += d * d;
    }
    for (; i < n; i++) v0 += (col[i]! - m) * (col[i]! - m);
    const sd = Math.sqrt((v0 + v1 + (v2 + v3)) / n);
    if (!Number.isFinite(sd)) fail('has values too large to standardise (their variance overflows)');
    mean.push(m);
    scale.push(sd > 10 * Number.EPSILON * Math.max(Math.abs(m), 1) ? sd : 1);
  });
  return { mean, scale };
}
