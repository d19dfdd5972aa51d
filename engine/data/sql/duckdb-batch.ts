/**
 * DuckDB's values into upkeep's columns (docs/duckdb.md, "How values are read"): the kind of each
 * DuckDB type, and the batch a result's chunks are copied into.
 */
import { DuckDBTypeId, type DuckDBDataChunk, type DuckDBVector } from '@duckdb/node-api';
import { UpkeepError } from '../../errors.js';
import type { BooleanColumn, Column, NumberColumn, StringColumn, Table } from '../table.js';
import type { SqlColumn } from './connection.js';

const MAX_EXACT = 2n ** 53n;

/** What describes a statement's columns: a prepared statement, or a result (whose types are final). */
export interface Described {
  readonly columnCount: number;
  columnName(i: number): string;
  columnTypeId(i: number): DuckDBTypeId;
  columnType(i: number): { toString(): string };
}

export interface DuckColumn extends SqlColumn {
  typeId: DuckDBTypeId;
}

/** The columns of a SELECT, refused when two share a name (a table holds each name once). */
export function describe(where: string, statement: Described): DuckColumn[] {
  const columns: DuckColumn[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < statement.columnCount; i++) {
    const name = statement.columnName(i);
    if (seen.has(name)) {
      throw new UpkeepError(
        'InvalidConfig',
        `${where}: column ${JSON.stringify(name)} appears twice in the query's result: give each column its own name (… AS other_name)`,
      );
    }
    seen.add(name);
    const typeId = statement.columnTypeId(i);
    columns.push({ name, dbType: statement.columnType(i).toString(), kind: kindOf(typeId), typeId });
  }
  return columns;
}

const SMALL_INTEGERS = new Set([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
]);
/** Integers read as bigint: exact as a number only up to 2^53. */
const BIG_INTEGERS = new Set([DuckDBTypeId.BIGINT, DuckDBTypeId.UBIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT, DuckDBTypeId.BIGNUM]);
const FLOATS = new Set([DuckDBTypeId.FLOAT, DuckDBTypeId.DOUBLE, DuckDBTypeId.DECIMAL]);
/** Timestamps: the value's field and how many of its units make a millisecond. */
const TIMESTAMPS: ReadonlyMap<DuckDBTypeId, { field: 'seconds' | 'millis' | 'micros' | 'nanos'; perMs: number }> = new Map([
  [DuckDBTypeId.TIMESTAMP, { field: 'micros', perMs: 1000 }],
  [DuckDBTypeId.TIMESTAMP_TZ, { field: 'micros', perMs: 1000 }],
  [DuckDBTypeId.TIMESTAMP_S, { field: 'seconds', perMs: 1 / 1000 }],
  [DuckDBTypeId.TIMESTAMP_MS, { field: 'millis', perMs: 1 }],
  [DuckDBTypeId.TIMESTAMP_NS, { field: 'nanos', perMs: 1_000_000 }],
] as const);
const MAX_DATE_MS = 8.64e15;

function kindOf(typeId: DuckDBTypeId): SqlColumn['kind'] {
  if (SMALL_INTEGERS.has(typeId) || BIG_INTEGERS.has(typeId) || FLOATS.has(typeId)) return 'number';
  if (typeId === DuckDBTypeId.BOOLEAN) return 'boolean';
  return 'string';
}

/** Converts rows [from, to) of one column of a chunk into a batch's column from row `at`. */
type Fill = (vector: DuckDBVector, from: number, to: number, at: number) => void;

/** One batch being filled: typed arrays of `capacity` rows, nulls flagged only once one appears. */
export class Batch {
  rows = 0;
  private readonly cols: { name: string; column: Column; fill: Fill }[];

  constructor(
    columns: DuckColumn[],
    private readonly capacity: number,
  ) {
    this.cols = columns.map((c) => ({ name: c.name, ...columnFor(c, capacity) }));
  }

  get full(): boolean {
    return this.rows === this.capacity;
  }

  /** Copies the chunk's rows from `from` until the batch is full; returns the chunk row reached. */
  take(chunk: DuckDBDataChunk, from: number, where: string): number {
    const to = Math.min(chunk.rowCount, from + (this.capacity - this.rows));
    this.cols.forEach((c, i) => {
      try {
        c.fill(chunk.getColumnVector(i), from, to, this.rows);
      } catch (err) {
        if (err instanceof RangeError) throw new UpkeepError('UnreadableData', `${where}: column ${JSON.stringify(c.name)}: ${err.message}`);
        throw err;
      }
    });
    this.rows += to - from;
    return to;
  }

  table(source: string, firstRow: number): Table {
    const n = this.rows;
    const columns = new Map<string, Column>();
    for (const { name, column } of this.cols) columns.set(name, n === this.capacity ? column : shrink(column, n));
    return { source, rowCount: n, columns, fileColumns: this.cols.map((c) => c.name), firstRow };
  }
}

function shrink(column: Column, n: number): Column {
  if (column.kind === 'string') return { kind: 'string', values: column.values.slice(0, n) };
  const out = { ...column, values: column.values.slice(0, n) } as NumberColumn | BooleanColumn;
  if (column.nulls) out.nulls = column.nulls.slice(0, n);
  return out;
}

function columnFor(c: DuckColumn, capacity: number): { column: Column; fill: Fill } {
  if (c.kind === 'boolean') {
    const column: BooleanColumn = { kind: 'boolean', values: new Uint8Array(capacity) };
    const fill: Fill = (vector, from, to, at) => {
      for (let k = from; k < to; k++, at++) {
        const v = vector.getItem(k) as boolean | null;
        if (v === null) (column.nulls ??= new Uint8Array(capacity))[at] = 1;
        else column.values[at] = v ? 1 : 0;
      }
    };
    return { column, fill };
  }
  if (c.kind === 'number') {
    const sourceType = FLOATS.has(c.typeId) ? 'float' : 'int';
    const column: NumberColumn = { kind: 'number', sourceType, values: new Float64Array(capacity) };
    const convert = BIG_INTEGERS.has(c.typeId)
      ? exactNumber
      : c.typeId === DuckDBTypeId.DECIMAL
        ? (v: unknown) => (v as { toDouble(): number }).toDouble()
        : undefined;
    const fill: Fill = (vector, from, to, at) => {
      const values = column.values;
      for (let k = from; k < to; k++, at++) {
        const v = vector.getItem(k);
        if (v === null) {
          values[at] = NaN;
          (column.nulls ??= new Uint8Array(capacity))[at] = 1;
        } else values[at] = convert ? convert(v) : (v as number);
      }
    };
    return { column, fill };
  }
  const column: StringColumn = { kind: 'string', values: new Array<string | null>(capacity).fill(null) };
  const text = textOf(c.typeId);
  const fill: Fill = (vector, from, to, at) => {
    const values = column.values;
    for (let k = from; k < to; k++, at++) {
      const v = vector.getItem(k);
      values[at] = v === null ? null : text(v);
    }
  };
  return { column, fill };
}

function exactNumber(v: unknown): number {
  const n = v as bigint;
  if (n > MAX_EXACT || n < -MAX_EXACT) {
    throw new RangeError(`integer ${String(v)} exceeds 2^53 in magnitude and cannot be held exactly as a number (cast it to DOUBLE or VARCHAR in the query)`);
  }
  return Number(n);
}

/** Text for a value held as a string: ISO 8601 for dates and timestamps (as the Parquet reader writes them), DuckDB's own text otherwise. */
function textOf(typeId: DuckDBTypeId): (v: unknown) => string {
  const timestamp = TIMESTAMPS.get(typeId);
  if (timestamp) {
    const { field, perMs } = timestamp;
    const iso = isoWriter();
    // ±infinity (and anything past what a Date holds) falls out of range: DuckDB's text for it.
    return (v) => iso(Math.floor(Number((v as Record<string, bigint>)[field]) / perMs)) ?? String(v);
  }
  if (typeId === DuckDBTypeId.DATE) {
    const iso = isoWriter();
    return (v) => iso((v as { days: number }).days * DAY_MS)?.slice(0, -14) ?? String(v);
  }
  return (v) => (typeof v === 'string' ? v : String(v));
}

const DAY_MS = 86_400_000;
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/**
 * `new Date(ms).toISOString()` (undefined out of a Date's range), with the day's text kept from
 * one value to the next: rows of a window mostly share a day, and a Date per value made reading a
 * timestamp column several times slower than reading a number. The text is flattened at once
 * (charCodeAt) so a column does not hold a tree of pieces per value.
 */
function isoWriter(): (ms: number) => string | undefined {
  let day = NaN;
  let prefix = '';
  return (ms) => {
    if (!(Math.abs(ms) <= MAX_DATE_MS)) return undefined;
    const d = Math.floor(ms / DAY_MS);
    if (d !== day) {
      const text = new Date(d * DAY_MS).toISOString();
      prefix = text.slice(0, text.indexOf('T') + 1);
      day = d;
    }
    let rest = ms - d * DAY_MS;
    const h = Math.floor(rest / 3_600_000);
    rest -= h * 3_600_000;
    const m = Math.floor(rest / 60_000);
    rest -= m * 60_000;
    const sec = Math.floor(rest / 1000);
    const text = prefix + TWO_DIGITS[h] + ':' + TWO_DIGITS[m] + ':' + TWO_DIGITS[sec] + '.' + THREE_DIGITS[rest - sec * 1000] + 'Z';
    text.charCodeAt(0);
    return text;
  };
}
