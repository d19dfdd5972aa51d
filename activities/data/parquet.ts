/* eslint-disable max-lines -- being split */
/**
 * Parquet → columnar Table (no row objects).
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
 * Nulls are flagged in the `nulls` bitmap (numbers hold NaN there, booleans 0, strings null).
 *
 * Two decoders:
 * - Direct: flat DOUBLE/FLOAT/INT32/INT64 (no unsigned-32/64, decimal or temporal annotation),
 *   BOOLEAN and UTF-8 BYTE_ARRAY columns whose pages use PLAIN, dictionary, RLE (booleans) or
 *   BYTE_STREAM_SPLIT encoding are decoded here straight from the page bytes into the output
 *   arrays: a DOUBLE page without nulls is one byte copy, dictionary strings are decoded once
 *   per row group, and every length, index and run is bounds-checked, so damaged pages give a
 *   DataReadError rather than a runaway allocation.
 * - hyparquet's `parquetRead` with the `onChunk` column callback, for every other column and
 *   for any column chunk that uses another encoding (e.g. DELTA_*). Note: hyparquet trusts run
 *   lengths in damaged pages, which can exhaust memory; the direct decoder covers the common
 *   column types so that this path is rarely taken.
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
   * Use the direct page decoder where it applies (default true). false routes every column
   * through hyparquet; only useful to cross-check the two decoders.
   */
  directDecode?: boolean;
  /** Only the row groups [start, end): one shard of a large file. Rows are numbered from the first. */
  rowGroups?: { start: number; end: number };
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

// ---------------------------------------------------------------------------------------------
// Output columns

/** Receives the decoded values of one column and writes them into preallocated output arrays. */
abstract class Sink {
  /** Number of values received so far (must equal rowCount at the end). */
  received = 0;
  constructor(
    readonly name: string,
    readonly rowCount: number,
    readonly source: string,
  ) {}

  /** hyparquet chunk callback. */
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

  tooLarge(value: bigint, row: number): DataReadError {
    const where = row >= 0 ? ` at row ${row}` : '';
    return new DataReadError(
      `integer ${value}${where} exceeds 2^53 in magnitude and cannot be represented exactly as a number`,
      { source: this.source, column: this.name },
    );
  }

  protected abstract write(data: ColumnData['columnData'], offset: number, n: number): void;
  /** Flag row as missing (direct decoder). */
  abstract markNull(row: number): void;
  /** Forget what a partial direct decode wrote, before the column is decoded again by hyparquet. */
  abstract reset(): void;
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
        int64ToNumbers(new Int32Array(data.buffer, data.byteOffset, n * 2), n, out, offset, this, offset);
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
        this.markNull(offset + i);
      } else if (typeof v === 'bigint') {
        out[offset + i] = this.bigToNumber(v, offset + i);
      } else {
        throw this.unexpected(v, offset + i);
      }
    }
  }

  markNull(row: number): void {
    this.values[row] = NaN;
    (this.nulls ??= new Uint8Array(this.rowCount))[row] = 1;
  }

  reset(): void {
    this.received = 0;
    this.nulls = undefined;
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
      else if (v === null || v === undefined) this.markNull(offset + i);
      else throw this.unexpected(v, offset + i);
    }
  }

  markNull(row: number): void {
    this.values[row] = 0;
    (this.nulls ??= new Uint8Array(this.rowCount))[row] = 1;
  }

  reset(): void {
    this.received = 0;
    this.nulls = undefined;
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

  markNull(row: number): void {
    this.values[row] = null;
  }

  reset(): void {
    this.received = 0;
  }

  finish(): StringColumn {
    return { kind: 'string', values: this.values };
  }
}

// ---------------------------------------------------------------------------------------------
// File-level checks

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
// Direct page decoder

/** Thrown when a column chunk uses something the direct decoder does not handle: use hyparquet. */
class Unsupported extends Error {}

/** Malformed page data; the caller wraps it into a DataReadError naming the source and column. */
function corrupted(reason: string): Error {
  return new Error(reason);
}

type NumericType = 'DOUBLE' | 'FLOAT' | 'INT32' | 'INT64';
type DirectType = NumericType | 'BOOLEAN' | 'BYTE_ARRAY';

/** The physical type when the column can be decoded directly, else undefined. */
function directType(el: SchemaElement, mapping: Mapping): DirectType | undefined {
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
      const text = (ct === undefined || ct === 'UTF8' || ct === 'ENUM' || ct === 'JSON') &&
        (lt === undefined || lt.type === 'STRING' || lt.type === 'ENUM' || lt.type === 'JSON');
      return text ? 'BYTE_ARRAY' : undefined;
    }
    default:
      return undefined;
  }
}

function byteWidth(type: NumericType): number {
  return type === 'DOUBLE' || type === 'INT64' ? 8 : 4;
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

/** Scratch buffers reused across the pages of a column chunk (grown on demand). */
class Scratch {
  private levels = new Int32Array(0);
  private indices = new Int32Array(0);
  private floats = new Float64Array(0);
  private bytes = new Uint8Array(0);
  private strings: string[] = [];
  levelBuf(n: number): Int32Array {
    if (this.levels.length < n) this.levels = new Int32Array(Math.max(n, this.levels.length * 2));
    return this.levels;
  }
  indexBuf(n: number): Int32Array {
    if (this.indices.length < n) this.indices = new Int32Array(Math.max(n, this.indices.length * 2));
    return this.indices;
  }
  floatBuf(n: number): Float64Array {
    if (this.floats.length < n) this.floats = new Float64Array(Math.max(n, this.floats.length * 2));
    return this.floats;
  }
  byteBuf(n: number): Uint8Array {
    if (this.bytes.length < n) this.bytes = new Uint8Array(Math.max(n, this.bytes.length * 2));
    return this.bytes;
  }
  stringBuf(): string[] {
    return this.strings;
  }
}

const INT64_LIMIT_HI = 2097152; // 2^21: high word of 2^53

/**
 * Little-endian INT64 words → numbers in out[at, at + n); throws (with the exact value)
 * beyond ±2^53. `firstRow` (absolute, -1 when unknown) is only used in the error message.
 */
function int64ToNumbers(words: Int32Array, n: number, out: Float64Array, at: number, sink: Sink, firstRow: number): void {
  for (let i = 0; i < n; i++) {
    const lo = words[2 * i]!;
    const hi = words[2 * i + 1]!;
    if (hi < -INT64_LIMIT_HI || hi > INT64_LIMIT_HI || (hi === INT64_LIMIT_HI && lo !== 0)) {
      throw sink.tooLarge((BigInt(hi) << 32n) + BigInt(lo >>> 0), firstRow >= 0 ? firstRow + i : -1);
    }
    out[at + i] = hi * 4294967296 + (lo >>> 0);
  }
}

/** PLAIN numbers → out[at, at + n). For DOUBLE this is a single byte copy into the output buffer. */
function readPlainNumbers(
  type: NumericType,
  src: Uint8Array,
  pos: number,
  end: number,
  n: number,
  out: Float64Array,
  at: number,
  sink: Sink,
  firstRow: number,
): void {
  const width = byteWidth(type);
  if (pos + n * width > end) throw corrupted(`page too short for ${n} ${type} values`);
  if (type === 'DOUBLE') {
    new Uint8Array(out.buffer, out.byteOffset + at * 8, n * 8).set(src.subarray(pos, pos + n * 8));
    return;
  }
  let bytes = src.subarray(pos, pos + n * width);
  if (bytes.byteOffset % width !== 0) bytes = new Uint8Array(bytes); // a copy (Buffer#slice would not copy): typed-array views need alignment
  if (type === 'FLOAT') out.set(new Float32Array(bytes.buffer, bytes.byteOffset, n), at);
  else if (type === 'INT32') out.set(new Int32Array(bytes.buffer, bytes.byteOffset, n), at);
  else int64ToNumbers(new Int32Array(bytes.buffer, bytes.byteOffset, n * 2), n, out, at, sink, firstRow);
}

/** PLAIN byte arrays (4-byte little-endian length + bytes) as UTF-8 strings → out[at, at + n). */
function readPlainStrings(src: Uint8Array, pos: number, end: number, n: number, out: (string | null)[], at: number): number {
  const buf = Buffer.from(src.buffer, src.byteOffset, src.byteLength);
  for (let i = 0; i < n; i++) {
    if (pos + 4 > end) throw corrupted(`page too short for ${n} strings`);
    const len = (src[pos]! | (src[pos + 1]! << 8) | (src[pos + 2]! << 16) | (src[pos + 3]! << 24)) >>> 0;
    pos += 4;
    if (pos + len > end) throw corrupted(`string of ${len} bytes overruns the page`);
    out[at + i] = buf.toString('utf8', pos, pos + len);
    pos += len;
  }
  return pos;
}

type Dictionary = Float64Array | string[];

interface DirectColumn {
  sink: NumberSink | BooleanSink | StringSink;
  type: DirectType;
  optional: boolean;
}

/**
 * Decode the present (non-null) values of one data page into dense storage, either directly
 * into the sink's arrays at `at` (when `dense` is false: no nulls in the page) or into scratch.
 * Returns the scratch holding the dense values when `dense` is true.
 */
function decodePageValues(
  col: DirectColumn,
  encoding: Encoding,
  page: Uint8Array,
  pos: number,
  count: number,
  dictionary: Dictionary | undefined,
  scratch: Scratch,
  dense: boolean,
  at: number,
): Float64Array | Uint8Array | (string | null)[] | undefined {
  const { sink, type } = col;
  const end = page.length;
  if (encoding === 'RLE_DICTIONARY' || encoding === 'PLAIN_DICTIONARY') {
    if (!dictionary) throw corrupted('dictionary-encoded page without a dictionary page');
    if (type === 'BOOLEAN') throw corrupted('dictionary-encoded page in a boolean column');
    const idx = scratch.indexBuf(count);
    if (count > 0) {
      if (pos >= end) throw corrupted('data page too short');
      readRleHybrid(page, pos + 1, end, page[pos]!, idx, count);
    }
    const size = dictionary.length;
    if (dictionary instanceof Float64Array) {
      const target = dense ? scratch.floatBuf(count) : (sink as NumberSink).values;
      const t = dense ? 0 : at;
      for (let i = 0; i < count; i++) {
        const k = idx[i]!;
        if (k < 0 || k >= size) throw corrupted(`dictionary index ${k} out of range (${size} entries)`);
        target[t + i] = dictionary[k]!;
      }
      return dense ? target : undefined;
    }
    const target = dense ? scratch.stringBuf() : (sink as StringSink).values;
    const t = dense ? 0 : at;
    for (let i = 0; i < count; i++) {
      const k = idx[i]!;
      if (k < 0 || k >= size) throw corrupted(`dictionary index ${k} out of range (${size} entries)`);
      target[t + i] = dictionary[k]!;
    }
    return dense ? target : undefined;
  }

  if (type === 'BOOLEAN') {
    const target = dense ? scratch.byteBuf(count) : (sink as BooleanSink).values;
    const t = dense ? 0 : at;
    if (encoding === 'PLAIN') {
      if (pos + Math.ceil(count / 8) > end) throw corrupted(`page too short for ${count} booleans`);
      for (let i = 0; i < count; i++) target[t + i] = (page[pos + (i >> 3)]! >> (i & 7)) & 1;
    } else if (encoding === 'RLE') {
      if (pos + 4 > end) throw corrupted('data page too short');
      const len = page[pos]! | (page[pos + 1]! << 8) | (page[pos + 2]! << 16) | (page[pos + 3]! << 24);
      if (len < 0 || pos + 4 + len > end) throw corrupted('boolean runs overrun the page');
      const bits = scratch.indexBuf(count);
      readRleHybrid(page, pos + 4, pos + 4 + len, 1, bits, count);
      for (let i = 0; i < count; i++) target[t + i] = bits[i]! & 1;
    } else {
      throw new Unsupported(`boolean encoding ${encoding}`);
    }
    return dense ? target : undefined;
  }

  if (type === 'BYTE_ARRAY') {
    if (encoding !== 'PLAIN') throw new Unsupported(`string encoding ${encoding}`);
    const target = dense ? scratch.stringBuf() : (sink as StringSink).values;
    readPlainStrings(page, pos, end, count, target, dense ? 0 : at);
    return dense ? target : undefined;
  }

  const target = dense ? scratch.floatBuf(count) : (sink as NumberSink).values;
  const t = dense ? 0 : at;
  if (encoding === 'PLAIN') {
    readPlainNumbers(type, page, pos, end, count, target, t, sink, at);
  } else if (encoding === 'BYTE_STREAM_SPLIT') {
    const width = byteWidth(type);
    if (pos + count * width > end) throw corrupted(`page too short for ${count} ${type} values`);
    const joined = scratch.byteBuf(count * width);
    for (let b = 0; b < width; b++) {
      const stream = pos + b * count;
      for (let i = 0; i < count; i++) joined[i * width + b] = page[stream + i]!;
    }
    readPlainNumbers(type, joined, 0, count * width, count, target, t, sink, at);
  } else {
    throw new Unsupported(`encoding ${encoding}`);
  }
  return dense ? target : undefined;
}

/**
 * Decode one column chunk of a row group into the sink at rows [groupStart, groupStart + groupRows).
 * Throws Unsupported (the caller falls back to hyparquet) or an error (damaged data).
 */
function decodeChunk(
  bytes: Uint8Array,
  view: DataView,
  meta: ColumnMetaData,
  col: DirectColumn,
  groupStart: number,
  groupRows: number,
): void {
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
      if (dph.encoding !== 'PLAIN' && dph.encoding !== 'PLAIN_DICTIONARY') throw unsupported(dph.encoding, `dictionary ${dph.encoding}`);
      const page = decompress(meta.codec, raw, header.uncompressed_page_size, limit);
      const n = dph.num_values;
      if (!Number.isSafeInteger(n) || n < 0 || n > page.length * 8) throw corrupted('dictionary page too short');
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

// ---------------------------------------------------------------------------------------------

export async function readParquet(bytes: Uint8Array, opts: ParquetReadOptions): Promise<Table> {
  const { source } = opts;
  checkMagic(bytes, source);

  let metadata: FileMetaData;
  let schema: SchemaTree;
  try {
    // A view, not a copy: the bytes may be shared between threads.
    metadata = parquetMetadata(bytes, { parsers: PARSERS, geoparquet: false });
    schema = parquetSchema(metadata);
  } catch (err) {
    throw new DataReadError(`corrupted Parquet footer (${describe(err)})`, { source, cause: err });
  }
  const fileRows = Number(metadata.num_rows);
  if (!Number.isSafeInteger(fileRows) || fileRows < 0) {
    throw new DataReadError(`corrupted Parquet footer (row count ${metadata.num_rows})`, { source });
  }
  const range = opts.rowGroups ?? { start: 0, end: metadata.row_groups.length };
  if (!(Number.isInteger(range.start) && Number.isInteger(range.end) && range.start >= 0 && range.start <= range.end && range.end <= metadata.row_groups.length)) {
    throw new DataReadError(`row groups ${range.start}..${range.end} are outside the file's ${metadata.row_groups.length}`, { source });
  }
  const selected = metadata.row_groups.slice(range.start, range.end);
  const firstRow = metadata.row_groups.slice(0, range.start).reduce((n, g) => n + Number(g.num_rows), 0);
  const rowCount = opts.rowGroups ? selected.reduce((n, g) => n + Number(g.num_rows), 0) : fileRows;
  if (!Number.isSafeInteger(rowCount) || rowCount < 0 || firstRow + rowCount > fileRows) {
    throw new DataReadError(`corrupted Parquet footer (row groups do not add up to ${fileRows} rows)`, { source });
  }
  if (rowCount > 0x7fffffff) {
    throw new DataReadError(`too many rows (${rowCount}) for one in-memory table`, { source });
  }

  const topLevel = new Map(schema.children.map((child) => [child.element.name, child]));
  const names = opts.columns ? [...new Set(opts.columns)].filter((name) => topLevel.has(name)) : [...topLevel.keys()];
  const sinks = new Map<string, NumberSink | BooleanSink | StringSink>();
  const direct = new Map<string, DirectColumn>();
  for (const name of names) {
    const node = topLevel.get(name)!;
    const explicit = opts.columns !== undefined;
    let mapping: Mapping;
    if (node.children.length > 0 || node.element.repetition_type === 'REPEATED') {
      mapping = { kind: 'unsupported', reason: 'nested (struct, list or map) columns are not supported' };
    } else {
      mapping = mapParquetType(node.element);
    }
    let sink: NumberSink | BooleanSink | StringSink;
    switch (mapping.kind) {
      case 'number':
        sink = new NumberSink(name, rowCount, source, mapping.sourceType);
        break;
      case 'boolean':
        sink = new BooleanSink(name, rowCount, source);
        break;
      case 'string':
        sink = new StringSink(name, rowCount, source);
        break;
      case 'unsupported':
        if (explicit) throw new DataReadError(mapping.reason, { source, column: name });
        continue;
    }
    sinks.set(name, sink);
    const type = opts.directDecode === false ? undefined : directType(node.element, mapping);
    if (type) direct.set(name, { sink, type, optional: node.element.repetition_type !== 'REQUIRED' });
  }

  const columns = new Map<string, Column>();
  const fileColumns = [...topLevel.keys()];
  if (sinks.size === 0) return { source, rowCount, columns, fileColumns };

  // 1. direct page decoding
  if (direct.size > 0) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const fileBytes = bytes;
    let groupStart = 0;
    for (const rowGroup of selected) {
      const groupRows = Number(rowGroup.num_rows);
      if (!Number.isSafeInteger(groupRows) || groupRows < 0 || groupStart + groupRows > rowCount) {
        throw new DataReadError(`corrupted Parquet footer (row group of ${rowGroup.num_rows} rows)`, { source });
      }
      for (const chunk of rowGroup.columns) {
        const meta = chunk.meta_data;
        if (!meta || chunk.file_path || meta.path_in_schema.length !== 1) continue;
        const col = direct.get(meta.path_in_schema[0]!);
        if (!col) continue;
        try {
          decodeChunk(fileBytes, view, meta, col, groupStart, groupRows);
        } catch (err) {
          if (!(err instanceof Unsupported)) throw wrapCorrupted(err, source, col.sink.name);
          direct.delete(col.sink.name); // decoded again below, by hyparquet
          col.sink.reset();
        }
      }
      groupStart += groupRows;
    }
  }

  // 2. everything else: hyparquet's column-chunk callback
  const generic = [...sinks.keys()].filter((name) => !direct.has(name));
  if (generic.length > 0) {
    // onChunk must not throw (hyparquet calls it from a detached promise): keep the first failure
    let failure: unknown;
    try {
      await parquetRead({
        file: toArrayBuffer(bytes),
        metadata,
        rowStart: firstRow,
        rowEnd: firstRow + rowCount,
        columns: generic,
        compressors,
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
  return { source, rowCount, columns, fileColumns };
}
