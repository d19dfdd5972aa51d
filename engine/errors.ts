/**
 * One error class for every condition upkeep reports on purpose. `type` is stable and becomes the
 * Temporal ApplicationFailure type; bad input is never retried, transient I/O errors are plain
 * errors and are retried by Temporal.
 */
export type UpkeepErrorType =
  | 'InvalidConfig'
  | 'UnknownModel'
  | 'InvalidModel'
  | 'SchemaMismatch'
  | 'InvalidData'
  | 'UnreadableData'
  | 'InsufficientData'
  | 'StoreConflict'
  /** The object store refused the credentials or the bucket is missing: not retried. */
  | 'StoreAccessDenied'
  | 'UnknownVersion'
  | 'ChampionChanged'
  | 'TrainingFailed'
  | 'InvalidRequest'
  /** A model's outputs are not what they claim (NaN or out-of-range probabilities, a wrong shape): the window is failing. */
  | 'ModelOutputInvalid'
  /** A model without retrain.trainer: it is never retrained. */
  | 'NoTrainer';

export class UpkeepError extends Error {
  override readonly name = 'UpkeepError';
  constructor(
    readonly type: UpkeepErrorType,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isUpkeepError(err: unknown, type?: UpkeepErrorType): err is UpkeepError {
  return err instanceof UpkeepError && (type === undefined || err.type === type);
}
