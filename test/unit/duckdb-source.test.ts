import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { connectDuckdb, duckdbPath } from '../../engine/data/sql/duckdb.js';
import type { SqlConnection, SqlRead } from '../../engine/data/sql/connection.js';
import { isUpkeepError } from '../../engine/errors.js';
import type { Table } from '../../engine/data/table.js';
import { bindQuery } from '../../domain/sql.js';

const DAY: [Date, Date] = [new Date('2024-03-04T00:00:00Z'), new Date('2024-03-05T00:00:00Z')];

function read(text: string, more: Partial<SqlRead> = {}): SqlRead {
  return { text, params: DAY, timeoutMs: 10_000, ...more };
}

async function all(conn: SqlConnection, r: SqlRead): Promise<Table[]> {
  const out: Table[] = [];
  for await (const t of conn.batches(r)) out.push(t);
  return out;
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof Error, String(err));
    assert.doesNotMatch(err.message, /\n|\(?\/\S+:\d+:\d+\)?/, 'one line, no stack');
    return err;
  }
  assert.fail('expected a failure');
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('DuckDB source (engine/data/sql/duckdb.ts)', function () {
  let dir: string;
  let memory: SqlConnection;

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'upkeep-duck-test-'));
    memory = await connectDuckdb('duckdb:', { model: 'churn' });
  });
  after(async function () {
    await memory.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads duckdb: as memory and duckdb:///abs/path as a file', function () {
    assert.equal(duckdbPath('duckdb:'), undefined);
    assert.equal(duckdbPath('duckdb:///'), undefined);
    assert.equal(duckdbPath('duckdb:///data/w.duckdb'), '/data/w.duckdb');
    assert.equal(duckdbPath('duckdb:///data/my%20w.duckdb'), '/data/my w.duckdb');
    assert.throws(() => duckdbPath('duckdb://host/w.duckdb'), /expected duckdb: \(in memory\) or duckdb:\/\/\/absolute\/path\/file\.duckdb/);
    assert.match(memory.identity, /^DuckDB v\d+\.\d+\.\d+ in memory$/);
    assert.equal(memory.kind, 'duckdb');
  });

  it('maps every numeric type to numbers, booleans to booleans and the rest to strings (ISO 8601 for dates and times), nulls flagged', async function () {
    const text = `select 1::tinyint ti, 2::integer i, 3::bigint bi, 4::hugeint hi, 5::ubigint ub, 1.25::decimal(18,2) de, 0.5::float fl, 2.5::double db,
        true b, 'x' s, 'b'::enum_t e, date '2024-03-04' d, timestamp '2024-03-04 05:06:07.123456' ts, timestamptz '2024-03-04 05:06:07+02' tz,
        timestamp_ns '2024-03-04 05:06:07.123456789' tns, timestamp_s '1969-12-31 23:59:59' tsec, 'infinity'::timestamp inf,
        uuid '00000000-0000-0000-0000-000000000001' u, interval 3 day iv, [1, 2] li, time '10:11:12' tm
      from (select 1) union all select null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null`;
    // An enum type needs a CREATE, which is refused: the enum comes from a cast in a fresh database file instead.
    const file = join(dir, 'types.duckdb');
    const db = await DuckDBInstance.create(file);
    const setup = await db.connect();
    await setup.run("create type enum_t as enum ('a', 'b')");
    setup.closeSync();
    db.closeSync();
    const conn = await connectDuckdb(`duckdb://${file}`, { model: 'churn' });
    try {
      const columns = await conn.columns(read(text));
      const kinds = Object.fromEntries(columns.map((c) => [c.name, c.kind]));
      assert.deepEqual(kinds, {
        ti: 'number',
        i: 'number',
        bi: 'number',
        hi: 'number',
        ub: 'number',
        de: 'number',
        fl: 'number',
        db: 'number',
        b: 'boolean',
        s: 'string',
        e: 'string',
        d: 'string',
        ts: 'string',
        tz: 'string',
        tns: 'string',
        tsec: 'string',
        inf: 'string',
        u: 'string',
        iv: 'string',
        li: 'string',
        tm: 'string',
      });
      assert.equal(columns.find((c) => c.name === 'de')!.dbType, 'DECIMAL(18,2)');
      assert.equal(columns.find((c) => c.name === 'tz')!.dbType, 'TIMESTAMP WITH TIME ZONE');
      const [t] = await all(conn, read(text));
      assert.equal(t!.rowCount, 2);
      const row = (name: string) => {
        const c = t!.columns.get(name)!;
        return { values: Array.from(c.values as ArrayLike<unknown>), nulls: 'nulls' in c && c.nulls ? Array.from(c.nulls) : undefined, c };
      };
      for (const [name, value, sourceType] of [
        ['ti', 1, 'int'],
        ['i', 2, 'int'],
        ['bi', 3, 'int'],
        ['hi', 4, 'int'],
        ['ub', 5, 'int'],
        ['de', 1.25, 'float'],
        ['fl', 0.5, 'float'],
        ['db', 2.5, 'float'],
      ] as const) {
        const { values, nulls, c } = row(name);
        assert.equal(c.kind, 'number');
        assert.equal(c.kind === 'number' && c.sourceType, sourceType, name);
        assert.equal(values[0], value, name);
        assert.ok(Number.isNaN(values[1]), name);
        assert.deepEqual(nulls, [0, 1], name);
      }
      assert.deepEqual(row('b').values, [1, 0]);
      assert.deepEqual(row('b').nulls, [0, 1]);
      const strings = Object.fromEntries(['s', 'e', 'd', 'ts', 'tz', 'tns', 'tsec', 'inf', 'u', 'iv', 'li', 'tm'].map((n) => [n, row(n).values]));
      assert.deepEqual(strings, {
        s: ['x', null],
        e: ['b', null],
        d: ['2024-03-04', null],
        ts: ['2024-03-04T05:06:07.123Z', null],
        tz: ['2024-03-04T03:06:07.000Z', null],
        tns: ['2024-03-04T05:06:07.123Z', null],
        tsec: ['1969-12-31T23:59:59.000Z', null],
        inf: ['infinity', null],
        u: ['00000000-0000-0000-0000-000000000001', null],
        iv: ['3 days', null],
        li: ['[1, 2]', null],
        tm: ['10:11:12', null],
      });
      assert.deepEqual(t!.fileColumns, Object.keys(kinds));
    } finally {
      await conn.close();
    }
  });

  it('writes timestamps exactly as Date.toISOString would, across days, before 1970 and at millisecond edges', async function () {
    const text = `select (timestamp '1969-12-30 23:59:59.999' + to_milliseconds(i * 7777777)) as t from range(2000) r(i) order by i`;
    const [t] = await all(memory, read(text));
    const values = t!.columns.get('t')!.values as string[];
    const start = Date.parse('1969-12-30T23:59:59.999Z');
    values.forEach((v, i) => assert.equal(v, new Date(start + i * 7777777).toISOString()));
  });

  it('refuses an integer beyond 2^53 rather than rounding it, naming the column', async function () {
    const err = await failure(all(memory, read('select 9007199254740993::bigint as request_id')));
    assert.ok(isUpkeepError(err, 'UnreadableData'));
    assert.equal(
      err.message,
      'model churn: duckdb:: column "request_id": integer 9007199254740993 exceeds 2^53 in magnitude and cannot be held exactly as a number (cast it to DOUBLE or VARCHAR in the query)',
    );
    const [t] = await all(memory, read('select 9007199254740992::bigint as request_id'));
    assert.equal(t!.columns.get('request_id')!.values[0], 2 ** 53);
  });

  it('streams 300,000 rows in batches of batchRows, in order, across chunk boundaries', async function () {
    const text =
      'select i::integer as i, i % 3 = 0 as third, case when i % 7 = 0 then null else i * 0.5 end as half, (i % 5)::varchar as s from range(300000) r(i)';
    const tables = await all(memory, read(text));
    assert.deepEqual(
      tables.map((t) => [t.firstRow, t.rowCount]),
      [
        [0, 65536],
        [65536, 65536],
        [131072, 65536],
        [196608, 65536],
        [262144, 37856],
      ],
    );
    let expected = 0;
    for (const t of tables) {
      const i = t.columns.get('i')!;
      const third = t.columns.get('third')!;
      const half = t.columns.get('half')!;
      const s = t.columns.get('s')!;
      assert.equal(i.values.length, t.rowCount);
      for (let k = 0; k < t.rowCount; k++, expected++) {
        assert.equal(i.values[k], expected);
        assert.equal(third.values[k], expected % 3 === 0 ? 1 : 0);
        assert.equal(s.values[k], String(expected % 5));
        if (expected % 7 === 0) assert.equal(half.kind === 'number' && half.nulls?.[k], 1);
        else assert.equal(half.values[k], expected * 0.5);
      }
    }
    assert.equal(expected, 300000);
    // A batch size that does not divide DuckDB's 2,048-row chunks.
    const small = await all(memory, read(text, { batchRows: 1000 }));
    assert.equal(small.length, 300);
    assert.ok(small.every((t, n) => t.rowCount === 1000 && t.firstRow === n * 1000 && t.columns.get('i')!.values[999] === n * 1000 + 999));
  });

  it('stops cleanly when the caller stops reading early, and the connection reads again', async function () {
    for await (const t of memory.batches(read('select i from range(1000000) r(i)', { batchRows: 4096 }))) {
      assert.equal(t.rowCount, 4096);
      break;
    }
    const [t] = await all(memory, read('select 42 as answer'));
    assert.equal(t!.columns.get('answer')!.values[0], 42);
  });

  it('gives no batch for a query without rows, and columns() reports the columns without reading a row', async function () {
    assert.deepEqual(await all(memory, read('select 1 as a where false')), []);
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, 'n\n1\n2\nnot-a-number\n');
    const text = `select cast(n as integer) as n, n as raw from read_csv('${csv}', all_varchar = true)`;
    assert.deepEqual(await memory.columns(read(text)), [
      { name: 'n', dbType: 'INTEGER', kind: 'number' },
      { name: 'raw', dbType: 'VARCHAR', kind: 'string' },
    ]);
    const err = await failure(all(memory, read(text)));
    assert.ok(isUpkeepError(err, 'UnreadableData'));
    assert.match(err.message, /^model churn: duckdb:: Conversion Error: Could not convert string 'not-a-number' to INT32/);
  });

  it('reads a labels query without bounds (every label known) with the two parameters every read binds, a trailing comment and ; included', async function () {
    const text = bindQuery("select * from (values ('a', 1), ('b', 0)) as t(request_id, churned) order by request_id; -- every outcome");
    const tables = await all(memory, read(text));
    assert.deepEqual(
      tables.flatMap((t) => (t.columns.get('request_id') as { values: string[] }).values),
      ['a', 'b'],
    );
  });

  it('reads SQL over a local Parquet file written by hyparquet-writer, the day bound as parameters', async function () {
    const base = Date.parse('2024-03-03T12:00:00Z');
    const n = 5000;
    const parquet = join(dir, 'events.parquet');
    const at = Array.from({ length: n }, (_, i) => new Date(base + i * 30_000)); // every 30 s for ~42 h
    writeFileSync(
      parquet,
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: 'request_id', data: Array.from({ length: n }, (_, i) => `r${i}`), type: 'STRING' },
            { name: 'served_at', data: at, type: 'TIMESTAMP' },
            { name: 'tenure', data: Float64Array.from({ length: n }, (_, i) => i / 10), type: 'DOUBLE' },
            { name: 'plan', data: Array.from({ length: n }, (_, i) => (i % 4 === 0 ? null : ['basic', 'pro'][i % 2]!)), type: 'STRING' },
            { name: 'churned', data: Array.from({ length: n }, (_, i) => i % 3 === 0), type: 'BOOLEAN' },
          ],
          rowGroupSize: 1000,
        }),
      ),
    );
    const text = bindQuery(`select * from read_parquet('${dir}/*.parquet') where served_at >= {start} and served_at < {end} order by served_at`);
    const tables = await all(memory, read(text, { batchRows: 1024 }));
    const rows = tables.reduce((s, t) => s + t.rowCount, 0);
    const inDay = at.filter((d) => d >= DAY[0] && d < DAY[1]).length;
    assert.equal(inDay, 2880);
    assert.equal(rows, inDay);
    const first = at.findIndex((d) => d >= DAY[0]);
    const t0 = tables[0]!;
    assert.equal(t0.columns.get('request_id')!.values[0], `r${first}`);
    assert.equal(t0.columns.get('served_at')!.values[0], '2024-03-04T00:00:00.000Z');
    assert.equal(t0.columns.get('tenure')!.values[0], first / 10);
    assert.equal(t0.columns.get('plan')!.values[0], first % 4 === 0 ? null : ['basic', 'pro'][first % 2]);
    assert.equal(t0.columns.get('churned')!.values[0], first % 3 === 0 ? 1 : 0);
    const last = tables.at(-1)!;
    assert.equal(last.columns.get('served_at')!.values[last.rowCount - 1], '2024-03-04T23:59:30.000Z');
  });

  describe('a database file', function () {
    let file: string;
    let conn: SqlConnection;

    before(async function () {
      file = join(dir, 'warehouse.duckdb');
      const db = await DuckDBInstance.create(file);
      const setup = await db.connect();
      await setup.run('create table outcomes (request_id varchar, outcome integer, known_at timestamptz)');
      await setup.run("insert into outcomes values ('a', 1, timestamptz '2024-03-04 10:00:00+00'), ('b', 0, timestamptz '2024-03-05 10:00:00+00')");
      setup.closeSync();
      db.closeSync();
      conn = await connectDuckdb(`duckdb://${file}`, { model: 'churn' });
    });
    after(async function () {
      await conn.close();
    });

    it('is read at its path, with its identity', async function () {
      assert.match(conn.identity, new RegExp(`^DuckDB v\\d+\\.\\d+\\.\\d+ at ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
      const [t] = await all(conn, read('select request_id, outcome from outcomes where known_at >= $1 and known_at < $2'));
      assert.deepEqual(t!.columns.get('request_id')!.values, ['a']);
    });

    it('refuses every statement but a SELECT, and the file is unchanged', async function () {
      const before = { sha: sha256(file), mtime: statSync(file).mtimeMs };
      const refused: [string, string][] = [
        ["insert into outcomes values ('c', 1, now())", 'INSERT is refused'],
        ['delete from outcomes', 'DELETE is refused'],
        ['update outcomes set outcome = 1', 'UPDATE is refused'],
        ['drop table outcomes', 'DROP is refused'],
        ['create table x (a int)', 'CREATE is refused'],
        [`copy outcomes to '${dir}/leak.csv'`, 'COPY is refused'],
        [`export database '${dir}/exported'`, 'EXPORT is refused'],
        [`attach '${dir}/other.duckdb' as other`, 'ATTACH is refused'],
        ['pragma version', 'PRAGMA is refused'],
        ['set threads = 8', 'SET is refused'],
        ['install httpfs', 'INSTALL is refused'],
        ['load httpfs', 'LOAD is refused'],
        ['call pragma_version()', 'CALL is refused'],
        ['checkpoint', 'CHECKPOINT is refused'],
        ['describe outcomes', 'DESCRIBE is refused'],
        ['/* a comment first */ -- and a line\n  vacuum', 'VACUUM is refused'],
        ["with x as (select 'c' as request_id, 1 as outcome, now() as known_at) insert into outcomes select * from x", 'INSERT is refused'],
        ['select 1; drop table outcomes', 'the query holds 2 statements'],
      ];
      for (const [text, why] of refused) {
        const err = await failure(all(conn, read(text)));
        assert.ok(isUpkeepError(err, 'InvalidConfig'), `${text}: ${err.message}`);
        assert.equal(
          err.message,
          `model churn: duckdb://${file}: ${why}: only a single SELECT (or WITH … SELECT) statement is run on DuckDB, nothing that writes, copies, attaches, loads or sets`,
        );
        await failure(conn.columns(read(text)));
      }
      assert.deepEqual({ sha: sha256(file), mtime: statSync(file).mtimeMs }, before);
      assert.deepEqual(readdirSync(dir).sort(), ['bad.csv', 'events.parquet', 'types.duckdb', 'warehouse.duckdb']);
      const [t] = await all(conn, read('select count(*)::integer as n from outcomes'));
      assert.equal(t!.columns.get('n')!.values[0], 2);
    });

    it('is opened in read-only access mode', async function () {
      const [t] = await all(conn, read("select current_setting('access_mode') as mode"));
      assert.equal(t!.columns.get('mode')!.values[0], 'read_only');
    });

    it('is never created when missing', async function () {
      const missing = join(dir, 'missing.duckdb');
      const err = await failure(connectDuckdb(`duckdb://${missing}`, { model: 'churn' }));
      assert.ok(isUpkeepError(err, 'InvalidConfig'));
      assert.equal(err.message, `model churn: duckdb://${missing}: no database file at ${missing} (a DuckDB database is opened read-only and never created)`);
      assert.equal(existsSync(missing), false);
      const notFile = await failure(connectDuckdb(`duckdb://${dir}`, { model: 'churn' }));
      assert.equal(notFile.message, `model churn: duckdb://${dir}: ${dir} is not a file (expected a DuckDB database file)`);
      const junk = join(dir, 'junk.duckdb');
      writeFileSync(junk, 'not a database at all, just text');
      const bad = await failure(connectDuckdb(`duckdb://${junk}`, { model: 'churn' }));
      assert.ok(isUpkeepError(bad, 'UnreadableData'));
      assert.match(bad.message, new RegExp(`^model churn: duckdb://${junk}: cannot open ${junk}: `));
      rmSync(junk);
    });
  });

  it('binds the bounds as values: text in a bound, a model id or a spliced statement changes nothing', async function () {
    const [t] = await all(memory, read('select $1 as start_at, $2 as end_at, typeof($1) as type'));
    assert.deepEqual(
      [...t!.columns].map(([name, c]) => [name, c.values[0]]),
      [
        ['start_at', '2024-03-04T00:00:00.000Z'],
        ['end_at', '2024-03-05T00:00:00.000Z'],
        ['type', 'TIMESTAMP WITH TIME ZONE'],
      ],
    );
    const evil = await connectDuckdb('duckdb:', { model: "x'); drop table t; --" });
    try {
      const err = await failure(all(evil, read('select no_such_column from (select 1 as a)')));
      assert.equal(err.message, `model x'); drop table t; --: duckdb:: column "no_such_column" does not exist (columns near it: "a")`);
      const spliced = await failure(all(evil, read("select 1 as a where '' = ''; copy (select 1) to '/tmp/x.csv'")));
      assert.match(spliced.message, /the query holds 2 statements/);
      const other = await failure(all(evil, read('select $3 as c')));
      assert.equal(other.message, `model x'); drop table t; --: duckdb:: the query uses parameters other than $1 and $2: only {start} and {end} are bound`);
      const named = await failure(all(evil, read('select $start as c')));
      assert.match(named.message, /only \{start\} and \{end\} are bound/);
    } finally {
      await evil.close();
    }
  });

  it('interrupts a query past its statement timeout (a retryable error) and reads again afterwards', async function () {
    const err = await failure(all(memory, read('select count(*) as n from range(1000000000000) r(i) where i % 7 = 3', { timeoutMs: 200 })));
    assert.equal(isUpkeepError(err), false);
    assert.equal(err.message, 'model churn: duckdb:: the query did not finish within the statement timeout of 200 ms (DuckDB interrupted it)');
    const columnsErr = await failure(memory.columns(read('select 1 as a', { timeoutMs: 0 })));
    assert.match(columnsErr.message, /statement timeout of 0 ms/);
    const [t] = await all(memory, read('select 7 as n'));
    assert.equal(t!.columns.get('n')!.values[0], 7);
  });

  it('stops when the signal aborts, with its reason', async function () {
    const controller = new AbortController();
    const reason = new Error('activity cancelled');
    setTimeout(() => controller.abort(reason), 100);
    const err = await failure(all(memory, read('select count(*) as n from range(1000000000000) r(i) where i % 7 = 3', { signal: controller.signal })));
    assert.equal(err, reason);
    const aborted = await failure(all(memory, read('select 1 as a', { signal: controller.signal })));
    assert.equal(aborted, reason);
  });

  it('closes only once the reads under way have been interrupted and let go', async function () {
    const conn = await connectDuckdb('duckdb:', { model: 'churn' });
    const reading = all(conn, read('select count(*) as n from range(1000000000000) r(i) where i % 7 = 3', { timeoutMs: 60_000 }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await conn.close();
    const err = await failure(reading);
    assert.equal(err.message, 'model churn: duckdb:: the query was interrupted (the connection was closed while it ran)');
    const after = await failure(all(conn, read('select 1 as a')));
    assert.equal(after.message, 'model churn: duckdb:: the connection is closed');
  });

  it('names the model, the database and the column in every error, without a stack', async function () {
    const cases: [string, string, 'InvalidConfig' | 'UnreadableData'][] = [
      ['select tenure from (select 1 as tenur)', 'column "tenure" does not exist (columns near it: "tenur")', 'InvalidConfig'],
      ['select * from predictions', 'Catalog Error: Table with name predictions does not exist!', 'InvalidConfig'],
      [
        `select * from read_parquet('${dir}/nothing-here/*.parquet')`,
        `IO Error: No files found that match the pattern "${dir}/nothing-here/*.parquet"`,
        'UnreadableData',
      ],
      [`select * from read_csv('${dir}/none.csv')`, `IO Error: No files found that match the pattern "${dir}/none.csv"`, 'UnreadableData'],
      [
        "select plan + 1 from (select 'pro' as plan)",
        "Binder Error: No function matches the given name and argument types '+(VARCHAR, INTEGER_LITERAL)'. You might need to add explicit type casts.",
        'InvalidConfig',
      ],
      ["select 'abc'::integer as n", "Conversion Error: Could not convert string 'abc' to INT32", 'UnreadableData'],
      ['select from where', 'Parser Error: syntax error at or near "where"', 'InvalidConfig'],
      [
        'selec 1',
        'SELEC is refused: only a single SELECT (or WITH … SELECT) statement is run on DuckDB, nothing that writes, copies, attaches, loads or sets',
        'InvalidConfig',
      ],
      ['select 1 as a, 2 as a', 'column "a" appears twice in the query\'s result: give each column its own name (… AS other_name)', 'InvalidConfig'],
    ];
    for (const [text, reason, type] of cases) {
      const err = await failure(all(memory, read(text)));
      assert.ok(isUpkeepError(err, type), `${text}: ${String(err)}`);
      assert.equal(err.message, `model churn: duckdb:: ${reason}`);
    }
  });

  it('refuses remote files at once instead of downloading an extension', async function () {
    for (const url of ['http://127.0.0.1:9/events.parquet', 'https://example.invalid/events.csv', 's3://bucket/events/*.parquet']) {
      const fn = url.endsWith('.csv') ? 'read_csv' : 'read_parquet';
      const err = await failure(all(memory, read(`select * from ${fn}('${url}')`)));
      assert.ok(isUpkeepError(err, 'InvalidConfig'));
      assert.equal(
        err.message,
        `model churn: duckdb:: only local files are read through DuckDB (extensions such as httpfs are never installed or loaded, so http://, https://, s3:// paths are refused): File ${url} requires the extension httpfs to be loaded`,
      );
    }
  });

  it('runs with one thread, a memory limit, no extension autoloading and a locked configuration', async function () {
    const [t] = await all(
      memory,
      read(
        "select name, value from duckdb_settings() where name in ('threads', 'memory_limit', 'autoinstall_known_extensions', 'autoload_known_extensions', 'allow_community_extensions', 'lock_configuration', 'TimeZone') order by name",
      ),
    );
    const names = t!.columns.get('name')!.values as string[];
    const values = t!.columns.get('value')!.values as string[];
    const settings = Object.fromEntries(names.map((n, i) => [n, values[i]]));
    assert.deepEqual(settings, {
      TimeZone: 'UTC',
      allow_community_extensions: 'false',
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      lock_configuration: 'true',
      memory_limit: '488.2 MiB',
      threads: '1',
    });
  });
});
