/** Domain classifier (reference vs current, cross-validated AUC): to be built (issue 20). */
import type { MultivariateDrift } from '../../domain/estimation.js';
import { UpkeepError } from '../errors.js';
import type { RowMatrix } from './types.js';

export function domainClassifier(
  _reference: RowMatrix,
  _current: RowMatrix,
  _opts?: { folds?: number; seed?: number },
): NonNullable<MultivariateDrift['domainClassifier']> {
  throw new UpkeepError('InvalidConfig', 'not built yet');
}
