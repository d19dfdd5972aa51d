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
 * - The statement timeout counts the read's own time (prepare, run, fetch and convert chunks), not
 *   the time the caller holds a batch; past it, or when the signal aborts, the connection is
 *   interrupted.
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
  StatementType,
  type DuckDBConnection,
  type DuckDBDataChunk,
  type DuckDBPreparedStatement,
} from '@duckdb/node-api';
import { plainLine } from '../../../domain/escape.js';
import { redactSqlUri } from '../../../domain/sql.js';
import { UpkeepError } from '../../errors.js';
import type { Table } from '../table.js';
import type { SqlColumn, SqlConnect, SqlConnection, SqlRead } from './connection.js';
import { Batch, describe } from './duckdb-batch.js';

/** The limits every DuckDB instance upkeep opens gets (docs/duckdb.md). */
export const DUCKDB_LIMITS = { threads: 1, memoryLimit: '512MB' } as const;
const DEFAULT_BATCH_ROWS = 65_536;

/** `duckdb:` and `duckdb://` / `duckdb:///` are in memory; `duckdb:///abs/path` names a file. */
export function duckdbPath(uri: string, where = uri): string | undefined {
  const m = /^duckdb:(?:\/\/(\/.*)?)?$/i.exec(uri);
  if (!m) throw new UpkeepError('InvalidConfig', `${where}: expected duckdb: (in memory) or duckdb:///absolute/path/file.duckdb`);
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
  const path = duckdbPath(uri, where);
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
  return new DuckdbConnection(instance, where, redactSqlUri(uri), `DuckDB ${version} ${path === undefined ? 'in memory' : `at ${path}`}`, tempDir);
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
  /** The reads under way, each on its DuckDB connection; close() waits for them. */
  private readonly reads = new Set<DuckDBConnection>();
  private drained: (() => void) | undefined;

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
      this.release(conn);
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
      this.release(conn);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.reads.size > 0) {
      // Reads still under way are interrupted; the instance closes once the last one has let go.
      const drained = new Promise<void>((resolve) => (this.drained = resolve));
      for (const conn of this.reads) conn.interrupt();
      await drained;
    }
    this.instance.closeSync();
    await rm(this.tempDir, { recursive: true, force: true });
  }

  private async connect(): Promise<DuckDBConnection> {
    if (this.closed) throw new Error(`${this.where}: the connection is closed`);
    const conn = await this.instance.connect();
    this.reads.add(conn);
    return conn;
  }

  private release(conn: DuckDBConnection): void {
    conn.closeSync();
    this.reads.delete(conn);
    if (this.reads.size === 0) this.drained?.();
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
    case 'INTERRUPT':
      return new Error(`${where}: the query was interrupted (the connection was closed while it ran)`);
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
