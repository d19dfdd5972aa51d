/**
 * Page-level decoding primitives: decompression, the RLE/bit-packed hybrid, PLAIN numbers and
 * strings. Every length, index and run is bounds-checked against the page.
 */
import type { CompressionCodec } from 'hyparquet';
import { corrupted } from './errors.js';
import { inflatePage } from './inflate.js';

export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export type NumericType = 'DOUBLE' | 'FLOAT' | 'INT32' | 'INT64';

export function byteWidth(type: NumericType): number {
  return type === 'DOUBLE' || type === 'INT64' ? 8 : 4;
}

/**
 * `limit`: the column chunk's total uncompressed size, so a damaged header cannot ask for gigabytes;
 * the output never exceeds `size` (parquet/inflate.ts).
 */
export function decompress(codec: CompressionCodec, input: Uint8Array, size: number, limit: number): Uint8Array {
  if (!Number.isSafeInteger(size) || size < 0 || size > limit) throw corrupted(`invalid page size ${size}`);
  const out = inflatePage(codec, input, size);
  if (out.length !== size) throw corrupted(`page decompressed to ${out.length} bytes, expected ${size}`);
  return out;
}

/**
 * Decode `count` values of the RLE/bit-packed hybrid encoding from src[pos, end) into out.
 * Returns the position after the last run read.
 */
export function readRleHybrid(src: Uint8Array, pos: number, end: number, bitWidth: number, out: Int32Array, count: number): number {
  if (bitWidth > 32) throw corrupted(`invalid bit width ${bitWidth}`);
  const valueBytes = (bitWidth + 7) >> 3;
  let seen = 0;
  while (seen < count) {
    let header = 0;
    let shift = 0;
    for (;;) {
      if (pos >= end || shift > 28) throw corrupted('truncated RLE/bit-packed data');
      const byte = src[pos++]!;
      header += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if ((byte & 0x80) === 0) break;
    }
    if (header % 2 === 1) {
      // bit-packed groups of 8 values
      const n = Math.floor(header / 2) * 8;
      const nBytes = (n / 8) * bitWidth;
      if (pos + nBytes > end) throw corrupted('truncated bit-packed run');
      const take = Math.min(n, count - seen);
      if (bitWidth === 0) {
        out.fill(0, seen, seen + take);
      } else if (bitWidth <= 24) {
        const mask = (1 << bitWidth) - 1;
        let buffer = 0;
        let bits = 0;
        let p = pos;
        for (let i = 0; i < take; i++) {
          while (bits < bitWidth) {
            buffer |= src[p++]! << bits;
            bits += 8;
          }
          out[seen + i] = buffer & mask;
          buffer >>>= bitWidth;
          bits -= bitWidth;
        }
      } else {
        for (let i = 0; i < take; i++) {
          let v = 0;
          const bit0 = i * bitWidth;
          for (let k = 0; k < bitWidth; k++) {
            const bit = bit0 + k;
            if ((src[pos + (bit >> 3)]! >> (bit & 7)) & 1) v += 2 ** k;
          }
          out[seen + i] = v | 0;
        }
      }
      pos += nBytes;
      seen += take;
    } else {
      const run = Math.floor(header / 2);
      if (pos + valueBytes > end) throw corrupted('truncated RLE run');
      let v = 0;
      for (let k = 0; k < valueBytes; k++) v += src[pos + k]! * 2 ** (8 * k);
      pos += valueBytes;
      const take = Math.min(run, count - seen);
      out.fill(v | 0, seen, seen + take);
      seen += take;
    }
  }
  return pos;
}

/** Reports an INT64 value beyond ±2^53 (the sink of the column, which knows its name). */
export interface RangeReporter {
  tooLarge(value: bigint, row: number): Error;
}

const INT64_LIMIT_HI = 2097152; // 2^21: high word of 2^53

/**
 * Little-endian INT64 words → numbers in out[at, at + n); throws (with the exact value)
 * beyond ±2^53. `firstRow` (absolute, -1 when unknown) is only used in the error message.
 */
export function int64ToNumbers(words: Int32Array, n: number, out: Float64Array, at: number, sink: RangeReporter, firstRow: number): void {
  for (let i = 0; i < n; i++) {
    const lo = words[2 * i]!;
    const hi = words[2 * i + 1]!;
    if (hi < -INT64_LIMIT_HI || hi > INT64_LIMIT_HI || (hi === INT64_LIMIT_HI && lo !== 0)) {
      throw sink.tooLarge((BigInt(hi) << 32n) + BigInt(lo >>> 0), firstRow >= 0 ? firstRow + i : -1);
    }
    out[at + i] = hi * 4294967296 + (lo >>> 0);
  }
}

/** PLAIN numbers → out[at, at + n). For DOUBLE this is a single byte copy into the output buffer. */
export function readPlainNumbers(
  type: NumericType,
  src: Uint8Array,
  pos: number,
  end: number,
  n: number,
  out: Float64Array,
  at: number,
  sink: RangeReporter,
  firstRow: number,
): void {
  const width = byteWidth(type);
  if (pos + n * width > end) throw corrupted(`page too short for ${n} ${type} values`);
  if (type === 'DOUBLE') {
    new Uint8Array(out.buffer, out.byteOffset + at * 8, n * 8).set(src.subarray(pos, pos + n * 8));
    return;
  }
  let bytes = src.subarray(pos, pos + n * width);
  if (bytes.byteOffset % width !== 0) bytes = new Uint8Array(bytes); // a copy (Buffer#slice would not copy): typed-array views need alignment
  if (type === 'FLOAT') out.set(new Float32Array(bytes.buffer, bytes.byteOffset, n), at);
  else if (type === 'INT32') out.set(new Int32Array(bytes.buffer, bytes.byteOffset, n), at);
  else int64ToNumbers(new Int32Array(bytes.buffer, bytes.byteOffset, n * 2), n, out, at, sink, firstRow);
}

/** PLAIN byte arrays (4-byte little-endian length + bytes) as UTF-8 strings → out[at, at + n). */
export function readPlainStrings(src: Uint8Array, pos: number, end: number, n: number, out: (string | null)[], at: number): number {
  const buf = Buffer.from(src.buffer, src.byteOffset, src.byteLength);
  for (let i = 0; i < n; i++) {
    if (pos + 4 > end) throw corrupted(`page too short for ${n} strings`);
    const len = (src[pos]! | (src[pos + 1]! << 8) | (src[pos + 2]! << 16) | (src[pos + 3]! << 24)) >>> 0;
    pos += 4;
    if (pos + len > end) throw corrupted(`string of ${len} bytes overruns the page`);
    out[at + i] = buf.toString('utf8', pos, pos + len);
    pos += len;
  }
  return pos;
}
