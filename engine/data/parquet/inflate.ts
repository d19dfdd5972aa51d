/**
 * Bounded decompression of Parquet pages. Every codec writes into at most the page's declared
 * uncompressed size (itself checked against the column chunk and the file's caps) and stops the
 * moment the data would run past it: a page that inflates beyond what its header declares is
 * refused (PageInflates) before the excess is allocated. Used by the direct decoder and, as
 * hyparquet's `compressors`, by the fallback decoder.
 *
 *   GZIP, BROTLI  node:zlib with maxOutputLength (native, stops at the bound)
 *   ZSTD          the frames are walked first (content sizes, windows, raw/RLE block sizes, without
 *                 decoding); a frame that states its content size is decoded into a buffer of that
 *                 size with a probe that sees blocks running past it (zstdStated), one that does not
 *                 (or states 0) is streamed block by block against the bound
 *   SNAPPY        the stream's own length preamble must equal the declared size (the decoder is
 *                 bounded by that preamble)
 *   LZ4, LZ4_RAW  a decoder here that checks every literal run and match against the bound
 */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { CompressionCodec, Compressors } from 'hyparquet';
import { compressors as reference } from 'hyparquet-compressors';
import { Decompress as ZstdStream, decompress as zstdDecompress } from 'fzstd';
import { corrupted, PageInflates, Unsupported } from './errors.js';

export { PageInflates };

/** A frame without a content size may use a window up to this (or the page size, if larger). */
const MAX_STREAM_WINDOW = 8 * 1024 * 1024;
/** zstd blocks never produce more than this. */
const ZSTD_BLOCK_MAX = 128 * 1024;
/** node:zlib output chunks, at most. */
const ZLIB_CHUNK_MAX = 4 * 1024 * 1024;

/** Decompresses one page to exactly `size` bytes, or throws (PageInflates, a corruption, Unsupported). */
export function inflatePage(codec: CompressionCodec, input: Uint8Array, size: number): Uint8Array {
  if (size === 0) return new Uint8Array(0); // (some decompressors reject an empty page, e.g. an empty dictionary)
  switch (codec) {
    case 'UNCOMPRESSED':
      return input;
    case 'GZIP':
      return zlibBounded('GZIP', input, size, gunzipSync);
    case 'BROTLI':
      return zlibBounded('BROTLI', input, size, brotliDecompressSync);
    case 'ZSTD':
      return zstdBounded(input, size);
    case 'SNAPPY':
      return snappyBounded(input, size);
    case 'LZ4_RAW': {
      const out = new Uint8Array(size);
      return exact(lz4Block('LZ4_RAW', input, 0, input.length, out, 0), size, out);
    }
    case 'LZ4':
      return lz4Hadoop(input, size);
    default:
      throw new Unsupported(`codec ${codec}`);
  }
}

/** The same, shaped as hyparquet's `compressors` option (the fallback decoder). */
export const boundedCompressors: Compressors = {
  SNAPPY: (input, size) => inflatePage('SNAPPY', input, size),
  GZIP: (input, size) => inflatePage('GZIP', input, size),
  BROTLI: (input, size) => inflatePage('BROTLI', input, size),
  ZSTD: (input, size) => inflatePage('ZSTD', input, size),
  LZ4: (input, size) => inflatePage('LZ4', input, size),
  LZ4_RAW: (input, size) => inflatePage('LZ4_RAW', input, size),
};

function exact(produced: number, size: number, out?: Uint8Array): Uint8Array {
  if (produced !== size) throw corrupted(`page decompressed to ${produced} bytes, expected ${size}`);
  return out ?? new Uint8Array(0);
}

type ZlibSync = (input: Uint8Array, options: { maxOutputLength: number; chunkSize: number }) => Buffer;

function zlibBounded(codec: string, input: Uint8Array, size: number, fn: ZlibSync): Uint8Array {
  let out: Buffer;
  try {
    // one chunk of size + 1 holds a page that keeps its word; more output stops at maxOutputLength
    out = fn(input, { maxOutputLength: size, chunkSize: Math.max(64, Math.min(size + 1, ZLIB_CHUNK_MAX)) });
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw new PageInflates(codec, size, size + 1);
    throw corrupted(`${codec}: ${err instanceof Error ? err.message : String(err)}`);
  }
  exact(out.length, size);
  return out;
}

// ---------------------------------------------------------------------------------------- SNAPPY

function snappyBounded(input: Uint8Array, size: number): Uint8Array {
  // the preamble: the uncompressed length as a little-endian base-128 varint (at most 32 bits)
  let length = 0;
  let i = 0;
  for (; ; i++) {
    if (i >= input.length || i > 4) throw corrupted('invalid snappy length preamble');
    const byte = input[i]!;
    length += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) break;
  }
  if (length > size) throw new PageInflates('SNAPPY', size, length);
  exact(length, size);
  return reference.SNAPPY!(input, size);
}

// ------------------------------------------------------------------------------------------- LZ4

/**
 * One LZ4 block from input[from, to) into out at `at`; returns the output position after it.
 * Every literal run and match is checked against the end of `out` before it is copied.
 */
function lz4Block(codec: string, input: Uint8Array, from: number, to: number, out: Uint8Array, at: number): number {
  let i = from;
  let o = at;
  const limit = out.length;
  while (i < to) {
    const token = input[i++]!;
    let literals = token >> 4;
    if (literals === 15) {
      let byte: number;
      do {
        if (i >= to) throw corrupted(`${codec}: truncated length`);
        byte = input[i++]!;
        literals += byte;
      } while (byte === 255);
    }
    if (literals > 0) {
      if (i + literals > to) throw corrupted(`${codec}: literals overrun the input`);
      if (o + literals > limit) throw new PageInflates(codec, limit, o + literals);
      if (literals < 16) {
        for (let k = 0; k < literals; k++) out[o + k] = input[i + k]!;
      } else {
        out.set(input.subarray(i, i + literals), o);
      }
      i += literals;
      o += literals;
    }
    if (i >= to) break; // the last sequence has literals only
    if (i + 2 > to) throw corrupted(`${codec}: truncated match offset`);
    const offset = input[i]! | (input[i + 1]! << 8);
    i += 2;
    if (offset === 0 || offset > o) throw corrupted(`${codec}: match offset ${offset} out of range`);
    let length = token & 15;
    if (length === 15) {
      let byte: number;
      do {
        if (i >= to) throw corrupted(`${codec}: truncated length`);
        byte = input[i++]!;
        length += byte;
      } while (byte === 255);
    }
    length += 4;
    if (o + length > limit) throw new PageInflates(codec, limit, o + length);
    if (offset >= length && length >= 32) {
      out.copyWithin(o, o - offset, o - offset + length);
      o += length;
    } else {
      for (let k = 0; k < length; k++, o++) out[o] = out[o - offset]!;
    }
  }
  return o;
}

/**
 * Parquet's LZ4: Hadoop's framing ([uncompressed BE u32][compressed BE u32][block] repeated) when
 * the input parses as such, else one raw block (as Arrow reads it).
 */
function lz4Hadoop(input: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const framed = hadoopFrames(input, size);
  if (framed) {
    let o = 0;
    try {
      for (const [from, to, length] of framed) {
        const end = lz4Block('LZ4', input, from, to, out.subarray(0, o + length), o);
        if (end !== o + length) throw corrupted('not hadoop');
        o = end;
      }
      return out;
    } catch (err) {
      // frames that add up to the page but inflate past one of them: not a raw block by chance
      if (err instanceof PageInflates) throw new PageInflates('LZ4', size, err.atLeast);
      // else not Hadoop's framing after all: one raw block, below
    }
  }
  return exact(lz4Block('LZ4', input, 0, input.length, out, 0), size, out);
}

function hadoopFrames(input: Uint8Array, size: number): [number, number, number][] | undefined {
  const frames: [number, number, number][] = [];
  let i = 0;
  let total = 0;
  while (i < input.length) {
    if (i + 8 > input.length) return undefined;
    const length = ((input[i]! << 24) | (input[i + 1]! << 16) | (input[i + 2]! << 8) | input[i + 3]!) >>> 0;
    const compressed = ((input[i + 4]! << 24) | (input[i + 5]! << 16) | (input[i + 6]! << 8) | input[i + 7]!) >>> 0;
    i += 8;
    total += length;
    if (i + compressed > input.length || total > size) return undefined;
    frames.push([i, i + compressed, length]);
    i += compressed;
  }
  return total === size && frames.length > 0 ? frames : undefined;
}

// ------------------------------------------------------------------------------------------ ZSTD

interface ZstdFrame {
  from: number;
  to: number;
  /** Where the first block header starts. */
  blocks: number;
  /** Where the last block's header starts, and where the last block ends (a checksum may follow). */
  lastBlock: number;
  blocksEnd: number;
  /** The frame header's content size, when stated. */
  contentSize?: number;
  window: number;
}

function readLE(b: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let k = n - 1; k >= 0; k--) v = v * 256 + b[at + k]!;
  return v;
}

/**
 * The frames of a zstd stream and their promises, from the headers alone (nothing decoded): a
 * stated content size, or raw and RLE blocks (whose sizes say what they produce), adding up to
 * more than the page is refused here.
 */
function zstdFrames(input: Uint8Array, size: number): ZstdFrame[] {
  const frames: ZstdFrame[] = [];
  let i = 0;
  let promised = 0;
  const need = (n: number): void => {
    if (i + n > input.length) throw corrupted('ZSTD: truncated frame');
  };
  while (i < input.length) {
    need(4);
    const magic = readLE(input, i, 4);
    if (magic >= 0x184d2a50 && magic <= 0x184d2a5f) {
      need(8);
      i += 8 + readLE(input, i + 4, 4); // skippable frame
      if (i > input.length) throw corrupted('ZSTD: truncated skippable frame');
      continue;
    }
    if (magic !== 0xfd2fb528) throw corrupted('ZSTD: bad frame magic');
    const from = i;
    need(5);
    const fhd = input[i + 4]!;
    i += 5;
    if (fhd & 8) throw corrupted('ZSTD: reserved frame header bit set');
    const singleSegment = (fhd >> 5) & 1;
    const fcsFlag = fhd >> 6;
    let window = 0;
    if (!singleSegment) {
      need(1);
      const wd = input[i++]!;
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    i += DICTIONARY_ID_BYTES[fhd & 3]!;
    const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
    need(fcsBytes);
    let contentSize: number | undefined;
    if (fcsBytes > 0) {
      contentSize = readLE(input, i, fcsBytes) + (fcsBytes === 2 ? 256 : 0);
      i += fcsBytes;
      if (singleSegment) window = contentSize;
    }
    if (contentSize !== undefined && promised + contentSize > size) throw new PageInflates('ZSTD', size, promised + contentSize);
    const blocks = i;
    let lastBlock = i;
    let plain = 0;
    for (let last = 0; !last;) {
      need(3);
      lastBlock = i;
      const header = readLE(input, i, 3);
      i += 3;
      last = header & 1;
      const type = (header >> 1) & 3;
      const blockSize = header >>> 3;
      if (type === 3) throw corrupted('ZSTD: reserved block type');
      if (type !== 2 && blockSize > ZSTD_BLOCK_MAX) throw corrupted(`ZSTD: block of ${blockSize} bytes`);
      if (type === 0 || type === 1) {
        plain += blockSize;
        if (promised + plain > size) throw new PageInflates('ZSTD', size, promised + plain);
      }
      i += type === 1 ? 1 : blockSize;
      need(0);
    }
    const blocksEnd = i;
    if (fhd & 4) i += 4; // content checksum
    need(0);
    if (contentSize !== undefined && plain > contentSize)
      throw corrupted(`ZSTD: a frame holds ${plain} bytes in raw and RLE blocks, more than the ${contentSize} its header states`);
    frames.push({ from, to: i, blocks, lastBlock, blocksEnd, window, ...(contentSize !== undefined ? { contentSize } : {}) });
    promised += contentSize ?? plain;
  }
  return frames;
}

const DICTIONARY_ID_BYTES = [0, 1, 2, 4];

function zstdBounded(input: Uint8Array, size: number): Uint8Array {
  const frames = zstdFrames(input, size);
  if (frames.length === 1 && frames[0]!.contentSize === size) return zstdStated(input, frames[0]!, size, 0);
  const out = new Uint8Array(size);
  let o = 0;
  for (const frame of frames) {
    if (frame.contentSize) {
      out.set(zstdStated(input, frame, size, o), o);
      o += frame.contentSize;
      continue;
    }
    if (frame.window > Math.max(size, MAX_STREAM_WINDOW)) {
      throw corrupted(`ZSTD: a frame declares a window of ${frame.window} bytes for a page of ${size}`);
    }
    // no stated size: streamed, each block counted against the bound before it is kept (fzstd
    // cuts a block to at most 128 KiB, whatever its sequences ask for)
    try {
      new ZstdStream((block) => {
        if (o + block.length > size) throw new PageInflates('ZSTD', size, o + block.length);
        out.set(block, o);
        o += block.length;
      }).push(input.subarray(frame.from, frame.to), true);
    } catch (err) {
      if (err instanceof PageInflates) throw err;
      throw corrupted(`ZSTD: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return exact(o, size, out);
}

/**
 * A frame that states its content size (at most what is left of the page, checked from the
 * headers). fzstd decodes it into one buffer of the stated size and silently drops whatever its
 * blocks produce past that end. To see such a frame, a copy is decoded whose header states one
 * byte more and whose last block is followed by a raw block of one byte: fzstd copies a raw block
 * with a bounds-checked set, so that byte lands exactly at the stated size when the frame keeps
 * its word, and throws a RangeError when the blocks before it ran past it.
 */
function zstdStated(input: Uint8Array, frame: ZstdFrame, size: number, before: number): Uint8Array {
  const stated = frame.contentSize!;
  const fhd = input[frame.from + 4]!;
  // magic, descriptor, window descriptor (unless single segment), dictionary id
  const head = 5 + ((fhd >> 5) & 1 ? 0 : 1) + DICTIONARY_ID_BYTES[fhd & 3]!;
  const blocks = frame.blocksEnd - frame.blocks;
  const copy = new Uint8Array(head + 4 + blocks + 4 + (frame.to - frame.blocksEnd));
  copy.set(input.subarray(frame.from, frame.from + head));
  copy[4] = (fhd & 0x3f) | 0x80; // a 4-byte content size field
  const probe = stated + 1;
  for (let k = 0; k < 4; k++) copy[head + k] = Math.floor(probe / 2 ** (8 * k)) & 0xff;
  copy.set(input.subarray(frame.blocks, frame.blocksEnd), head + 4);
  copy[head + 4 + (frame.lastBlock - frame.blocks)]! &= 0xfe; // no longer the last block
  copy.set([(1 << 3) | 1, 0, 0, 0], head + 4 + blocks); // the last block now: raw, one byte
  copy.set(input.subarray(frame.blocksEnd, frame.to), head + 8 + blocks); // the checksum, if any (not verified)
  let decoded: Uint8Array;
  try {
    decoded = zstdDecompress(copy);
  } catch (err) {
    if (err instanceof RangeError) throw new PageInflates('ZSTD', size, before + probe);
    throw corrupted(`ZSTD: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (decoded.length !== probe) throw corrupted(`ZSTD: a frame decoded to ${decoded.length - 1} bytes, its header says ${stated}`);
  return decoded.subarray(0, stated);
}
