/**
 * Parquet → columnar Table, via hyparquet's column-chunk callback (no row objects).
 *
 * Type mapping (top-level flat columns):
 * - BOOLEAN                                   → boolean
 * - INT32, INT64 (any INT/UINT annotation),
 *   TIME (raw integer in its unit)            → number, sourceType 'int'
 *     INT64 values beyond ±2^53 are an error naming the column (they cannot be exact doubles)
 * - FLOAT, DOUBLE, FLOAT16, DECIMAL (any
 *   physical type)                            → number, sourceType 'float'
 * - BYTE_ARRAY (STRING/UTF8, ENUM, JSON text,
 *   or unannotated: decoded as UTF-8), UUID   → string
 * - DATE                                      → string 'YYYY-MM-DD'
 * - TIMESTAMP (millis/micros/nanos), INT96    → string ISO 8601 in UTC with millisecond
 *                                                precision, e.g. '2024-01-31T12:00:00.000Z'
 * - nested groups (struct/list/map), VARIANT, GEOMETRY/GEOGRAPHY, BSON, INTERVAL and
 *   unannotated FIXED_LEN_BYTE_ARRAY are unsupported: skipped when reading all columns,
 *   an error naming the column when explicitly requested.
 * Nulls are flagged in the `nulls` bitmap (numbers hold NaN there, booleans 0).
 *
 * Speed: flat numeric columns (DOUBLE, FLOAT, INT32, INT64 without unsigned/decimal/temporal
 * annotations) whose pages use PLAIN, dictionary or BYTE_STREAM_SPLIT encoding are decoded here
 * straight from the page bytes into the output Float64Array (no intermediate JS arrays, no
 * per-value allocation). Every other column, and any column using another encoding, goes
 * through hyparquet's `parquetRead` with the `onChunk` column callback.
 */
import { parquetMetadata, parquetRead, parquetSchema, snappyUncompress } from 'hyparquet';
import type {
  ColumnData,
  ColumnMetaData,
  CompressionCodec,
  Encoding,
  FileMetaData,
  ParquetParsers,
  SchemaElement,
  SchemaTree,
} from 'hyparquet';
// page-header (thrift) parser; exported by hyparquet under its "./src/*.js" entry
import { parquetHeader } from 'hyparquet/src/column.js';
import { compressors } from 'hyparquet-compressors';
import { DataReadError } from './errors.js';
import type { BooleanColumn, Column, NumberColumn, StringColumn, Table } from './table.js';

export interface ParquetReadOptions {
  source: string;
  /** Projection: only these columns are read and decoded (missing names are simply absent). */
  columns?: string[];
  /**
   * Decode flat numeric columns directly from the pages (default true). false routes every
   * column through hyparquet; only useful to cross-check the two decoders.
   */
  directDecode?: boolean;
}

type Mapping =
  | { kind: 'number'; sourceType: 'int' | 'float' }
  | { kind: 'boolean' }
  | { kind: 'string' }
  | { kind: 'unsupported'; reason: string };

const MAGIC = 0x31524150; // "PAR1" little-endian
const MAGIC_ENCRYPTED = 0x45524150; // "PARE"
const LIMIT = 9007199254740992; // 2^53
const LIMIT_BIG = 9007199254740992n;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const utf8 = new TextDecoder();

function isoFromMillis(ms: number): string {
  return new Date(ms).toISOString();
}

/** Parsers applied by hyparquet while decoding: temporal values become strings directly. */
const PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (millis: bigint) => isoFromMillis(Number(millis)),
  timestampFromMicroseconds: (micros: bigint) => isoFromMillis(Number(micros / 1000n)),
  timestampFromNanoseconds: (nanos: bigint) => isoFromMillis(Number(nanos / 1000000n)),
  dateFromDays: (days: number) => isoFromMillis(days * 86400000).slice(0, 10),
  jsonFromBytes: (bytes: Uint8Array) => (bytes ? utf8.decode(bytes) : bytes),
};

export function mapParquetType(el: SchemaElement): Mapping {
  const ct = el.converted_type;
  const lt = el.logical_type?.type;
  if (lt === 'VARIANT' || lt === 'GEOMETRY' || lt === 'GEOGRAPHY' || lt === 'BSON' || ct === 'BSON') {
    return { kind: 'unsupported', reason: `${lt ?? ct} values are not supported` };
  }
  if (lt === 'INTERVAL' || ct === 'INTERVAL') return { kind: 'unsupported', reason: 'INTERVAL values are not supported' };
  if (ct === 'DECIMAL' || lt === 'DECIMAL') return { kind: 'number', sourceType: 'float' };
  if (ct === 'DATE' || lt === 'DATE') return { kind: 'string' };
  if (lt === 'TIMESTAMP' || ct === 'TIMESTAMP_MILLIS' || ct === 'TIMESTAMP_MICROS' || el.type === 'INT96') {
    return { kind: 'string' };
  }
  if (lt === 'UUID') return { kind: 'string' };
  if (lt === 'FLOAT16') return { kind: 'number', sourceType: 'float' };
  switch (el.type) {
    case 'BOOLEAN':
      return { kind: 'boolean' };
    case 'INT32':
    case 'INT64':
      return { kind: 'number', sourceType: 'int' };
    case 'FLOAT':
    case 'DOUBLE':
      return { kind: 'number', sourceType: 'float' };
    case 'BYTE_ARRAY':
      return { kind: 'string' };
    case 'FIXED_LEN_BYTE_ARRAY':
      return { kind: 'unsupported', reason: 'binary FIXED_LEN_BYTE_ARRAY values are not supported' };
    default:
      return { kind: 'unsupported', reason: `physical type ${String(el.type)} is not supported` };
  }
}

/** Receives the decoded chunks of one column and writes them into preallocated output arrays. */
abstract class Sink {
  /** Number of values received so far (must equal rowCount at the end). */
  received = 0;
  constructor(
    readonly name: string,
    readonly rowCount: number,
    readonly source: string,
  ) {}

  accept(chunk: ColumnData): void {
    const { rowStart } = chunk;
    const n = chunk.columnData.length;
    if (rowStart < 0 || rowStart + n > this.rowCount) {
      throw new DataReadError(`corrupted Parquet data: rows ${rowStart}..${rowStart + n} exceed the row count ${this.rowCount}`, {
        source: this.source,
        column: this.name,
      });
    }
    this.write(chunk.columnData, rowStart, n);
    this.received += n;
  }

  protected unexpected(value: unknown, row: number): DataReadError {
    const kind = value === null ? 'null' : typeof value === 'object' ? (value as object).constructor?.name ?? 'object' : typeof value;
    return new DataReadError(`unexpected ${kind} value at row ${row}`, { source: this.source, column: this.name });
  }

  protected tooLarge(value: bigint, row: number): DataReadError {
    return new DataReadError(
      `integer ${value} at row ${row} exceeds 2^53 in magnitude and cannot be represented exactly as a number`,
      { source: this.source, column: this.name },
    );
  }

  protected abstract write(data: ColumnData['columnData'], offset: number, n: number): void;
  abstract finish(): Column;
}

class NumberSink extends Sink {
  readonly values: Float64Array;
  nulls: Uint8Array | undefined;

  constructor(
    name: string,
    rowCount: number,
    source: string,
    readonly sourceType: 'int' | 'float',
  ) {
    super(name, rowCount, source);
    this.values = new Float64Array(rowCount);
  }

  private bigToNumber(v: bigint, row: number): number {
    const x = Number(v);
    if ((x >= LIMIT || x <= -LIMIT) && (v > LIMIT_BIG || v < -LIMIT_BIG)) throw this.tooLarge(v, row);
    return x;
  }

  protected write(data: ColumnData['columnData'], offset: number, n: number): void {
    const out = this.values;
    if (data instanceof BigInt64Array) {
      if (LITTLE_ENDIAN) {
        // read the two 32-bit halves: no BigInt allocation per value
        const words = new Int32Array(data.buffer, data.byteOffset, n * 2);
        for (let i = 0; i < n; i++) {
          const lo = words[2 * i]!;
          const hi = words[2 * i + 1]!;
          if (hi < -2097152 || hi > 2097152 || (hi === 2097152 && lo !== 0)) throw this.tooLarge(data[i]!, offset + i);
          out[offset + i] = hi * 4294967296 + (lo >>> 0);
        }
      } else {
        for (let i = 0; i < n; i++) out[offset + i] = this.bigToNumber(data[i]!, offset + i);
      }
      return;
    }
    if (data instanceof BigUint64Array) {
      for (let i = 0; i < n; i++) out[offset + i] = this.bigToNumber(data[i]!, offset + i);
      return;
    }
    if (!Array.isArray(data)) {
      // Float64Array, Float32Array, Int32Array, Uint32Array, Uint8Array: one memcpy/convert
      out.set(data, offset);
      return;
    }
    for (let i = 0; i < n; i++) {
      const v: unknown = data[i];
      if (typeof v === 'number') {
        out[offset + i] = v;
      } else if (v === null || v === undefined) {
        out[offset + i] = NaN;
        (this.nulls ??= new Uint8Array(this.rowCount))[offset + i] = 1;
      } else if (typeof v === 'bigint') {
        out[offset + i] = this.bigToNumber(v, offset + i);
      } else {
        throw this.unexpected(v, offset + i);
      }
    }
  }

  /** Forget what a partial fast decode wrote, before the column is decoded again by hyparquet. */
  reset(): void {
    this.received = 0;
    this.nulls = undefined;
  }

  markNull(row: number): void {
    (this.nulls ??= new Uint8Array(this.rowCount))[row] = 1;
  }

  finish(): NumberColumn {
    const col: NumberColumn = { kind: 'number', sourceType: this.sourceType, values: this.values };
    if (this.nulls) col.nulls = this.nulls;
    return col;
  }
}

class BooleanSink extends Sink {
  readonly values: Uint8Array;
  nulls: Uint8Array | undefined;

  constructor(name: string, rowCount: number, source: string) {
    super(name, rowCount, source);
    this.values = new Uint8Array(rowCount);
  }

  protected write(data: ColumnData['columnData'], offset: number, n: number): void {
    const out = this.values;
    for (let i = 0; i < n; i++) {
      const v: unknown = data[i];
      if (v === true || v === 1) out[offset + i] = 1;
      else if (v === false || v === 0) out[offset + i] = 0;
      else if (v === null || v === undefined) (this.nulls ??= new Uint8Array(this.rowCount))[offset + i] = 1;
      else throw this.unexpected(v, offset + i);
    }
  }

  finish(): BooleanColumn {
    const col: BooleanColumn = { kind: 'boolean', values: this.values };
    if (this.nulls) col.nulls = this.nulls;
    return col;
  }
}

class StringSink extends Sink {
  readonly values: (string | null)[];

  constructor(name: string, rowCount: number, source: string) {
    super(name, rowCount, source);
    this.values = new Array<string | null>(rowCount).fill(null);
  }

  protected write(data: ColumnData['columnData'], offset: number, n: number): void {
    const out = this.values;
    for (let i = 0; i < n; i++) {
      const v: unknown = data[i];
      if (typeof v === 'string') out[offset + i] = v;
      else if (v === null || v === undefined) out[offset + i] = null;
      else throw this.unexpected(v, offset + i);
    }
  }

  finish(): StringColumn {
    return { kind: 'string', values: this.values };
  }
}

function checkMagic(bytes: Uint8Array, source: string): void {
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

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) {
    return bytes.buffer;
  }
  // copy (note: Buffer#slice would return a view of the same, possibly pooled, memory)
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function wrapCorrupted(err: unknown, source: string, column?: string): DataReadError {
  if (err instanceof DataReadError) return err;
  const where = column === undefined ? { source, cause: err } : { source, column, cause: err };
  return new DataReadError(`corrupted or unsupported Parquet data (${describe(err)})`, where);
}

// ---------------------------------------------------------------------------------------------
// Direct page decoding of flat numeric columns

/** Thrown when a column chunk uses something the direct decoder does not handle: use hyparquet. */
class Unsupported extends Error {}

type FastType = 'DOUBLE' | 'FLOAT' | 'INT32' | 'INT64';

/** The physical type when the column can be decoded directly, else undefined. */
function fastPhysicalType(el: SchemaElement): FastType | undefined {
  if (!LITTLE_ENDIAN) return undefined;
  if (el.repetition_type === 'REPEATED') return undefined;
  const ct = el.converted_type;
  const lt = el.logical_type;
  if (ct !== undefined && ct !== 'INT_8' && ct !== 'INT_16' && ct !== 'INT_32' && ct !== 'INT_64' && ct !== 'UINT_8' && ct !== 'UINT_16') {
    return undefined;
  }
  if (lt !== undefined && !(lt.type === 'INTEGER' && (lt.isSigned || lt.bitWidth <= 16))) return undefined;
  switch (el.type) {
    case 'DOUBLE':
    case 'FLOAT':
    case 'INT32':
    case 'INT64':
      return el.type;
    default:
      return undefined;
  }
}

function byteWidth(type: FastType): number {
  return type === 'DOUBLE' || type === 'INT64' ? 8 : 4;
}

/** Malformed page data; the caller wraps it into a DataReadError naming the source and column. */
function corrupted(reason: string): Error {
  return new Error(reason);
}

/** `limit`: the column chunk's total uncompressed size, so a damaged header cannot ask for gigabytes. */
function decompress(codec: CompressionCodec, input: Uint8Array, size: number, limit: number): Uint8Array {
  if (!Number.isSafeInteger(size) || size < 0 || size > limit) throw corrupted(`invalid page size ${size}`);
  let out: Uint8Array;
  if (size === 0) {
    out = new Uint8Array(0); // (some decompressors reject an empty page, e.g. an empty dictionary)
  } else if (codec === 'UNCOMPRESSED') {
    out = input;
  } else {
    const custom = compressors[codec];
    if (custom) {
      out = custom(input, size);
    } else if (codec === 'SNAPPY') {
      out = new Uint8Array(size);
      snappyUncompress(input, out);
    } else {
      throw new Unsupported(`codec ${codec}`);
    }
  }
  if (out.length !== size) throw corrupted(`page decompressed to ${out.length} bytes, expected ${size}`);
  return out;
}

/**
 * Decode `count` values of the RLE/bit-packed hybrid encoding from src[pos, end) into out.
 * Returns the position after the last run read.
 */
function readRleHybrid(src: Uint8Array, pos: number, end: number, bitWidth: number, out: Int32Array, count: number): number {
  if (bitWidth > 32) throw corrupted(`invalid bit width ${bitWidth}`);
  const valueBytes = (bitWidth + 7) >> 3;
  let seen = 0;
  while (seen < count) {
    let header = 0;
    let shift = 0;
    for (;;) {
      if (pos >= end || shift > 28) throw corrupted('truncated RLE/bit-packed data');
      const byte = src[pos++]!;
      header += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if ((byte & 0x80) === 0) break;
    }
    if (header % 2 === 1) {
      // bit-packed groups of 8 values
      const n = Math.floor(header / 2) * 8;
      const nBytes = (n / 8) * bitWidth;
      if (pos + nBytes > end) throw corrupted('truncated bit-packed run');
      const take = Math.min(n, count - seen);
      if (bitWidth === 0) {
        out.fill(0, seen, seen + take);
      } else if (bitWidth <= 24) {
        const mask = (1 << bitWidth) - 1;
        let buffer = 0;
        let bits = 0;
        let p = pos;
        for (let i = 0; i < take; i++) {
          while (bits < bitWidth) {
            buffer |= src[p++]! << bits;
            bits += 8;
          }
          out[seen + i] = buffer & mask;
          buffer >>>= bitWidth;
          bits -= bitWidth;
        }
      } else {
        for (let i = 0; i < take; i++) {
          let v = 0;
          const bit0 = i * bitWidth;
          for (let k = 0; k < bitWidth; k++) {
            const bit = bit0 + k;
            if ((src[pos + (bit >> 3)]! >> (bit & 7)) & 1) v += 2 ** k;
          }
          out[seen + i] = v | 0;
        }
      }
      pos += nBytes;
      seen += take;
    } else {
      const run = Math.floor(header / 2);
      if (pos + valueBytes > end) throw corrupted('truncated RLE run');
      let v = 0;
      for (let k = 0; k < valueBytes; k++) v += src[pos + k]! * 2 ** (8 * k);
      pos += valueBytes;
      const take = Math.min(run, count - seen);
      out.fill(v | 0, seen, seen + take);
      seen += take;
    }
  }
  return pos;
}

/** Reused scratch buffers (one reader at a time per call; grown on demand). */
class Scratch {
  ints = new Int32Array(0);
  floats = new Float64Array(0);
  intBuf(n: number): Int32Array {
    if (this.ints.length < n) this.ints = new Int32Array(Math.max(n, this.ints.length * 2));
    return this.ints;
  }
  floatBuf(n: number): Float64Array {
    if (this.floats.length < n) this.floats = new Float64Array(Math.max(n, this.floats.length * 2));
    return this.floats;
  }
}

const INT64_LIMIT_HI = 2097152; // 2^21: high word of 2^53

/** Little-endian INT64 words → numbers; throws (with the exact value) beyond ±2^53. */
function int64ToNumbers(words: Int32Array, n: number, out: Float64Array, at: number, sink: NumberSink, firstRow: number): void {
  for (let i = 0; i < n; i++) {
    const lo = words[2 * i]!;
    const hi = words[2 * i + 1]!;
    if (hi < -INT64_LIMIT_HI || hi > INT64_LIMIT_HI || (hi === INT64_LIMIT_HI && lo !== 0)) {
      const exact = (BigInt(hi) << 32n) + BigInt(lo >>> 0);
      const where = firstRow >= 0 ? ` at row ${firstRow + i}` : '';
      throw new DataReadError(
        `integer ${exact}${where} exceeds 2^53 in magnitude and cannot be represented exactly as a number`,
        { source: sink.source, column: sink.name },
      );
    }
    out[at + i] = hi * 4294967296 + (lo >>> 0);
  }
}

/** An aligned typed-array view of src[pos, pos + n * width) (copies only when unaligned). */
function aligned(src: Uint8Array, pos: number, n: number, width: number): Uint8Array {
  const bytes = src.subarray(pos, pos + n * width);
  return (bytes.byteOffset % width === 0 ? bytes : bytes.slice());
}

/**
 * PLAIN values → out[at, at + n). For DOUBLE this is a single byte copy into the output buffer.
 * `firstRow` (absolute, -1 when unknown) is only used in error messages.
 */
function readPlain(type: FastType, src: Uint8Array, pos: number, end: number, n: number, out: Float64Array, at: number, sink: NumberSink, firstRow: number): void {
  const width = byteWidth(type);
  if (pos + n * width > end) throw corrupted(`page too short for ${n} ${type} values`);
  if (type === 'DOUBLE') {
    new Uint8Array(out.buffer, out.byteOffset + at * 8, n * 8).set(src.subarray(pos, pos + n * 8));
    return;
  }
  const bytes = aligned(src, pos, n, width);
  if (type === 'FLOAT') out.set(new Float32Array(bytes.buffer, bytes.byteOffset, n), at);
  else if (type === 'INT32') out.set(new Int32Array(bytes.buffer, bytes.byteOffset, n), at);
  else int64ToNumbers(new Int32Array(bytes.buffer, bytes.byteOffset, n * 2), n, out, at, sink, firstRow);
}

/** BYTE_STREAM_SPLIT values → out[at, at + n). */
function readByteStreamSplit(type: FastType, src: Uint8Array, pos: number, end: number, n: number, out: Float64Array, at: number, sink: NumberSink, firstRow: number): void {
  const width = byteWidth(type);
  if (pos + n * width > end) throw corrupted(`page too short for ${n} ${type} values`);
  const joined = new Uint8Array(n * width);
  for (let b = 0; b < width; b++) {
    const stream = pos + b * n;
    for (let i = 0; i < n; i++) joined[i * width + b] = src[stream + i]!;
  }
  readPlain(type, joined, 0, joined.length, n, out, at, sink, firstRow);
}

/**
 * Decode one column chunk of a row group into sink.values[groupStart, groupStart + groupRows).
 * Throws Unsupported (caller falls back to hyparquet) or an error (corrupted data).
 */
function decodeNumericChunk(
  bytes: Uint8Array,
  view: DataView,
  meta: ColumnMetaData,
  type: FastType,
  optional: boolean,
  sink: NumberSink,
  groupStart: number,
  groupRows: number,
): void {
  const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
  const end = start + Number(meta.total_compressed_size);
  if (!(start >= 4 && end <= bytes.length - 8 && start <= end)) {
    throw corrupted(`column chunk byte range ${start}..${end} is outside the file`);
  }
  const limit = Math.min(Number(meta.total_uncompressed_size), 0x40000000);
  const out = sink.values;
  const scratch = new Scratch();
  const reader = { view, offset: start };
  let dictionary: Float64Array | undefined;
  let row = 0;
  while (row < groupRows) {
    if (reader.offset >= end) throw corrupted(`column chunk ended after ${row} of ${groupRows} rows`);
    const header = parquetHeader(reader);
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
      if (dph.encoding !== 'PLAIN' && dph.encoding !== 'PLAIN_DICTIONARY') throw new Unsupported(`dictionary ${dph.encoding}`);
      const page = decompress(meta.codec, raw, header.uncompressed_page_size, limit);
      const n = dph.num_values;
      if (!Number.isSafeInteger(n) || n < 0 || n * byteWidth(type) > page.length) throw corrupted('dictionary page too short');
      dictionary = new Float64Array(n);
      readPlain(type, page, 0, page.length, n, dictionary, 0, sink, -1);
      continue;
    }

    let n: number;
    let encoding: Encoding;
    let page: Uint8Array;
    let pos: number;
    let valid: Int32Array | undefined; // def levels (1 = value present) when the page has nulls
    let nonNull: number;
    if (header.type === 'DATA_PAGE') {
      const dph = header.data_page_header;
      if (!dph) throw corrupted('data page without header');
      n = dph.num_values;
      encoding = dph.encoding;
      if (!Number.isSafeInteger(n) || n < 0 || n > groupRows - row) throw corrupted(`data page of ${n} values overruns the row group`);
      page = decompress(meta.codec, raw, header.uncompressed_page_size, limit);
      pos = 0;
      nonNull = n;
      if (optional) {
        if (dph.definition_level_encoding !== 'RLE') throw new Unsupported(`definition levels ${dph.definition_level_encoding}`);
        if (page.length < 4) throw corrupted('data page too short');
        const len = page[0]! | (page[1]! << 8) | (page[2]! << 16) | (page[3]! << 24);
        if (len < 0 || 4 + len > page.length) throw corrupted('definition levels overrun the page');
        valid = scratch.intBuf(n);
        readRleHybrid(page, 4, 4 + len, 1, valid, n);
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
      if (repLen !== 0) throw new Unsupported('repetition levels');
      if (!(defLen >= 0) || defLen > raw.length) throw corrupted('definition levels overrun the page');
      nonNull = n;
      if (optional && defLen > 0) {
        valid = scratch.intBuf(n);
        readRleHybrid(raw, 0, defLen, 1, valid, n);
      } else if (optional && n > 0 && h2.num_nulls !== 0) {
        throw corrupted('missing definition levels');
      }
      const body = raw.subarray(defLen);
      const compressed = h2.is_compressed !== false && meta.codec !== 'UNCOMPRESSED';
      page = compressed ? decompress(meta.codec, body, header.uncompressed_page_size - defLen, limit) : body;
      pos = 0;
    } else if (header.type === 'INDEX_PAGE') {
      continue;
    } else {
      throw corrupted(`unknown page type ${String(header.type)}`);
    }

    if (valid) {
      nonNull = 0;
      for (let i = 0; i < n; i++) nonNull += valid[i] === 1 ? 1 : 0;
    }
    // values go straight to the output when there is no null, else through a scratch buffer
    const target = nonNull === n ? out : scratch.floatBuf(nonNull);
    const tAt = nonNull === n ? at : 0;
    if (encoding === 'PLAIN') {
      readPlain(type, page, pos, page.length, nonNull, target, tAt, sink, at);
    } else if (encoding === 'RLE_DICTIONARY' || encoding === 'PLAIN_DICTIONARY') {
      if (!dictionary) throw corrupted('dictionary-encoded page without a dictionary page');
      if (nonNull > 0) {
        if (pos >= page.length) throw corrupted('data page too short');
        const bitWidth = page[pos]!;
        const idx = scratch.intBuf(n + nonNull).subarray(n); // after the def levels
        readRleHybrid(page, pos + 1, page.length, bitWidth, idx, nonNull);
        const dict = dictionary;
        const size = dict.length;
        for (let i = 0; i < nonNull; i++) {
          const k = idx[i]!;
          if (k < 0 || k >= size) throw corrupted(`dictionary index ${k} out of range (${size} entries)`);
          target[tAt + i] = dict[k]!;
        }
      }
    } else if (encoding === 'BYTE_STREAM_SPLIT') {
      readByteStreamSplit(type, page, pos, page.length, nonNull, target, tAt, sink, at);
    } else {
      throw new Unsupported(`encoding ${encoding}`);
    }
    if (nonNull !== n) {
      // scatter the present values, NaN and a null flag elsewhere
      const v = valid!;
      let j = 0;
      for (let i = 0; i < n; i++) {
        if (v[i] === 1) {
          out[at + i] = target[j++]!;
        } else {
          out[at + i] = NaN;
          sink.markNull(at + i);
        }
      }
    }
    sink.received += n;
    row += n;
  }
}

export async function readParquet(bytes: Uint8Array, opts: ParquetReadOptions): Promise<Table> {
  const { source } = opts;
  checkMagic(bytes, source);
  const file = toArrayBuffer(bytes);

  let metadata: FileMetaData;
  let schema: SchemaTree;
  try {
    metadata = parquetMetadata(file, { parsers: PARSERS, geoparquet: false });
    schema = parquetSchema(metadata);
  } catch (err) {
    throw new DataReadError(`corrupted Parquet footer (${describe(err)})`, { source, cause: err });
  }
  const rowCount = Number(metadata.num_rows);
  if (!Number.isSafeInteger(rowCount) || rowCount < 0) {
    throw new DataReadError(`corrupted Parquet footer (row count ${metadata.num_rows})`, { source });
  }

  const topLevel = new Map(schema.children.map((child) => [child.element.name, child]));
  const names = opts.columns ? [...new Set(opts.columns)].filter((name) => topLevel.has(name)) : [...topLevel.keys()];
  const sinks = new Map<string, Sink>();
  for (const name of names) {
    const node = topLevel.get(name)!;
    const explicit = opts.columns !== undefined;
    let mapping: Mapping;
    if (node.children.length > 0 || node.element.repetition_type === 'REPEATED') {
      mapping = { kind: 'unsupported', reason: 'nested (struct, list or map) columns are not supported' };
    } else {
      mapping = mapParquetType(node.element);
    }
    switch (mapping.kind) {
      case 'number':
        sinks.set(name, new NumberSink(name, rowCount, source, mapping.sourceType));
        break;
      case 'boolean':
        sinks.set(name, new BooleanSink(name, rowCount, source));
        break;
      case 'string':
        sinks.set(name, new StringSink(name, rowCount, source));
        break;
      case 'unsupported':
        if (explicit) throw new DataReadError(mapping.reason, { source, column: name });
        break;
    }
  }

  const columns = new Map<string, Column>();
  if (sinks.size === 0) return { source, rowCount, columns };

  // 1. flat numeric columns: decode the pages directly
  const generic = new Set(sinks.keys());
  const fast = new Map<string, NumberSink>();
  for (const [name, sink] of sinks) {
    if (opts.directDecode === false) break;
    if (sink instanceof NumberSink && fastPhysicalType(topLevel.get(name)!.element)) fast.set(name, sink);
  }
  if (fast.size > 0) {
    const view = new DataView(file);
    const bytesView = new Uint8Array(file);
    let groupStart = 0;
    for (const rowGroup of metadata.row_groups) {
      const groupRows = Number(rowGroup.num_rows);
      if (!Number.isSafeInteger(groupRows) || groupRows < 0 || groupStart + groupRows > rowCount) {
        throw new DataReadError(`corrupted Parquet footer (row group of ${rowGroup.num_rows} rows)`, { source });
      }
      for (const chunk of rowGroup.columns) {
        const meta = chunk.meta_data;
        const name = meta?.path_in_schema.length === 1 ? meta.path_in_schema[0]! : undefined;
        const sink = name === undefined ? undefined : fast.get(name);
        if (!meta || !sink || chunk.file_path) continue;
        const type = fastPhysicalType(topLevel.get(sink.name)!.element)!;
        const optional = topLevel.get(sink.name)!.element.repetition_type !== 'REQUIRED';
        try {
          decodeNumericChunk(bytesView, view, meta, type, optional, sink, groupStart, groupRows);
        } catch (err) {
          if (!(err instanceof Unsupported)) throw wrapCorrupted(err, source, sink.name);
          fast.delete(sink.name); // decoded again below, by hyparquet
          sink.reset();
        }
      }
      groupStart += groupRows;
    }
    for (const name of fast.keys()) generic.delete(name);
  }

  // 2. everything else: hyparquet's column-chunk callback
  if (generic.size > 0) {
    // onChunk must not throw (hyparquet calls it from a detached promise): keep the first failure
    let failure: unknown;
    try {
      await parquetRead({
        file,
        metadata,
        columns: [...generic],
        compressors,
        parsers: PARSERS,
        geoparquet: false,
        onChunk(chunk) {
          if (failure !== undefined) return;
          try {
            sinks.get(chunk.columnName)?.accept(chunk);
          } catch (err) {
            failure = err;
          }
        },
      });
    } catch (err) {
      throw wrapCorrupted(err, source);
    }
    if (failure !== undefined) throw wrapCorrupted(failure, source);
  }

  for (const [name, sink] of sinks) {
    if (sink.received !== rowCount) {
      throw new DataReadError(`corrupted Parquet data: decoded ${sink.received} values, expected ${rowCount}`, {
        source,
        column: name,
      });
    }
    columns.set(name, sink.finish());
  }
  return { source, rowCount, columns };
}
