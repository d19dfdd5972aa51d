/**
 * The one entry to a database for a data URI (docs/sql-sources.md): postgres:// goes to
 * postgres.ts, duckdb: to duckdb.ts. Each reader is imported when first needed, so a worker or a
 * command whose models read files never loads pg or DuckDB.
 */
import { redactSqlUri, sqlKind, type SqlKind } from '../../../domain/sql.js';
import { UpkeepError } from '../../errors.js';
import type { SqlConnect, SqlConnection, SqlConnectOptions } from './connection.js';

/** Each kind's module and the SqlConnect it exports (a computed path: the module is loaded on first use only). */
const READERS: Record<SqlKind, { module: string; name: string }> = {
  postgres: { module: './postgres.js', name: 'connectPostgres' },
  duckdb: { module: './duckdb.js', name: 'connectDuckdb' },
};

/** Connects to the database a data URI names; an URI that names none is a configuration error. */
export const connectSql: SqlConnect = async (uri: string, opts: SqlConnectOptions): Promise<SqlConnection> => {
  const kind = sqlKind(uri);
  if (!kind) throw new UpkeepError('InvalidConfig', `model ${opts.model}: ${uri} is not a database URI (postgres:// or duckdb:)`);
  const reader = READERS[kind];
  let connect: SqlConnect | undefined;
  try {
    const mod = (await import(reader.module)) as Record<string, unknown>;
    connect = mod[reader.name] as SqlConnect | undefined;
  } catch (err) {
    throw new UpkeepError('InvalidConfig', `model ${opts.model}: ${redactSqlUri(uri)}: the ${kind} reader cannot be loaded: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (typeof connect !== 'function') throw new UpkeepError('InvalidConfig', `model ${opts.model}: ${redactSqlUri(uri)}: the ${kind} reader is not available`);
  return connect(uri, opts);
};
