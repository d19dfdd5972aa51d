/** The CSV tokenizer: RFC 4180 records straight from the bytes, fields handed to a sink. */
import { DataReadError } from '../errors.js';

export const QUOTE = 34;
export const COMMA = 44;
export const LF = 10;
export const CR = 13;
export const SPACE = 32;
export const TAB = 9;

/** Receives every field of every record; `field` is the 0-based field index within the record. */
export type CellSink = (field: number, start: number, end: number, escaped: boolean, row: number) => void;

export interface Tokenized {
  /** Byte offset just past the last consumed record. */
  end: number;
  rows: number;
  /** Physical line number at which the next record would start. */
  line: number;
}

/**
 * Tokenize records starting at `pos`. Calls `sink` for each field and checks the field count
 * of each record against `expectFields` (unless it is negative). Stops after `rowLimit` records.
 * For quoted fields the sink receives the bytes between the quotes; `escaped` tells it that
 * they contain doubled quotes to collapse.
 */
export function tokenize(b: Uint8Array, pos: number, line: number, expectFields: number, rowLimit: number, sink: CellSink, source: string): Tokenized {
  const n = b.length;
  let row = 0;
  while (pos < n && row < rowLimit) {
    let c = b[pos]!;
    // blank line
    if (c === LF) {
      pos++;
      line++;
      continue;
    }
    if (c === CR) {
      pos += pos + 1 < n && b[pos + 1] === LF ? 2 : 1;
      line++;
      continue;
    }
    const recordLine = line;
    let field = 0;
    for (;;) {
      let start: number;
      let end: number;
      let escaped = false;
      if (pos < n && b[pos] === QUOTE) {
        // quoted field
        start = pos + 1;
        let p = start;
        for (;;) {
          const q = b.indexOf(QUOTE, p);
          if (q < 0) {
            throw new DataReadError('unterminated quoted field (missing closing quote)', { source, line: recordLine });
          }
          // count newlines inside the quoted section for line numbering
          for (let i = p; i < q; i++) {
            const x = b[i];
            if (x === LF) line++;
            else if (x === CR && b[i + 1] !== LF) line++;
          }
          if (q + 1 < n && b[q + 1] === QUOTE) {
            escaped = true;
            p = q + 2;
            continue;
          }
          end = q;
          pos = q + 1;
          break;
        }
        if (pos < n) {
          c = b[pos]!;
          if (c !== COMMA && c !== LF && c !== CR) {
            throw new DataReadError(`unexpected character after the closing quote of field ${field + 1}`, { source, line: recordLine });
          }
        }
      } else {
        start = pos;
        while (pos < n) {
          c = b[pos]!;
          if (c === COMMA || c === LF || c === CR) break;
          pos++;
        }
        end = pos;
      }
      sink(field, start, end, escaped, row);
      if (pos < n && b[pos] === COMMA) {
        pos++;
        field++;
        continue;
      }
      // end of record: LF, CRLF, CR or end of input
      if (pos < n) {
        pos += b[pos] === CR && pos + 1 < n && b[pos + 1] === LF ? 2 : 1;
      }
      line++;
      break;
    }
    if (expectFields >= 0 && field + 1 !== expectFields) {
      throw new DataReadError(`expected ${expectFields} fields, found ${field + 1}`, { source, line: recordLine });
    }
    row++;
  }
  return { end: pos, rows: row, line };
}
