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
  /** An object in the store does not match the sha256 it is referenced by (altered or damaged): not retried. */
  | 'StoreIntegrity'
  | 'UnknownVersion'
  | 'ChampionChanged'
  | 'TrainingFailed'
  | 'InvalidRequest'
  /** A model's outputs are not what they claim (NaN or out-of-range probabilities, a wrong shape): the window is failing. */
  | 'ModelOutputInvalid'
  /** A model without retrain.trainer: it is never retrained. */
  | 'NoTrainer';

/** Marks an UpkeepError whichever copy of this module made it (Symbol.for is one symbol per process). */
const BRAND = Symbol.for('upkeep.UpkeepError');

export class UpkeepError extends Error {
  override readonly name = 'UpkeepError';
  constructor(
    readonly type: UpkeepErrorType,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    Object.defineProperty(this, BRAND, { value: true });
  }

  /**
   * `instanceof UpkeepError` holds for an UpkeepError made by another copy of this module: a reader
   * loaded with import() under a loader that keeps two module graphs (tsx in the test runner) threw
   * errors the activities took for unknown ones, so a missing column was retried ten times.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

export function isUpkeepError(err: unknown, type?: UpkeepErrorType): err is UpkeepError {
  return err instanceof UpkeepError && (type === undefined || err.type === type);
}
