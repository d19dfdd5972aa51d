/**
 * engine/data/sql/postgres.ts against a real PostgreSQL server (the throwaway cluster of
 * test/helpers/postgres.ts): types, batches, the read-only transaction, bound parameters, the
 * errors upkeep reports, and that the password is in no message and no identity.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bindQuery } from '../../domain/sql.js';
import { isUpkeepError } from '../../engine/errors.js';
import { connectPostgres, isoTimestamp, pgpassPassword } from '../../engine/data/sql/postgres.js';
import type { SqlConnection, SqlRead } from '../../engine/data/sql/connection.js';
import type { Table } from '../../engine/data/table.js';
import { freePort } from '../../workers/dev-server.js';
import { usePostgres } from '../helpers/postgres.js';

const DAY: [Date, Date] = [new Date('2024-05-01T00:00:00Z'), new Date('2024-05-02T00:00:00Z')];
const read = (query: string, more: Partial<SqlRead> = {}): SqlRead => ({ text: bindQuery(query), params: DAY, timeoutMs: 10_000, ...more });

async function all(conn: SqlConnection, r: SqlRead): Promise<Table[]> {
  const out: Table[] = [];
  for await (const t of conn.batches(r)) out.push(t);
  return out;
}

/** The error a promise rejects with (fails when it resolves). */
async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  assert.fail('expected a rejection');
}

describe('PostgreSQL windows (connectPostgres)', function () {
  this.timeout(60_000);
  const db = usePostgres({ passwordInEnv: true });
  let conn: SqlConnection;
  /** Every message and identity seen: none may hold the password. */
  const said: string[] = [];
  const seen = (e: Error): Error => {
    said.push(e.message, String((e as { stack?: string }).stack ?? ''));
    return e;
  };

  before(async () => {
    await db().query(`
      create type mood as enum ('calm', 'busy');
      create domain score as float8;
      create table served (
        id int8 primary key, served_at timestamptz not null, x float8, n numeric, small int2, i int4, big int8,
        flag bool, cat text, day date, local_ts timestamp, u uuid, m mood, s score
      );
      insert into served values
        (1, '2024-05-01 10:00:00.123456+00', 1.5, 2.25, 3, 4, 1099511627776, true, 'a', '2024-05-01', '2024-05-01 10:00:00', '6f1c1a52-1111-4c1d-9f00-000000000001', 'calm', 0.5),
        (2, '2024-05-01 23:59:59+00', null, null, null, null, null, null, null, null, null, null, null, null),
        (3, '2024-05-02 00:00:00+00', 9, 9, 9, 9, 9, false, 'late', '2024-05-02', '2024-05-02 00:00:00', null, 'busy', 9),
        (4, '2024-04-30 23:59:59.999+00', 0, 0, 0, 0, 0, false, 'early', '2024-04-30', '2024-04-30 23:59:59', null, 'busy', 0),
        (5, '2024-05-01 12:00:00+00', 'NaN', 'NaN', -1, -2, -3, false, '''; drop table served; --', null, null, null, null, 'Infinity');
      create table counter (n int);
      create function bump() returns int language sql volatile as 'insert into counter values (1) returning 1';
    `);
    conn = await connectPostgres(db().uri, { model: 'churn' });
    said.push(conn.identity);
  });
  after(async () => {
    if (!conn) return; // skipped: no server
    await conn.close();
    const password = db().password;
    assert.ok(said.length > 10);
    for (const s of said) assert.ok(!s.includes(password), `the password appears in: ${s}`);
  });

  it('names the server, its version, database and role as its identity, without a password', () => {
    assert.match(conn.identity, /^PostgreSQL \d+\.\d+ at 127\.0\.0\.1:\d+\/upkeep_t_[0-9a-f]+ as upkeep$/);
    assert.equal(conn.identity, `PostgreSQL ${conn.identity.split(' ')[1]} at 127.0.0.1:${db().port}/${db().database} as upkeep`);
  });

  it("reads the day's rows only ({start} and {end} bound), each type as upkeep holds it", async () => {
    const tables = await all(conn, read('select * from served where served_at >= {start} and served_at < {end} order by id'));
    assert.equal(tables.length, 1);
    const t = tables[0]!;
    assert.equal(t.rowCount, 3);
    assert.deepEqual(t.fileColumns, ['id', 'served_at', 'x', 'n', 'small', 'i', 'big', 'flag', 'cat', 'day', 'local_ts', 'u', 'm', 's']);
    const col = (name: string) => t.columns.get(name)!;
    assert.deepEqual([...(col('id') as { values: Float64Array }).values], [1, 2, 5]);
    assert.deepEqual(col('served_at'), { kind: 'string', values: ['2024-05-01T10:00:00.123Z', '2024-05-01T23:59:59.000Z', '2024-05-01T12:00:00.000Z'] });
    const x = col('x');
    assert.equal(x.kind, 'number');
    assert.equal(x.kind === 'number' && x.sourceType, 'float');
    assert.deepEqual(x.kind === 'number' && [...x.values.slice(0, 2)], [1.5, NaN]);
    assert.ok(x.kind === 'number' && Number.isNaN(x.values[2]) && x.nulls?.[2] === 0 && x.nulls?.[1] === 1, 'NaN is a value, null is flagged');
    const n = col('n');
    assert.ok(n.kind === 'number' && n.values[0] === 2.25 && n.nulls?.[1] === 1 && n.sourceType === 'float');
    const big = col('big');
    assert.ok(big.kind === 'number' && big.values[0] === 2 ** 40 && big.values[2] === -3 && big.sourceType === 'int');
    assert.ok(col('small').kind === 'number' && col('i').kind === 'number');
    assert.deepEqual(col('flag'), { kind: 'boolean', values: new Uint8Array([1, 0, 0]), nulls: new Uint8Array([0, 1, 0]) });
    assert.deepEqual(col('cat'), { kind: 'string', values: ['a', null, "'; drop table served; --"] });
    assert.deepEqual(col('day'), { kind: 'string', values: ['2024-05-01', null, null] });
    assert.deepEqual(col('local_ts'), { kind: 'string', values: ['2024-05-01T10:00:00.000Z', null, null] });
    assert.deepEqual(col('u'), { kind: 'string', values: ['6f1c1a52-1111-4c1d-9f00-000000000001', null, null] });
    assert.deepEqual(col('m'), { kind: 'string', values: ['calm', null, null] });
    const s = col('s');
    assert.ok(s.kind === 'number' && s.values[0] === 0.5 && s.values[2] === Infinity, 'a domain over float8 is a number');
  });

  it('describes the columns without reading a row (the bounds still bound)', async () => {
    const started = Date.now();
    await conn.columns(read('select * from served, pg_sleep(5) where served_at >= {start} and served_at < {end}', { timeoutMs: 3000 }));
    assert.ok(Date.now() - started < 2500, 'the rows were not read');
    const columns = await conn.columns(
      read('select id, 1 / (id - id) as boom, cat, m, s, flag, served_at from served where served_at >= {start} and served_at < {end} -- the last day'),
    );
    assert.deepEqual(columns, [
      { name: 'id', dbType: 'int8', kind: 'number' },
      { name: 'boom', dbType: 'int8', kind: 'number' },
      { name: 'cat', dbType: 'text', kind: 'string' },
      { name: 'm', dbType: 'mood', kind: 'string' },
      { name: 's', dbType: 'float8', kind: 'number' }, // a domain is described by its base type
      { name: 'flag', dbType: 'bool', kind: 'boolean' },
      { name: 'served_at', dbType: 'timestamptz', kind: 'string' },
    ]);
  });

  it('streams the rows in batches of batchRows through a cursor (the first batches arrive before the query has finished)', async () => {
    const q = 'select g as id, g * 0.5 as half from generate_series(1, 200000) as g where {start} < {end}';
    const sizes: number[] = [];
    const firsts: number[] = [];
    let sum = 0;
    for await (const t of conn.batches(read(q, { batchRows: 50_000 }))) {
      sizes.push(t.rowCount);
      firsts.push(t.firstRow!);
      const id = t.columns.get('id');
      if (id?.kind === 'number') for (const v of id.values) sum += v;
    }
    assert.deepEqual(sizes, [50_000, 50_000, 50_000, 50_000]);
    assert.deepEqual(firsts, [0, 50_000, 100_000, 150_000]);
    assert.equal(sum, (200_000 * 200_001) / 2);
    // The last row fails: the rows before it were already handed over, batch by batch.
    const got: number[] = [];
    const err = await failure(
      (async () => {
        for await (const t of conn.batches(
          read('select 1 / (200000 - g) as v from generate_series(1, 200000) as g where {start} < {end}', { batchRows: 30_000 }),
        ))
          got.push(t.rowCount);
      })(),
    );
    assert.ok(got.length >= 5, `batches before the failure: ${got.join(', ')}`);
    assert.ok(isUpkeepError(seen(err)) && /division by zero/.test(err.message));
  });

  it('holds one batch at a time: the heap stays within a few batches of where it started over 600k rows', async () => {
    // Read whole, these rows take about 100 MB of heap (as the driver's row arrays and the columns);
    // in batches of 10,000 the heap, seen at each batch, stays put.
    const q = "select g as id, g * 0.5 as x, 'cat' || (g % 7) as c from generate_series(1, 600000) as g where {start} < {end}";
    const start = process.memoryUsage().heapUsed;
    let peak = 0;
    let rows = 0;
    for await (const t of conn.batches(read(q, { batchRows: 10_000 }))) {
      rows += t.rowCount;
      peak = Math.max(peak, process.memoryUsage().heapUsed - start);
    }
    assert.equal(rows, 600_000);
    assert.ok(peak < 40e6, `the heap grew by ${(peak / 1e6).toFixed(0)} MB`);
  });

  it('stops reading when the consumer stops: the connection reads again at once', async () => {
    for await (const t of conn.batches(read('select g from generate_series(1, 100000) as g where {start} < {end}', { batchRows: 1000 }))) {
      assert.equal(t.rowCount, 1000);
      break;
    }
    const [t] = await all(conn, read('select count(*) as n from served where {start} < {end}'));
    assert.equal(t!.columns.get('n')?.kind === 'number' && t!.columns.get('n')!.values[0], 5);
  });

  it('takes reads started together one after the other (one transaction at a time on the connection)', async () => {
    const q = (n: number) => read(`select g from generate_series(1, ${n}) as g where {start} < {end}`, { batchRows: 100 });
    const [a, b, c] = await Promise.all([all(conn, q(1000)), conn.columns(q(1)), all(conn, q(500))]);
    assert.deepEqual([a.length, b.length, c.length], [10, 1, 5]);
  });

  it('gives no batch for a query without rows', async () => {
    assert.deepEqual(await all(conn, read("select * from served where served_at >= {start} and served_at < {end} and cat = 'none';")), []);
  });

  it('refuses a query that writes, through a CTE, a function or a sequence, and nothing is written', async () => {
    await db().query('create sequence seq');
    for (const q of [
      'with w as (insert into counter values (1) returning n) select n from w where {start} < {end}',
      'select bump() as b where {start} < {end}',
      "select nextval('seq') as v where {start} < {end}",
    ]) {
      const err = seen(await failure(all(conn, read(q))));
      assert.ok(isUpkeepError(err, 'InvalidConfig'), err.message);
      assert.match(
        err.message,
        /^model churn: postgres:\/\/upkeep@127\.0\.0\.1:\d+\/upkeep_t_\w+: the query tried to write \(cannot execute .* in a read-only transaction\)/,
      );
    }
    assert.equal((await db().query('select count(*)::int as n from counter')).rows[0]!.n, 0);
  });

  it('cannot be made to run another statement: a model id, a value or a second statement holding SQL do nothing', async () => {
    const evil = "x'; drop table served; --";
    const c = await connectPostgres(db().uri, { model: evil });
    try {
      const err = seen(await failure(all(c, read('select nope from served where served_at >= {start} and served_at < {end}'))));
      assert.ok(err.message.startsWith(`model ${evil}: `));
      // Two statements cannot go through the extended protocol that binds the parameters.
      const two = seen(await failure(all(c, { text: 'select $1::timestamptz as a, $2::timestamptz as b; drop table served', params: DAY, timeoutMs: 5000 })));
      assert.ok(isUpkeepError(two), two.message);
      assert.match(two.message, /cannot insert multiple commands into a prepared statement/);
      const described = seen(
        await failure(c.columns({ text: 'select $1::timestamptz as a, $2::timestamptz as b; drop table served', params: DAY, timeoutMs: 5000 })),
      );
      assert.ok(isUpkeepError(described), described.message);
    } finally {
      await c.close();
    }
    assert.equal((await db().query('select count(*)::int as n from served')).rows[0]!.n, 5);
    const [t] = await all(conn, read("select cat from served where cat like '%drop%' and {start} < {end}"));
    assert.deepEqual(t!.columns.get('cat'), { kind: 'string', values: ["'; drop table served; --"] });
  });

  it('names a missing column, a missing relation and a missing database (not retried)', async () => {
    const column = seen(await failure(all(conn, read('select tenure from served where served_at >= {start} and served_at < {end}'))));
    assert.ok(isUpkeepError(column, 'InvalidConfig'));
    assert.match(column.message, /^model churn: postgres:\/\/upkeep@127\.0\.0\.1:\d+\/upkeep_t_\w+: column "tenure" does not exist/);
    const described = seen(await failure(conn.columns(read('select tenure from served where served_at >= {start} and served_at < {end}'))));
    assert.ok(isUpkeepError(described, 'InvalidConfig') && /column "tenure" does not exist/.test(described.message));
    const relation = seen(await failure(all(conn, read('select * from outcomes where known_at >= {start} and known_at < {end}'))));
    assert.ok(isUpkeepError(relation, 'InvalidConfig') && /relation "outcomes" does not exist/.test(relation.message), relation.message);
    const database = seen(await failure(connectPostgres(`postgres://upkeep@127.0.0.1:${db().port}/nowhere`, { model: 'churn' })));
    assert.ok(isUpkeepError(database, 'InvalidConfig') && /database "nowhere" does not exist/.test(database.message), database.message);
  });

  it('says a parameter compared with a column of another type is a wrong type (not retried)', async () => {
    const number = seen(await failure(all(conn, read('select id from served where x >= {start} and x < {end}'))));
    assert.ok(isUpkeepError(number, 'InvalidConfig'), number.message);
    assert.match(number.message, /^model churn: postgres:\/\/\S+: wrong type: invalid input syntax for type double precision: "2024-05-01T00:00:00.000Z"/);
    const operator = seen(await failure(all(conn, read('select id from served where cat >= {start}::timestamptz and cat < {end}'))));
    assert.ok(isUpkeepError(operator, 'InvalidConfig') && /operator does not exist: text >= timestamp with time zone/.test(operator.message), operator.message);
  });

  it('cancels a query past its timeout and says so (retried: a plain Error); the connection reads again', async () => {
    const err = seen(await failure(all(conn, read('select pg_sleep(5) as s where {start} < {end}', { timeoutMs: 300 }))));
    assert.ok(!isUpkeepError(err));
    assert.match(err.message, /^model churn: postgres:\/\/\S+: the query exceeded its timeout of 0\.3 s and was cancelled \(statement_timeout\)$/);
    assert.equal((await all(conn, read('select 1 as one where {start} < {end}')))[0]!.rowCount, 1);
  });

  it('cancels the running query when the signal aborts', async () => {
    const ac = new AbortController();
    const started = Date.now();
    setTimeout(() => ac.abort(new Error('stopped by the test')), 300);
    const err = await failure(all(conn, read('select pg_sleep(20) as s where {start} < {end}', { signal: ac.signal })));
    assert.equal(err.message, 'stopped by the test');
    assert.ok(Date.now() - started < 10_000);
    const active = await db().admin<{ n: number }>(
      "select count(*)::int as n from pg_stat_activity where application_name = 'upkeep' and query like '%pg_sleep(20)%' and state = 'active'",
    );
    assert.equal(active.rows[0]!.n, 0);
    assert.equal((await all(conn, read('select 1 as one where {start} < {end}')))[0]!.rowCount, 1);
  });

  it('refuses an int8 beyond 2^53 rather than rounding it (a key would join the wrong rows), naming the column', async () => {
    const err = seen(await failure(all(conn, read('select 9007199254740993::int8 as request_id where {start} < {end}'))));
    assert.ok(isUpkeepError(err, 'UnreadableData'), err.message);
    assert.match(
      err.message,
      /^model churn: postgres:\/\/\S+: column "request_id": value 9007199254740993 exceeds 2\^53 in magnitude: select it as text \(request_id::text\)/,
    );
    const [t] = await all(conn, read('select 9007199254740993::text as request_id where {start} < {end}'));
    assert.deepEqual(t!.columns.get('request_id'), { kind: 'string', values: ['9007199254740993'] });
  });

  it('refuses two columns of the same name', async () => {
    const err = seen(await failure(all(conn, read('select id, id from served where {start} < {end}'))));
    assert.ok(isUpkeepError(err, 'InvalidConfig') && /two columns named "id"/.test(err.message), err.message);
  });

  describe('credentials', () => {
    const saved = { PGPASSWORD: '', PGPASSFILE: undefined as string | undefined };
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-pgpass-'));
      saved.PGPASSWORD = process.env.PGPASSWORD!;
      saved.PGPASSFILE = process.env.PGPASSFILE;
      delete process.env.PGPASSWORD;
      process.env.PGPASSFILE = path.join(dir, 'none');
    });
    afterEach(() => {
      process.env.PGPASSWORD = saved.PGPASSWORD;
      if (saved.PGPASSFILE === undefined) delete process.env.PGPASSFILE;
      else process.env.PGPASSFILE = saved.PGPASSFILE;
      rmSync(dir, { recursive: true, force: true });
    });

    it('reads the password from data.password_file (trimmed)', async () => {
      const file = path.join(dir, 'pg');
      writeFileSync(file, `${db().password}\n`, { mode: 0o600 });
      const c = await connectPostgres(db().uri, { model: 'churn', passwordFile: file });
      said.push(c.identity);
      await c.close();
    });

    it('reads the password from PGPASSFILE (~/.pgpass)', async () => {
      writeFileSync(process.env.PGPASSFILE!, `127.0.0.1:${db().port}:*:upkeep:${db().password}\n`, { mode: 0o600 });
      const c = await connectPostgres(db().uri, { model: 'churn' });
      await c.close();
    });

    it('says a password file cannot be read, naming it', async () => {
      const file = path.join(dir, 'missing');
      const err = seen(await failure(connectPostgres(db().uri, { model: 'churn', passwordFile: file })));
      assert.ok(isUpkeepError(err, 'InvalidConfig'));
      assert.equal(err.message, `model churn: ${db().uri}: data.password_file ${file} cannot be read (ENOENT)`);
    });

    it('says authentication was refused for a wrong password or an unknown role (not retried), and never shows the password', async () => {
      const file = path.join(dir, 'pg');
      writeFileSync(file, `${db().password}-wrong`);
      const wrong = seen(await failure(connectPostgres(db().uri, { model: 'churn', passwordFile: file })));
      assert.ok(isUpkeepError(wrong, 'UnreadableData'), wrong.message);
      assert.equal(wrong.message, `model churn: ${db().uri}: authentication refused: password authentication failed for user "upkeep"`);
      assert.ok(!wrong.message.includes('-wrong'));
      process.env.PGPASSWORD = db().password;
      const role = seen(await failure(connectPostgres(db().uri.replace('upkeep@', 'nobody@'), { model: 'churn' })));
      assert.ok(isUpkeepError(role, 'UnreadableData') && /authentication refused/.test(role.message), role.message);
    });

    it('says the server asks for a password when none was given', async () => {
      const err = seen(await failure(connectPostgres(db().uri, { model: 'churn' })));
      assert.ok(isUpkeepError(err, 'UnreadableData'), err.message);
      assert.match(
        err.message,
        /the server asks for a password and none was given: set PGPASSWORD, a ~\/\.pgpass entry \(PGPASSFILE\) or data\.password_file$/,
      );
    });

    it('says a server that is down cannot be reached (retried: a plain Error), naming the model and the server', async () => {
      const port = await freePort();
      const err = seen(await failure(connectPostgres(`postgres://upkeep@127.0.0.1:${port}/analytics`, { model: 'churn', connectTimeoutMs: 5000 })));
      assert.ok(!isUpkeepError(err));
      assert.equal(
        err.message,
        `model churn: postgres://upkeep@127.0.0.1:${port}/analytics: cannot reach the server (ECONNREFUSED): is it running, and is the address right?`,
      );
    });
  });
});

describe('PostgreSQL passwords from ~/.pgpass (PGPASSFILE), as libpq reads them', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-pgpass-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const at = { host: 'db.internal', port: 5432, database: 'analytics', user: 'upkeep' };

  it('takes the first matching line (* matches anything, \\: and \\\\ are escapes, comments skipped)', async () => {
    const file = path.join(dir, 'pgpass');
    const lines = ['# comment', 'db.internal:5432:other:upkeep:nope', 'db.internal:*:analytics:upkeep:s\\:e\\\\cret', '*:*:*:*:fallback'];
    writeFileSync(file, lines.join('\n'), { mode: 0o600 });
    assert.equal(await pgpassPassword(at, { PGPASSFILE: file }), 's:e\\cret');
    assert.equal(await pgpassPassword({ ...at, user: 'someone' }, { PGPASSFILE: file }), 'fallback');
    assert.equal(await pgpassPassword({ ...at, host: '/run/postgresql' }, { PGPASSFILE: file }), 'fallback');
  });

  it('ignores a file others may read, and a missing one', async () => {
    const file = path.join(dir, 'pgpass');
    writeFileSync(file, '*:*:*:*:secret\n', { mode: 0o644 });
    chmodSync(file, 0o644);
    assert.equal(await pgpassPassword(at, { PGPASSFILE: file }), undefined);
    assert.equal(await pgpassPassword(at, { PGPASSFILE: path.join(dir, 'none') }), undefined);
  });
});

describe('PostgreSQL timestamps as ISO 8601 text', () => {
  it('writes UTC instants with milliseconds like the Parquet reader, and leaves what it cannot read as the server wrote it', () => {
    assert.equal(isoTimestamp('2024-05-01 10:00:00.123456+00'), '2024-05-01T10:00:00.123Z');
    assert.equal(isoTimestamp('2024-05-01 10:00:00'), '2024-05-01T10:00:00.000Z');
    assert.equal(isoTimestamp('2024-05-01 10:00:00.5'), '2024-05-01T10:00:00.500Z');
    assert.equal(isoTimestamp('infinity'), 'infinity');
    assert.equal(isoTimestamp('0044-03-15 12:00:00+00 BC'), '0044-03-15 12:00:00+00 BC');
  });
});
