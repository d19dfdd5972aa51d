/**
 * Dictionary indices of a column chunk that hyparquet decodes (parquet/fallback.ts), checked
 * against the dictionary first: hyparquet looks an index beyond the dictionary up as `undefined`,
 * which a typed array stores as 0 (or NaN), so a damaged page would silently read as zeros.
 */
import type { ColumnMetaData } from 'hyparquet';
import { decompress, readRleHybrid } from './encodings.js';
import { corrupted } from './errors.js';
import { readPageHeader } from './hyparquet-internals.js';

/** Flat columns only (nested ones are not decoded); `optional`: one definition level. */
export function checkDictionaryIndices(bytes: Uint8Array, meta: ColumnMetaData, optional: boolean): void {
  const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
  const end = start + Number(meta.total_compressed_size);
  const limit = Math.min(Number(meta.total_uncompressed_size), 0x40000000);
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: start };
  let entries: number | undefined;
  let levels = new Int32Array(0);
  let indices = new Int32Array(0);
  while (reader.offset < end) {
    const header = readPageHeader(reader);
    const raw = bytes.subarray(reader.offset, reader.offset + header.compressed_page_size);
    reader.offset += header.compressed_page_size;
    if (header.dictionary_page_header) {
      entries = header.dictionary_page_header.num_values;
      continue;
    }
    const v1 = header.data_page_header;
    const v2 = header.data_page_header_v2;
    const encoding = v1?.encoding ?? v2?.encoding;
    if (encoding !== 'RLE_DICTIONARY' && encoding !== 'PLAIN_DICTIONARY') continue;
    if (entries === undefined) throw corrupted('dictionary-encoded page without a dictionary page');
    const n = (v1 ?? v2)!.num_values;
    if (levels.length < n) levels = new Int32Array(n);
    let page: Uint8Array;
    let pos = 0;
    let present = n;
    if (v1) {
      page = decompress(meta.codec, raw, header.uncompressed_page_size, limit);
      if (optional) {
        if (page.length < 4) throw corrupted('data page too short');
        const len = page[0]! | (page[1]! << 8) | (page[2]! << 16) | (page[3]! << 24);
        if (len < 0 || 4 + len > page.length) throw corrupted('definition levels overrun the page');
        readRleHybrid(page, 4, 4 + len, 1, levels, n);
        pos = 4 + len;
      }
    } else {
      const repLen = v2!.repetition_levels_byte_length;
      const defLen = v2!.definition_levels_byte_length;
      if (repLen !== 0 || !(defLen >= 0) || defLen > raw.length) throw corrupted('levels overrun the page');
      if (optional && defLen > 0) readRleHybrid(raw, 0, defLen, 1, levels, n);
      else if (optional) levels.fill(1, 0, n);
      const body = raw.subarray(defLen);
      page = v2!.is_compressed !== false && meta.codec !== 'UNCOMPRESSED' ? decompress(meta.codec, body, header.uncompressed_page_size - defLen, limit) : body;
    }
    if (optional) {
      present = 0;
      for (let i = 0; i < n; i++) present += levels[i] === 1 ? 1 : 0;
    }
    if (present === 0) continue;
    if (pos >= page.length) throw corrupted('data page too short');
    if (indices.length < present) indices = new Int32Array(present);
    readRleHybrid(page, pos + 1, page.length, page[pos]!, indices, present);
    for (let i = 0; i < present; i++) {
      const k = indices[i]!;
      if (k < 0 || k >= entries) throw corrupted(`dictionary index ${k} out of range (${entries} entries)`);
    }
  }
}
