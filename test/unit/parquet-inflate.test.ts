/**
 * Decompression bounded for every Parquet codec and page kind: a page whose data inflates past the
 * uncompressed size its header declares is refused, naming the file, the column and both sizes,
 * by the direct decoder and by hyparquet alike, having decoded no further than that size; files
 * that keep their word read as before.
 */
import assert from 'node:assert/strict';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { CompressionCodec } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';
import { DataReadError } from '../../engine/data/errors.js';
import { inflatePage } from '../../engine/data/parquet/inflate.js';
import { readParquet } from '../../engine/data/parquet.js';
import type { Table } from '../../engine/data/table.js';
import { fixture } from '../helpers/fixtures.js';
import { repack, ZSTD_STREAMED, type PageKind } from '../helpers/parquet-pages.js';
import { readFileSync } from 'node:fs';

const ROWS = 3000;
/** x: no dictionary (all distinct); s and k: a dictionary page, then data pages. */
const BASE = new Uint8Array(
  parquetWriteBuffer({
    codec: 'UNCOMPRESSED',
    columnData: [
      { name: 'x', data: Float64Array.from({ length: ROWS }, (_, i) => Math.sin(i)), type: 'DOUBLE', nullable: false },
      { name: 's', data: Array.from({ length: ROWS }, (_, i) => `level-${i % 7}`), type: 'STRING', nullable: false },
      { name: 'k', data: Int32Array.from({ length: ROWS }, (_, i) => i % 100), type: 'INT32', nullable: false },
    ],
  }),
);

// ------------------------------------------------------------------ honest compressors, per codec

/** A zstd frame of raw blocks, its content size stated (valid zstd, not compressed). */
function zstdRaw(data: Uint8Array): Uint8Array {
  const parts: number[] = [0x28, 0xb5, 0x2f, 0xfd, 0xa0, ...le32(data.length)];
  for (let at = 0; at < data.length || at === 0; at += 128 * 1024) {
    const block = data.subarray(at, at + 128 * 1024);
    const last = at + 128 * 1024 >= data.length ? 1 : 0;
    const header = (block.length << 3) | last;
    parts.push(header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, ...block);
    if (data.length === 0) break;
  }
  return Uint8Array.from(parts);
}

function le32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

function be32(n: number): number[] {
  return le32(n).reverse();
}

/** A greedy LZ4 block compressor (4-byte hash, overlapping matches allowed): small and real. */
function lz4Block(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  const table = new Map<number, number>();
  const length = (n: number): void => {
    for (; n >= 255; n -= 255) out.push(255);
    out.push(n);
  };
  let anchor = 0;
  let i = 0;
  while (i + 12 <= data.length) {
    const key = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    const candidate = table.get(key);
    table.set(key, i);
    if (candidate === undefined || i - candidate > 65535) {
      i++;
      continue;
    }
    let match = 4;
    while (i + match < data.length - 5 && data[candidate + match] === data[i + match]) match++;
    const literals = i - anchor;
    out.push((Math.min(literals, 15) << 4) | Math.min(match - 4, 15));
    if (literals >= 15) length(literals - 15);
    out.push(...data.subarray(anchor, i));
    out.push((i - candidate) & 0xff, (i - candidate) >> 8);
    if (match - 4 >= 15) length(match - 4 - 15);
    i += match;
    anchor = i;
  }
  const literals = data.length - anchor;
  out.push(Math.min(literals, 15) << 4);
  if (literals >= 15) length(literals - 15);
  out.push(...data.subarray(anchor));
  return Uint8Array.from(out);
}

const HONEST: Record<Exclude<CompressionCodec, 'UNCOMPRESSED' | 'LZO'>, (data: Uint8Array) => Uint8Array> = {
  SNAPPY: (data) => snappyCompress(data),
  GZIP: (data) => new Uint8Array(gzipSync(data)),
  BROTLI: (data) => new Uint8Array(brotliCompressSync(data)),
  ZSTD: zstdRaw,
  LZ4_RAW: lz4Block,
  // Hadoop's framing: [uncompressed BE u32][compressed BE u32][block]
  LZ4: (data) => {
    const block = lz4Block(data);
    return Uint8Array.from([...be32(data.length), ...be32(block.length), ...block]);
  },
};
const CODECS = Object.keys(HONEST) as (keyof typeof HONEST)[];

// ------------------------------------------------------------ bombs: a few KiB, 16 MiB and more

const BIG = 16 * 1024 * 1024;

/** An LZ4 block: one literal, then one match of offset 1 repeating it `n` times, then a literal. */
function lz4Bomb(n: number): Uint8Array {
  const out: number[] = [0x1f, 0, 1, 0];
  for (let rest = n - 4 - 15; ; rest -= 255) {
    if (rest < 255) {
      out.push(rest);
      break;
    }
    out.push(255);
  }
  out.push(0x10, 0);
  return Uint8Array.from(out);
}

/** The same frame, its header now stating `size` as its content size (4-byte field). */
function zstdLying(size: number): Uint8Array {
  // 28 b5 2f fd | FHD 0x04 (checksum, no size) | window descriptor | blocks...
  assert.equal(ZSTD_STREAMED[4], 0x04);
  return Uint8Array.from([...ZSTD_STREAMED.subarray(0, 4), 0x84, ZSTD_STREAMED[5]!, ...le32(size), ...ZSTD_STREAMED.subarray(6)]);
}

/** A zstd frame of RLE blocks of 128 KiB: `stated` in its header (or none), `blocks` blocks. */
function zstdRle(stated: number | undefined, blocks: number): Uint8Array {
  const parts: number[] = [0x28, 0xb5, 0x2f, 0xfd];
  if (stated === undefined)
    parts.push(0x00, 0x58); // no content size, window 8 MiB
  else parts.push(0x80, 0x58, ...le32(stated));
  for (let b = 0; b < blocks; b++) {
    const header = ((128 * 1024) << 3) | (1 << 1) | (b === blocks - 1 ? 1 : 0);
    parts.push(header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, 0x61);
  }
  return Uint8Array.from(parts);
}

const BOMBS: [string, CompressionCodec, () => Uint8Array][] = [
  ['SNAPPY (its preamble states 2 MiB)', 'SNAPPY', () => snappyCompress(new Uint8Array(2 * 1024 * 1024))],
  ['GZIP', 'GZIP', () => new Uint8Array(gzipSync(new Uint8Array(BIG)))],
  ['BROTLI', 'BROTLI', () => new Uint8Array(brotliCompressSync(new Uint8Array(BIG), { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } }))],
  ['ZSTD (compressed blocks, no content size)', 'ZSTD', () => ZSTD_STREAMED],
  ['ZSTD (a header stating 2 GiB)', 'ZSTD', () => zstdRle(2 ** 31 - 1, 4)],
  ['ZSTD (RLE blocks, no content size)', 'ZSTD', () => zstdRle(undefined, 128)],
  ['LZ4_RAW', 'LZ4_RAW', () => lz4Bomb(BIG)],
  ['LZ4 (Hadoop framing)', 'LZ4', () => lz4Bomb(BIG)],
];

async function refusal(bytes: Uint8Array, directDecode: boolean): Promise<DataReadError> {
  try {
    await readParquet(bytes, { source: 'bomb.parquet', directDecode });
  } catch (err) {
    assert.ok(err instanceof DataReadError, String(err));
    return err;
  }
  assert.fail('the file was read');
}

function values(t: Table): Record<string, unknown[]> {
  return Object.fromEntries([...t.columns].map(([name, c]) => [name, Array.from(c.values as ArrayLike<unknown>)]));
}

describe('bounded decompression of Parquet pages', function () {
  this.timeout(60_000);

  for (const [name, codec, bomb] of BOMBS) {
    for (const [kind, column, pages] of [
      ['DICTIONARY_PAGE', 's', 'v2'],
      ['DATA_PAGE', 'x', 'v1'],
      ['DATA_PAGE_V2', 'x', 'v2'],
    ] as const) {
      it(`refuses a ${name} ${kind} inflating past its declared size, naming file, column and both sizes`, async function () {
        const data = bomb();
        let declared = -1;
        const honest = codec === 'LZ4' ? HONEST.LZ4 : HONEST[codec as keyof typeof HONEST];
        const file = repack(
          BASE,
          codec,
          (page, k: PageKind, col) => {
            if (k !== kind || col !== column || declared >= 0) return honest(page);
            declared = page.length;
            // Hadoop's framing claims exactly the page's size for the block that inflates past it
            return codec === 'LZ4' ? Uint8Array.from([...be32(page.length), ...be32(data.length), ...data]) : data;
          },
          pages,
        );
        assert.ok(declared > 0 && file.length < 512 * 1024, `a small file (${file.length} bytes) with a page of ${declared} bytes`);
        for (const direct of [true, false]) {
          const err = await refusal(file, direct);
          const m =
            /^bomb\.parquet column "(\w+)": refused: a (\w+) page inflates to at least [\d.]+ (?:bytes|KiB|MiB|GiB) \((\d+) bytes\), more than the [\d.]+ (?:bytes|KiB) \((\d+) bytes\) its header declares$/.exec(
              err.message,
            );
          assert.ok(m, `${direct ? 'direct' : 'hyparquet'}: ${err.message}`);
          assert.deepEqual([m[1], m[2], Number(m[4])], [column, codec, declared]);
          const seen = Number(m[3]);
          assert.ok(seen > declared, err.message);
          // the streaming decoders stopped near the page's size, no 16 MiB decoded (an LZ4 match
          // and a zstd header state their length before anything is produced)
          if (!name.includes('stating') && !codec.startsWith('LZ4')) assert.ok(seen <= declared + 4 * 1024 * 1024 + 128 * 1024, err.message);
        }
      });
    }
  }

  it('refuses a ZSTD frame whose blocks run past the content size its own header states', function () {
    const declared = 40_000;
    const err = (() => {
      try {
        inflatePage('ZSTD', zstdLying(declared), declared);
      } catch (e) {
        return e as Error;
      }
      assert.fail('inflated');
    })();
    assert.match(err.message, /^a ZSTD page inflates to at least 40001 bytes, more than the 40000 its header declares$/);
    // the same frame stating its true size decodes
    assert.equal(inflatePage('ZSTD', zstdLying(BIG), BIG).length, BIG);
  });

  it('refuses a SNAPPY stream whose preamble states the page size but whose data runs past it', function () {
    const honest = snappyCompress(new Uint8Array(100_000).fill(7));
    const lying = Uint8Array.from([0x90, 0x4e, ...honest.subarray(3)]); // preamble 10000, data 100000
    assert.throws(() => inflatePage('SNAPPY', lying, 10_000));
  });

  for (const codec of CODECS) {
    it(`reads ${codec} files (v1 and v2 data pages, dictionary pages) as their uncompressed original, by both decoders`, async function () {
      const expected = values(await readParquet(BASE, { source: 'base.parquet' }));
      assert.equal(expected['x']!.length, ROWS);
      for (const pages of ['v1', 'v2'] as const) {
        const file = repack(BASE, codec, HONEST[codec], pages);
        for (const directDecode of [true, false]) {
          assert.deepEqual(values(await readParquet(file, { source: `${codec}.parquet`, directDecode })), expected, `${pages}, direct ${directDecode}`);
        }
      }
    });
  }

  it('reads the fixtures compressed by other writers (ZSTD, GZIP, BROTLI, SNAPPY) as the uncompressed one', async function () {
    const read = async (name: string, directDecode = true): Promise<Record<string, unknown[]>> =>
      values(await readParquet(new Uint8Array(readFileSync(fixture(`data/readers/${name}.parquet`))), { source: name, directDecode }));
    const expected = await read('table_none');
    for (const name of ['table_zstd', 'table_gzip', 'table_brotli', 'table_snappy', 'table_snappy_v2']) {
      assert.deepEqual(await read(name), expected, name);
      assert.deepEqual(await read(name, false), expected, name);
    }
  });
});
