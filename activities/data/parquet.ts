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
 */
import { parquetMetadata, parquetRead, parquetSchema } from 'hyparquet';
import type { ColumnData, FileMetaData, ParquetParsers, SchemaElement, SchemaTree } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { DataReadError } from './errors.js';
import type { BooleanColumn, Column, NumberColumn, StringColumn, Table } from './table.js';

export interface ParquetReadOptions {
  source: string;
  /** Projection: only these columns are read and decoded (missing names are simply absent). */
  columns?: string[];
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

  // onChunk must not throw (hyparquet calls it from a detached promise): keep the first failure
  let failure: unknown;
  try {
    await parquetRead({
      file,
      metadata,
      columns: [...sinks.keys()],
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
    if (err instanceof DataReadError) throw err;
    throw new DataReadError(`corrupted or unsupported Parquet data (${describe(err)})`, { source, cause: err });
  }
  if (failure !== undefined) {
    if (failure instanceof DataReadError) throw failure;
    throw new DataReadError(`corrupted Parquet data (${describe(failure)})`, { source, cause: failure });
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
