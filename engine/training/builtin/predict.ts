/** Scoring with a fitted builtin model, in float64. */
import { buildDesign, rowCount } from './design.js';
import { sigmoid } from './objectives.js';
import type { BuiltinFeatures, BuiltinModel } from './types.js';

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
  // A column of the (column-major) design at a time.
  for (let r = 0; r < rows; r++) {
    const w = model.weights[r]!;
    for (let i = 0; i < n; i++) z[i * rows + r] = model.intercepts[r]!;
    for (let j = 0; j < d; j++) {
      const wj = w[j]!;
      for (let i = 0, at = j * n; i < n; i++, at++) z[i * rows + r] = z[i * rows + r]! + wj * ds.x[at]!;
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
