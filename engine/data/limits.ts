/**
 * Per-file caps checked before the readers allocate: what a file declares (Parquet footers and page
 * headers) or holds (lines of a text file) against its size on disk and the configured limits.
 */
import type { ColumnMetaData, FileMetaData } from 'hyparquet';
import { decodedBudget, type ReadLimits } from '../../domain/limits.js';
import { DataReadError } from './errors.js';
import { formatBytes } from '../open-regular.js';
import { readPageHeader } from './parquet/hyparquet-internals.js';

function tooMuch(source: string, what: string, limit: string, column?: string): DataReadError {
  return new DataReadError(`refused: ${what}, more than ${limit}`, { source, ...(column !== undefined ? { column } : {}) });
}

function budgetText(fileBytes: number, limits: ReadLimits): string {
  const budget = decodedBudget(fileBytes, limits);
  return budget === limits.max_decoded_bytes_per_file
    ? `limits.max_decoded_bytes_per_file (${formatBytes(budget)})`
    : `${formatBytes(budget)} allowed for a file of ${formatBytes(fileBytes)} (limits.max_expansion ${limits.max_expansion}, at least 16 MiB)`;
}

/**
 * The footer's promises: rows, decoded values of the read columns (whole file, so every shard
 * of a file decides alike) and the uncompressed sizes of their column chunks.
 */
export function checkParquetFooter(metadata: FileMetaData, columns: string[], fileBytes: number, source: string, limits: ReadLimits): void {
  const rows = Number(metadata.num_rows);
  if (rows > limits.max_rows_per_file) {
    throw tooMuch(source, `the file declares ${rows} rows`, `limits.max_rows_per_file (${limits.max_rows_per_file})`);
  }
  const budget = decodedBudget(fileBytes, limits);
  const decoded = rows * Math.max(1, columns.length) * 8;
  if (decoded > budget) {
    throw tooMuch(source, `${rows} rows × ${columns.length} columns would decode to ${formatBytes(decoded)}`, budgetText(fileBytes, limits));
  }
  const wanted = new Set(columns);
  let uncompressed = 0;
  for (const group of metadata.row_groups) {
    for (const chunk of group.columns) {
      const meta = chunk.meta_data;
      if (!meta || !wanted.has(meta.path_in_schema[0]!)) continue;
      uncompressed += Number(meta.total_uncompressed_size);
      const values = Number(meta.num_values);
      // (a nested column counts leaf values, which may outnumber rows; nested columns are not decoded)
      if (meta.path_in_schema.length === 1 && !(values >= 0 && values <= Number(group.num_rows))) {
        throw new DataReadError(`corrupted Parquet footer (column chunk of ${meta.num_values} values in a row group of ${group.num_rows} rows)`, {
          source,
          column: meta.path_in_schema[0]!,
        });
      }
    }
  }
  if (!(uncompressed <= budget)) {
    throw tooMuch(source, `its column chunks declare ${formatBytes(uncompressed)} uncompressed`, budgetText(fileBytes, limits));
  }
}

/** The fewest bytes a PLAIN dictionary entry of a physical type takes (a string: its 4-byte length). */
const ENTRY_BYTES: Record<string, number> = { BYTE_ARRAY: 4, INT32: 4, FLOAT: 4, INT64: 8, DOUBLE: 8, INT96: 12 };

/**
 * Dictionary entries the file's decoded budget leaves after its rows (in the budget's unit, 8
 * bytes a value): a dictionary is decoded whole, whatever its pages use of it, so its entries
 * count like values. Shared by the column chunks of one file (`left` goes down).
 */
export interface DictionaryBudget {
  /** Values the budget holds in all. */
  of: number;
  /** Values of the rows (rows × columns). */
  values: number;
  /** Entries still allowed. */
  left: number;
}

export function dictionaryBudget(metadata: FileMetaData, columns: number, fileBytes: number, limits: ReadLimits): DictionaryBudget {
  const of = Math.floor(decodedBudget(fileBytes, limits) / 8);
  const values = Number(metadata.num_rows) * Math.max(1, columns);
  return { of, values, left: Math.max(0, of - values) };
}

/**
 * The page headers of one column chunk (for the decoder that trusts them): no page may declare
 * more values than the row group has rows, nor more bytes than the chunk, nor a dictionary larger
 * than its bytes can hold (at its type's narrowest entry) or than the file's decoded budget leaves.
 */
export function checkChunkPages(bytes: Uint8Array, meta: ColumnMetaData, groupRows: number, source: string, dictionaries?: DictionaryBudget): void {
  const column = meta.path_in_schema[0]!;
  const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
  const end = start + Number(meta.total_compressed_size);
  const chunkLimit = Number(meta.total_uncompressed_size);
  if (!(start >= 4 && end <= bytes.length - 8 && start <= end)) {
    throw new DataReadError(`corrupted Parquet data (column chunk byte range ${start}..${end} is outside the file)`, { source, column });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const reader = { view, offset: start };
  let values = 0;
  while (reader.offset < end) {
    const header = readPageHeader(reader);
    const size = header.compressed_page_size;
    if (!(Number.isSafeInteger(size) && size >= 0 && reader.offset + size <= end)) {
      throw new DataReadError(`corrupted Parquet data (page of ${size} bytes overruns the column chunk)`, { source, column });
    }
    if (!(header.uncompressed_page_size >= 0 && header.uncompressed_page_size <= chunkLimit)) {
      throw new DataReadError(`corrupted Parquet data (page of ${header.uncompressed_page_size} uncompressed bytes in a chunk of ${chunkLimit})`, {
        source,
        column,
      });
    }
    reader.offset += size;
    const n = header.data_page_header?.num_values ?? header.data_page_header_v2?.num_values;
    if (header.dictionary_page_header) {
      const d = header.dictionary_page_header.num_values;
      // a dictionary entry takes at least one byte (PLAIN; more for most types); booleans have no dictionaries
      const width = ENTRY_BYTES[meta.type] ?? 1;
      if (!(d >= 0 && d * width <= header.uncompressed_page_size)) {
        throw tooMuch(
          source,
          `a dictionary page declares ${d} ${meta.type} values in ${header.uncompressed_page_size} bytes`,
          `${width === 1 ? 'one value per byte' : `one value per ${width} bytes`}`,
          column,
        );
      }
      if (dictionaries) {
        if (d > dictionaries.left) {
          const entries = dictionaries.of - dictionaries.values - dictionaries.left + d;
          throw tooMuch(
            source,
            `its dictionaries declare ${entries} entries beside ${dictionaries.values} values of its rows`,
            `the ${dictionaries.of} values its decoded budget holds`,
            column,
          );
        }
        dictionaries.left -= d;
      }
    } else if (n !== undefined) {
      values += n;
      if (!(n >= 0 && values <= groupRows)) {
        throw tooMuch(source, `its pages declare ${values} values in a row group of ${groupRows} rows`, 'the row group', column);
      }
    }
  }
}

/** Lines of a CSV or JSON Lines file: how many (a bound on rows) and the longest, before parsing. */
export function checkTextLines(bytes: Uint8Array, source: string, limits: ReadLimits, lineOffset = 0): number {
  let lines = 0;
  let from = 0;
  for (;;) {
    const nl = bytes.indexOf(10, from);
    const lineEnd = nl < 0 ? bytes.length : nl;
    if (lineEnd - from > limits.max_line_bytes) {
      throw new DataReadError(`refused: a line of ${formatBytes(lineEnd - from)}, more than limits.max_line_bytes (${formatBytes(limits.max_line_bytes)})`, {
        source,
        line: lines + 1 + lineOffset,
      });
    }
    lines++;
    if (nl < 0) break;
    from = nl + 1;
  }
  if (lines - 1 > limits.max_rows_per_file) {
    throw tooMuch(source, `the file has ${lines} lines`, `limits.max_rows_per_file (${limits.max_rows_per_file})`);
  }
  return lines;
}
