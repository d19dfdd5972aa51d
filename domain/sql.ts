/**
 * Windows read by a query instead of from dated files (docs/sql-sources.md): which URIs name a
 * database, what a query may hold, and how its placeholders become bound parameters. The window's
 * bounds are never spliced into the text: `{start}` and `{end}` become `$1` and `$2`, and every
 * other `{name}` is refused when the configuration is loaded.
 */

export type SqlKind = 'postgres' | 'duckdb';

/** The database a data URI names, or undefined for a file (local or s3://). */
export function sqlKind(uri: string): SqlKind | undefined {
  if (/^postgres(ql)?:\/\//i.test(uri)) return 'postgres';
  if (/^duckdb:/i.test(uri)) return 'duckdb';
  return undefined;
}

/** The placeholders a query may hold: the window's (or the day's) bounds, as timestamps with time zone. */
export const QUERY_PLACEHOLDERS = ['start', 'end'] as const;
export type QueryPlaceholder = (typeof QUERY_PLACEHOLDERS)[number];

/**
 * Why a query cannot be used, or undefined when it can (checked at load; the message names no value
 * from elsewhere). A window's query must use both bounds; a labels query (`labels: true`) may use
 * both (the window's bounds) or neither (every label known).
 */
export function queryProblem(query: string, opts: { labels?: boolean } = {}): string | undefined {
  const names = [...query.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]!);
  const unknown = names.find((n) => !(QUERY_PLACEHOLDERS as readonly string[]).includes(n));
  if (unknown !== undefined) return `unknown placeholder {${unknown}}: a query may only use {start} and {end}, which are bound as parameters`;
  const both = names.includes('start') && names.includes('end');
  if (opts.labels && !both && names.length > 0) {
    return "a labels query uses both {start} and {end} (the window's bounds) or neither (every label known)";
  }
  if (!opts.labels && !both) {
    return 'a query must use both {start} and {end} (the bounds of each day read: served_at >= {start} and served_at < {end})';
  }
  if (/\$\d/.test(query)) return 'a query may not hold positional parameters ($1, $2, …): write {start} and {end}';
  if (/;\s*\S/.test(query.replace(/'(?:[^']|'')*'/g, "''"))) return 'a query must be one statement (no ; between statements)';
  return undefined;
}

/**
 * The query without the `;` that may end it (a trailing line comment kept), so that it can be read
 * as a subquery: `select * from (<query>\n) as …`.
 */
export function withoutTerminator(query: string): string {
  return query.replace(/;(\s*(?:--[^\n]*)?\s*)$/, '$1');
}

/** The query with `{start}` as `$1` and `{end}` as `$2`; its parameters are always [start, end]. */
export function bindQuery(query: string): string {
  if (!/\{(start|end)\}/.test(query)) {
    // A labels query without bounds still takes the two parameters every read binds: read as a
    // subquery (its own line, so a trailing comment ends there) under a condition that uses them.
    return `select * from (\n${withoutTerminator(query)}\n) as upkeep_labels where $1::timestamptz is not null and $2::timestamptz is not null`;
  }
  return query.replace(/\{start\}/g, '$1').replace(/\{end\}/g, '$2');
}

/** Why a database URI cannot be used (a password in it, a missing database), or undefined. */
export function sqlUriProblem(uri: string): string | undefined {
  const kind = sqlKind(uri);
  if (kind === 'duckdb') {
    // duckdb: (in memory, SQL over local Parquet/CSV) or duckdb:///absolute/path/file.duckdb
    if (/^duckdb:(\/\/\/.+|)$/i.test(uri) || /^duckdb:\/\/\/?$/i.test(uri)) return undefined;
    return 'expected duckdb: (in memory, for SQL over local Parquet or CSV files) or duckdb:///path/to/file.duckdb';
  }
  if (kind !== 'postgres') return undefined;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'expected postgres://user@host:port/database';
  }
  if (url.password || url.searchParams.has('password')) {
    return 'a password may not be written in the configuration: use PGPASSWORD, a ~/.pgpass file (PGPASSFILE) or data.password_file';
  }
  if (!url.hostname) return 'expected postgres://user@host:port/database (the host is missing)';
  if (url.pathname.replace(/^\//, '') === '') return 'expected postgres://user@host:port/database (the database is missing)';
  return undefined;
}

/** The URI as it may be shown (history, reports, messages): never a password, whatever was given. */
export function redactSqlUri(uri: string): string {
  try {
    const url = new URL(uri);
    if (url.password) url.password = '';
    url.searchParams.delete('password');
    return url.toString();
  } catch {
    return uri.replace(/\/\/([^/@:]*):[^/@]*@/, '//$1@');
  }
}
