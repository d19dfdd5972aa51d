/** File-level checks: the magic bytes, and the footer (file metadata and schema). */
import { parquetMetadata, parquetSchema, type FileMetaData, type RowGroup, type SchemaTree } from 'hyparquet';
import { DataReadError } from '../errors.js';
import { describe } from './errors.js';
import { PARSERS } from './mapping.js';

const MAGIC = 0x31524150; // "PAR1" little-endian
const MAGIC_ENCRYPTED = 0x45524150; // "PARE"

export function checkMagic(bytes: Uint8Array, source: string): void {
  if (bytes.length < 12) {
    throw new DataReadError(`not a Parquet file (too short: ${bytes.length} bytes)`, { source });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const head = view.getUint32(0, true);
  const tail = view.getUint32(bytes.length - 4, true);
  if (head === MAGIC_ENCRYPTED || tail === MAGIC_ENCRYPTED) {
    throw new DataReadError('encrypted Parquet files are not supported', { source });
  }
  if (head !== MAGIC) throw new DataReadError('not a Parquet file (bad magic bytes)', { source });
  if (tail !== MAGIC) {
    throw new DataReadError('truncated or corrupted Parquet file (no footer magic bytes at the end)', { source });
  }
}

export interface Footer {
  metadata: FileMetaData;
  schema: SchemaTree;
  /** The row groups to read. */
  selected: RowGroup[];
  /** Rows of the file before the first selected row group. */
  firstRow: number;
  /** Rows in the selected row groups. */
  rowCount: number;
}

/** Parses (unless `given`: a footer read apart) and checks the footer, and selects the row groups [start, end) (all by default). */
export function readFooter(bytes: Uint8Array, source: string, rowGroups?: { start: number; end: number }, given?: FileMetaData): Footer {
  let metadata: FileMetaData;
  let schema: SchemaTree;
  try {
    // A view, not a copy: the bytes may be shared between threads.
    metadata = given ?? parquetMetadata(bytes, { parsers: PARSERS, geoparquet: false });
    schema = parquetSchema(metadata);
  } catch (err) {
    throw new DataReadError(`corrupted Parquet footer (${describe(err)})`, { source, cause: err });
  }
  const fileRows = Number(metadata.num_rows);
  if (!Number.isSafeInteger(fileRows) || fileRows < 0) {
    throw new DataReadError(`corrupted Parquet footer (row count ${metadata.num_rows})`, { source });
  }
  const range = rowGroups ?? { start: 0, end: metadata.row_groups.length };
  if (!(
    Number.isInteger(range.start) &&
    Number.isInteger(range.end) &&
    range.start >= 0 &&
    range.start <= range.end &&
    range.end <= metadata.row_groups.length
  )) {
    throw new DataReadError(`row groups ${range.start}..${range.end} are outside the file's ${metadata.row_groups.length}`, { source });
  }
  const selected = metadata.row_groups.slice(range.start, range.end);
  const firstRow = metadata.row_groups.slice(0, range.start).reduce((n, g) => n + Number(g.num_rows), 0);
  const rowCount = rowGroups ? selected.reduce((n, g) => n + Number(g.num_rows), 0) : fileRows;
  if (!Number.isSafeInteger(rowCount) || rowCount < 0 || firstRow + rowCount > fileRows) {
    throw new DataReadError(`corrupted Parquet footer (row groups do not add up to ${fileRows} rows)`, { source });
  }
  if (rowCount > 0x7fffffff) {
    throw new DataReadError(`too many rows (${rowCount}) for one in-memory table`, { source });
  }
  return { metadata, schema, selected, firstRow, rowCount };
}
