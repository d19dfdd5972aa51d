/**
 * DuckDB as an embedded SQL source (docs/duckdb.md): `duckdb:` is an in-memory database for SQL
 * over local Parquet or CSV files (`read_parquet('/data/*.parquet')`), `duckdb:///abs/file.duckdb`
 * a database file opened READ_ONLY (never created). Each read runs on a connection of its own:
 *
 * - Only one SELECT (or WITH … SELECT, FROM …, VALUES …) is run. The text must start like a query
 *   before DuckDB even prepares it (preparing some statements already acts: EXPORT DATABASE creates
 *   its folder), it must hold one statement, and the prepared statement must be a SELECT.
 * - `$1` and `$2` are bound as TIMESTAMPTZ; the session's time zone is UTC, so a TIMESTAMP column
 *   without a zone compares as UTC.
 * - Rows are streamed chunk by chunk (2,048 rows) into tables of `batchRows`; nothing materializes
 *   the whole result.
 * - The statement timeout counts the time spent inside DuckDB (prepare and each chunk); past it,
 *   or when the signal aborts, the connection is interrupted.
 * - The instance is bounded for an embedded reader: one thread, a 512 MB memory limit, spilling
 *   to a private temporary folder removed on close; extensions are never installed or autoloaded
 *   (so nothing is downloaded and http://, s3:// paths fail at once) and the configuration is
 *   locked so a query cannot change it.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DuckDBInstance,
  DuckDBTimestampTZValue,
  DuckDBTypeId,
  StatementType,
  type DuckDBConnection,
  type DuckDBDataChunk,
  type DuckDBPreparedStatement,
  type DuckDBVector,
} from '@duckdb/node-api';
import { plainLine } from '../../../domain/escape.js';
import { redactSqlUri } from '../../../domain/sql.js';
import { UpkeepError } from '../../errors.js';
import type { BooleanColumn, Column, NumberColumn, StringColumn, Table } from '../table.js';
import type { SqlColumn, SqlConnect, SqlConnection, SqlRead } from './connection.js';

/** The limits every DuckDB instance upkeep opens gets (docs/duckdb.md). */
export const DUCKDB_LIMITS = { threads: 1, memoryLimit: '512MB' } as const;
const DEFAULT_BATCH_ROWS = 65_536;
const MAX_EXACT = 2n ** 53n;

/** `duckdb:` and `duckdb://` / `duckdb:///` are in memory; `duckdb:///abs/path` names a file. */
export function duckdbPath(uri: string): string | undefined {
  const m = /^duckdb:(?:\/\/(\/.*)?)?$/i.exec(uri);
  if (!m) throw new UpkeepError('InvalidConfig', `${uri}: expected duckdb: (in memory) or duckdb:///absolute/path/file.duckdb`);
  const raw = m[1];
  if (raw === undefined || raw === '/') return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export const connectDuckdb: SqlConnect = async (uri, opts) => {
  const where = `model ${opts.model}: ${redactSqlUri(uri)}`;
  const path = duckdbPath(uri);
  if (path !== undefined) await checkDatabaseFile(where, path);
  const tempDir = await mkdtemp(join(tmpdir(), 'upkeep-duckdb-'));
  const options: Record<string, string> = {
    threads: String(DUCKDB_LIMITS.threads),
    memory_limit: DUCKDB_LIMITS.memoryLimit,
    temp_directory: tempDir,
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    allow_community_extensions: 'false',
  };
  if (path !== undefined) options['access_mode'] = 'READ_ONLY';
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path ?? ':memory:', options);
  } catch (err) {
    await rm(tempDir, { recursive: true, force: true });
    throw openError(where, path, err);
  }
  let version = '';
  try {
    const conn = await instance.connect();
    try {
      // ICU's time zone is only known once the instance is open; then nothing may change the configuration.
      await conn.run("SET GLOBAL TimeZone = 'UTC'");
      await conn.run('SET GLOBAL lock_configuration = true');
      const rows = (await conn.runAndReadAll('SELECT version()')).getRows();
      version = String(rows[0]?.[0] ?? '');
    } finally {
      conn.closeSync();
    }
  } catch (err) {
    instance.closeSync();
    await rm(tempDir, { recursive: true, force: true });
    throw openError(where, path, err);
  }
  return new DuckdbConnection(instance, where, uri, `DuckDB ${version} ${path === undefined ? 'in memory' : `at ${path}`}`, tempDir);
};

async function checkDatabaseFile(where: string, path: string): Promise<void> {
  let isFile: boolean;
  try {
    isFile = (await stat(path)).isFile();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new UpkeepError('InvalidConfig', `${where}: no database file at ${path} (a DuckDB database is opened read-only and never created)`);
    }
    throw new Error(`${where}: cannot read the database file ${path}: ${plainLine((err as Error).message)}`);
  }
  if (!isFile) throw new UpkeepError('InvalidConfig', `${where}: ${path} is not a file (expected a DuckDB database file)`);
}

function openError(where: string, path: string | undefined, err: unknown): Error {
  const text = duckMessage(err);
  // Another process holds the file open for writing: it may be done later, so the read is retried.
  if (/lock/i.test(text)) return new Error(`${where}: cannot open ${path} read-only: ${text}`);
  return new UpkeepError('UnreadableData', `${where}: cannot open ${path ?? 'an in-memory database'}: ${text}`);
}

class DuckdbConnection implements SqlConnection {
  readonly kind = 'duckdb' as const;
  private closed = false;

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly where: string,
    private readonly source: string,
    readonly identity: string,
    private readonly tempDir: string,
  ) {}

  async columns(read: Omit<SqlRead, 'batchRows'>): Promise<SqlColumn[]> {
    const conn = await this.connect();
    const clock = new Clock(conn, this.where, read);
    try {
      const prepared = await this.prepare(conn, clock, read);
      try {
        return describe(this.where, prepared).map(({ name, dbType, kind }) => ({ name, dbType, kind }));
      } finally {
        prepared.destroySync();
      }
    } finally {
      clock.stop();
      conn.closeSync();
    }
  }

  async *batches(read: SqlRead): AsyncIterable<Table> {
    const batchRows = read.batchRows ?? DEFAULT_BATCH_ROWS;
    if (!Number.isInteger(batchRows) || batchRows < 1) throw new Error(`batchRows must be a positive integer, got ${batchRows}`);
    const conn = await this.connect();
    const clock = new Clock(conn, this.where, read);
    let prepared: DuckDBPreparedStatement | undefined;
    let next: Promise<DuckDBDataChunk | null> | undefined;
    try {
      prepared = await this.prepare(conn, clock, read);
      const statement = prepared;
      const result = await clock.start(() => statement.stream());
      const columns = describe(this.where, result);
      const fetch = () => {
        // The next chunk is fetched while this one is converted (DuckDB works on its own thread);
        // it is awaited below, or dropped if the caller stops early.
        const next = clock.start(() => result.fetchChunk());
        next.catch(() => undefined);
        return next;
      };
      let batch = new Batch(columns, batchRows);
      let firstRow = 0;
      next = fetch();
      for (;;) {
        const chunk = await next;
        next = undefined;
        if (!chunk || chunk.rowCount === 0) break;
        next = fetch();
        let from = 0;
        while (from < chunk.rowCount) {
          from = batch.take(chunk, from, this.where);
          if (batch.full) {
            clock.pause();
            yield batch.table(this.source, firstRow);
            clock.resume();
            firstRow += batch.rows;
            batch = new Batch(columns, batchRows);
          }
        }
      }
      if (batch.rows > 0) yield batch.table(this.source, firstRow);
    } finally {
      if (next) {
        // A chunk still being fetched (the caller stopped early, or a value could not be read):
        // the connection is closed only once DuckDB is done with it.
        conn.interrupt();
        await next.catch(() => undefined);
      }
      clock.stop();
      prepared?.destroySync();
      conn.closeSync();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.instance.closeSync();
    await rm(this.tempDir, { recursive: true, force: true });
  }

  private async connect(): Promise<DuckDBConnection> {
    if (this.closed) throw new Error(`${this.where}: the connection is closed`);
    return this.instance.connect();
  }

  /** The statement checked (one SELECT, nothing else) and prepared, with $1 and $2 bound. */
  private async prepare(conn: DuckDBConnection, clock: Clock, read: Omit<SqlRead, 'batchRows'>): Promise<DuckDBPreparedStatement> {
    const head = read.text.replace(/^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/, '');
    if (!/^(?:(?:select|with|from|values)\b|\()/i.test(head)) {
      const word = /^[A-Za-z_]+/.exec(head)?.[0];
      throw new UpkeepError('InvalidConfig', `${this.where}: ${word ? `${word.toUpperCase()} is refused` : 'the query is refused'}: ${ONLY_SELECT}`);
    }
    const statements = await clock.start(() => conn.extractStatements(read.text));
    if (statements.count !== 1) throw new UpkeepError('InvalidConfig', `${this.where}: the query holds ${statements.count} statements: ${ONLY_SELECT}`);
    const prepared = await clock.start(() => conn.prepare(read.text));
    try {
      if (prepared.statementType !== StatementType.SELECT) {
        throw new UpkeepError('InvalidConfig', `${this.where}: ${StatementType[prepared.statementType]} is refused: ${ONLY_SELECT}`);
      }
      // DuckDB numbers a positional parameter by its own number ($2 alone is parameter 2 of 1).
      let bound = 0;
      for (const i of [1, 2]) {
        let name: string;
        try {
          name = prepared.parameterName(i);
        } catch {
          continue;
        }
        const value = read.params[i - 1];
        if (name !== String(i) || value === undefined) break;
        if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new Error(`${this.where}: the bound of $${i} is not a valid date`);
        prepared.bindTimestampTZ(i, new DuckDBTimestampTZValue(BigInt(value.getTime()) * 1000n));
        bound++;
      }
      if (bound !== prepared.parameterCount) {
        throw new UpkeepError('InvalidConfig', `${this.where}: the query uses parameters other than $1 and $2: only {start} and {end} are bound`);
      }
      return prepared;
    } catch (err) {
      prepared.destroySync();
      throw err;
    }
  }
}

const ONLY_SELECT = 'only a single SELECT (or WITH … SELECT) statement is run on DuckDB, nothing that writes, copies, attaches, loads or sets';

/** What describes a statement's columns: a prepared statement, or a result (whose types are final). */
interface Described {
  readonly columnCount: number;
  columnName(i: number): string;
  columnTypeId(i: number): DuckDBTypeId;
  columnType(i: number): { toString(): string };
}

interface DuckColumn extends SqlColumn {
  typeId: DuckDBTypeId;
}

/** The columns of a SELECT, refused when two share a name (a table holds each name once). */
function describe(where: string, statement: Described): DuckColumn[] {
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
class Batch {
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

/**
 * Counts the time spent inside DuckDB against the statement timeout and interrupts the
 * connection past it or when the signal aborts. Errors become one-line messages naming the model,
 * the database and, where DuckDB says which, the column.
 */
class Clock {
  private left: number;
  private timedOut = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private since = 0;
  private readonly interrupt = () => this.conn.interrupt();

  constructor(
    private readonly conn: DuckDBConnection,
    private readonly where: string,
    private readonly read: Pick<SqlRead, 'timeoutMs' | 'signal'>,
  ) {
    this.left = read.timeoutMs;
    read.signal?.addEventListener('abort', this.interrupt, { once: true });
  }

  /** Starts `work` inside DuckDB with the clock running; its promise settles with the result or a mapped error. */
  start<T>(work: () => Promise<T>): Promise<T> {
    try {
      this.read.signal?.throwIfAborted();
      if (this.left <= 0) throw this.timeoutError();
      this.resume();
      return work().then(
        (value) => {
          this.pause();
          return value;
        },
        (err: unknown) => {
          this.pause();
          throw this.error(err);
        },
      );
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /** The caller holds a batch: that time is not the statement's. */
  pause(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.left -= performance.now() - this.since;
  }

  resume(): void {
    if (this.timer !== undefined) return;
    this.since = performance.now();
    this.timer = setTimeout(
      () => {
        this.timedOut = true;
        this.interrupt();
      },
      Math.max(0, this.left),
    );
  }

  stop(): void {
    this.pause();
    this.read.signal?.removeEventListener('abort', this.interrupt);
  }

  private error(err: unknown): unknown {
    if (this.read.signal?.aborted) return this.read.signal.reason;
    if (this.timedOut) return this.timeoutError();
    return duckError(this.where, err);
  }

  private timeoutError(): Error {
    return new Error(`${this.where}: the query did not finish within the statement timeout of ${this.read.timeoutMs} ms (DuckDB interrupted it)`);
  }
}

/** DuckDB's message without its stack, its caret drawing or its hints about installing extensions: one line. */
function duckMessage(err: unknown): string {
  const text = (err instanceof Error ? err.message : String(err)).replace(/^Failed to extract statements: /, '');
  const [first = '', ...rest] = text.split('\n');
  const candidates = rest.find((l) => /^Candidate bindings:/.test(l.trim()));
  return plainLine(candidates ? `${first} ${candidates.trim()}` : first, 300);
}

function duckError(where: string, err: unknown): Error {
  const text = duckMessage(err);
  const kind = /^([A-Za-z ]+?) Error: /.exec(text)?.[1] ?? '';
  const column = /Referenced column "((?:[^"]|"")*)" not found/.exec(text)?.[1];
  if (column !== undefined) {
    const candidates = /Candidate bindings: (.*)$/.exec(text)?.[1];
    return new UpkeepError(
      'InvalidConfig',
      `${where}: column ${JSON.stringify(column)} does not exist${candidates ? ` (columns near it: ${candidates})` : ''}`,
    );
  }
  switch (kind) {
    case 'Missing Extension':
      return new UpkeepError(
        'InvalidConfig',
        `${where}: only local files are read through DuckDB (extensions such as httpfs are never installed or loaded, so http://, https://, s3:// paths are refused): ${text.replace(/^Missing Extension Error: /, '')}`,
      );
    case 'Parser':
    case 'Binder':
    case 'Catalog':
    case 'Permission':
    case 'Not implemented':
      return new UpkeepError('InvalidConfig', `${where}: ${text}`);
    case 'IO':
    case 'Conversion':
    case 'Invalid Input':
    case 'Out of Range':
    case 'Serialization':
      return new UpkeepError('UnreadableData', `${where}: ${text}`);
    case 'Out of Memory':
      return new UpkeepError('UnreadableData', `${where}: the query needs more than DuckDB's memory limit of ${DUCKDB_LIMITS.memoryLimit}: ${text}`);
    default:
      return new Error(`${where}: ${text}`);
  }
}
