/** Data reconstruction error (PCA on the standardised reference): to be built (issue 20). */
import type { MultivariateDrift } from '../../domain/estimation.js';
import { UpkeepError } from '../errors.js';
import type { RowMatrix } from './types.js';

/** Fitted on the reference; JSON-serialisable (stored in the reference profile). */
export interface ReconstructionState {
  method: 'pca-reconstruction';
  columns: string[];
}

export function fitReconstruction(_reference: RowMatrix, _opts?: { chunkSize?: number; varianceKept?: number }): ReconstructionState {
  throw new UpkeepError('InvalidConfig', 'not built yet');
}

export function reconstructionDrift(_state: ReconstructionState, _current: RowMatrix): NonNullable<MultivariateDrift['reconstruction']> {
  throw new UpkeepError('InvalidConfig', 'not built yet');
}
