/** Errors of the Parquet reader. */
import { DataReadError } from '../errors.js';
import { formatBytes } from '../../open-regular.js';

/** Thrown when a column chunk uses something the direct decoder does not handle: use hyparquet. */
export class Unsupported extends Error {}

/** A page whose data inflates past its declared uncompressed size. */
export class PageInflates extends Error {
  constructor(
    readonly codec: string,
    /** The page header's uncompressed size. */
    readonly declared: number,
    /** How far the data was seen to go (a lower bound: decoding stops at the first byte past `declared`). */
    readonly atLeast: number,
  ) {
    super(`a ${codec} page inflates to at least ${atLeast} bytes, more than the ${declared} its header declares`);
  }
}

/** Malformed page data; the caller wraps it into a DataReadError naming the source and column. */
export function corrupted(reason: string): Error {
  return new Error(reason);
}

export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The PageInflates in an error or its causes (hyparquet may wrap what a decompressor throws). */
function inflated(err: unknown): PageInflates | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof PageInflates) return e;
  }
  return undefined;
}

export function wrapCorrupted(err: unknown, source: string, column?: string): DataReadError {
  if (err instanceof DataReadError) return err;
  const where = column === undefined ? { source, cause: err } : { source, column, cause: err };
  const bomb = inflated(err);
  if (bomb) {
    return new DataReadError(
      `refused: a ${bomb.codec} page inflates to at least ${formatBytes(bomb.atLeast)} (${bomb.atLeast} bytes), ` +
        `more than the ${formatBytes(bomb.declared)} (${bomb.declared} bytes) its header declares`,
      where,
    );
  }
  return new DataReadError(`corrupted or unsupported Parquet data (${describe(err)})`, where);
}
