/**
 * What upkeep needs from a database to read a window (docs/sql-sources.md): PostgreSQL (postgres.ts)
 * and DuckDB (duckdb.ts) each implement it. A query is read in a read-only transaction with a
 * statement timeout, its rows streamed in batches of columnar tables (the shape every file reader
 * produces, table.ts), so memory stays bounded as for Parquet row groups.
 */
import type { SqlKind } from '../../../domain/sql.js';
import type { Table } from '../table.js';

/** A column as the database describes it, and how upkeep holds it. */
export interface SqlColumn {
  name: string;
  /** The database's own type name (e.g. float8, VARCHAR), for messages. */
  dbType: string;
  /** numbers (any integer, float or decimal), strings (text, enums, uuids, dates and times as ISO text), booleans. */
  kind: 'number' | 'string' | 'boolean';
}

export interface SqlRead {
  /** The query as bound: `{start}` and `{end}` already written as `$1` and `$2` (domain/sql.ts bindQuery). */
  text: string;
  /** The values of $1 and $2: the bounds of the day (or window) read. */
  params: [Date, Date];
  /** Rows per batch (default 65,536). */
  batchRows?: number;
  /** The statement's timeout; the server (or the engine) cancels it past this. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface SqlConnection {
  kind: SqlKind;
  /**
   * Who answered, without secrets: e.g. `PostgreSQL 15.8 at 127.0.0.1:5433/analytics as upkeep` or
   * `DuckDB v1.5.0 at /data/warehouse.duckdb`. Recorded in the snapshot.
   */
  identity: string;
  /** The columns the query would give, without reading its rows (a LIMIT 0 plan or a describe). */
  columns(read: Omit<SqlRead, 'batchRows'>): Promise<SqlColumn[]>;
  /** The query's rows, batch by batch; each batch's table holds every column (null-flagged as table.ts says). */
  batches(read: SqlRead): AsyncIterable<Table>;
  close(): Promise<void>;
}

export interface SqlConnectOptions {
  /** The model whose data this is, for messages. */
  model: string;
  /** PostgreSQL: a file holding the password (data.password_file); else PGPASSWORD or ~/.pgpass. */
  passwordFile?: string;
  /** Connecting gives up past this. */
  connectTimeoutMs?: number;
}

/**
 * Errors name the model, the server (its redacted URI) and, where the database says which, the
 * column: `model churn: postgres://upkeep@db:5432/analytics: column "tenure" does not exist`.
 * A server that is down or a query that timed out is retryable (a plain Error); authentication
 * refused, a missing column, a wrong type or a malformed query is an UpkeepError (not retried).
 */
export type SqlConnect = (uri: string, opts: SqlConnectOptions) => Promise<SqlConnection>;
