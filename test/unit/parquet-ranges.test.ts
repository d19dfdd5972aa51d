import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { DataReadError } from '../../engine/data/errors.js';
import { openRegularFile, type RangeFile } from '../../engine/open-regular.js';
import { readFooterByRanges, readRowGroup } from '../../engine/data/parquet/ranges.js';
import { readTable } from '../../engine/data/read-table.js';
import type { Column } from '../../engine/data/table.js';

// Fixtures: scripts/fixtures/make_reader_fixtures.py
const FIXTURES = fileURLToPath(new URL('../fixtures/data/readers/', import.meta.url));

/** A RangeFile over bytes in memory that records the ranges asked for. */
function memoryFile(bytes: Uint8Array): RangeFile & { reads: [number, number][] } {
  const reads: [number, number][] = [];
  return {
    size: bytes.length,
    reads,
    async read(start, end, into, at = 0) {
      reads.push([start, end]);
      const out = into ?? new Uint8Array(end - start);
      out.set(bytes.subarray(start, end), at);
      return out;
    },
    close: async () => undefined,
  };
}

const values = (c: Column | undefined): unknown[] =>
  c ? Array.from(c.values as ArrayLike<unknown>, (v) => (typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v)) : [];

describe('Parquet by byte ranges (a row group at a time)', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.parquet') && !f.includes('overflow'));

  for (const name of files) {
    it(`${name}: every row group read by ranges decodes to the rows of the whole file`, async () => {
      const bytes = new Uint8Array(readFileSync(FIXTURES + name));
      const whole = await readTable(bytes, { source: name });
      const file = memoryFile(bytes);
      const metadata = await readFooterByRanges(file, name);
      const columns = [...whole.columns.keys()];
      const parts: Record<string, unknown[]> = Object.fromEntries(columns.map((c) => [c, []]));
      for (let g = 0; g < metadata.row_groups.length; g++) {
        const one = await readRowGroup(file, metadata, g, new Set(columns), name);
        assert.ok(one.bytes.length < bytes.length || metadata.row_groups.length === 1, 'a row group is read, not the whole file');
        const t = await readTable(one.bytes, { source: name, format: 'parquet', columns, rowGroupFile: { metadata: one.metadata, fileBytes: bytes.length } });
        assert.equal(t.rowCount, one.rows);
        for (const c of columns) parts[c]!.push(...values(t.columns.get(c)));
      }
      for (const c of columns) assert.deepEqual(parts[c], values(whole.columns.get(c)), `column ${c}`);
    });
  }

  it('reads only the chunks of the columns asked for', async () => {
    const bytes = new Uint8Array(readFileSync(FIXTURES + 'types.parquet'));
    const file = memoryFile(bytes);
    const metadata = await readFooterByRanges(file, 'types.parquet');
    const before = file.reads.length;
    const one = await readRowGroup(file, metadata, 0, new Set(['req_i64']), 'types.parquet');
    const chunk = metadata.row_groups[0]!.columns.find((c) => c.meta_data!.path_in_schema[0] === 'req_i64')!.meta_data!;
    assert.equal(file.reads.length - before, 1);
    assert.equal(one.bytes.length, 4 + Number(chunk.total_compressed_size) + 8);
    const t = await readTable(one.bytes, {
      source: 'types.parquet',
      format: 'parquet',
      columns: ['req_i64'],
      rowGroupFile: { metadata: one.metadata, fileBytes: bytes.length },
    });
    const whole = await readTable(bytes, { source: 'types.parquet', columns: ['req_i64'] });
    assert.deepEqual(values(t.columns.get('req_i64')), values(whole.columns.get('req_i64')).slice(0, one.rows));
  });

  it('refuses a file that is not Parquet, or whose footer lies about its length, naming the file', async () => {
    const text = new TextEncoder().encode('a,b\n1,2\n3,4\n');
    await assert.rejects(
      readFooterByRanges(memoryFile(text), 'x.parquet'),
      (e: unknown) => e instanceof DataReadError && /x\.parquet.*bad magic/.test(e.message),
    );
    const bytes = new Uint8Array(readFileSync(FIXTURES + 'table_snappy.parquet'));
    const lying = bytes.slice();
    new DataView(lying.buffer).setUint32(lying.length - 8, 0x7fffffff, true);
    await assert.rejects(
      readFooterByRanges(memoryFile(lying), 'lying.parquet'),
      (e: unknown) => e instanceof DataReadError && /lying\.parquet.*footer of 2147483647 bytes/.test(e.message),
    );
  });

  it('reads ranges of a regular file on disk, and refuses a folder', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-ranges-'));
    try {
      const p = path.join(dir, 'f.parquet');
      const bytes = new Uint8Array(readFileSync(FIXTURES + 'multi_row_group.parquet'));
      writeFileSync(p, bytes);
      const f = (await openRegularFile(p, { what: 'data file' }))!;
      try {
        assert.equal(f.size, bytes.length);
        assert.deepEqual(await f.read(10, 50), bytes.subarray(10, 50));
        const metadata = await readFooterByRanges(f, p);
        assert.ok(metadata.row_groups.length > 1);
      } finally {
        await f.close();
      }
      await assert.rejects(openRegularFile(dir, { what: 'data file' }), /is a folder, not a regular file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
