/** Confidence-based performance estimation (classifiers): to be built (issue 20). */
import type { EstimationSummary } from '../../domain/estimation.js';
import { UpkeepError } from '../errors.js';

/** A classifier's outputs on some rows. */
export interface ClassScores {
  task: 'binary' | 'multiclass';
  /** The model's classes, in the order of the probability columns. */
  classes: string[];
  /** Binary: the index of the positive class in `classes`. */
  positive?: number;
  rows: number;
  /** rows × classes.length, row-major. */
  proba: Float32Array | Float64Array;
  /** The predicted class index of each row (the model's label output, or the most probable class). */
  yPred: Int32Array;
}

/** Fitted on the reference; JSON-serialisable (stored in the reference profile). */
export interface CbpeState {
  method: 'cbpe';
  task: 'binary' | 'multiclass';
  classes: string[];
  positive?: number;
}

/** `yTrue`: class indices into `classes` (the reference's labels). */
export function fitCbpe(_reference: ClassScores & { yTrue: Int32Array }, _opts: { metrics: readonly string[]; chunkSize?: number }): CbpeState {
  throw new UpkeepError('InvalidConfig', 'not built yet');
}

/** `labelled`: the window's rows that do carry a label, to check calibration on them when there are enough. */
export function estimateCbpe(_state: CbpeState, _window: ClassScores, _labelled?: ClassScores & { yTrue: Int32Array }): EstimationSummary {
  throw new UpkeepError('InvalidConfig', 'not built yet');
}
