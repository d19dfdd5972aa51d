/** Direct loss estimation (regressors): to be built (issue 20). */
import type { EstimationSummary } from '../../domain/estimation.js';
import { UpkeepError } from '../errors.js';
import type { RowMatrix } from '../multivariate/types.js';

/** Fitted on the reference; JSON-serialisable (stored in the reference profile). */
export interface DleState {
  method: 'dle';
  columns: string[];
}

/** `features`: the model's input columns on the reference rows; yPred the model's outputs, yTrue the labels. */
export function fitDle(
  _reference: { features: RowMatrix; yPred: Float64Array; yTrue: Float64Array },
  _opts: { metrics: readonly string[]; chunkSize?: number; seed?: number },
): DleState {
  throw new UpkeepError('InvalidConfig', 'not built yet');
}

export function estimateDle(_state: DleState, _window: { features: RowMatrix; yPred: Float64Array }): EstimationSummary {
  throw new UpkeepError('InvalidConfig', 'not built yet');
}
