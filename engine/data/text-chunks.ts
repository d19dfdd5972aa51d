/**
 * A large CSV or JSON Lines file as a sequence of chunks of whole records, read by range: each
 * chunk ends at a line break outside quotes, and a CSV chunk starts with the file's header, so
 * that the readers parse it as a file of its own. Line and row numbers of the chunk's first record
 * in the file come with it, for messages.
 */
import { DataReadError } from './errors.js';
import { formatBytes, type RangeFile } from '../open-regular.js';

const LF = 10;
const CR = 13;
const QUOTE = 34;

export interface TextChunk {
  bytes: Uint8Array;
  /** Physical lines of the file before the chunk's first record (its header excepted). */
  lineOffset: number;
  /** Data rows of the file before the chunk's first record. */
  rowOffset: number;
}

function blank(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== CR && b[i] !== 32 && b[i] !== 9 && b[i] !== LF) return false;
  return true;
}

/** Ends of the records in b[from, to): positions of line breaks outside quotes (CSV) or all (JSONL). */
function recordEnds(b: Uint8Array, from: number, to: number, csv: boolean): number[] {
  const ends: number[] = [];
  let quoted = false;
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (csv && c === QUOTE) quoted = !quoted;
    else if (c === LF && !quoted) ends.push(i);
  }
  return ends;
}

/**
 * Reads `file` in about `chunkBytes` at a time. A record that does not fit in one chunk is
 * refused as a line over `lineLimit` (the caller makes chunkBytes larger than the limit).
 */
export async function* textChunks(
  file: RangeFile,
  o: { csv: boolean; chunkBytes: number; lineLimit: number; maxRows: number; source: string },
): AsyncGenerator<TextChunk> {
  let header: Uint8Array | undefined;
  let headerLines = 0;
  let carry = new Uint8Array(0);
  let pos = 0;
  let lines = 0;
  let rows = 0;
  while (pos < file.size || carry.length > 0) {
    const take = Math.min(o.chunkBytes, file.size - pos);
    const buffer = new Uint8Array(carry.length + take);
    buffer.set(carry);
    if (take > 0) await file.read(pos, pos + take, buffer, carry.length);
    pos += take;
    const atEnd = pos >= file.size;
    const ends = recordEnds(buffer, 0, buffer.length, o.csv);
    let start = 0;
    if (o.csv && !header) {
      // The header: the first record with content (a byte-order mark and blank lines before it kept).
      const first = ends.find((e) => !blank(buffer, 0, e));
      if (first === undefined) {
        if (!atEnd)
          throw new DataReadError(
            `refused: a header line longer than ${formatBytes(o.chunkBytes)}, more than limits.max_line_bytes (${formatBytes(o.lineLimit)})`,
            { source: o.source, line: 1 },
          );
        return; // a file of one header line and no data: the whole-file reader says so
      }
      header = buffer.slice(0, first + 1);
      start = first + 1;
      headerLines = recordEnds(header, 0, header.length, false).length;
      lines = headerLines;
    }
    const cut = atEnd ? buffer.length : ends.length > 0 ? ends[ends.length - 1]! + 1 : -1;
    if (cut < 0 || cut < start) {
      throw new DataReadError(`refused: a line longer than ${formatBytes(o.chunkBytes)}, more than limits.max_line_bytes (${formatBytes(o.lineLimit)})`, {
        source: o.source,
        line: lines + 1,
      });
    }
    const body = buffer.subarray(start, cut);
    if (!blank(body, 0, body.length)) {
      const bytes = header ? new Uint8Array(header.length + body.length) : new Uint8Array(body.length);
      if (header) bytes.set(header);
      bytes.set(body, header?.length ?? 0);
      yield { bytes, lineOffset: lines - headerLines, rowOffset: rows };
    }
    // Lines and rows of this body, for the next chunk's offsets.
    let from = 0;
    for (const e of recordEnds(body, 0, body.length, o.csv)) {
      if (!blank(body, from, e)) rows++;
      from = e + 1;
    }
    if (from < body.length && !blank(body, from, body.length)) rows++;
    lines += recordEnds(body, 0, body.length, false).length;
    if (rows > o.maxRows)
      throw new DataReadError(`refused: the file has more than ${o.maxRows} rows, more than limits.max_rows_per_file`, { source: o.source });
    carry = buffer.slice(cut);
    if (atEnd) break;
  }
}
