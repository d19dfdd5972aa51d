/** Inputs, fitted model, summary and error of the builtin trainer (docs/training.md). */
import type { Task } from '../../../domain/metrics.js';

export type BuiltinTask = Task;

export interface BuiltinFeatures {
  /** Numeric columns, each with one value per row. */
  numeric: Float64Array[];
  /** Categorical columns: one string per row; `name` is the name of the model input that feeds it. */
  categorical?: { values: string[]; name: string }[];
}

export interface BuiltinParams {
  /** L2 penalty strength (the objectives are in docs/training.md); 1 = scikit-learn's C = 1 / Ridge alpha = 1. */
  l2?: number;
  maxIterations?: number;
  tolerance?: number;
  /** Classifier solver; 'auto' (default) is Newton while rows × parameters² ≤ NEWTON_MAX_WORK, else L-BFGS. */
  solver?: 'auto' | 'newton' | 'lbfgs';
  /**
   * Threads of a binary fit's passes over the rows: 2 (default) shares them with a helper thread
   * when the design has at least HELPER_MIN_CELLS cells and the machine more than one core; 1
   * never starts it. The fit is the same bits either way (docs/training.md).
   */
  threads?: 1 | 2;
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
  /** The penalised objective (docs/training.md), divided by the row count. */
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
