/**
 * A PostgreSQL database for a mocha `describe`: a fresh database (owned by the role `upkeep`) in
 * the throwaway cluster `npm test` started (scripts/postgres-server.ts, handed over as
 * UPKEEP_TEST_PG, UPKEEP_TEST_PG_PASSWORD and UPKEEP_TEST_PG_SOCKET), or, for a test file run by
 * hand, in a cluster this process starts the same way (once, stopped when the process exits).
 * The database is dropped after the describe's tests. Without server binaries the tests are
 * skipped, saying why.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  adminClient,
  postgresFromEnv,
  PG_TEST_USER,
  resolvePostgres,
  startPostgres,
  type PostgresCluster,
  type PostgresSettings,
} from '../../scripts/postgres-server.js';

export { PG_TEST_USER } from '../../scripts/postgres-server.js';

export interface TestPostgres {
  host: string;
  port: number;
  database: string;
  /** The role `upkeep`'s password (over TCP). */
  password: string;
  /** postgres://upkeep@host:port/database: no password in it. */
  uri: string;
  /** Runs SQL in this database as `upkeep` (its owner): tables and rows for the tests. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
  /** Runs SQL in this database as the superuser. */
  admin<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
}

let own: Promise<PostgresCluster> | undefined;

/** The cluster of `npm test`, else this process's own (started once). */
async function cluster(): Promise<PostgresSettings | { missing: string }> {
  const given = postgresFromEnv();
  if (given) return given;
  if (process.env.UPKEEP_TEST_PG_MISSING) return { missing: process.env.UPKEEP_TEST_PG_MISSING };
  const found = resolvePostgres({ install: false });
  if (found.bin === undefined) return { missing: found.missing };
  own ??= startPostgres(found.bin);
  return own;
}

/**
 * A fresh database for the enclosing `describe`. With `passwordInEnv`, PGPASSWORD is the role's
 * password while its tests run (the standard variable the PostgreSQL reader's driver reads).
 */
export function usePostgres(opts: { passwordInEnv?: boolean } = {}): () => TestPostgres {
  let db: TestPostgres | undefined;
  let settings: PostgresSettings | undefined;
  const clients: pg.Client[] = [];
  const saved = process.env.PGPASSWORD;
  before(async function () {
    this.timeout(120_000);
    const c = await cluster();
    if ('missing' in c) {
      console.log(`      (PostgreSQL tests skipped: ${c.missing})`);
      this.skip();
    }
    settings = c as PostgresSettings;
    const database = `upkeep_t_${randomBytes(5).toString('hex')}`;
    const admin = await adminClient(settings);
    try {
      await admin.query(`create database ${database} owner ${PG_TEST_USER}`);
    } finally {
      await admin.end();
    }
    const { host, port, password } = settings;
    const owner = new pg.Client({ host, port, database, user: PG_TEST_USER, password });
    await owner.connect();
    const superuser = await adminClient(settings, database);
    clients.push(owner, superuser);
    db = {
      host,
      port,
      database,
      password,
      uri: `postgres://${PG_TEST_USER}@${host}:${port}/${database}`,
      query: (text, params) => owner.query(text, params),
      admin: (text, params) => superuser.query(text, params),
    };
    if (opts.passwordInEnv) process.env.PGPASSWORD = password;
  });
  after(async () => {
    if (opts.passwordInEnv) {
      if (saved === undefined) delete process.env.PGPASSWORD;
      else process.env.PGPASSWORD = saved;
    }
    await Promise.allSettled(clients.map((c) => c.end()));
    if (!settings || !db) return;
    const admin = await adminClient(settings);
    try {
      await admin.query(`drop database if exists ${db.database} with (force)`);
    } finally {
      await admin.end();
    }
  });
  return () => db!;
}
