/** Decoding the values of one data page: PLAIN, dictionary, RLE booleans, BYTE_STREAM_SPLIT. */
import type { Encoding } from 'hyparquet';
import { byteWidth, readPlainNumbers, readPlainStrings, readRleHybrid, type NumericType } from './encodings.js';
import { corrupted, Unsupported } from './errors.js';
import type { BooleanSink, NumberSink, StringSink } from './sinks.js';

export type DirectType = NumericType | 'BOOLEAN' | 'BYTE_ARRAY';

/** Scratch buffers reused across the pages of a column chunk (grown on demand). */
export class Scratch {
  private levels = new Int32Array(0);
  private indices = new Int32Array(0);
  private floats = new Float64Array(0);
  private bytes = new Uint8Array(0);
  private strings: string[] = [];
  levelBuf(n: number): Int32Array {
    if (this.levels.length < n) this.levels = new Int32Array(Math.max(n, this.levels.length * 2));
    return this.levels;
  }
  indexBuf(n: number): Int32Array {
    if (this.indices.length < n) this.indices = new Int32Array(Math.max(n, this.indices.length * 2));
    return this.indices;
  }
  floatBuf(n: number): Float64Array {
    if (this.floats.length < n) this.floats = new Float64Array(Math.max(n, this.floats.length * 2));
    return this.floats;
  }
  byteBuf(n: number): Uint8Array {
    if (this.bytes.length < n) this.bytes = new Uint8Array(Math.max(n, this.bytes.length * 2));
    return this.bytes;
  }
  stringBuf(): string[] {
    return this.strings;
  }
}

export type Dictionary = Float64Array | string[];

export interface DirectColumn {
  sink: NumberSink | BooleanSink | StringSink;
  type: DirectType;
  optional: boolean;
}

/**
 * Decode the present (non-null) values of one data page into dense storage, either directly
 * into the sink's arrays at `at` (when `dense` is false: no nulls in the page) or into scratch.
 * Returns the scratch holding the dense values when `dense` is true.
 */
export function decodePageValues(
  col: DirectColumn,
  encoding: Encoding,
  page: Uint8Array,
  pos: number,
  count: number,
  dictionary: Dictionary | undefined,
  scratch: Scratch,
  dense: boolean,
  at: number,
): Float64Array | Uint8Array | (string | null)[] | undefined {
  const { sink, type } = col;
  const end = page.length;
  if (encoding === 'RLE_DICTIONARY' || encoding === 'PLAIN_DICTIONARY') {
    if (!dictionary) throw corrupted('dictionary-encoded page without a dictionary page');
    if (type === 'BOOLEAN') throw corrupted('dictionary-encoded page in a boolean column');
    const idx = scratch.indexBuf(count);
    if (count > 0) {
      if (pos >= end) throw corrupted('data page too short');
      readRleHybrid(page, pos + 1, end, page[pos]!, idx, count);
    }
    const size = dictionary.length;
    if (dictionary instanceof Float64Array) {
      const target = dense ? scratch.floatBuf(count) : (sink as NumberSink).values;
      const t = dense ? 0 : at;
      for (let i = 0; i < count; i++) {
        const k = idx[i]!;
        if (k < 0 || k >= size) throw corrupted(`dictionary index ${k} out of range (${size} entries)`);
        target[t + i] = dictionary[k]!;
      }
      return dense ? target : undefined;
    }
    const target = dense ? scratch.stringBuf() : (sink as StringSink).values;
    const t = dense ? 0 : at;
    for (let i = 0; i < count; i++) {
      const k = idx[i]!;
      if (k < 0 || k >= size) throw corrupted(`dictionary index ${k} out of range (${size} entries)`);
      target[t + i] = dictionary[k]!;
    }
    return dense ? target : undefined;
  }

  if (type === 'BOOLEAN') {
    const target = dense ? scratch.byteBuf(count) : (sink as BooleanSink).values;
    const t = dense ? 0 : at;
    if (encoding === 'PLAIN') {
      if (pos + Math.ceil(count / 8) > end) throw corrupted(`page too short for ${count} booleans`);
      for (let i = 0; i < count; i++) target[t + i] = (page[pos + (i >> 3)]! >> (i & 7)) & 1;
    } else if (encoding === 'RLE') {
      if (pos + 4 > end) throw corrupted('data page too short');
      const len = page[pos]! | (page[pos + 1]! << 8) | (page[pos + 2]! << 16) | (page[pos + 3]! << 24);
      if (len < 0 || pos + 4 + len > end) throw corrupted('boolean runs overrun the page');
      const bits = scratch.indexBuf(count);
      readRleHybrid(page, pos + 4, pos + 4 + len, 1, bits, count);
      for (let i = 0; i < count; i++) target[t + i] = bits[i]! & 1;
    } else {
      throw new Unsupported(`boolean encoding ${encoding}`);
    }
    return dense ? target : undefined;
  }

  if (type === 'BYTE_ARRAY') {
    if (encoding !== 'PLAIN') throw new Unsupported(`string encoding ${encoding}`);
    const target = dense ? scratch.stringBuf() : (sink as StringSink).values;
    readPlainStrings(page, pos, end, count, target, dense ? 0 : at);
    return dense ? target : undefined;
  }

  const target = dense ? scratch.floatBuf(count) : (sink as NumberSink).values;
  const t = dense ? 0 : at;
  if (encoding === 'PLAIN') {
    readPlainNumbers(type, page, pos, end, count, target, t, sink, at);
  } else if (encoding === 'BYTE_STREAM_SPLIT') {
    const width = byteWidth(type);
    if (pos + count * width > end) throw corrupted(`page too short for ${count} ${type} values`);
    const joined = scratch.byteBuf(count * width);
    for (let b = 0; b < width; b++) {
      const stream = pos + b * count;
      for (let i = 0; i < count; i++) joined[i * width + b] = page[stream + i]!;
    }
    readPlainNumbers(type, joined, 0, count * width, count, target, t, sink, at);
  } else {
    throw new Unsupported(`encoding ${encoding}`);
  }
  return dense ? target : undefined;
}
