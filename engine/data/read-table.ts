/**
 * Entry point of the data readers: bytes of a CSV, JSON Lines or Parquet file → columnar Table.
 * Bad input throws a DataReadError whose message names the source (and line/column when known).
 */
import { readCsv } from './csv.js';
import { resolveLimits, type ReadLimits } from '../../domain/limits.js';
import { DataReadError } from './errors.js';
import { checkTextLines } from './limits.js';
import { readJsonl } from './jsonl.js';
import { readParquet, type ParquetReadOptions } from './parquet.js';
import type { DataFormat, Table } from './table.js';

export interface ReadTableOptions {
  /** URI or path of the bytes; used for error messages and, without `format`, to infer the format. */
  source: string;
  /** Overrides the format inferred from the source's extension. */
  format?: DataFormat;
  /**
   * Projection: only these columns are decoded (for Parquet, only their column chunks are read).
   * A requested column that does not exist is simply absent from the result.
   * The result's columns follow this order; without a projection they follow the file's order.
   */
  columns?: string[];
  /** Parquet only: read just the row groups [start, end), e.g. one shard of a large file. */
  rowGroups?: { start: number; end: number };
  /** Caps on rows, decoded bytes and line length (defaults: domain/limits.ts). */
  limits?: Partial<ReadLimits>;
  /** CSV and JSON Lines: lines of the file before these bytes' first record (a chunk, for messages). */
  lineOffset?: number;
  /** Parquet only: the bytes are one row group read by range (see ParquetReadOptions). */
  rowGroupFile?: ParquetReadOptions['rowGroupFile'];
}

const EXTENSIONS: Record<string, DataFormat> = {
  csv: 'csv',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  parquet: 'parquet',
};

/** Format from the extension of a path or URI (query string and fragment ignored), if known. */
export function inferFormat(source: string): DataFormat | undefined {
  let path = source;
  const cut = path.search(/[?#]/);
  if (cut >= 0 && /^[a-z][a-z0-9+.-]*:\/\//i.test(path)) path = path.slice(0, cut);
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  if (dot < 0) return undefined;
  return EXTENSIONS[base.slice(dot + 1).toLowerCase()];
}

export async function readTable(bytes: Uint8Array, opts: ReadTableOptions): Promise<Table> {
  const { source } = opts;
  const format = opts.format ?? inferFormat(source);
  if (format !== 'csv' && format !== 'jsonl' && format !== 'parquet') {
    throw new DataReadError(
      "cannot infer the data format from the file name; expected a .csv, .jsonl, .ndjson or .parquet extension, or pass format: 'csv' | 'jsonl' | 'parquet'",
      { source },
    );
  }
  const readerOpts = { source, ...(opts.columns ? { columns: opts.columns } : {}), ...(opts.lineOffset ? { lineOffset: opts.lineOffset } : {}) };
  if (opts.rowGroups && format !== 'parquet') {
    throw new DataReadError('row-group ranges apply to Parquet files only', { source });
  }
  const limits = resolveLimits(opts.limits);
  try {
    if (format !== 'parquet') checkTextLines(bytes, source, limits, opts.lineOffset);
    if (format === 'csv') return readCsv(bytes, readerOpts);
    if (format === 'jsonl') return readJsonl(bytes, readerOpts);
    return await readParquet(bytes, { ...readerOpts, rowGroups: opts.rowGroups, limits, ...(opts.rowGroupFile ? { rowGroupFile: opts.rowGroupFile } : {}) });
  } catch (err) {
    if (err instanceof DataReadError) throw err;
    // e.g. a RangeError for an allocation the input asked for: still an unreadable input
    const detail = err instanceof Error ? err.message : String(err);
    throw new DataReadError(`cannot read ${format} data (${detail})`, { source, cause: err });
  }
}

export { DataReadError } from './errors.js';
export type { Column, DataFormat, Table } from './table.js';
