/**
 * The builtin trainer: logistic regression (binary), softmax regression (multiclass) and ridge
 * regression in TypeScript, so the embedded default can retrain with nothing else installed.
 * Pure: arrays in, ONNX bytes and a small summary out. Features, objectives, solvers and the
 * exported graph: docs/training.md.
 */
import { availableParallelism } from 'node:os';
import { buildDesign } from './builtin/design.js';
import { cholesky, choleskySolve } from './builtin/linalg.js';
import { exportOnnx } from './builtin/onnx.js';
import { binaryObjective, softmaxObjective } from './builtin/objectives.js';
import { lbfgs, newton, type FitResult } from './builtin/solvers.js';
import { BuiltinTrainingError, NEWTON_MAX_WORK, type BuiltinInfo, type BuiltinModel, type BuiltinResult, type BuiltinTrainInput } from './builtin/types.js';
import { numericStats, validate } from './builtin/validate.js';

export { exportOnnx } from './builtin/onnx.js';
export { predictBuiltin, type BuiltinPrediction } from './builtin/predict.js';
export {
  BuiltinTrainingError,
  NEWTON_MAX_WORK,
  type BuiltinFeatures,
  type BuiltinInfo,
  type BuiltinModel,
  type BuiltinParams,
  type BuiltinResult,
  type BuiltinTask,
  type BuiltinTrainInput,
} from './builtin/types.js';

/** Design cells (rows × columns) from which a binary fit starts a helper thread: below, starting it costs more than it saves. */
export const HELPER_MIN_CELLS = 1 << 21;

export function trainBuiltin(input: BuiltinTrainInput): BuiltinResult {
  const { n, classes } = validate(input);
  const { task, features, featureNames } = input;
  const params = input.params ?? {};
  const l2 = params.l2 ?? 1;
  const tolerance = params.tolerance ?? 1e-8;

  const { mean, scale } = numericStats(input, n);
  const categorical = (features.categorical ?? []).map((c) => ({
    name: c.name,
    categories: [...new Set(c.values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
  }));
  const columns = [...featureNames, ...categorical.flatMap((c) => c.categories.map((v) => `${c.name}=${v}`))];
  const width = features.numeric.length + categorical.reduce((a, c) => a + c.categories.length, 0);
  // A large binary fit shares its passes over the rows with a helper thread (docs/training.md).
  const helper = task === 'binary' && n * width >= HELPER_MIN_CELLS && availableParallelism() > 1 && params.threads !== 1;
  const ds = buildDesign({ mean, scale, categorical }, features, n, { shared: helper });
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
      for (let j = 0; j < d; j++) row[j] = ds.x[j * n + i]!;
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
      for (let j = 0; j < d; j++) z += theta[j]! * ds.x[j * n + i]!;
      sse += (y[i]! - z) ** 2;
    }
    const penalty = l2 * weights[0]!.reduce((s, w) => s + w * w, 0);
    info = { solver: 'cholesky', iterations: 1, converged: true, loss: sse / n, objective: (sse + penalty) / n, gradientNorm: 0 };
  } else {
    const y = input.labels as Int32Array;
    const k = classes!.length;
    const obj = task === 'binary' ? binaryObjective(ds, y, l2, { helper }) : softmaxObjective(ds, y, k, l2);
    const solver = params.solver ?? 'auto';
    const useNewton = solver === 'newton' || (solver === 'auto' && n * obj.size * obj.size <= NEWTON_MAX_WORK);
    let fit: FitResult;
    let dataLoss: number;
    try {
      fit = useNewton ? newton(obj, n, params.maxIterations ?? 100, tolerance) : lbfgs(obj, n, params.maxIterations ?? 2000, tolerance);
      dataLoss = obj.dataLoss(fit.theta);
    } finally {
      obj.close?.();
    }
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
      loss: dataLoss,
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
