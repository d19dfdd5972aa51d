/** Output columns: preallocated arrays that both decoders write into. */
import type { ColumnData } from 'hyparquet';
import { DataReadError } from '../errors.js';
import type { BooleanColumn, Column, NumberColumn, StringColumn } from '../table.js';
import { int64ToNumbers, LITTLE_ENDIAN } from './encodings.js';

const LIMIT = 9007199254740992; // 2^53
const LIMIT_BIG = 9007199254740992n;

/** Receives the decoded values of one column and writes them into preallocated output arrays. */
export abstract class Sink {
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
    const kind = value === null ? 'null' : typeof value === 'object' ? ((value as object).constructor?.name ?? 'object') : typeof value;
    return new DataReadError(`unexpected ${kind} value at row ${row}`, { source: this.source, column: this.name });
  }

  tooLarge(value: bigint, row: number): DataReadError {
    const where = row >= 0 ? ` at row ${row}` : '';
    return new DataReadError(`integer ${value}${where} exceeds 2^53 in magnitude and cannot be represented exactly as a number`, {
      source: this.source,
      column: this.name,
    });
  }

  protected abstract write(data: ColumnData['columnData'], offset: number, n: number): void;
  /** Flag row as missing (direct decoder). */
  abstract markNull(row: number): void;
  /** Forget what a partial direct decode wrote, before the column is decoded again by hyparquet. */
  abstract reset(): void;
  abstract finish(): Column;
}

export class NumberSink extends Sink {
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

export class BooleanSink extends Sink {
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

export class StringSink extends Sink {
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
