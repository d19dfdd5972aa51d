/** Errors of the Parquet reader. */
import { DataReadError } from '../errors.js';

/** Thrown when a column chunk uses something the direct decoder does not handle: use hyparquet. */
export class Unsupported extends Error {}

/** Malformed page data; the caller wraps it into a DataReadError naming the source and column. */
export function corrupted(reason: string): Error {
  return new Error(reason);
}

export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function wrapCorrupted(err: unknown, source: string, column?: string): DataReadError {
  if (err instanceof DataReadError) return err;
  const where = column === undefined ? { source, cause: err } : { source, column, cause: err };
  return new DataReadError(`corrupted or unsupported Parquet data (${describe(err)})`, where);
}
