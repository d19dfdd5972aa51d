/** Direct decoding of a column chunk, page by page, into a sink's arrays. */
import type { ColumnMetaData, Encoding, SchemaElement } from 'hyparquet';
import { byteWidth, decompress, LITTLE_ENDIAN, readPlainNumbers, readPlainStrings, readRleHybrid } from './encodings.js';
import { corrupted, Unsupported } from './errors.js';
import { readPageHeader } from './hyparquet-internals.js';
import type { Mapping } from './mapping.js';
import { decodePageValues, Scratch, type Dictionary, type DirectColumn, type DirectType } from './page.js';
import { BooleanSink, NumberSink } from './sinks.js';

/** The physical type when the column can be decoded directly, else undefined. */
export function directType(el: SchemaElement, mapping: Mapping): DirectType | undefined {
  if (!LITTLE_ENDIAN) return undefined;
  if (el.repetition_type === 'REPEATED') return undefined;
  const ct = el.converted_type;
  const lt = el.logical_type;
  switch (mapping.kind) {
    case 'number': {
      const plainInt = ct === undefined || ct === 'INT_8' || ct === 'INT_16' || ct === 'INT_32' || ct === 'INT_64' || ct === 'UINT_8' || ct === 'UINT_16';
      if (!plainInt) return undefined;
      if (lt !== undefined && !(lt.type === 'INTEGER' && (lt.isSigned || lt.bitWidth <= 16))) return undefined;
      return el.type === 'DOUBLE' || el.type === 'FLOAT' || el.type === 'INT32' || el.type === 'INT64' ? el.type : undefined;
    }
    case 'boolean':
      return el.type === 'BOOLEAN' ? 'BOOLEAN' : undefined;
    case 'string': {
      if (el.type !== 'BYTE_ARRAY') return undefined;
      const text =
        (ct === undefined || ct === 'UTF8' || ct === 'ENUM' || ct === 'JSON') &&
        (lt === undefined || lt.type === 'STRING' || lt.type === 'ENUM' || lt.type === 'JSON');
      return text ? 'BYTE_ARRAY' : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Decode one column chunk of a row group into the sink at rows [groupStart, groupStart + groupRows).
 * Throws Unsupported (the caller falls back to hyparquet) or an error (damaged data).
 */
export function decodeChunk(bytes: Uint8Array, view: DataView, meta: ColumnMetaData, col: DirectColumn, groupStart: number, groupRows: number): void {
  const { sink, type, optional } = col;
  const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
  const end = start + Number(meta.total_compressed_size);
  if (!(start >= 4 && end <= bytes.length - 8 && start <= end)) {
    throw corrupted(`column chunk byte range ${start}..${end} is outside the file`);
  }
  const limit = Math.min(Number(meta.total_uncompressed_size), 0x40000000);
  // an encoding the chunk does not declare means a damaged page header, not a reason to fall back
  const declared = new Set<string>(meta.encodings);
  const unsupported = (encoding: string, what: string): Error =>
    declared.has(encoding) ? new Unsupported(what) : corrupted(`page encoding ${encoding} not declared by the column chunk`);
  const scratch = new Scratch();
  const reader = { view, offset: start };
  let dictionary: Dictionary | undefined;
  let row = 0;
  while (row < groupRows) {
    if (reader.offset >= end) throw corrupted(`column chunk ended after ${row} of ${groupRows} rows`);
    const header = readPageHeader(reader);
    const pageStart = reader.offset;
    const size = header.compressed_page_size;
    if (!Number.isSafeInteger(size) || size < 0 || pageStart + size > end) {
      throw corrupted(`page of ${size} bytes at offset ${pageStart} overruns the column chunk`);
    }
    reader.offset = pageStart + size;
    const raw = bytes.subarray(pageStart, pageStart + size);
    const at = groupStart + row;

    if (header.type === 'DICTIONARY_PAGE') {
      const dph = header.dictionary_page_header;
      if (!dph) throw corrupted('dictionary page without header');
      if (dph.encoding !== 'PLAIN' && dph.encoding !== 'PLAIN_DICTIONARY') throw unsupported(dph.encoding, `dictionary ${dph.encoding}`);
      const page = decompress(meta.codec, raw, header.uncompressed_page_size, limit);
      const n = dph.num_values;
      // each entry takes at least its type's width (a string its 4-byte length): checked before allocating
      const width = type === 'BYTE_ARRAY' ? 4 : type === 'BOOLEAN' ? 1 : byteWidth(type);
      if (!Number.isSafeInteger(n) || n < 0 || n * width > page.length)
        throw corrupted(`dictionary page of ${page.length} bytes too short for ${n} ${type} entries`);
      if (type === 'BYTE_ARRAY') {
        const strings = new Array<string | null>(n);
        readPlainStrings(page, 0, page.length, n, strings, 0);
        dictionary = strings as string[];
      } else if (type === 'BOOLEAN') {
        throw corrupted('dictionary page in a boolean column');
      } else {
        const values = new Float64Array(n);
        readPlainNumbers(type, page, 0, page.length, n, values, 0, sink, -1);
        dictionary = values;
      }
      continue;
    }

    let n: number;
    let encoding: Encoding;
    let page: Uint8Array;
    let pos = 0;
    let levels: Int32Array | undefined; // definition levels (1 = value present)
    if (header.type === 'DATA_PAGE') {
      const dph = header.data_page_header;
      if (!dph) throw corrupted('data page without header');
      n = dph.num_values;
      encoding = dph.encoding;
      if (!Number.isSafeInteger(n) || n < 0 || n > groupRows - row) throw corrupted(`data page of ${n} values overruns the row group`);
      page = decompress(meta.codec, raw, header.uncompressed_page_size, limit);
      if (optional) {
        if (dph.definition_level_encoding !== 'RLE') {
          throw unsupported(dph.definition_level_encoding, `definition levels ${dph.definition_level_encoding}`);
        }
        if (page.length < 4) throw corrupted('data page too short');
        const len = page[0]! | (page[1]! << 8) | (page[2]! << 16) | (page[3]! << 24);
        if (len < 0 || 4 + len > page.length) throw corrupted('definition levels overrun the page');
        levels = scratch.levelBuf(n);
        readRleHybrid(page, 4, 4 + len, 1, levels, n);
        pos = 4 + len;
      }
    } else if (header.type === 'DATA_PAGE_V2') {
      const h2 = header.data_page_header_v2;
      if (!h2) throw corrupted('data page v2 without header');
      n = h2.num_values;
      encoding = h2.encoding;
      if (!Number.isSafeInteger(n) || n < 0 || n > groupRows - row) throw corrupted(`data page of ${n} values overruns the row group`);
      const repLen = h2.repetition_levels_byte_length;
      const defLen = h2.definition_levels_byte_length;
      if (repLen !== 0) throw corrupted('repetition levels in a flat column');
      if (!(defLen >= 0) || defLen > raw.length) throw corrupted('definition levels overrun the page');
      if (optional && defLen > 0) {
        levels = scratch.levelBuf(n);
        readRleHybrid(raw, 0, defLen, 1, levels, n);
      } else if (optional && n > 0 && h2.num_nulls !== 0) {
        throw corrupted('missing definition levels');
      }
      const body = raw.subarray(defLen);
      const compressed = h2.is_compressed !== false && meta.codec !== 'UNCOMPRESSED';
      page = compressed ? decompress(meta.codec, body, header.uncompressed_page_size - defLen, limit) : body;
    } else if (header.type === 'INDEX_PAGE') {
      continue;
    } else {
      throw corrupted(`unknown page type ${String(header.type)}`);
    }

    let present = n;
    if (levels) {
      present = 0;
      for (let i = 0; i < n; i++) present += levels[i] === 1 ? 1 : 0;
    }
    // no nulls: values go straight to the output; else through scratch, then scattered
    const dense = present !== n;
    let values: ReturnType<typeof decodePageValues>;
    try {
      values = decodePageValues(col, encoding, page, pos, present, dictionary, scratch, dense, at);
    } catch (err) {
      throw err instanceof Unsupported ? unsupported(encoding, err.message) : err;
    }
    if (dense) {
      const lv = levels!;
      let j = 0;
      if (sink instanceof NumberSink) {
        const src = values as Float64Array;
        const out = sink.values;
        for (let i = 0; i < n; i++) {
          if (lv[i] === 1) out[at + i] = src[j++]!;
          else sink.markNull(at + i);
        }
      } else if (sink instanceof BooleanSink) {
        const src = values as Uint8Array;
        const out = sink.values;
        for (let i = 0; i < n; i++) {
          if (lv[i] === 1) out[at + i] = src[j++]!;
          else sink.markNull(at + i);
        }
      } else {
        const src = values as (string | null)[];
        const out = sink.values;
        for (let i = 0; i < n; i++) out[at + i] = lv[i] === 1 ? src[j++]! : null;
      }
    }
    sink.received += n;
    row += n;
  }
}
