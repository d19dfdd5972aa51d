/**
 * An in-memory SqlConnection (engine/data/sql/connection.ts) for tests of what is built on the
 * port: each read's rows come from a function of its parameters, split into batches; every read
 * is recorded. The real readers (postgres.ts, duckdb.ts) are tested against real servers.
 */
import type { SqlColumn, SqlConnect, SqlConnection, SqlRead } from '../../engine/data/sql/connection.js';
import type { Column, Table } from '../../engine/data/table.js';

export interface FakeSql {
  connect: SqlConnect;
  reads: SqlRead[];
  connects: { uri: string; model: string }[];
  closed: number;
}

/** Rows [from, to) of a table, as a table. */
export function sliceTable(t: Table, from: number, to: number): Table {
  const columns = new Map<string, Column>();
  for (const [name, c] of t.columns) {
    if (c.kind === 'string') columns.set(name, { kind: 'string', values: c.values.slice(from, to) });
    else if (c.kind === 'number')
      columns.set(name, { kind: 'number', sourceType: c.sourceType, values: c.values.slice(from, to), ...(c.nulls ? { nulls: c.nulls.slice(from, to) } : {}) });
    else columns.set(name, { kind: 'boolean', values: c.values.slice(from, to), ...(c.nulls ? { nulls: c.nulls.slice(from, to) } : {}) });
  }
  return { source: t.source, rowCount: to - from, columns };
}

export function fakeSql(opts: {
  /** The rows of a read: a table (or undefined: no rows) for its [start, end) and its text. */
  rows: (start: Date, end: Date, text: string) => Table | undefined;
  /** The columns of a read that gives no rows (default those of the first day with rows, else none). */
  columns?: SqlColumn[];
  batchRows?: number;
  identity?: string;
  /** Fails the read after this many batches. */
  failAfter?: { batches: number; error: Error };
  /** Fails to connect. */
  connectError?: Error;
}): FakeSql {
  const fake: FakeSql = {
    reads: [],
    connects: [],
    closed: 0,
    connect: async (uri, o) => {
      fake.connects.push({ uri, model: o.model });
      if (opts.connectError) throw opts.connectError;
      const conn: SqlConnection = {
        kind: uri.startsWith('duckdb:') ? 'duckdb' : 'postgres',
        identity: opts.identity ?? 'FakeSQL 1.0 at memory',
        async columns(read) {
          fake.reads.push({ ...read });
          if (opts.columns) return opts.columns;
          const t = opts.rows(read.params[0], read.params[1], read.text);
          return t
            ? [...t.columns].map(([name, c]) => ({
                name,
                kind: c.kind,
                dbType: c.kind === 'number' ? (c.sourceType === 'int' ? 'int8' : 'float8') : c.kind === 'string' ? 'text' : 'bool',
              }))
            : [];
        },
        batches(read) {
          fake.reads.push(read);
          const size = read.batchRows ?? opts.batchRows ?? 65_536;
          return (async function* () {
            const t = opts.rows(read.params[0], read.params[1], read.text);
            let n = 0;
            for (let at = 0; t && at < t.rowCount; at += size) {
              if (opts.failAfter && n === opts.failAfter.batches) throw opts.failAfter.error;
              n++;
              yield sliceTable(t, at, Math.min(t.rowCount, at + size));
            }
          })();
        },
        async close() {
          fake.closed++;
        },
      };
      return conn;
    },
  };
  return fake;
}
