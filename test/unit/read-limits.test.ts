import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { parquetMetadata } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { readPageHeader } from '../../engine/data/parquet/hyparquet-internals.js';
import { readParquet } from '../../engine/data/parquet.js';
import { readTable, DataReadError } from '../../engine/data/read-table.js';
import { DEFAULT_LIMITS, decodedBudget, resolveLimits } from '../../domain/limits.js';
import { repack } from '../helpers/parquet-pages.js';

/** A real, valid Parquet file: `rows` zeros in one column, which RLE keeps to a few hundred bytes. */
export function constantParquet(rows: number): Uint8Array {
  return new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'x', data: new Int32Array(rows), type: 'INT32' }], rowGroupSize: rows }));
}

async function refused(p: Promise<unknown>): Promise<DataReadError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof DataReadError, String(err));
    return err;
  }
  assert.fail('expected the file to be refused');
}

describe('per-file read limits', function () {
  it('gives every file at least 16 MiB, else 256 times its size, never more than the maximum', function () {
    assert.equal(decodedBudget(300, DEFAULT_LIMITS), 16 * 1024 ** 2);
    assert.equal(decodedBudget(1024 ** 2, DEFAULT_LIMITS), 256 * 1024 ** 2);
    assert.equal(decodedBudget(1024 ** 3, DEFAULT_LIMITS), DEFAULT_LIMITS.max_decoded_bytes_per_file);
  });

  it('refuses a tiny Parquet file whose RLE runs declare millions of rows, before allocating', async function () {
    const bytes = constantParquet(4_000_000);
    assert.ok(bytes.length < 4096, `${bytes.length} bytes`);
    const err = await refused(readTable(bytes, { source: 'bomb.parquet' }));
    assert.match(
      err.message,
      /^bomb\.parquet: refused: 4000000 rows × 1 columns would decode to 30\.5 MiB, more than 16\.0 MiB allowed for a file of \d+ bytes \(limits\.max_expansion 256, at least 16 MiB\)$/,
    );
    // the same file passes when the limits allow it: the cap, not the file, refused it
    const t = await readTable(bytes, { source: 'bomb.parquet', limits: { max_expansion: 100_000 } });
    assert.equal(t.rowCount, 4_000_000);
  });

  it('refuses a file declaring more rows than limits.max_rows_per_file', async function () {
    const err = await refused(readTable(constantParquet(1000), { source: 'a.parquet', limits: { max_rows_per_file: 999 } }));
    assert.equal(err.message, 'a.parquet: refused: the file declares 1000 rows, more than limits.max_rows_per_file (999)');
  });

  it('refuses a page header declaring more values than its row group has rows (hyparquet trusts it)', async function () {
    const bytes = constantParquet(60);
    const meta = parquetMetadata(bytes).row_groups[0]!.columns[0]!.meta_data!;
    const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
    // find the byte of the data page's num_values (60, zigzag 0x78) and make it 63 (0x7e)
    let patched: Uint8Array | undefined;
    for (let p = start; p < start + 64 && !patched; p++) {
      if (bytes[p] !== 0x78) continue;
      const copy = bytes.slice();
      copy[p] = 0x7e;
      const reader = { view: new DataView(copy.buffer), offset: Number(meta.data_page_offset) };
      try {
        const h = readPageHeader(reader);
        if ((h.data_page_header ?? h.data_page_header_v2)?.num_values === 63) patched = copy;
      } catch {
        // not the byte
      }
    }
    assert.ok(patched, 'found the page header');
    const err = await refused(readTable(patched, { source: 'lying.parquet', format: 'parquet' }));
    assert.ok(err.message.startsWith('lying.parquet column "x": '), err.message);
    const viaHyparquet = await refused(readParquet(patched, { source: 'lying.parquet', directDecode: false }));
    assert.equal(viaHyparquet.message, 'lying.parquet column "x": refused: its pages declare 63 values in a row group of 60 rows, more than the row group');
  });

  /**
   * A 40 KiB file whose dictionary page (of column `column`) declares `entries` values in `bytes`
   * honest uncompressed bytes (zeros, GZIP): hyparquet sizes the dictionary from the header.
   */
  function hugeDictionary(column: 's' | 'k', bytes: number, entries: number): Uint8Array {
    const rows = 3000;
    const base = new Uint8Array(
      parquetWriteBuffer({
        codec: 'UNCOMPRESSED',
        rowGroupSize: rows,
        columnData: [
          { name: 's', data: Array.from({ length: rows }, (_, i) => `level-${i % 7}`), type: 'STRING', nullable: false },
          { name: 'k', data: Int32Array.from({ length: rows }, (_, i) => i % 100), type: 'INT32', nullable: false },
        ],
      }),
    );
    return repack(
      base,
      'GZIP',
      (data, kind, c) => {
        if (kind !== 'DICTIONARY_PAGE' || c !== column) return gzipSync(data);
        const padded = new Uint8Array(bytes);
        padded.set(data);
        return gzipSync(padded);
      },
      'v2',
      (h, kind, c) =>
        kind === 'DICTIONARY_PAGE' && c === column
          ? { ...h, uncompressed_page_size: bytes, dictionary_page_header: { ...h.dictionary_page_header!, num_values: entries } }
          : h,
    );
  }

  it("refuses a dictionary page declaring more entries than its bytes hold at its type's width, before allocating (both decoders)", async function () {
    for (const column of ['s', 'k'] as const) {
      // 7 MiB of zeros declared as 7M entries: one a byte passed, and hyparquet made 7M strings (+466 MiB RSS) before failing
      const file = hugeDictionary(column, 7 * 1024 ** 2, 7 * 1024 ** 2);
      assert.ok(file.length < 64 * 1024);
      const type = column === 's' ? 'BYTE_ARRAY' : 'INT32';
      const viaHyparquet = await refused(readParquet(file, { source: 'dict.parquet', directDecode: false }));
      assert.equal(
        viaHyparquet.message,
        `dict.parquet column "${column}": refused: a dictionary page declares 7340032 ${type} values in 7340032 bytes, more than one value per 4 bytes`,
      );
      const direct = await refused(readParquet(file, { source: 'dict.parquet' }));
      assert.equal(
        direct.message,
        `dict.parquet column "${column}": corrupted or unsupported Parquet data (dictionary page of 7340032 bytes too short for 7340032 ${type} entries)`,
      );
    }
  });

  it('counts dictionary entries against the decoded budget, like the values of rows', async function () {
    // 12 MiB of zeros declared as 3M INT32 entries: each fits its 4 bytes, but 3M values are more than the 16 MiB budget holds (2M)
    const file = hugeDictionary('k', 12 * 1024 ** 2, 3 * 1024 ** 2);
    const err = await refused(readParquet(file, { source: 'dict.parquet', directDecode: false }));
    assert.equal(
      err.message,
      'dict.parquet column "k": refused: its dictionaries declare 3145735 entries beside 6000 values of its rows, more than the 2097152 values its decoded budget holds',
    );
  });

  it('refuses a dictionary index beyond the dictionary in a column hyparquet decodes (it read as 0, silently)', async function () {
    const rows = 3000;
    const base = new Uint8Array(
      parquetWriteBuffer({
        codec: 'UNCOMPRESSED',
        rowGroupSize: rows,
        columnData: [{ name: 'k', data: Int32Array.from({ length: rows }, (_, i) => i % 100), type: 'INT32', nullable: false }],
      }),
    );
    // every data page: bit width 7, one RLE run of 3000 × index 127 (the dictionary has 100 entries)
    const run = Uint8Array.from([7, ((rows << 1) & 0x7f) | 0x80, (rows << 1) >> 7, 127]);
    const file = repack(
      base,
      'UNCOMPRESSED',
      (data, kind) => (kind === 'DICTIONARY_PAGE' ? data : run),
      'v2',
      (h, kind) => (kind === 'DICTIONARY_PAGE' ? h : { ...h, uncompressed_page_size: run.length }),
    );
    for (const directDecode of [false, true]) {
      const err = await refused(readParquet(file, { source: 'index.parquet', directDecode }));
      assert.equal(err.message, 'index.parquet column "k": corrupted or unsupported Parquet data (dictionary index 127 out of range (100 entries))');
    }
  });

  it('refuses a CSV or JSON Lines line longer than limits.max_line_bytes, naming the line', async function () {
    const csv = new TextEncoder().encode(`a,b\n1,2\n${'9'.repeat(2000)},3\n`);
    const err = await refused(readTable(csv, { source: 'long.csv', limits: { max_line_bytes: 1024 } }));
    assert.equal(err.message, 'long.csv line 3: refused: a line of 2.0 KiB, more than limits.max_line_bytes (1.0 KiB)');
    const jsonl = new TextEncoder().encode(`{"a":"${'x'.repeat(2000)}"}\n`);
    assert.match(
      (await refused(readTable(jsonl, { source: 'long.jsonl', limits: { max_line_bytes: 1024 } }))).message,
      /^long\.jsonl line 1: refused: a line of/,
    );
    const many = new TextEncoder().encode('a\n' + '1\n'.repeat(20));
    assert.equal(
      (await refused(readTable(many, { source: 'many.csv', limits: { max_rows_per_file: 10 } }))).message,
      'many.csv: refused: the file has 22 lines, more than limits.max_rows_per_file (10)',
    );
  });

  it('lets the fixtures and files like the benchmark data through with the defaults', async function () {
    assert.equal(resolveLimits().max_expansion, 256);
    // the benchmark generator's heaviest expansion is under 6x; a file of 1000 random rows:
    const rows = 1000;
    const data = Float64Array.from({ length: rows }, (_, i) => Math.sin(i));
    const bytes = new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: 'x', data, type: 'DOUBLE' },
          { name: 'k', data: new Int32Array(rows), type: 'INT32' },
        ],
      }),
    );
    assert.equal((await readTable(bytes, { source: 'ok.parquet' })).rowCount, rows);
  });
});
