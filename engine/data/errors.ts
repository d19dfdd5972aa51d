import { plainLine } from '../../domain/escape.js';

/**
 * The one error type the data readers throw for bad input: a file that cannot be parsed,
 * a value that cannot be represented, a column of an unsupported type.
 * The message always starts with the source, then the line and/or column when known:
 *
 *   binary.csv line 12: expected 5 fields, found 4
 *   data.parquet column "id": value 9007199254740993 exceeds 2^53 in magnitude
 *   data.parquet: not a Parquet file (bad magic bytes)
 */
export class DataReadError extends Error {
  override readonly name = 'DataReadError';
  /** Where the bytes came from (URI or path), as passed to the reader. */
  readonly source: string;
  /** The column involved, when the problem is specific to one column. */
  readonly column?: string;
  /** 1-based physical line number in a text file, when known. */
  readonly line?: number;
  /** The message without the source/line/column prefix. */
  readonly reason: string;

  constructor(rawReason: string, where: { source: string; column?: string; line?: number; cause?: unknown }) {
    // Reasons and column names can quote the file (a parser's snippet, a header that is really
    // the first line of some other file): one line, no controls, cut short.
    const reason = plainLine(rawReason, 300);
    where = where.column === undefined ? where : { ...where, column: plainLine(where.column, 60) };
    let prefix = where.source;
    if (where.line !== undefined) prefix += ` line ${where.line}`;
    if (where.column !== undefined) prefix += ` column ${JSON.stringify(where.column)}`;
    super(`${prefix}: ${reason}`, where.cause === undefined ? undefined : { cause: where.cause });
    this.source = where.source;
    this.reason = reason;
    if (where.column !== undefined) this.column = where.column;
    if (where.line !== undefined) this.line = where.line;
  }
}

export function isDataReadError(err: unknown): err is DataReadError {
  return err instanceof DataReadError;
}
