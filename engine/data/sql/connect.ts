/**
 * The one entry to a database for a data URI (docs/sql-sources.md): postgres:// goes to
 * postgres.ts, duckdb: to duckdb.ts. Each reader is imported when first needed, so a worker or a
 * command whose models read files never loads pg or DuckDB.
 */
import { redactSqlUri, sqlKind, type SqlKind } from '../../../domain/sql.js';
import { UpkeepError } from '../../errors.js';
import type { SqlConnect, SqlConnection, SqlConnectOptions } from './connection.js';

/**
 * Each kind's SqlConnect, imported on first use. The paths are written out (not computed) so that
 * the build (esbuild, which bundles the CLI into chunks) finds and splits them: a computed path
 * would be looked for beside the chunk, where no such file is.
 */
const READERS: Record<SqlKind, () => Promise<SqlConnect>> = {
  postgres: async () => (await import('./postgres.js')).connectPostgres,
  duckdb: async () => (await import('./duckdb.js')).connectDuckdb,
};

/** Connects to the database a data URI names; an URI that names none is a configuration error. */
export const connectSql: SqlConnect = async (uri: string, opts: SqlConnectOptions): Promise<SqlConnection> => {
  const kind = sqlKind(uri);
  if (!kind) throw new UpkeepError('InvalidConfig', `model ${opts.model}: ${uri} is not a database URI (postgres:// or duckdb:)`);
  let connect: SqlConnect;
  try {
    connect = await READERS[kind]();
  } catch (err) {
    throw new UpkeepError('InvalidConfig', `model ${opts.model}: ${redactSqlUri(uri)}: the ${kind} reader cannot be loaded: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return connect(uri, opts);
};
