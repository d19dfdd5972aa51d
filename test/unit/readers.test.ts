import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { parquetWriteBuffer } from 'hyparquet-writer';

import { readCsv } from '../../engine/data/csv.js';
import { DataReadError } from '../../engine/data/errors.js';
import { readJsonl } from '../../engine/data/jsonl.js';
import { readParquet } from '../../engine/data/parquet.js';
import { inferFormat, readTable } from '../../engine/data/read-table.js';
import type { Column, NumberColumn, StringColumn, BooleanColumn, Table } from '../../engine/data/table.js';

// Fixtures: scripts/fixtures/make_reader_fixtures.py
const FIXTURES = fileURLToPath(new URL('../fixtures/data/readers/', import.meta.url));
const fixture = (name: string): Uint8Array => readFileSync(FIXTURES + name);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function num(table: Table, name: string): NumberColumn {
  const col = table.columns.get(name);
  assert.ok(col, `column ${name} is present`);
  assert.equal(col.kind, 'number', `column ${name} is numeric`);
  return col as NumberColumn;
}
function str(table: Table, name: string): StringColumn {
  const col = table.columns.get(name);
  assert.ok(col, `column ${name} is present`);
  assert.equal(col.kind, 'string', `column ${name} is a string column`);
  return col as StringColumn;
}
function bool(table: Table, name: string): BooleanColumn {
  const col = table.columns.get(name);
  assert.ok(col, `column ${name} is present`);
  assert.equal(col.kind, 'boolean', `column ${name} is boolean`);
  return col as BooleanColumn;
}
/** Null flags as a 0/1 list (all zeros when the column has no bitmap). */
function nullsOf(col: Column, n: number): number[] {
  return col.kind === 'string' ? col.values.map((v) => (v === null ? 1 : 0)) : Array.from(col.nulls ?? new Uint8Array(n));
}
/** Compare numbers treating NaN as equal to NaN (and -0 as 0). */
function assertNumbers(actual: ArrayLike<number>, expected: number[], label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    assert.ok(Number.isNaN(e) ? Number.isNaN(a) : a === e, `${label}[${i}]: expected ${e}, got ${a}`);
  }
}

async function rejectsWith(promise: Promise<unknown> | (() => unknown), check: (err: DataReadError) => void): Promise<void> {
  let caught: unknown;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof DataReadError, `expected a DataReadError, got ${String(caught)}`);
  check(caught);
}

// The table every format of the shared fixture must yield.
const EXPECTED = {
  rowCount: 6,
  names: ['i64', 'i32', 'f64', 'f32', 's', 'b', 'n_f64', 'n_i64', 'n_s', 'n_b'],
  numbers: {
    i64: { sourceType: 'int', values: [1, -2, 3, 4_000_000_000, 0, 9_007_199_254_740_991], nulls: [0, 0, 0, 0, 0, 0] },
    i32: { sourceType: 'int', values: [10, 20, -30, 40, 50, 60], nulls: [0, 0, 0, 0, 0, 0] },
    f64: { sourceType: 'float', values: [0.5, -1.25, NaN, Infinity, -Infinity, 1e-300], nulls: [0, 0, 0, 0, 0, 0] },
    f32: { sourceType: 'float', values: [0.5, 1.5, -2.25, 3, 0.125, 100], nulls: [0, 0, 0, 0, 0, 0] },
    n_f64: { sourceType: 'float', values: [1, NaN, 3.5, NaN, 5, 6], nulls: [0, 1, 0, 1, 0, 0] },
    n_i64: { sourceType: 'int', values: [NaN, 2, 3, NaN, 5, 6], nulls: [1, 0, 0, 1, 0, 0] },
  },
  strings: {
    s: ['a', 'b,c', 'say "hi"', 'multi\nline', 'x', 'ü日本'],
    n_s: ['x', null, 'z', null, 'x', 'y'],
  },
  booleans: {
    b: { values: [1, 0, 1, 1, 0, 0], nulls: [0, 0, 0, 0, 0, 0] },
    n_b: { values: [1, 0, 0, 1, 0, 0], nulls: [0, 1, 0, 0, 1, 0] },
  },
} as const;

function assertSharedTable(table: Table, label: string): void {
  assert.equal(table.rowCount, EXPECTED.rowCount, `${label}: rowCount`);
  assert.deepEqual([...table.columns.keys()], EXPECTED.names, `${label}: column names in file order`);
  for (const [name, want] of Object.entries(EXPECTED.numbers)) {
    const col = num(table, name);
    assert.equal(col.sourceType, want.sourceType, `${label} ${name}: sourceType`);
    assert.ok(col.values instanceof Float64Array, `${label} ${name}: Float64Array`);
    assertNumbers(col.values, [...want.values], `${label} ${name}`);
    assert.deepEqual(nullsOf(col, table.rowCount), [...want.nulls], `${label} ${name}: nulls`);
    if (want.nulls.every((v) => v === 0)) assert.equal(col.nulls, undefined, `${label} ${name}: no bitmap without nulls`);
  }
  for (const [name, want] of Object.entries(EXPECTED.strings)) {
    assert.deepEqual(str(table, name).values, [...want], `${label} ${name}`);
  }
  for (const [name, want] of Object.entries(EXPECTED.booleans)) {
    const col = bool(table, name);
    assert.ok(col.values instanceof Uint8Array, `${label} ${name}: Uint8Array`);
    assert.deepEqual(Array.from(col.values), [...want.values], `${label} ${name}: values`);
    assert.deepEqual(nullsOf(col, table.rowCount), [...want.nulls], `${label} ${name}: nulls`);
  }
}

const SHARED_FILES = [
  'table.csv',
  'table.jsonl',
  'table_snappy.parquet',
  'table_gzip.parquet',
  'table_zstd.parquet',
  'table_brotli.parquet',
  'table_none.parquet',
  'table_plain.parquet',
  'table_snappy_v2.parquet',
];

describe('data readers', function () {
  describe('every format', function () {
    for (const file of SHARED_FILES) {
      it(`yields the shared table's columns and values from ${file}`, async function () {
        const table = await readTable(fixture(file), { source: file });
        assert.equal(table.source, file);
        assertSharedTable(table, file);
      });
    }

    it('reads bytes held in a SharedArrayBuffer (shared between threads) without copying them first', async function () {
      for (const file of ['table.csv', 'table.jsonl', 'table_snappy.parquet', 'table_snappy_v2.parquet']) {
        const original = fixture(file);
        const shared = new Uint8Array(new SharedArrayBuffer(original.length + 16), 8, original.length);
        shared.set(original);
        assertSharedTable(await readTable(shared, { source: file }), `${file} (shared)`);
      }
      const shared = new Uint8Array(new SharedArrayBuffer(fixture('types.parquet').length));
      shared.set(fixture('types.parquet'));
      const viaHyparquet = await readParquet(shared, { source: 'types.parquet', directDecode: false });
      assert.deepEqual(str(viaHyparquet, 'd').values, ['2024-01-31', '1969-12-31', null]);
    });

    it('yields the same values through hyparquet alone as through the direct Parquet page decoder', async function () {
      const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.parquet') && f !== 'int64_overflow.parquet');
      assert.ok(files.length >= 10);
      for (const file of files) {
        const direct = await readParquet(fixture(file), { source: file });
        const viaHyparquet = await readParquet(fixture(file), { source: file, directDecode: false });
        assert.equal(direct.rowCount, viaHyparquet.rowCount, file);
        assert.deepEqual([...direct.columns.keys()], [...viaHyparquet.columns.keys()], file);
        for (const [name, a] of direct.columns) {
          const b = viaHyparquet.columns.get(name)!;
          assert.equal(a.kind, b.kind, `${file} ${name}`);
          if (a.kind === 'number' && b.kind === 'number') {
            assert.equal(a.sourceType, b.sourceType, `${file} ${name}`);
            assertNumbers(a.values, Array.from(b.values), `${file} ${name}`);
          } else {
            assert.deepEqual(Array.from(a.values as ArrayLike<unknown>), Array.from(b.values as ArrayLike<unknown>), `${file} ${name}`);
          }
          assert.deepEqual(nullsOf(a, direct.rowCount), nullsOf(b, direct.rowCount), `${file} ${name}: nulls`);
        }
      }
    });
  });

  describe('CSV', function () {
    it('treats empty cells, NA and null as missing, and nan/inf as float values', async function () {
      const t = readCsv(text('a,b\n1,\nNA,x\nnull,y\nnan, \n-inf,z\nInfinity,NA\n+INF,"null"\n'), { source: 'm.csv' });
      const a = num(t, 'a');
      assert.equal(a.sourceType, 'float');
      assertNumbers(a.values, [1, NaN, NaN, NaN, -Infinity, Infinity, Infinity], 'a');
      assert.deepEqual(nullsOf(a, 7), [0, 1, 1, 0, 0, 0, 0]);
      assert.deepEqual(str(t, 'b').values, [null, 'x', 'y', null, 'z', null, null]);
    });

    it('types integer columns as int and anything else numeric as float', async function () {
      const t = readCsv(text('i,f,e,big,neg0,lead\n1,1.0,1e3,9007199254740993,-0,007\n-2,2,2,1,1,08\n'), { source: 'n.csv' });
      assert.equal(num(t, 'i').sourceType, 'int');
      assert.equal(num(t, 'f').sourceType, 'float');
      assert.equal(num(t, 'e').sourceType, 'float');
      assert.equal(num(t, 'big').sourceType, 'float', 'integers beyond 2^53 are not exact, so not int');
      assertNumbers(num(t, 'e').values, [1000, 2], 'e');
      assertNumbers(num(t, 'lead').values, [7, 8], 'lead');
      assert.equal(num(t, 'lead').sourceType, 'int');
    });

    it('parses numbers exactly like Number()', async function () {
      const samples = [
        '0.1',
        '-0.6931471805599453',
        '0.27094661928287284',
        '2.220446049250313e-16',
        '1.7976931348623157e308',
        '5e-324',
        '4.9406564584124654e-324',
        '123456789012345678901234567890',
        '.5',
        '5.',
        '+3.25',
        '-0.0',
        '9007199254740993',
        '0.30000000000000004',
        '1.00000000000000011102230246251565404236316680908203125',
        '1e23',
        '8.41e21',
        '0.000001234567890123456789',
        '7.2057594037927933e16',
        '1.5e-22',
        '99999999999999999999e-20',
      ];
      const t = readCsv(text(`x\n${samples.join('\n')}\n`), { source: 'p.csv' });
      const x = num(t, 'x');
      samples.forEach((s, i) => assert.ok(Object.is(x.values[i], Number(s)), `${s}: ${x.values[i]} !== ${Number(s)}`));
    });

    it('reads true/false columns (any letter case) as booleans', async function () {
      const t = readCsv(text('b,mixed\ntrue,true\nFALSE,1\n,false\nTrue,0\n'), { source: 'b.csv' });
      const b = bool(t, 'b');
      assert.deepEqual(Array.from(b.values), [1, 0, 0, 1]);
      assert.deepEqual(nullsOf(b, 4), [0, 0, 1, 0]);
      assert.deepEqual(str(t, 'mixed').values, ['true', '1', 'false', '0']);
    });

    it('keeps the original text of earlier cells when a column turns out to be text', async function () {
      const t = readCsv(text('code,v\n1.50,1\n007,2\nNA,3\nA12,4\n2e3,5\n'), { source: 'c.csv' });
      assert.deepEqual(str(t, 'code').values, ['1.50', '007', null, 'A12', '2e3']);
      assertNumbers(num(t, 'v').values, [1, 2, 3, 4, 5], 'v');
    });

    it('handles RFC 4180 quoting: commas, doubled quotes and newlines inside quotes', async function () {
      const csv = 'id,"the text",n\r\n1,"a,b",1\r\n2,"say ""hi""",2\r\n3,"line1\r\nline2\nline3",3\r\n4,"",4\r\n5,"""",5\r\n6,plain "inner" quotes,6';
      const t = readCsv(text(csv), { source: 'q.csv' });
      assert.equal(t.rowCount, 6);
      assert.deepEqual([...t.columns.keys()], ['id', 'the text', 'n']);
      assert.deepEqual(str(t, 'the text').values, ['a,b', 'say "hi"', 'line1\r\nline2\nline3', null, '"', 'plain "inner" quotes']);
      assertNumbers(num(t, 'n').values, [1, 2, 3, 4, 5, 6], 'n');
    });

    it('reads quoted numbers as numbers', async function () {
      const t = readCsv(text('x,y\n"1.5","true"\n"2",false\n'), { source: 'qn.csv' });
      assertNumbers(num(t, 'x').values, [1.5, 2], 'x');
      assert.deepEqual(Array.from(bool(t, 'y').values), [1, 0]);
    });

    it('accepts a UTF-8 byte order mark, LF, CRLF or CR line endings, blank lines and no final newline', async function () {
      const bom = new Uint8Array([0xef, 0xbb, 0xbf]);
      for (const [label, body] of [
        ['LF', 'a,b\n1,x\n\n2,y\n'],
        ['CRLF', 'a,b\r\n1,x\r\n\r\n2,y'],
        ['CR', 'a,b\r1,x\r2,y\r'],
      ] as const) {
        const bytes = new Uint8Array([...bom, ...text(body)]);
        const t = readCsv(bytes, { source: `${label}.csv` });
        assert.deepEqual([...t.columns.keys()], ['a', 'b'], label);
        assert.equal(t.rowCount, 2, label);
        assertNumbers(num(t, 'a').values, [1, 2], label);
        assert.deepEqual(str(t, 'b').values, ['x', 'y'], label);
      }
    });

    it('reads a header-only file as zero rows', async function () {
      const t = readCsv(text('a,b\n'), { source: 'h.csv' });
      assert.equal(t.rowCount, 0);
      assert.deepEqual([...t.columns.keys()], ['a', 'b']);
      assert.equal(num(t, 'a').values.length, 0);
    });

    it('reports a record with the wrong number of fields with its source and line', async function () {
      await rejectsWith(
        () => readCsv(text('a,b,c,d,e\n1,2,3,4,5\n1,2,3,4\n'), { source: 'binary.csv' }),
        (err) => {
          assert.equal(err.message, 'binary.csv line 3: expected 5 fields, found 4');
          assert.equal(err.source, 'binary.csv');
          assert.equal(err.line, 3);
        },
      );
      // physical lines: the quoted newline on line 2 pushes the bad record to line 4
      await rejectsWith(
        () => readCsv(text('a,b\n1,"x\ny"\n2,3,4\n'), { source: 'q.csv' }),
        (err) => assert.equal(err.message, 'q.csv line 4: expected 2 fields, found 3'),
      );
    });

    it('reports an unterminated quote, text after a closing quote, an empty file and duplicate names', async function () {
      await rejectsWith(
        () => readCsv(text('a,b\n1,2\n3,"open\n4,5\n'), { source: 'u.csv' }),
        (err) => {
          assert.equal(err.line, 3);
          assert.match(err.message, /^u\.csv line 3: unterminated quoted field/);
        },
      );
      await rejectsWith(
        () => readCsv(text('a,b\n1,"x"y\n'), { source: 'x.csv' }),
        (err) => assert.match(err.message, /^x\.csv line 2: unexpected character after the closing quote of field \d+$/),
      );
      await rejectsWith(
        () => readCsv(text(''), { source: 'empty.csv' }),
        (err) => assert.match(err.message, /^empty\.csv line 1: empty file/),
      );
      await rejectsWith(
        () => readCsv(text('a,b,a\n1,2,3\n'), { source: 'd.csv' }),
        (err) => assert.match(err.message, /duplicate column name in the header \(columns 1 and 3\)$/),
      );
    });

    it('decodes only the projected columns, in the requested order', async function () {
      const t = readCsv(text('a,b,c\n1,x,true\n2,y,false\n'), { source: 'p.csv', columns: ['c', 'a', 'zz'] });
      assert.deepEqual([...t.columns.keys()], ['c', 'a']);
      assert.equal(t.rowCount, 2);
    });

    it('still checks the field count of records whose extra fields are not projected', async function () {
      await rejectsWith(
        () => readCsv(text('a,b\n1,2\n3,4,5\n'), { source: 'p.csv', columns: ['a'] }),
        (err) => assert.equal(err.line, 3),
      );
    });

    it('parses a larger file without losing rows (buffers grow past the initial estimate)', async function () {
      const lines = ['x,y,s'];
      // first MiB has short rows, the rest long ones: the row estimate is too low and must grow
      for (let i = 0; i < 120_000; i++) lines.push(`${i},${i / 4},k${i % 5}`);
      for (let i = 0; i < 20_000; i++) lines.push(`${i},${'9'.repeat(60)},${'long'.repeat(10)}`);
      const t = readCsv(text(lines.join('\r') + '\r'), { source: 'big.csv' });
      assert.equal(t.rowCount, 140_000);
      const x = num(t, 'x');
      assert.equal(x.sourceType, 'int');
      assert.equal(x.values[119_999], 119_999);
      assert.equal(x.values[139_999], 19_999);
      assert.equal(str(t, 's').values[139_999], 'long'.repeat(10));
    });
  });

  describe('JSON Lines', function () {
    it('skips blank lines, unions keys and treats absent keys, null and "" as missing', async function () {
      const t = readJsonl(text('{"a":1,"b":"x"}\n\n  \r\n{"b":null,"c":true}\r\n{"a":2.5,"b":"","c":false}\n'), { source: 'j.jsonl' });
      assert.equal(t.rowCount, 3);
      assert.deepEqual([...t.columns.keys()], ['a', 'b', 'c']);
      const a = num(t, 'a');
      assert.equal(a.sourceType, 'float');
      assertNumbers(a.values, [1, NaN, 2.5], 'a');
      assert.deepEqual(nullsOf(a, 3), [0, 1, 0]);
      assert.deepEqual(str(t, 'b').values, ['x', null, null]);
      const c = bool(t, 'c');
      assert.deepEqual(Array.from(c.values), [0, 1, 0]);
      assert.deepEqual(nullsOf(c, 3), [1, 0, 0]);
    });

    it('reads NaN/Infinity tokens and "nan"/"inf" strings as float values', async function () {
      const t = readJsonl(text('{"x": NaN, "s": "NaN"}\n{"x": -Infinity, "s": "x"}\n{"x": "inf", "s": "y"}\n{"x": 1}\n'), { source: 'n.jsonl' });
      assertNumbers(num(t, 'x').values, [NaN, -Infinity, Infinity, 1], 'x');
      assert.deepEqual(str(t, 's').values, ['NaN', 'x', 'y', null]);
    });

    it('turns a column of mixed types into text', async function () {
      const t = readJsonl(text('{"v":1}\n{"v":true}\n{"v":"a"}\n{"v":2.5}\n'), { source: 'm.jsonl' });
      assert.deepEqual(str(t, 'v').values, ['1', 'true', 'a', '2.5']);
    });

    it('reports a malformed line, a non-object line and a nested value with source, line and column', async function () {
      await rejectsWith(
        () => readJsonl(text('{"a":1}\n\n{"a":\n'), { source: 'bad.jsonl' }),
        (err) => {
          assert.equal(err.line, 3);
          assert.match(err.message, /^bad\.jsonl line 3: malformed JSON( at column \d+)?$/);
        },
      );
      await rejectsWith(
        () => readJsonl(text('{"a":1}\n[1,2]\n'), { source: 'arr.jsonl' }),
        (err) => assert.equal(err.message, 'arr.jsonl line 2: expected a JSON object, found an array'),
      );
      await rejectsWith(
        () => readJsonl(text('{"a":1,"meta":{"k":1}}\n'), { source: 'nest.jsonl' }),
        (err) => {
          assert.equal(err.column, 'meta');
          assert.equal(err.message, 'nest.jsonl line 1 column "meta": nested object values are not supported');
        },
      );
    });

    it('decodes only the projected keys (nested values elsewhere are ignored)', async function () {
      const t = readJsonl(text('{"a":1,"meta":{"k":1},"b":"x"}\n{"a":2,"b":"y"}\n'), { source: 'p.jsonl', columns: ['b', 'a', 'nope'] });
      assert.deepEqual([...t.columns.keys()], ['b', 'a']);
    });
  });

  describe('Parquet', function () {
    it('reads every row group of a multi-row-group file in order', async function () {
      const t = await readParquet(fixture('multi_row_group.parquet'), { source: 'multi_row_group.parquet' });
      assert.equal(t.rowCount, 1000);
      const x = num(t, 'x');
      const y = num(t, 'y');
      const maybe = num(t, 'maybe');
      const cat = str(t, 'cat');
      for (let i = 0; i < 1000; i++) {
        assert.equal(x.values[i], i);
        assert.equal(y.values[i], i * 0.5);
        if (i % 7 === 0) {
          assert.ok(Number.isNaN(maybe.values[i]!));
          assert.equal(maybe.nulls![i], 1);
        } else {
          assert.equal(maybe.values[i], i);
          assert.equal(maybe.nulls![i], 0);
        }
        assert.equal(cat.values[i], `c${i % 3}`);
      }
    });

    it('reads one shard of row groups, numbering its rows from the shard start, with either decoder', async function () {
      for (const directDecode of [true, false]) {
        // 128 rows per group: groups 2 and 3 hold rows 256..511
        const t = await readParquet(fixture('multi_row_group.parquet'), {
          source: 'multi_row_group.parquet',
          rowGroups: { start: 2, end: 4 },
          directDecode,
        });
        assert.equal(t.rowCount, 256, `directDecode ${directDecode}`);
        const x = num(t, 'x');
        const maybe = num(t, 'maybe');
        const cat = str(t, 'cat');
        for (let i = 0; i < 256; i++) {
          const r = 256 + i;
          assert.equal(x.values[i], r);
          assert.equal(maybe.nulls![i], r % 7 === 0 ? 1 : 0);
          assert.equal(cat.values[i], `c${r % 3}`);
        }
      }
    });

    it('maps logical types: dates and timestamps to ISO strings, decimals to floats', async function () {
      const t = await readParquet(fixture('types.parquet'), { source: 'types.parquet' });
      assert.deepEqual([...t.columns.keys()], ['req_f64', 'req_i64', 'req_i32', 'u8', 'd', 'ts_ms', 'ts_us', 'dec', 'cat']);
      assertNumbers(num(t, 'req_i64').values, [-(2 ** 53), 0, 2 ** 53], 'req_i64');
      assert.equal(num(t, 'req_i64').sourceType, 'int');
      assertNumbers(num(t, 'req_i32').values, [-(2 ** 31), 0, 2 ** 31 - 1], 'req_i32');
      assertNumbers(num(t, 'u8').values, [0, 255, NaN], 'u8');
      assert.deepEqual(str(t, 'd').values, ['2024-01-31', '1969-12-31', null]);
      assert.deepEqual(str(t, 'ts_ms').values, ['2024-01-31T12:00:00.123Z', null, '1970-01-01T00:00:00.000Z']);
      assert.deepEqual(str(t, 'ts_us').values, ['2024-01-31T12:00:00.123Z', null, '2000-02-29T00:00:00.000Z']);
      const dec = num(t, 'dec');
      assert.equal(dec.sourceType, 'float');
      assertNumbers(dec.values, [12.34, -0.05, NaN], 'dec');
      assert.deepEqual(str(t, 'cat').values, ['red', 'green', null]);
    });

    it('skips a nested column when reading everything but reports it when it is requested', async function () {
      const all = await readParquet(fixture('types.parquet'), { source: 'types.parquet' });
      assert.equal(all.columns.has('lst'), false);
      await rejectsWith(readParquet(fixture('types.parquet'), { source: 'types.parquet', columns: ['lst'] }), (err) => {
        assert.equal(err.column, 'lst');
        assert.match(err.message, /^types\.parquet column "lst": nested/);
      });
    });

    it('reads only the projected columns and leaves unknown names out', async function () {
      const t = await readTable(fixture('table_zstd.parquet'), { source: 'table_zstd.parquet', columns: ['n_s', 'f64', 'missing'] });
      assert.deepEqual([...t.columns.keys()], ['n_s', 'f64']);
      assert.equal(t.rowCount, 6);
      assertNumbers(num(t, 'f64').values, [0.5, -1.25, NaN, Infinity, -Infinity, 1e-300], 'f64');
      const none = await readTable(fixture('table_zstd.parquet'), { source: 'table_zstd.parquet', columns: [] });
      assert.equal(none.columns.size, 0);
      assert.equal(none.rowCount, 6);
    });

    it('refuses an INT64 value beyond 2^53, naming the source and column, with either decoder', async function () {
      for (const directDecode of [true, false]) {
        await rejectsWith(readParquet(fixture('int64_overflow.parquet'), { source: 'int64_overflow.parquet', directDecode }), (err) => {
          assert.equal(err.column, 'id');
          assert.equal(err.source, 'int64_overflow.parquet');
          assert.match(err.message, /^int64_overflow\.parquet column "id": integer 9007199254740993 at row 1 exceeds 2\^53/);
        });
      }
      // the other column is fine on its own
      const ok = await readParquet(fixture('int64_overflow.parquet'), { source: 'o.parquet', columns: ['ok'] });
      assertNumbers(num(ok, 'ok').values, [1, 2, 3], 'ok');
    });

    it('reads files written by hyparquet-writer, including required INT64 and a value beyond 2^53', async function () {
      const buffer = parquetWriteBuffer({
        columnData: [
          { name: 'd', data: new Float64Array([1.5, -2, 3.25]), type: 'DOUBLE', nullable: false },
          { name: 'i', data: new BigInt64Array([1n, -(2n ** 53n), 2n ** 53n]), type: 'INT64', nullable: false },
          { name: 'n', data: [1, null, 3], type: 'DOUBLE' },
          { name: 'label', data: new Int32Array([0, 1, 1]), type: 'INT32' },
        ],
      });
      const t = await readParquet(new Uint8Array(buffer), { source: 'hw.parquet' });
      assertNumbers(num(t, 'd').values, [1.5, -2, 3.25], 'd');
      assertNumbers(num(t, 'i').values, [1, -(2 ** 53), 2 ** 53], 'i');
      assertNumbers(num(t, 'n').values, [1, NaN, 3], 'n');
      assert.deepEqual(nullsOf(num(t, 'n'), 3), [0, 1, 0]);
      assert.equal(num(t, 'label').sourceType, 'int');

      const tooBig = parquetWriteBuffer({
        columnData: [{ name: 'i', data: new BigInt64Array([1n, -(2n ** 53n) - 1n]), type: 'INT64', nullable: false }],
      });
      for (const directDecode of [true, false]) {
        await rejectsWith(readParquet(new Uint8Array(tooBig), { source: 'big.parquet', directDecode }), (err) => {
          assert.equal(err.column, 'i');
          assert.match(err.message, /integer -9007199254740993 at row 1 exceeds 2\^53/);
        });
      }
    });

    it('reports a file that is not Parquet, or truncated, with a clear message', async function () {
      await rejectsWith(readParquet(text('a,b\n1,2\n3,4\n'), { source: 'data.parquet' }), (err) =>
        assert.equal(err.message, 'data.parquet: not a Parquet file (bad magic bytes)'),
      );
      await rejectsWith(readParquet(text('PAR1'), { source: 'tiny.parquet' }), (err) =>
        assert.match(err.message, /^tiny\.parquet: not a Parquet file \(too short/),
      );
      const bytes = fixture('table_snappy.parquet');
      for (const cut of [bytes.length - 1, bytes.length - 100, Math.floor(bytes.length / 2), 20]) {
        await rejectsWith(readParquet(bytes.subarray(0, cut), { source: 'cut.parquet' }), (err) =>
          assert.match(err.message, /^cut\.parquet: truncated or corrupted Parquet file/),
        );
      }
    });

    it('turns corrupted bytes into a DataReadError or a successful read, never a hang or another error', async function () {
      this.timeout(60_000);
      for (const file of ['table_snappy.parquet', 'multi_row_group.parquet', 'encodings_dict_v2.parquet', 'types.parquet']) {
        const original = fixture(file);
        for (let k = 0; k < 60; k++) {
          const bytes = new Uint8Array(original);
          // deterministic damage: overwrite a few bytes somewhere before the footer magic
          const at = 4 + ((k * 7919) % (bytes.length - 12));
          for (let j = 0; j < 1 + (k % 4); j++) bytes[at + j] = (k * 37 + j * 101) & 0xff;
          try {
            await readParquet(bytes, { source: file });
          } catch (err) {
            assert.ok(err instanceof DataReadError, `${file} damaged at ${at}: ${String(err)}`);
            assert.ok(err.message.startsWith(`${file}`), err.message);
          }
        }
      }
    });
  });

  describe('readTable', function () {
    it('infers the format from the extension of a path or URI', function () {
      assert.equal(inferFormat('data/x.csv'), 'csv');
      assert.equal(inferFormat('X.CSV'), 'csv');
      assert.equal(inferFormat('s3://bucket/k/x.ndjson?versionId=3'), 'jsonl');
      assert.equal(inferFormat('file:///tmp/x.jsonl'), 'jsonl');
      assert.equal(inferFormat('https://h/x.parquet#frag'), 'parquet');
      assert.equal(inferFormat('x.csv.gz'), undefined);
      assert.equal(inferFormat('noext'), undefined);
    });

    it('uses an explicit format over the extension and refuses an unknown one', async function () {
      const t = await readTable(text('a\n1\n'), { source: 's3://b/blob', format: 'csv' });
      assert.equal(t.rowCount, 1);
      await rejectsWith(readTable(text('a\n1\n'), { source: 's3://b/blob.txt' }), (err) => {
        assert.equal(err.source, 's3://b/blob.txt');
        assert.match(err.message, /cannot infer the data format/);
      });
    });

    it('rejects bad input with DataReadError carrying source and line, and nothing of the line (not even as its cause)', async function () {
      await rejectsWith(readTable(text('{"a": secret_token_123\n'), { source: 'x.jsonl' }), (err) => {
        assert.equal(err.name, 'DataReadError');
        assert.equal(err.source, 'x.jsonl');
        assert.equal(err.line, 1);
        assert.match(err.message, /^x\.jsonl line 1: malformed JSON( at column \d+)?$/);
        // JSON.parse's own message quotes the line: it is not kept as the cause
        assert.equal(err.cause, undefined);
      });
    });
  });
});
