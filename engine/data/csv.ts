/**
 * CSV → columnar Table, parsed from the raw bytes (no whole-file string, no row objects, no regex
 * per cell). Quoting, missing values and type inference: docs/data-formats.md.
 */
import { DataReadError } from './errors.js';
import { INT, isMissing, NOT_A_NUMBER, NUM_STATUS, parseBoolean, parseNumber } from './csv/cells.js';
import { ColumnBuilder, decodeField, STATE_BOOLEAN, STATE_NUMBER, STATE_STRING } from './csv/columns.js';
import { LF, SPACE, TAB, tokenize, type CellSink } from './csv/tokenize.js';
import type { Column, Table } from './table.js';

export interface CsvReadOptions {
  source: string;
  /** Projection: decode only these columns (missing names are simply absent from the result). */
  columns?: string[];
  /** Lines of the file before the first data line (a chunk of a larger file; see text-chunks.ts). */
  lineOffset?: number;
}

/**
 * Initial capacity for the column buffers: exact upper bound (newline count + 1) for files up
 * to 1 MiB, otherwise extrapolated from the first MiB with 10% headroom (buffers grow if needed).
 */
function estimateRows(b: Uint8Array, from: number): number {
  const sampleEnd = Math.min(b.length, from + (1 << 20));
  let count = 0;
  for (let p = b.indexOf(LF, from); p >= 0 && p < sampleEnd; p = b.indexOf(LF, p + 1)) count++;
  if (sampleEnd === b.length) return count + 1;
  if (count === 0) return 1024;
  return Math.ceil(((b.length - from) / (sampleEnd - from)) * count * 1.1) + 16;
}

export function readCsv(bytes: Uint8Array, opts: CsvReadOptions): Table {
  const { source } = opts;
  const b = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength); // plain view (not a Buffer subclass): monomorphic element access
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  let pos = b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;

  // header (skipping leading blank lines)
  const header: string[] = [];
  const head = tokenize(
    b,
    pos,
    1,
    -1,
    1,
    (_field, start, end, escaped) => {
      header.push(decodeField(buf, start, end, escaped));
    },
    source,
  );
  if (head.rows === 0) {
    throw new DataReadError('empty file (a header row is required)', { source, line: 1 });
  }
  pos = head.end;
  const dataStart = pos;
  const dataLine = head.line + (opts.lineOffset ?? 0);
  const headerLine = head.line - 1;
  const seen = new Map<string, number>();
  for (const [i, name] of header.entries()) {
    if (seen.has(name)) {
      throw new DataReadError(`duplicate column name in the header (columns ${seen.get(name)! + 1} and ${i + 1})`, {
        source,
        line: headerLine,
      });
    }
    seen.set(name, i);
  }
  const nFields = header.length;

  // projection: field index → builder slot
  const wanted = opts.columns ? new Set(opts.columns) : undefined;
  let capacity = estimateRows(b, pos);
  const builders: ColumnBuilder[] = [];
  const slotOf = new Int32Array(nFields).fill(-1);
  for (let f = 0; f < nFields; f++) {
    const name = header[f]!;
    if (wanted && !wanted.has(name)) continue;
    slotOf[f] = builders.length;
    builders.push(new ColumnBuilder(name, capacity));
  }

  // pass 1: tokenize everything, decode the projected columns
  const sink: CellSink = (field, start, end, escaped, row) => {
    if (field >= nFields) return; // the field-count check reports it at the end of the record
    const slot = slotOf[field]!;
    if (slot < 0) return;
    const col = builders[slot]!;
    if (row >= capacity) {
      capacity = Math.max(Math.ceil(capacity * 1.5), row + 1);
      for (const bld of builders) bld.grow(capacity);
    }
    if (col.state === STATE_STRING) {
      let s = start;
      let e = end;
      while (s < e && (b[s] === SPACE || b[s] === TAB)) s++;
      while (e > s && (b[e - 1] === SPACE || b[e - 1] === TAB)) e--;
      col.strings!.push(!escaped && isMissing(b, s, e) ? null : decodeField(buf, start, end, escaped));
      return;
    }
    if (!escaped) {
      let s = start;
      let e = end;
      while (s < e && (b[s] === SPACE || b[s] === TAB)) s++;
      while (e > s && (b[e - 1] === SPACE || b[e - 1] === TAB)) e--;
      if (isMissing(b, s, e)) {
        col.setMissing(row);
        return;
      }
      if (col.state !== STATE_BOOLEAN) {
        const v = parseNumber(b, s, e, buf);
        const status = NUM_STATUS[0];
        if (status !== NOT_A_NUMBER) {
          col.state = STATE_NUMBER;
          col.values[row] = v;
          if (status !== INT) col.allInt = false;
          return;
        }
      }
      if (col.state !== STATE_NUMBER) {
        const t = parseBoolean(b, s, e);
        if (t >= 0) {
          col.state = STATE_BOOLEAN;
          col.values[row] = t;
          return;
        }
      }
    }
    col.demote(row);
    col.strings!.push(decodeField(buf, start, end, escaped));
  };
  const body = tokenize(b, dataStart, dataLine, nFields, Infinity, sink, source);
  const rowCount = body.rows;

  // pass 2: columns that turned out to be strings after some rows need those rows as text
  const late = builders.filter((c) => c.demotedAt > 0);
  if (late.length > 0) {
    const upTo = Math.max(...late.map((c) => c.demotedAt));
    const lateSlot = new Int32Array(nFields).fill(-1);
    for (let f = 0; f < nFields; f++) {
      const slot = slotOf[f]!;
      if (slot >= 0 && builders[slot]!.demotedAt > 0) lateSlot[f] = slot;
    }
    tokenize(
      b,
      dataStart,
      dataLine,
      nFields,
      upTo,
      (field, start, end, escaped, row) => {
        const slot = lateSlot[field]!;
        if (slot < 0) return;
        const col = builders[slot]!;
        if (row >= col.demotedAt) return;
        let s = start;
        let e = end;
        while (s < e && (b[s] === SPACE || b[s] === TAB)) s++;
        while (e > s && (b[e - 1] === SPACE || b[e - 1] === TAB)) e--;
        col.strings![row] = !escaped && isMissing(b, s, e) ? null : decodeField(buf, start, end, escaped);
      },
      source,
    );
  }

  const columns = new Map<string, Column>();
  const byName = new Map(builders.map((c) => [c.name, c]));
  const order = opts.columns ?? header;
  for (const name of order) {
    const col = byName.get(name);
    if (col && !columns.has(name)) columns.set(name, col.finish(rowCount));
  }
  return { source, rowCount, columns, fileColumns: header };
}
