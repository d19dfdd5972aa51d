/**
 * Windows read from PostgreSQL (docs/postgresql.md) through `pg`, the rows streamed with a server
 * cursor (`pg-cursor`) in batches of columnar tables, so memory holds one batch at a time.
 *
 * - Credentials: never in the configuration. The password comes from data.password_file (read,
 *   trimmed), else from the standard PGPASSWORD or ~/.pgpass (PGPASSFILE) as libpq would; it is
 *   never logged, never in a message and never in the server's identity.
 * - Each read runs in `BEGIN READ ONLY` (a query that writes, through a CTE or a function, is
 *   refused by the server) with `statement_timeout` and `idle_in_transaction_session_timeout` set
 *   for that transaction only, and dates written as ISO; otherwise the query runs as in psql (the
 *   session's TimeZone kept). The window's bounds are bound parameters ($1, $2) sent apart from
 *   the text, as ISO 8601 instants (UTC).
 * - Values: any integer, float or numeric → number (int8 and numeric parsed from their text;
 *   NaN and ±Infinity kept), boolean → boolean, timestamps → ISO 8601 text in UTC
 *   (2024-05-01T10:00:00.000Z, milliseconds, like the Parquet reader; a timestamp without time
 *   zone is taken as UTC), dates → 2024-05-01, every other type → its PostgreSQL text.
 * - Errors name the model and the server (its URI without a password): a server that cannot be
 *   reached or a query past its timeout is a plain Error (retried); a refused login, a missing
 *   database, relation or column, a wrong type, a write or a malformed query is an UpkeepError.
 */
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { plainLine } from '../../../domain/escape.js';
import { redactSqlUri, withoutTerminator } from '../../../domain/sql.js';
import { UpkeepError } from '../../errors.js';
import type { Column, Table } from '../table.js';
import type { SqlColumn, SqlConnect, SqlConnection, SqlRead } from './connection.js';

export const DEFAULT_BATCH_ROWS = 65_536;
const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
/** How long past a read's timeout (or an abort) a server that has not answered is waited for before its connection is closed. */
const SERVER_GRACE_MS = 2000;

/** Every value as the server's text: the conversion below is upkeep's, not the driver's (which would make local-time Dates). */
const TEXT = (value: string): string => value;
const TEXT_TYPES: pg.CustomTypesConfig = { getTypeParser: (() => TEXT) as unknown as pg.CustomTypesConfig['getTypeParser'] };

type Convert = 'int' | 'float' | 'boolean' | 'timestamp' | 'text';

/** The built-in types upkeep converts, by OID (pg_type.dat), with their names for messages. */
const BUILTIN: Record<number, [string, Convert]> = {
  16: ['bool', 'boolean'],
  20: ['int8', 'int'],
  21: ['int2', 'int'],
  23: ['int4', 'int'],
  26: ['oid', 'int'],
  700: ['float4', 'float'],
  701: ['float8', 'float'],
  1700: ['numeric', 'float'],
  25: ['text', 'text'],
  1042: ['bpchar', 'text'],
  1043: ['varchar', 'text'],
  19: ['name', 'text'],
  1082: ['date', 'text'],
  1114: ['timestamp', 'timestamp'],
  1184: ['timestamptz', 'timestamp'],
  2950: ['uuid', 'text'],
};

export interface Plan {
  name: string;
  dbType: string;
  convert: Convert;
}

const kindOf = (c: Convert): SqlColumn['kind'] => (c === 'int' || c === 'float' ? 'number' : c === 'boolean' ? 'boolean' : 'string');

/**
 * A timestamp as PostgreSQL writes it with DateStyle ISO (`2024-05-01 12:00:00.123456+02`, the
 * offset of the session's TimeZone; none for a timestamp without time zone) → the instant in UTC
 * with milliseconds, as the Parquet reader writes timestamps (`2024-05-01T10:00:00.123Z`); a
 * timestamp without time zone is taken as UTC. Infinity, BC and the like stay as the server wrote them.
 */
export function isoTimestamp(text: string): string {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?)?$/.exec(text);
  if (!m) return text;
  const ms = (m[7] ?? '').padEnd(3, '0').slice(0, 3);
  if (m[8] === undefined || (m[9] === '00' && (m[10] ?? '00') === '00' && (m[11] ?? '00') === '00')) {
    return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${ms}Z`;
  }
  const at = new Date(0);
  at.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  at.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), Number(ms));
  const offset = (Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0)) * 1000;
  const iso = new Date(at.getTime() - (m[8] === '-' ? -offset : offset)).toISOString();
  return /^\d{4}-/.test(iso) ? iso : text;
}

/** The error raised by a connection or a read, as upkeep reports it (see the file's comment). */
export function postgresError(err: unknown, where: string, read?: { timeoutMs: number; signal?: AbortSignal }): Error {
  if (read?.signal?.aborted) return read.signal.reason instanceof Error ? read.signal.reason : new Error(`${where}: the read was cancelled`);
  const e = err as { code?: string; message?: string; column?: string; hint?: string; detail?: string };
  const code = typeof e?.code === 'string' ? e.code : '';
  const said = plainLine(e?.message ?? String(err), 300);
  const hint = e?.hint ? ` (${plainLine(e.hint, 200)})` : '';
  const column = e?.column ? ` (column ${JSON.stringify(e.column)})` : '';
  const line = (text: string): string => `${where}: ${text}`;
  if (/^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ECONNRESET|EPIPE)$/.test(code)) {
    return new Error(line(`cannot reach the server (${code}): is it running, and is the address right?`), { cause: err });
  }
  if (/timeout expired|Connection terminated|connection timeout/i.test(said) && !code) {
    return new Error(line(`the server did not answer (${said})`), { cause: err });
  }
  if (/client password must be a string|password must be a string/i.test(said)) {
    return new UpkeepError(
      'UnreadableData',
      line('the server asks for a password and none was given: set PGPASSWORD, a ~/.pgpass entry (PGPASSFILE) or data.password_file'),
    );
  }
  if (code === '28P01' || code === '28000') return new UpkeepError('UnreadableData', line(`authentication refused: ${said}`));
  if (code === '3D000') return new UpkeepError('InvalidConfig', line(`${said}: check the database in data.uri`));
  if (code === '57014') {
    if (/statement timeout/i.test(said)) {
      return new Error(line(`the query exceeded its timeout of ${seconds(read?.timeoutMs)} and was cancelled (statement_timeout)`), { cause: err });
    }
    return new Error(line(`the query was cancelled: ${said}`), { cause: err });
  }
  if (code === '25006') {
    return new UpkeepError(
      'InvalidConfig',
      line(`the query tried to write (${said}): upkeep reads in a read-only transaction; a window's query must only read`),
    );
  }
  if (code === '42501') return new UpkeepError('UnreadableData', line(`${said}: grant the role SELECT on what the query reads (docs/postgresql.md)`));
  if (code === '42703' || code === '42P01' || code === '42883' || code === '42704') return new UpkeepError('InvalidConfig', line(`${said}${hint}`));
  if (code === '42804' || code === '22P02' || code === '22007' || code === '22008' || code === '42846') {
    return new UpkeepError('InvalidConfig', line(`wrong type: ${said}${column}${hint} ({start} and {end} are timestamps with time zone)`));
  }
  // Connection trouble, lack of resources, a server shutting down, a conflict: retried.
  if (/^(08|53|57|58|40|XX)/.test(code)) return new Error(line(said), { cause: err });
  if (code) return new UpkeepError('InvalidConfig', line(`${said}${column}${hint}`));
  return new Error(line(said), { cause: err });
}

const seconds = (ms: number | undefined): string => (ms === undefined ? 'the statement timeout' : `${ms / 1000} s`);

async function readPasswordFile(file: string, where: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UpkeepError('InvalidConfig', `${where}: data.password_file ${file} cannot be read (${code})`);
  }
}

/** One field of a ~/.pgpass line (`\\:` and `\\\\` escaped), split on unescaped colons. */
function pgpassFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '\\' && i + 1 < line.length) field += line[++i];
    else if (ch === ':') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

/**
 * The password of ~/.pgpass (PGPASSFILE) for a connection, as libpq reads it: the first line whose
 * host, port, database and user match (`*` matches any; `localhost` matches a unix socket); a file
 * that others may read is ignored, as libpq does.
 */
export async function pgpassPassword(
  params: { host: string; port: number; database?: string; user?: string },
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  const file = env.PGPASSFILE || path.join(env.HOME || os.homedir(), '.pgpass');
  let text: string;
  try {
    const s = await stat(file);
    if (!s.isFile() || (s.mode & 0o077) !== 0) return undefined;
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const host = params.host.startsWith('/') ? 'localhost' : params.host;
  const wanted = [host, String(params.port), params.database ?? '', params.user ?? ''];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const fields = pgpassFields(line);
    if (fields.length < 5) continue;
    if (wanted.every((w, i) => fields[i] === '*' || fields[i] === w)) return fields.slice(4).join(':');
  }
  return undefined;
}

/** ISO 8601 instants: compared with a timestamptz they are the same instant; a timestamp (without zone) or a date takes them as UTC. */
const bounds = (read: Pick<SqlRead, 'params'>): string[] => read.params.map((d) => d.toISOString());

export const connectPostgres: SqlConnect = async (uri, opts) => {
  const server = redactSqlUri(uri);
  const where = `model ${opts.model}: ${server}`;
  const password = opts.passwordFile === undefined ? undefined : await readPasswordFile(opts.passwordFile, where);
  const client = new pg.Client({
    connectionString: uri,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    application_name: 'upkeep',
    types: TEXT_TYPES,
  });
  // Set after construction: pg lets the connection string's (absent) password override one given beside it.
  // Without a file or PGPASSWORD, ~/.pgpass is read here (pg's own reading of it is deprecated).
  const withPassword = client as unknown as { password: string | null | ((p: object) => Promise<string | undefined>) };
  if (password !== undefined) withPassword.password = password;
  else if (withPassword.password === null) withPassword.password = (p) => pgpassPassword(p as Parameters<typeof pgpassPassword>[0]);
  // A connection lost between reads: the next read reports it.
  client.on('error', () => {});
  let identity: string;
  try {
    await client.connect();
    // Connected, then silent: the connection timeout holds for this first question too.
    const silent = setTimeout(() => destroy(client), opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    const info = await client
      .query<{ v: string; u: string; d: string }>(`select current_setting('server_version') as v, current_user as u, current_database() as d`)
      .finally(() => clearTimeout(silent));
    const { v, u, d } = info.rows[0]!;
    const c = client as unknown as { host: string; port: number };
    identity = `PostgreSQL ${v.split(' ')[0]} at ${c.host}:${c.port}/${d} as ${u}`;
  } catch (err) {
    await within(client.end(), SERVER_GRACE_MS);
    destroy(client);
    throw postgresError(err, where);
  }
  return new PostgresConnection(client, where, server, identity);
};

class PostgresConnection implements SqlConnection {
  readonly kind = 'postgres' as const;
  /** One read at a time: each is a transaction of its own on the one connection. */
  private queue: Promise<void> = Promise.resolve();
  /** Type names and conversions of non-built-in OIDs (domains, enums, arrays), looked up once. */
  private readonly types = new Map<number, [string, Convert]>();

  constructor(
    private readonly client: pg.Client,
    private readonly where: string,
    private readonly server: string,
    readonly identity: string,
  ) {}

  private async turn(): Promise<() => void> {
    let release!: () => void;
    const previous = this.queue;
    this.queue = new Promise((resolve) => (release = resolve));
    await previous;
    return release;
  }

  /**
   * BEGIN READ ONLY with this read's timeouts, for this transaction only, and dates written as ISO
   * (the day/month order for reading dates kept): the query otherwise runs as in psql, in the
   * session's TimeZone (`date_trunc('day', served_at)` means the same day there and here).
   */
  private async begin(read: Pick<SqlRead, 'timeoutMs'>): Promise<void> {
    const ms = String(Math.max(1, Math.ceil(read.timeoutMs)));
    await this.client.query('begin read only');
    await this.client.query(
      `select set_config('statement_timeout', $1, true), set_config('idle_in_transaction_session_timeout', $1, true),
              set_config('DateStyle', 'ISO, ' || coalesce(nullif(split_part(current_setting('DateStyle'), ', ', 2), ''), 'MDY'), true)`,
      [ms],
    );
  }

  private async plans(fields: pg.FieldDef[]): Promise<Plan[]> {
    const unknown = [...new Set(fields.map((f) => f.dataTypeID).filter((oid) => !BUILTIN[oid] && !this.types.has(oid)))];
    if (unknown.length > 0) {
      const r = await this.client.query<{ oid: string; typname: string; base: string }>(
        `select t.oid::text as oid, t.typname as typname, coalesce(nullif(t.typbasetype, 0), t.oid)::text as base
           from pg_catalog.pg_type t where t.oid = any($1::oid[])`,
        [unknown],
      );
      for (const row of r.rows) this.types.set(Number(row.oid), [row.typname, BUILTIN[Number(row.base)]?.[1] ?? 'text']);
    }
    const seen = new Set<string>();
    return fields.map((f) => {
      if (seen.has(f.name)) {
        throw new UpkeepError('InvalidConfig', `${this.where}: the query returns two columns named ${JSON.stringify(f.name)}: name each one apart (AS)`);
      }
      seen.add(f.name);
      const [dbType, convert] = BUILTIN[f.dataTypeID] ?? this.types.get(f.dataTypeID) ?? [`oid ${f.dataTypeID}`, 'text'];
      return { name: f.name, dbType, convert };
    });
  }

  /** Sends the server a cancel request for what this connection runs (no login needed). */
  private cancel(): void {
    const c = this.client as unknown as { host: string; port: number; processID: number; secretKey: number };
    const con = new pg.Connection() as pg.Connection & { connect(port: number | string, host?: string): void; cancel(pid: number, key: number): void };
    con.on('error', () => {});
    con.on('connect', () => {
      con.cancel(c.processID, c.secretKey);
      con.end();
    });
    if (c.host.startsWith('/')) con.connect(`${c.host}/.s.PGSQL.${c.port}`);
    else con.connect(c.port, c.host);
  }

  /**
   * A connection that stops answering (a server stopped, a network cut without a reset) would keep
   * a read waiting forever: past the read's timeout, plus a grace for the server's own timeout to
   * arrive, or that grace after an abort whose cancel request went unanswered, its socket is closed,
   * which fails what waits on it. The server's timeout runs from the statement's start to its last
   * row; so does this one.
   */
  private guard(read: Pick<SqlRead, 'timeoutMs' | 'signal'>): { stop(): void; timedOut(): boolean } {
    let timedOut = false;
    let killer: NodeJS.Timeout | undefined;
    const kill = (): void => destroy(this.client);
    const deadline = setTimeout(() => {
      timedOut = true;
      kill();
    }, read.timeoutMs + SERVER_GRACE_MS);
    const onAbort = (): void => {
      this.cancel();
      killer = setTimeout(kill, SERVER_GRACE_MS);
    };
    read.signal?.addEventListener('abort', onAbort, { once: true });
    return {
      stop() {
        clearTimeout(deadline);
        clearTimeout(killer);
        read.signal?.removeEventListener('abort', onAbort);
      },
      timedOut: () => timedOut,
    };
  }

  private failure(err: unknown, read: Pick<SqlRead, 'timeoutMs' | 'signal'>, timedOut: boolean): Error {
    if (err instanceof UpkeepError) return err;
    if (timedOut && !read.signal?.aborted) {
      return new Error(`${this.where}: the query exceeded its timeout of ${seconds(read.timeoutMs)} and the server did not answer: the connection was closed`, {
        cause: err,
      });
    }
    return postgresError(err, this.where, read);
  }

  async columns(read: Omit<SqlRead, 'batchRows'>): Promise<SqlColumn[]> {
    const release = await this.turn();
    let began = false;
    let guard: ReturnType<PostgresConnection['guard']> | undefined;
    try {
      read.signal?.throwIfAborted();
      guard = this.guard(read);
      await this.begin(read);
      began = true;
      // LIMIT 0 outside the query: the planner reads no rows; the bounds are still bound.
      const r = await this.client.query({
        text: `select * from (${withoutTerminator(read.text)}\n) as upkeep_columns limit 0`,
        values: bounds(read),
        rowMode: 'array',
      });
      const plans = await this.plans(r.fields);
      return plans.map((p) => ({ name: p.name, dbType: p.dbType, kind: kindOf(p.convert) }));
    } catch (err) {
      throw this.failure(err, read, guard?.timedOut() ?? false);
    } finally {
      guard?.stop();
      if (began) await this.client.query('rollback').catch(() => {});
      release();
    }
  }

  async *batches(read: SqlRead): AsyncGenerator<Table> {
    const batchRows = read.batchRows ?? DEFAULT_BATCH_ROWS;
    if (!Number.isInteger(batchRows) || batchRows < 1) throw new Error(`batchRows must be a whole number of at least 1 (got ${batchRows})`);
    const release = await this.turn();
    let began = false;
    let cursor: Cursor<(string | null)[]> | undefined;
    let failed = false;
    let guard: ReturnType<PostgresConnection['guard']> | undefined;
    try {
      read.signal?.throwIfAborted();
      guard = this.guard(read);
      await this.begin(read);
      began = true;
      cursor = this.client.query(new Cursor<(string | null)[]>(withoutTerminator(read.text), bounds(read), { rowMode: 'array', types: TEXT_TYPES }));
      let plans: Plan[] | undefined;
      let firstRow = 0;
      for (;;) {
        const { rows, fields } = await readRows(cursor, batchRows);
        if (rows.length === 0) break;
        plans ??= await this.plans(fields);
        yield toTable(rows, plans, this.server, firstRow, this.where);
        firstRow += rows.length;
        read.signal?.throwIfAborted();
      }
      await cursor.close();
      cursor = undefined;
      await this.client.query('commit');
      began = false;
    } catch (err) {
      // The server ended the cursor's statement (an error, or the connection lost): there is no
      // portal left to close, and on a dead connection closing it would wait for an answer forever.
      failed = true;
      throw this.failure(err, read, guard?.timedOut() ?? false);
    } finally {
      guard?.stop();
      // The consumer stopped early: close the portal (bounded, should the connection die meanwhile).
      if (cursor && !failed) await within(cursor.close(), 10_000);
      if (began) await this.client.query('rollback').catch(() => {});
      release();
    }
  }

  /** Ends the session; a server that does not answer is let go after a grace. */
  async close(): Promise<void> {
    await within(this.client.end(), SERVER_GRACE_MS);
    destroy(this.client);
  }
}

/** Closes a client's socket at once: whatever waits on it fails (pg reports the connection terminated). */
function destroy(client: pg.Client): void {
  (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
}

/** Waits for `p` (its failure ignored), at most `ms`. */
async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => {}), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

function readRows(cursor: Cursor<(string | null)[]>, n: number): Promise<{ rows: (string | null)[][]; fields: pg.FieldDef[] }> {
  return new Promise((resolve, reject) => {
    cursor.read(n, (err, rows, result) => (err ? reject(err) : resolve({ rows, fields: result?.fields ?? [] })));
  });
}

/** A batch of rows (each value the server's text, or null) as a columnar table; `where` starts a message. */
export function toTable(rows: (string | null)[][], plans: Plan[], source: string, firstRow: number, where = source): Table {
  const n = rows.length;
  const columns = new Map<string, Column>();
  plans.forEach((p, j) => {
    if (p.convert === 'int' || p.convert === 'float') {
      const values = new Float64Array(n);
      let nulls: Uint8Array | undefined;
      for (let i = 0; i < n; i++) {
        const v = rows[i]![j];
        if (v === null || v === undefined) {
          (nulls ??= new Uint8Array(n))[i] = 1;
          values[i] = NaN;
        } else {
          const x = Number(v);
          if (p.convert === 'int' && Math.abs(x) > Number.MAX_SAFE_INTEGER) {
            throw new UpkeepError(
              'UnreadableData',
              `${where}: column ${JSON.stringify(p.name)}: value ${v} exceeds 2^53 in magnitude: select it as text (${p.name}::text) to use it as a key`,
            );
          }
          values[i] = x;
        }
      }
      columns.set(p.name, { kind: 'number', sourceType: p.convert, values, ...(nulls ? { nulls } : {}) });
    } else if (p.convert === 'boolean') {
      const values = new Uint8Array(n);
      let nulls: Uint8Array | undefined;
      for (let i = 0; i < n; i++) {
        const v = rows[i]![j];
        if (v === null || v === undefined) (nulls ??= new Uint8Array(n))[i] = 1;
        else values[i] = v === 't' ? 1 : 0;
      }
      columns.set(p.name, { kind: 'boolean', values, ...(nulls ? { nulls } : {}) });
    } else {
      const values = new Array<string | null>(n);
      const ts = p.convert === 'timestamp';
      for (let i = 0; i < n; i++) {
        const v = rows[i]![j];
        values[i] = v === null || v === undefined ? null : ts ? isoTimestamp(v) : v;
      }
      columns.set(p.name, { kind: 'string', values });
    }
  });
  return { source, rowCount: n, columns, fileColumns: plans.map((p) => p.name), firstRow };
}
