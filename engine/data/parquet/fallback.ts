/**
 * The fallback decoder: hyparquet's `parquetRead` with the `onChunk` column callback, for the
 * columns and column chunks the direct decoder does not handle (e.g. DELTA_* encodings). hyparquet
 * trusts run lengths in damaged pages, so the direct decoder covers the common column types.
 */
import { parquetRead, type FileMetaData } from 'hyparquet';
import { wrapCorrupted } from './errors.js';
import { boundedCompressors } from './inflate.js';
import { PARSERS } from './mapping.js';
import type { Sink } from './sinks.js';

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) {
    return bytes.buffer;
  }
  // copy (note: Buffer#slice would return a view of the same, possibly pooled, memory)
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

/** Decodes `columns` of the rows [firstRow, firstRow + rowCount) into their sinks, rows numbered from firstRow. */
export async function readWithHyparquet(
  bytes: Uint8Array,
  metadata: FileMetaData,
  firstRow: number,
  rowCount: number,
  columns: string[],
  sinks: ReadonlyMap<string, Sink>,
  source: string,
): Promise<void> {
  const file = toArrayBuffer(bytes);
  // one column at a time, so that a failure names its column
  for (const column of columns) {
    // onChunk must not throw (hyparquet calls it from a detached promise): keep the first failure
    let failure: unknown;
    try {
      await parquetRead({
        file,
        metadata,
        rowStart: firstRow,
        rowEnd: firstRow + rowCount,
        columns: [column],
        compressors: boundedCompressors,
        parsers: PARSERS,
        geoparquet: false,
        onChunk(chunk) {
          if (failure !== undefined) return;
          try {
            sinks.get(chunk.columnName)?.accept(firstRow === 0 ? chunk : { ...chunk, rowStart: chunk.rowStart - firstRow });
          } catch (err) {
            failure = err;
          }
        },
      });
    } catch (err) {
      throw wrapCorrupted(err, source, column);
    }
    if (failure !== undefined) throw wrapCorrupted(failure, source, column);
  }
}
