/**
 * Parquet files with pages of any codec and kind, for tests: a file written UNCOMPRESSED by
 * hyparquet-writer (REQUIRED columns) is rewritten page by page, each page's data through
 * `compress` (which may return anything, e.g. data inflating far past the page's size), data
 * pages kept as v2 or turned into v1. The page headers keep the true uncompressed sizes.
 */
import assert from 'node:assert/strict';
import { parquetMetadata, type CompressionCodec, type PageHeader } from 'hyparquet';
import { ByteWriter } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { readPageHeader } from '../../engine/data/parquet/hyparquet-internals.js';

export type PageKind = 'DICTIONARY_PAGE' | 'DATA_PAGE' | 'DATA_PAGE_V2';

export function repack(
  bytes: Uint8Array,
  codec: CompressionCodec,
  compress: (data: Uint8Array, kind: PageKind, column: string) => Uint8Array,
  pages: 'v1' | 'v2',
  /** Rewrites a page's header (a header that lies), after `compress`. */
  edit?: (header: PageHeader, kind: PageKind, column: string) => PageHeader,
): Uint8Array {
  const metadata = parquetMetadata(bytes.slice().buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const w = new ByteWriter();
  w.appendUint32(0x31524150); // PAR1
  for (const group of metadata.row_groups) {
    let groupBytes = 0;
    for (const chunk of group.columns) {
      const m = chunk.meta_data!;
      const column = m.path_in_schema[0]!;
      assert.equal(m.codec, 'UNCOMPRESSED');
      const start = Number(m.dictionary_page_offset || m.data_page_offset);
      const end = start + Number(m.total_compressed_size);
      const reader = { view, offset: start };
      const chunkStart = w.offset;
      let uncompressed = 0;
      let firstData: bigint | undefined;
      delete m.dictionary_page_offset;
      while (reader.offset < end) {
        const h = readPageHeader(reader);
        const body = bytes.subarray(reader.offset, reader.offset + h.compressed_page_size);
        reader.offset += h.compressed_page_size;
        const at = BigInt(w.offset);
        let header: PageHeader;
        let data: Uint8Array;
        if (h.type === 'DICTIONARY_PAGE') {
          m.dictionary_page_offset = at;
          data = compress(body, 'DICTIONARY_PAGE', column);
          header = { ...h, compressed_page_size: data.length };
        } else {
          assert.equal(h.type, 'DATA_PAGE_V2');
          const v2 = h.data_page_header_v2!;
          assert.equal(v2.definition_levels_byte_length + v2.repetition_levels_byte_length, 0, 'REQUIRED columns only');
          firstData ??= at;
          if (pages === 'v1') {
            data = compress(body, 'DATA_PAGE', column);
            header = {
              type: 'DATA_PAGE',
              uncompressed_page_size: body.length,
              compressed_page_size: data.length,
              data_page_header: { num_values: v2.num_values, encoding: v2.encoding, definition_level_encoding: 'RLE', repetition_level_encoding: 'RLE' },
            };
          } else {
            data = compress(body, 'DATA_PAGE_V2', column);
            header = { ...h, compressed_page_size: data.length };
          }
        }
        if (edit) header = edit(header, header.type as PageKind, column);
        const headerAt = w.offset;
        writePageHeader(w, header as never); // (hyparquet-writer has its own copy of hyparquet's types)
        uncompressed += w.offset - headerAt + header.uncompressed_page_size;
        w.appendBytes(data);
      }
      m.data_page_offset = firstData!;
      m.codec = codec;
      m.total_compressed_size = BigInt(w.offset - chunkStart);
      m.total_uncompressed_size = BigInt(uncompressed);
      delete m.statistics;
      delete m.encoding_stats;
      delete m.bloom_filter_offset;
      delete m.bloom_filter_length;
      delete chunk.offset_index_offset;
      delete chunk.offset_index_length;
      delete chunk.column_index_offset;
      delete chunk.column_index_length;
      chunk.file_offset = BigInt(chunkStart);
      groupBytes += w.offset - chunkStart;
    }
    group.total_byte_size = BigInt(groupBytes);
    delete group.file_offset;
    delete group.total_compressed_size;
  }
  delete (metadata as { metadata_length?: number }).metadata_length;
  writeMetadata(w, metadata as never);
  w.appendUint32(0x31524150);
  return new Uint8Array(w.getBuffer());
}

/**
 * 16 MiB (a 200-byte pattern repeated) as one zstd frame of 1.6 KiB without a content size,
 * compressed blocks only (zstd -19 --no-content-size): a page bomb.
 */
export const ZSTD_STREAMED = new Uint8Array(
  Buffer.from(
    'KLUv/QRolAYAhAylTcoYJTC7HW0TLN7WI3su2R4/ch/LGXEXRJTWSTydXDRgvjEgHmn+2qDu6LmZf1x8KZn9r+WTJTzWVK9N+tcUJ6Cus/7pIy+K8iEfnuSRxbEL7LVWO/web5NCfsvI/ilV5c2ORtyO1LfCdk0qWk12dwb4XYaQAkrWvaNAG+nIy8zJNfbNH2EiauFTOK4aNABNM7oNJGrATIGxuvI+O/nu9fefK0k0r4f1UgtpuUsNmC6Fu1W2cqhyY3rNdGb8tg4Oj/GEY7DksgEAyJr/ZW6kVAAAAAEA/f+7/7kGAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJFAAAAAQDt/zkAAtlu8AA=',
    'base64',
  ),
);
