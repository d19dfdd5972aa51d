/* eslint-disable max-lines -- being split */
/**
 * The builtin trainer: logistic regression (binary), softmax regression (multiclass) and ridge
 * regression, written in TypeScript so the embedded default can retrain with nothing else
 * installed. Pure: arrays in, ONNX bytes and a small summary out.
 *
 * Features. Numeric columns are standardised with the training mean and population standard
 * deviation (ddof = 0, like scikit-learn's StandardScaler; a constant column keeps scale 1).
 * Each declared categorical column is one-hot encoded over its training categories (sorted by
 * code unit); values not seen in training encode as all zeros. One-hot columns are not
 * standardised. The design matrix is [standardised numeric..., one-hot block per categorical
 * column in declaration order]; all coefficients below are on that scale.
 *
 * Objectives (the intercept is never penalised; `l2` defaults to 1):
 * - binary:      sum_i logloss(y_i, sigmoid(w·x_i + b)) + (l2 / 2) ||w||²
 * - multiclass:  sum_i -log softmax(W x_i + b)[y_i]      + (l2 / 2) ||W||²   (one row per class)
 * - regression:  sum_i (y_i - w·x_i - b)²                 + l2 ||w||²
 * Dividing the classifier objectives by l2 gives scikit-learn's LogisticRegression objective
 * 0.5 ||W||² + C Σ logloss with C = 1 / l2, so the default l2 = 1 is sklearn's default C = 1 (on
 * standardised features). The regression objective is scikit-learn's Ridge with alpha = l2.
 * Softmax intercepts are defined only up to a common shift; they are reported centred (mean 0).
 *
 * Solvers. Classifiers use Newton's method (IRLS) with a backtracking line search while the
 * Hessian work per iteration (rows × parameters²) is at most NEWTON_MAX_WORK, and L-BFGS
 * (memory 10, Armijo backtracking) above that. Both stop when the largest gradient component
 * of the objective divided by the row count is below `tolerance` (default 1e-8). `maxIterations` defaults to 100 (Newton) or 2000 (L-BFGS). Ridge
 * solves the normal equations by Cholesky (one step, always converged).
 *
 * Exported graph (ir_version 8, ai.onnx 17, ai.onnx.ml 3); inputs exactly as upkeep feeds them:
 *   input  float [N, numericCount]            (omitted when there are no numeric columns)
 *   <cat>  string [N, 1]                      (one per categorical column, named after it)
 *   input ─Sub(mean)─Div(scale)─┐
 *   <cat> ─OneHotEncoder(cats_strings, zeros=1)─Flatten(axis=1)─┤─Concat(axis=1)─▶ features
 *   classifiers: features ─ai.onnx.ml LinearClassifier─▶ label [N] (int64 when every class is an
 *     integer, else string), probabilities float [N, k] in class order. Binary uses one
 *     coefficient row with post_transform LOGISTIC, which onnxruntime expands to the two columns
 *     [P(class0), P(class1)]; multiclass uses k rows with SOFTMAX. The node's classlabels_* attribute
 *     carries the classes, which is where upkeep reads the probability-column order.
 *   regression: features ─ai.onnx.ml LinearRegressor─▶ variable float [N, 1]
 */
import type { Task } from '../../domain/metrics.js';
import { encodeOnnxModel, OnnxType, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from './onnx-writer.js';

export type BuiltinTask = Task;

export interface BuiltinFeatures {
  /** Numeric columns, each with one value per row. */
  numeric: Float64Array[];
  /** Categorical columns: one string per row; `name` is the name of the model input that feeds it. */
  categorical?: { values: string[]; name: string }[];
}

export interface BuiltinParams {
  /** L2 penalty strength (see the objectives above); 1 = scikit-learn's C = 1 / Ridge alpha = 1. */
  l2?: number;
  maxIterations?: number;
  tolerance?: number;
  /** Classifier solver; 'auto' (default) is Newton while rows × parameters² ≤ NEWTON_MAX_WORK, else L-BFGS. */
  solver?: 'auto' | 'newton' | 'lbfgs';
}

export interface BuiltinTrainInput {
  task: BuiltinTask;
  features: BuiltinFeatures;
  /** Names of the numeric columns, in order (used in the summary and the model's doc string). */
  featureNames: string[];
  /** Class index per row (into `classes`) for classifiers; the target for regression. */
  labels: Int32Array | Float64Array;
  /** Class values in index order; defaults to 0..k-1 (k = largest label + 1, at least 2). */
  classes?: (string | number)[];
  params?: BuiltinParams;
  /** Name of the exported model's float input that holds the numeric columns (default "input"). */
  numericInput?: string;
}

/** Everything needed to score rows the way the exported graph does. */
export interface BuiltinModel {
  task: BuiltinTask;
  featureNames: string[];
  mean: number[];
  scale: number[];
  categorical: { name: string; categories: string[] }[];
  /** Expanded design-matrix column names: numeric names, then `column=category`. */
  columns: string[];
  /** One row per class (multiclass) or a single row (binary, regression), on the design scale. */
  weights: number[][];
  intercepts: number[];
  classes?: (string | number)[];
  /** Name of the float input (default "input"). */
  numericInput?: string;
}

export interface BuiltinInfo {
  solver: 'newton' | 'lbfgs' | 'cholesky';
  iterations: number;
  converged: boolean;
  /** Mean training log-loss (classifiers) or mean squared error (regression). */
  loss: number;
  /** The penalised objective above, divided by the row count. */
  objective: number;
  /** Largest gradient component of objective / rows at the end. */
  gradientNorm: number;
  rows: number;
  l2: number;
  coefficients: {
    columns: string[];
    weights: number[][];
    intercepts: number[];
    classes?: (string | number)[];
    mean: number[];
    scale: number[];
  };
}

export interface BuiltinResult {
  onnx: Uint8Array;
  info: BuiltinInfo;
  model: BuiltinModel;
}

export class BuiltinTrainingError extends Error {
  override readonly name = 'BuiltinTrainingError';
}

/** Above this many multiply-adds per Hessian (rows × parameters²), 'auto' picks L-BFGS over Newton. */
export const NEWTON_MAX_WORK = 2e8;

// ───────────────────────────── design matrix ─────────────────────────────

interface Design {
  /** Row-major n × d. */
  x: Float64Array;
  n: number;
  d: number;
}

function buildDesign(model: Pick<BuiltinModel, 'mean' | 'scale' | 'categorical'>, features: BuiltinFeatures, n: number): Design {
  const p = model.mean.length;
  const widths = model.categorical.map((c) => c.categories.length);
  const d = p + widths.reduce((a, b) => a + b, 0);
  const x = new Float64Array(n * d);
  for (let j = 0; j < p; j++) {
    const col = features.numeric[j]!;
    const m = model.mean[j]!;
    const s = model.scale[j]!;
    for (let i = 0; i < n; i++) x[i * d + j] = (col[i]! - m) / s;
  }
  let offset = p;
  model.categorical.forEach((c, k) => {
    const index = new Map(c.categories.map((v, i) => [v, i]));
    const values = features.categorical![k]!.values;
    for (let i = 0; i < n; i++) {
      const at = index.get(values[i]!);
      if (at !== undefined) x[i * d + offset + at] = 1;
    }
    offset += widths[k]!;
  });
  return { x, n, d };
}

function rowCount(features: BuiltinFeatures): number {
  if (features.numeric.length > 0) return features.numeric[0]!.length;
  const c = features.categorical?.[0];
  return c ? c.values.length : 0;
}

// ───────────────────────────── linear algebra ─────────────────────────────

/** In-place Cholesky of a symmetric positive-definite m × m matrix (lower triangle); false if not PD. */
function cholesky(a: Float64Array, m: number): boolean {
  for (let j = 0; j < m; j++) {
    let s = a[j * m + j]!;
    for (let k = 0; k < j; k++) s -= a[j * m + k]! * a[j * m + k]!;
    if (!(s > 0)) return false;
    const l = Math.sqrt(s);
    a[j * m + j] = l;
    for (let i = j + 1; i < m; i++) {
      let t = a[i * m + j]!;
      for (let k = 0; k < j; k++) t -= a[i * m + k]! * a[j * m + k]!;
      a[i * m + j] = t / l;
    }
  }
  return true;
}

function choleskySolve(l: Float64Array, m: number, b: Float64Array): Float64Array {
  const y = Float64Array.from(b);
  for (let i = 0; i < m; i++) {
    let s = y[i]!;
    for (let k = 0; k < i; k++) s -= l[i * m + k]! * y[k]!;
    y[i] = s / l[i * m + i]!;
  }
  for (let i = m - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < m; k++) s -= l[k * m + i]! * y[k]!;
    y[i] = s / l[i * m + i]!;
  }
  return y;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

// ───────────────────────────── objectives ─────────────────────────────

/** A smooth convex objective over a flat parameter vector. */
interface Objective {
  size: number;
  /** Value and gradient (written into g). */
  evaluate(theta: Float64Array, g: Float64Array): number;
  /** Hessian (size × size, row-major). */
  hessian(theta: Float64Array): Float64Array;
  /** Mean data loss without the penalty. */
  dataLoss(theta: Float64Array): number;
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** θ = [w (d), b]. */
function binaryObjective(ds: Design, y: Int32Array, l2: number): Objective {
  const { x, n, d } = ds;
  const size = d + 1;
  const loss = (theta: Float64Array, g?: Float64Array): number => {
    let f = 0;
    if (g) g.fill(0);
    const bias = theta[d]!;
    for (let i = 0; i < n; i++) {
      let z = bias;
      const row = i * d;
      for (let j = 0; j < d; j++) z += theta[j]! * x[row + j]!;
      // One exp serves both the loss log(1 + e^z) and the gradient's sigmoid(z), stably.
      const e = Math.exp(-Math.abs(z));
      f += (z > 0 ? z : 0) + Math.log1p(e) - (y[i] === 1 ? z : 0);
      if (g) {
        const r = (z >= 0 ? 1 / (1 + e) : e / (1 + e)) - (y[i] === 1 ? 1 : 0);
        for (let j = 0; j < d; j++) g[j]! += r * x[row + j]!;
        g[d]! += r;
      }
    }
    return f;
  };
  return {
    size,
    evaluate(theta, g) {
      let f = loss(theta, g);
      for (let j = 0; j < d; j++) {
        f += 0.5 * l2 * theta[j]! * theta[j]!;
        g[j]! += l2 * theta[j]!;
      }
      return f;
    },
    hessian(theta) {
      const h = new Float64Array(size * size);
      const xt = new Float64Array(size);
      for (let i = 0; i < n; i++) {
        let z = theta[d]!;
        for (let j = 0; j < d; j++) {
          xt[j] = x[i * d + j]!;
          z += theta[j]! * xt[j]!;
        }
        xt[d] = 1;
        const p = sigmoid(z);
        const c = p * (1 - p);
        for (let a = 0; a < size; a++) {
          const ca = c * xt[a]!;
          if (ca === 0) continue;
          for (let b = a; b < size; b++) h[a * size + b]! += ca * xt[b]!;
        }
      }
      for (let a = 0; a < size; a++) {
        if (a < d) h[a * size + a]! += l2;
        for (let b = 0; b < a; b++) h[a * size + b] = h[b * size + a]!;
      }
      return h;
    },
    dataLoss: (theta) => loss(theta) / n,
  };
}

/** θ = [W (k × d, row-major), b_0 .. b_{k-2}]; b_{k-1} is fixed at 0 (intercepts are shift-invariant). */
function softmaxObjective(ds: Design, y: Int32Array, k: number, l2: number): Objective {
  const { x, n, d } = ds;
  const size = k * d + k - 1;
  const probs = (theta: Float64Array, i: number, p: Float64Array): number => {
    let max = -Infinity;
    for (let c = 0; c < k; c++) {
      let z = c < k - 1 ? theta[k * d + c]! : 0;
      for (let j = 0; j < d; j++) z += theta[c * d + j]! * x[i * d + j]!;
      p[c] = z;
      if (z > max) max = z;
    }
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(p[c]! - max);
    const lse = max + Math.log(sum);
    const zy = p[y[i]!]!;
    for (let c = 0; c < k; c++) p[c] = Math.exp(p[c]! - lse);
    return lse - zy;
  };
  const loss = (theta: Float64Array, g?: Float64Array): number => {
    const p = new Float64Array(k);
    let f = 0;
    if (g) g.fill(0);
    for (let i = 0; i < n; i++) {
      f += probs(theta, i, p);
      if (!g) continue;
      for (let c = 0; c < k; c++) {
        const r = p[c]! - (y[i] === c ? 1 : 0);
        for (let j = 0; j < d; j++) g[c * d + j]! += r * x[i * d + j]!;
        if (c < k - 1) g[k * d + c]! += r;
      }
    }
    return f;
  };
  return {
    size,
    evaluate(theta, g) {
      let f = loss(theta, g);
      for (let j = 0; j < k * d; j++) {
        f += 0.5 * l2 * theta[j]! * theta[j]!;
        g[j]! += l2 * theta[j]!;
      }
      return f;
    },
    hessian(theta) {
      const h = new Float64Array(size * size);
      const p = new Float64Array(k);
      const xt = new Float64Array(d + 1);
      // Parameter index of (class c, extended feature j), j = d being the intercept.
      const at = (c: number, j: number): number => (j < d ? c * d + j : k * d + c);
      for (let i = 0; i < n; i++) {
        probs(theta, i, p);
        for (let j = 0; j < d; j++) xt[j] = x[i * d + j]!;
        xt[d] = 1;
        for (let c = 0; c < k; c++) {
          for (let e = c; e < k; e++) {
            const w = p[c]! * ((c === e ? 1 : 0) - p[e]!);
            if (w === 0) continue;
            for (let a = 0; a <= d; a++) {
              if (a === d && c === k - 1) continue;
              const wa = w * xt[a]!;
              if (wa === 0) continue;
              const ia = at(c, a);
              for (let b = 0; b <= d; b++) {
                if (b === d && e === k - 1) continue;
                const ib = at(e, b);
                // Accumulate the upper triangle only; the (e, c) block mirrors it.
                if (ib >= ia) h[ia * size + ib]! += wa * xt[b]!;
                else if (c !== e) h[ib * size + ia]! += wa * xt[b]!;
              }
            }
          }
        }
      }
      for (let a = 0; a < size; a++) {
        if (a < k * d) h[a * size + a]! += l2;
        for (let b = 0; b < a; b++) h[a * size + b] = h[b * size + a]!;
      }
      return h;
    },
    dataLoss: (theta) => loss(theta) / n,
  };
}

interface FitResult {
  theta: Float64Array;
  iterations: number;
  converged: boolean;
  gradientNorm: number;
  objective: number;
  solver: 'newton' | 'lbfgs';
}

function newton(obj: Objective, n: number, maxIterations: number, tolerance: number): FitResult {
  let theta: Float64Array = new Float64Array(obj.size);
  const g = new Float64Array(obj.size);
  let f = obj.evaluate(theta, g);
  let iterations = 0;
  let converged = maxAbs(g) / n <= tolerance;
  while (!converged && iterations < maxIterations) {
    const h = obj.hessian(theta);
    if (!cholesky(h, obj.size)) break;
    const step = choleskySolve(h, obj.size, g);
    for (let i = 0; i < step.length; i++) step[i] = -step[i]!;
    const slope = dot(g, step);
    let t = 1;
    let next: Float64Array | undefined;
    const gNext = new Float64Array(obj.size);
    let fNext = f;
    while (t > 1e-12) {
      const candidate = theta.map((v, i) => v + t * step[i]!);
      fNext = obj.evaluate(candidate, gNext);
      if (fNext <= f + 1e-4 * t * slope) {
        next = candidate;
        break;
      }
      t /= 2;
    }
    iterations++;
    if (!next) break;
    theta = next;
    f = fNext;
    g.set(gNext);
    converged = maxAbs(g) / n <= tolerance;
  }
  return { theta, iterations, converged, gradientNorm: maxAbs(g) / n, objective: f, solver: 'newton' };
}

const LBFGS_FTOL = 64 * Number.EPSILON;

function lbfgs(obj: Objective, n: number, maxIterations: number, tolerance: number, memory = 10): FitResult {
  let theta: Float64Array = new Float64Array(obj.size);
  let g: Float64Array = new Float64Array(obj.size);
  let f = obj.evaluate(theta, g);
  const ss: Float64Array[] = [];
  const ys: Float64Array[] = [];
  let iterations = 0;
  let converged = maxAbs(g) / n <= tolerance;
  while (!converged && iterations < maxIterations) {
    // Two-loop recursion: direction = -H g.
    const q = Float64Array.from(g);
    const alpha: number[] = [];
    for (let i = ss.length - 1; i >= 0; i--) {
      const a = dot(ss[i]!, q) / dot(ys[i]!, ss[i]!);
      alpha[i] = a;
      for (let j = 0; j < q.length; j++) q[j]! -= a * ys[i]![j]!;
    }
    const last = ss.length - 1;
    const gamma = last >= 0 ? dot(ss[last]!, ys[last]!) / dot(ys[last]!, ys[last]!) : 1 / Math.max(maxAbs(g), 1e-300);
    for (let j = 0; j < q.length; j++) q[j]! *= gamma;
    for (let i = 0; i < ss.length; i++) {
      const b = dot(ys[i]!, q) / dot(ys[i]!, ss[i]!);
      for (let j = 0; j < q.length; j++) q[j]! += ss[i]![j]! * (alpha[i]! - b);
    }
    const dir = q.map((v) => -v);
    let slope = dot(g, dir);
    if (!(slope < 0)) {
      ss.length = 0;
      ys.length = 0;
      dir.set(g.map((v) => -v / Math.max(maxAbs(g), 1e-300)));
      slope = dot(g, dir);
    }
    let t = 1;
    const gNext = new Float64Array(obj.size);
    let accepted: Float64Array | undefined;
    let fNext = f;
    while (t > 1e-14) {
      const candidate = theta.map((v, i) => v + t * dir[i]!);
      fNext = obj.evaluate(candidate, gNext);
      if (fNext <= f + 1e-4 * t * slope) {
        accepted = candidate;
        break;
      }
      t /= 2;
    }
    iterations++;
    if (!accepted) break;
    const s = accepted.map((v, i) => v - theta[i]!);
    const yv = gNext.map((v, i) => v - g[i]!);
    if (dot(s, yv) > 1e-12 * dot(yv, yv)) {
      ss.push(s);
      ys.push(yv);
      if (ss.length > memory) {
        ss.shift();
        ys.shift();
      }
    }
    // Also converged when the objective no longer decreases beyond rounding, as scikit-learn's
    // L-BFGS stops (ftol = 64 machine epsilons): near the optimum the line search only halves.
    const stalled = f - fNext <= LBFGS_FTOL * Math.max(Math.abs(f), Math.abs(fNext), 1);
    theta = accepted;
    f = fNext;
    g = gNext;
    converged = maxAbs(g) / n <= tolerance || stalled;
  }
  return { theta, iterations, converged, gradientNorm: maxAbs(g) / n, objective: f, solver: 'lbfgs' };
}

// ───────────────────────────── validation ─────────────────────────────

function validate(input: BuiltinTrainInput): { n: number; classes?: (string | number)[] } {
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
  features.numeric.forEach((col, j) => {
    if (col.length !== n) fail(`numeric column ${featureNames[j]} has ${col.length} values, expected ${n}`);
    for (let i = 0; i < n; i++) if (!Number.isFinite(col[i]!)) fail(`numeric column ${featureNames[j]} row ${i} is not a finite number (${col[i]})`);
  });
  const numericInput = input.numericInput ?? 'input';
  const names = new Set<string>([numericInput]);
  for (const c of features.categorical ?? []) {
    if (names.has(c.name) || !c.name) fail(`categorical column name ${JSON.stringify(c.name)} is empty, duplicated or clashes with the numeric input "${numericInput}"`);
    names.add(c.name);
    if (c.values.length !== n) fail(`categorical column ${c.name} has ${c.values.length} values, expected ${n}`);
    for (let i = 0; i < n; i++) if (typeof c.values[i] !== 'string') fail(`categorical column ${c.name} row ${i} is not a string`);
  }
  if (labels.length !== n) fail(`${labels.length} labels for ${n} rows`);
  const params = input.params ?? {};
  const l2 = params.l2 ?? 1;
  if (!(l2 >= 0) || !Number.isFinite(l2)) fail(`l2 must be a finite number >= 0, got ${l2}`);
  if (task !== 'regression' && !(l2 > 0)) fail('l2 must be > 0 for classifiers (an unpenalised fit diverges on separable data)');
  if (params.maxIterations !== undefined && !(Number.isInteger(params.maxIterations) && params.maxIterations > 0)) fail('maxIterations must be a positive integer');
  if (params.tolerance !== undefined && !(params.tolerance > 0)) fail('tolerance must be > 0');
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
function labelKind(classes: (string | number)[]): 'int' | 'string' {
  return classes.every((c) => typeof c === 'number' && Number.isSafeInteger(c)) ? 'int' : 'string';
}

// ───────────────────────────── training ─────────────────────────────

export function trainBuiltin(input: BuiltinTrainInput): BuiltinResult {
  const { n, classes } = validate(input);
  const { task, features, featureNames } = input;
  const params = input.params ?? {};
  const l2 = params.l2 ?? 1;
  const tolerance = params.tolerance ?? 1e-8;

  const mean: number[] = [];
  const scale: number[] = [];
  for (const col of features.numeric) {
    let m = 0;
    for (let i = 0; i < n; i++) m += col[i]!;
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (col[i]! - m) ** 2;
    const s = Math.sqrt(v / n);
    mean.push(m);
    // StandardScaler keeps scale 1 for (near-)constant columns.
    scale.push(s > 10 * Number.EPSILON * Math.max(Math.abs(m), 1) ? s : 1);
  }
  const categorical = (features.categorical ?? []).map((c) => ({
    name: c.name,
    categories: [...new Set(c.values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
  }));
  const columns = [...featureNames, ...categorical.flatMap((c) => c.categories.map((v) => `${c.name}=${v}`))];
  const ds = buildDesign({ mean, scale, categorical }, features, n);
  const d = ds.d;

  let weights: number[][];
  let intercepts: number[];
  let info: Omit<BuiltinInfo, 'coefficients' | 'rows' | 'l2'>;

  if (task === 'regression') {
    const y = input.labels as Float64Array;
    const m = d + 1;
    const a = new Float64Array(m * m);
    const b = new Float64Array(m);
    const row = new Float64Array(m);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) row[j] = ds.x[i * d + j]!;
      row[d] = 1;
      for (let p = 0; p < m; p++) {
        const rp = row[p]!;
        if (rp === 0) continue;
        b[p]! += rp * y[i]!;
        for (let q = p; q < m; q++) a[p * m + q]! += rp * row[q]!;
      }
    }
    for (let p = 0; p < m; p++) {
      if (p < d) a[p * m + p]! += l2;
      for (let q = 0; q < p; q++) a[p * m + q] = a[q * m + p]!;
    }
    if (!cholesky(a, m)) {
      throw new BuiltinTrainingError('builtin regression trainer: the normal equations are singular (collinear columns?); use l2 > 0');
    }
    const theta = choleskySolve(a, m, b);
    weights = [Array.from(theta.subarray(0, d))];
    intercepts = [theta[d]!];
    let sse = 0;
    for (let i = 0; i < n; i++) {
      let z = theta[d]!;
      for (let j = 0; j < d; j++) z += theta[j]! * ds.x[i * d + j]!;
      sse += (y[i]! - z) ** 2;
    }
    const penalty = l2 * weights[0]!.reduce((s, w) => s + w * w, 0);
    info = { solver: 'cholesky', iterations: 1, converged: true, loss: sse / n, objective: (sse + penalty) / n, gradientNorm: 0 };
  } else {
    const y = input.labels as Int32Array;
    const k = classes!.length;
    const obj = task === 'binary' ? binaryObjective(ds, y, l2) : softmaxObjective(ds, y, k, l2);
    const solver = params.solver ?? 'auto';
    const useNewton = solver === 'newton' || (solver === 'auto' && n * obj.size * obj.size <= NEWTON_MAX_WORK);
    const fit = useNewton
      ? newton(obj, n, params.maxIterations ?? 100, tolerance)
      : lbfgs(obj, n, params.maxIterations ?? 2000, tolerance);
    const t = fit.theta;
    if (task === 'binary') {
      weights = [Array.from(t.subarray(0, d))];
      intercepts = [t[d]!];
    } else {
      weights = Array.from({ length: k }, (_, c) => Array.from(t.subarray(c * d, (c + 1) * d)));
      const raw = Array.from({ length: k }, (_, c) => (c < k - 1 ? t[k * d + c]! : 0));
      const centre = raw.reduce((s, v) => s + v, 0) / k;
      intercepts = raw.map((v) => v - centre);
    }
    info = {
      solver: fit.solver,
      iterations: fit.iterations,
      converged: fit.converged,
      loss: obj.dataLoss(t),
      objective: fit.objective / n,
      gradientNorm: fit.gradientNorm,
    };
  }

  const model: BuiltinModel = {
    task,
    featureNames: [...featureNames],
    mean,
    scale,
    categorical,
    columns,
    weights,
    intercepts,
    ...(classes ? { classes: [...classes] } : {}),
    ...(input.numericInput ? { numericInput: input.numericInput } : {}),
  };
  return {
    onnx: exportOnnx(model),
    info: {
      ...info,
      rows: n,
      l2,
      coefficients: { columns, weights, intercepts, ...(classes ? { classes: [...classes] } : {}), mean, scale },
    },
    model,
  };
}

// ───────────────────────────── scoring ─────────────────────────────

export interface BuiltinPrediction {
  /** Classifiers: row-major n × k probabilities in class order. */
  probabilities?: Float64Array;
  /** Classifiers: predicted class index (argmax, first on ties). */
  labelIndex?: Int32Array;
  /** Regression: predicted values. */
  values?: Float64Array;
}

/** Score rows in float64 with the fitted model (the exported graph computes the same in float32). */
export function predictBuiltin(model: BuiltinModel, features: BuiltinFeatures): BuiltinPrediction {
  const n = rowCount(features);
  const ds = buildDesign(model, features, n);
  const d = ds.d;
  const rows = model.weights.length;
  const z = new Float64Array(n * rows);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < rows; r++) {
      let s = model.intercepts[r]!;
      const w = model.weights[r]!;
      for (let j = 0; j < d; j++) s += w[j]! * ds.x[i * d + j]!;
      z[i * rows + r] = s;
    }
  }
  if (model.task === 'regression') return { values: z };
  const k = model.task === 'binary' ? 2 : rows;
  const probabilities = new Float64Array(n * k);
  const labelIndex = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (model.task === 'binary') {
      const p = sigmoid(z[i]!);
      probabilities[i * 2] = 1 - p;
      probabilities[i * 2 + 1] = p;
    } else {
      let max = -Infinity;
      for (let c = 0; c < k; c++) max = Math.max(max, z[i * k + c]!);
      let sum = 0;
      for (let c = 0; c < k; c++) sum += Math.exp(z[i * k + c]! - max);
      for (let c = 0; c < k; c++) probabilities[i * k + c] = Math.exp(z[i * k + c]! - max) / sum;
    }
    let best = 0;
    for (let c = 1; c < k; c++) if (probabilities[i * k + c]! > probabilities[i * k + best]!) best = c;
    labelIndex[i] = best;
  }
  return { probabilities, labelIndex };
}

// ───────────────────────────── ONNX export ─────────────────────────────

export function exportOnnx(model: BuiltinModel): Uint8Array {
  const p = model.mean.length;
  const d = model.columns.length;
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const inputs: OnnxValueInfo[] = [];
  const parts: string[] = [];

  if (p > 0) {
    const numericInput = model.numericInput ?? 'input';
    inputs.push({ name: numericInput, elemType: OnnxType.FLOAT, shape: ['N', p] });
    initializers.push({ name: 'scaler_mean', dims: [p], type: OnnxType.FLOAT, values: model.mean });
    initializers.push({ name: 'scaler_scale', dims: [p], type: OnnxType.FLOAT, values: model.scale });
    nodes.push({ opType: 'Sub', name: 'centre', inputs: [numericInput, 'scaler_mean'], outputs: ['centred'] });
    nodes.push({ opType: 'Div', name: 'standardise', inputs: ['centred', 'scaler_scale'], outputs: ['standardised'] });
    parts.push('standardised');
  }
  model.categorical.forEach((c, i) => {
    inputs.push({ name: c.name, elemType: OnnxType.STRING, shape: ['N', 1] });
    nodes.push({
      opType: 'OneHotEncoder',
      domain: 'ai.onnx.ml',
      name: `onehot_${i}`,
      inputs: [c.name],
      outputs: [`onehot_${i}_3d`],
      attributes: { cats_strings: { kind: 'strings', value: c.categories }, zeros: { kind: 'int', value: 1 } },
    });
    nodes.push({ opType: 'Flatten', name: `flatten_${i}`, inputs: [`onehot_${i}_3d`], outputs: [`onehot_${i}`], attributes: { axis: { kind: 'int', value: 1 } } });
    parts.push(`onehot_${i}`);
  });
  let features = parts[0]!;
  if (parts.length > 1) {
    features = 'features';
    nodes.push({ opType: 'Concat', name: 'concat', inputs: parts, outputs: [features], attributes: { axis: { kind: 'int', value: 1 } } });
  }

  const outputs: OnnxValueInfo[] = [];
  const coefficients = model.weights.flat();
  if (model.task === 'regression') {
    nodes.push({
      opType: 'LinearRegressor',
      domain: 'ai.onnx.ml',
      name: 'regressor',
      inputs: [features],
      outputs: ['variable'],
      attributes: {
        coefficients: { kind: 'floats', value: coefficients },
        intercepts: { kind: 'floats', value: model.intercepts },
        targets: { kind: 'int', value: 1 },
      },
    });
    outputs.push({ name: 'variable', elemType: OnnxType.FLOAT, shape: ['N', 1] });
  } else {
    const classes = model.classes!;
    const ints = labelKind(classes) === 'int';
    nodes.push({
      opType: 'LinearClassifier',
      domain: 'ai.onnx.ml',
      name: 'classifier',
      inputs: [features],
      outputs: ['label', 'probabilities'],
      attributes: {
        coefficients: { kind: 'floats', value: coefficients },
        intercepts: { kind: 'floats', value: model.intercepts },
        post_transform: { kind: 'string', value: model.task === 'binary' ? 'LOGISTIC' : 'SOFTMAX' },
        multi_class: { kind: 'int', value: model.task === 'binary' ? 0 : 1 },
        ...(ints
          ? { classlabels_ints: { kind: 'ints', value: classes as number[] } }
          : { classlabels_strings: { kind: 'strings', value: classes.map(String) } }),
      },
    });
    outputs.push({ name: 'label', elemType: ints ? OnnxType.INT64 : OnnxType.STRING, shape: ['N'] });
    outputs.push({ name: 'probabilities', elemType: OnnxType.FLOAT, shape: ['N', classes.length] });
  }
  const kind = { binary: 'L2-regularised logistic regression', multiclass: 'L2-regularised softmax regression', regression: 'ridge regression' }[model.task];
  return encodeOnnxModel({
    producerName: 'upkeep-builtin',
    producerVersion: '1',
    docString: `${kind} on ${d} columns (${model.columns.join(', ')}) trained by the upkeep builtin trainer`,
    graph: { name: `builtin_${model.task}`, nodes, initializers, inputs, outputs },
    metadata: { 'upkeep.trainer': 'builtin', 'upkeep.task': model.task },
  });
}
