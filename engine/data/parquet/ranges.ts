/**
 * Parquet by byte ranges: the footer read from the end of a file or object, then one row group's
 * column chunks at a time, so that a large file is never held whole. A row group's chunks are
 * copied into a small stand-alone Parquet buffer whose metadata lists that group alone, with the
 * chunks' offsets moved to where they now are: the readers decode it as they decode a whole file.
 */
import { parquetMetadata, type ColumnChunk, type FileMetaData } from 'hyparquet';
import type { RangeFile } from '../../open-regular.js';
import { DataReadError } from '../errors.js';
import { describe } from './errors.js';
import { PARSERS } from './mapping.js';

const MAGIC = 0x31524150; // "PAR1" little-endian
const MAGIC_ENCRYPTED = 0x45524150; // "PARE"
/** Chunks closer than this are read in one request (fewer round trips to S3 for a few unread bytes). */
const COALESCE_GAP = 1 << 20;

/** The footer's metadata, read with two or three range reads from the end of the file. */
export async function readFooterByRanges(file: RangeFile, source: string): Promise<FileMetaData> {
  if (file.size < 12) throw new DataReadError(`not a Parquet file (too short: ${file.size} bytes)`, { source });
  const head = await file.read(0, 4);
  const tail = await file.read(file.size - 8, file.size);
  const magic = (b: Uint8Array, at: number): number => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);
  if (magic(head, 0) === MAGIC_ENCRYPTED || magic(tail, 4) === MAGIC_ENCRYPTED)
    throw new DataReadError('encrypted Parquet files are not supported', { source });
  if (magic(head, 0) !== MAGIC) throw new DataReadError('not a Parquet file (bad magic bytes)', { source });
  if (magic(tail, 4) !== MAGIC) throw new DataReadError('truncated or corrupted Parquet file (no footer magic bytes at the end)', { source });
  const length = magic(tail, 0);
  if (length > file.size - 12) throw new DataReadError(`corrupted Parquet footer (a footer of ${length} bytes in a file of ${file.size})`, { source });
  const footer = await file.read(file.size - 8 - length, file.size, new Uint8Array(length + 8));
  try {
    return parquetMetadata(footer, { parsers: PARSERS, geoparquet: false });
  } catch (err) {
    throw new DataReadError(`corrupted Parquet footer (${describe(err)})`, { source, cause: err });
  }
}

function chunkRange(chunk: ColumnChunk): { start: number; end: number } | undefined {
  const meta = chunk.meta_data;
  if (!meta) return undefined;
  const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
  return { start, end: start + Number(meta.total_compressed_size) };
}

/** A row group alone: its bytes as a Parquet buffer, and metadata for just that group. */
export interface RowGroupFile {
  bytes: Uint8Array;
  metadata: FileMetaData;
  /** The group's index in the file. */
  group: number;
  rows: number;
  /** Rows of the file before the group. */
  firstRow: number;
}

/**
 * Reads the column chunks of `columns` in row group `group` (adjacent chunks in one request) into
 * shared memory laid out as [PAR1][chunks…][8 bytes]; chunk offsets in the returned metadata point
 * into it. Other columns of the group are left out of the metadata.
 */
export async function readRowGroup(
  file: RangeFile,
  metadata: FileMetaData,
  group: number,
  columns: ReadonlySet<string>,
  source: string,
): Promise<RowGroupFile> {
  const rowGroup = metadata.row_groups[group]!;
  const chunks = rowGroup.columns.filter((c) => c.meta_data && !c.file_path && columns.has(c.meta_data.path_in_schema[0]!));
  const located = chunks.map((c) => ({ chunk: c, range: chunkRange(c)! })).sort((a, b) => a.range.start - b.range.start);
  for (const { chunk, range } of located) {
    if (!(range.start >= 4 && range.end <= file.size - 8 && range.start <= range.end)) {
      throw new DataReadError(`corrupted Parquet data (column chunk byte range ${range.start}..${range.end} is outside the file)`, {
        source,
        column: chunk.meta_data!.path_in_schema[0]!,
      });
    }
  }
  // Requests: runs of chunks with gaps under COALESCE_GAP.
  const requests: { start: number; end: number }[] = [];
  for (const { range } of located) {
    const last = requests[requests.length - 1];
    if (last && range.start - last.end <= COALESCE_GAP) last.end = Math.max(last.end, range.end);
    else requests.push({ ...range });
  }
  const total = requests.reduce((n, r) => n + (r.end - r.start), 0);
  const bytes = new Uint8Array(new SharedArrayBuffer(4 + total + 8));
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(bytes.length - 4, MAGIC, true);
  const placed: { start: number; end: number; at: number }[] = [];
  let at = 4;
  for (const r of requests) {
    placed.push({ ...r, at });
    at += r.end - r.start;
  }
  await Promise.all(placed.map((p) => file.read(p.start, p.end, bytes, p.at)));
  const rangeOf = new Map(located.map((l) => [l.chunk, l.range]));
  // Chunks in the file's column order, as the readers expect, with offsets into `bytes`.
  const moved = chunks.map((chunk): ColumnChunk => {
    const range = rangeOf.get(chunk)!;
    const p = placed.find((q) => range.start >= q.start && range.end <= q.end)!;
    const shift = BigInt(p.at - p.start);
    const meta = chunk.meta_data!;
    const { index_page_offset: _index, ...kept } = meta;
    return {
      file_offset: chunk.file_offset,
      meta_data: {
        ...kept,
        data_page_offset: meta.data_page_offset + shift,
        ...(meta.dictionary_page_offset ? { dictionary_page_offset: meta.dictionary_page_offset + shift } : {}),
      },
    };
  });
  const rows = Number(rowGroup.num_rows);
  const firstRow = metadata.row_groups.slice(0, group).reduce((n, g) => n + Number(g.num_rows), 0);
  return { bytes, metadata: { ...metadata, num_rows: rowGroup.num_rows, row_groups: [{ ...rowGroup, columns: moved }] }, group, rows, firstRow };
}
