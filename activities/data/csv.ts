/* eslint-disable max-lines -- being split */
/**
 * CSV → columnar Table.
 *
 * Parses the raw bytes directly (no whole-file string, no row objects, no regex per cell):
 * - RFC 4180 quoting: quoted fields may contain commas, doubled quotes and newlines;
 *   LF, CRLF or lone CR line endings; optional UTF-8 BOM; a header row is required.
 * - Blank lines are skipped. A record with the wrong number of fields is an error naming
 *   the physical line on which the record starts.
 * - Type inference per column: every non-missing value parses as a number → `number`
 *   (sourceType 'int' when every value is an integer literal within ±(2^53−1));
 *   only true/false (any letter case) → `boolean`; otherwise `string`.
 *   Missing: empty (or blank) cells and the literals `NA` and `null` (quoted or not).
 *   `nan`, `inf`, `-inf`, `infinity` (any letter case, optional sign) are float values.
 *   A column with no non-missing value at all is a `number`/'float' column of nulls.
 * - Only the projected columns are decoded; the others are only tokenized.
 */
import { DataReadError } from './errors.js';
import type { Column, Table } from './table.js';

export interface CsvReadOptions {
  source: string;
  /** Projection: decode only these columns (missing names are simply absent from the result). */
  columns?: string[];
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;

const STATE_UNKNOWN = 0;
const STATE_NUMBER = 1;
const STATE_BOOLEAN = 2;
const STATE_STRING = 3;

/** Receives every field of every record; `field` is the 0-based field index within the record. */
type CellSink = (field: number, start: number, end: number, escaped: boolean, row: number) => void;

interface Tokenized {
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
function tokenize(
  b: Uint8Array,
  pos: number,
  line: number,
  expectFields: number,
  rowLimit: number,
  sink: CellSink,
  source: string,
): Tokenized {
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
            throw new DataReadError(
              `unexpected character ${JSON.stringify(String.fromCharCode(c))} after the closing quote of field ${field + 1}`,
              { source, line: recordLine },
            );
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

// ---------------------------------------------------------------------------------------------
// Cell classification (bytes → number / boolean / missing), no string allocation on the fast path

const POW10 = new Float64Array(23);
for (let i = 0; i < 23; i++) POW10[i] = Number(`1e${i}`);

/**
 * Number parsing reports its outcome here (a typed-array slot is cheaper than module state):
 * NUM_STATUS[0] = NOT_A_NUMBER, FLOAT or INT (integer literal exactly representable).
 */
const NUM_STATUS = new Int32Array(1);
const NOT_A_NUMBER = 0;
const FLOAT = 1;
const INT = 2;

function lower(c: number): number {
  return c | 0x20;
}

/** Number keywords: nan, inf, infinity (case-insensitive). */
function parseKeyword(b: Uint8Array, i: number, e: number, neg: boolean): number {
  const len = e - i;
  NUM_STATUS[0] = NOT_A_NUMBER;
  if (len === 3) {
    const c0 = lower(b[i]!);
    const c1 = lower(b[i + 1]!);
    const c2 = lower(b[i + 2]!);
    if (c0 === 110 && c1 === 97 && c2 === 110) {
      NUM_STATUS[0] = FLOAT; // nan
      return NaN;
    }
    if (c0 === 105 && c1 === 110 && c2 === 102) {
      NUM_STATUS[0] = FLOAT; // inf
      return neg ? -Infinity : Infinity;
    }
  } else if (len === 8) {
    const word = 'infinity';
    for (let k = 0; k < 8; k++) {
      if (lower(b[i + k]!) !== word.charCodeAt(k)) return NaN;
    }
    NUM_STATUS[0] = FLOAT;
    return neg ? -Infinity : Infinity;
  }
  return NaN;
}

const SPLITTER = 134217729; // 2^27 + 1, for Dekker's exact product
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const HI_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO_WORD = 1 - HI_WORD;
/** Half of 0.9999998 ulp for each biased binary exponent (normal doubles). */
const HALF_ULP = new Float64Array(2048);
for (let x = 1; x < 2047; x++) HALF_ULP[x] = 2 ** (x - 1075) * 0.4999999;

/**
 * (m * 10^r2 + m2) / 10^k, correctly rounded, for m < 10^15, m2 < 10^r2, 1 ≤ r2 ≤ 4 and
 * 1 ≤ k ≤ 22; NaN when the result is too close to a rounding boundary to decide cheaply.
 * The mantissa is formed exactly as a double-double (hi + lo), divided with ~2^-100 relative
 * error, and the final rounding is accepted only when it is unambiguous.
 */
function divideCorrectlyRounded(m: number, r2: number, m2: number, k: number): number {
  // hi + lo = m * 10^r2 + m2 exactly (Dekker product + two-sum)
  const f = POW10[r2]!;
  const p = m * f;
  let t = SPLITTER * m;
  const mh = t - (t - m);
  const ml = m - mh;
  t = SPLITTER * f;
  const fh = t - (t - f);
  const fl = f - fh;
  const pe = mh * fh - p + mh * fl + ml * fh + ml * fl + m2; // small integers: exact
  const hi = p + pe;
  const lo = pe - (hi - p);
  if (lo === 0 && hi <= 9007199254740992) return hi / POW10[k]!; // exact mantissa: one rounding
  // q1 + q2 = (hi + lo) / d
  const d = POW10[k]!;
  const q1 = hi / d;
  const qp = q1 * d;
  t = SPLITTER * q1;
  const qh = t - (t - q1);
  const ql = q1 - qh;
  t = SPLITTER * d;
  const dh = t - (t - d);
  const dl = d - dh;
  const qe = qh * dh - qp + qh * dl + ql * dh + ql * dl; // q1 * d = qp + qe exactly
  const q2 = (hi - qp - qe + lo) / d;
  const sum = q1 + q2;
  const bb = sum - q1;
  const rest = q1 - (sum - bb) + (q2 - bb); // q1 + q2 = sum + rest exactly
  F64[0] = sum;
  const word = U32[HI_WORD]!;
  const biased = (word >>> 20) & 0x7ff;
  if (biased === 0 || biased === 0x7ff) return NaN; // subnormal / non-finite: let Number() decide
  if ((word & 0xfffff) === 0 && U32[LO_WORD] === 0) return NaN; // power of two: asymmetric interval
  return Math.abs(rest) < HALF_ULP[biased]! ? sum : NaN;
}

const TWO53 = 9007199254740992;

/**
 * Parse a decimal literal `[+-]?(digits[.digits]|.digits)([eE][+-]?digits)?` or a keyword
 * from b[s, e), correctly rounded like Number(); the outcome is in NUM_STATUS[0].
 * Fast paths, without creating a string: ≤15 significant digits (or a mantissa up to 2^53)
 * with |exponent| ≤ 22 — one exact multiplication/division; 16–19 significant digits with a
 * negative exponent ≥ −22 — exact double-double division with an unambiguity check.
 * Anything else falls back to Number() on the (validated) text.
 */
function parseNumber(b: Uint8Array, s: number, e: number, buf: Buffer): number {
  let i = s;
  let neg = false;
  let c = b[i]!;
  if (c === 45 || c === 43) {
    neg = c === 45;
    i++;
    if (i === e) {
      NUM_STATUS[0] = NOT_A_NUMBER;
      return NaN;
    }
    c = b[i]!;
  }
  if (!((c >= 48 && c <= 57) || c === 46)) {
    return parseKeyword(b, i, e, neg);
  }
  let m = 0; // first 15 significant digits
  let m2 = 0; // significant digits 16..19
  let r2 = 0; // how many digits are in m2
  let sig = 0;
  let exp10 = 0;
  let isInt = true;
  let slow = false;
  let d = 0;
  // integer part: leading zeros, then digits
  const intStart = i;
  while (i < e && b[i] === 48) i++;
  for (; i < e; i++) {
    d = b[i]! - 48;
    if (d < 0 || d > 9) break;
    if (sig < 15) m = m * 10 + d;
    else if (sig < 19) {
      m2 = m2 * 10 + d;
      r2++;
    } else slow = true;
    sig++;
  }
  let digits = i - intStart;
  if (i < e && b[i] === 46) {
    // fraction
    isInt = false;
    i++;
    const fracStart = i;
    if (sig === 0) {
      while (i < e && b[i] === 48) i++;
      exp10 = fracStart - i;
    }
    for (; i < e; i++) {
      d = b[i]! - 48;
      if (d < 0 || d > 9) break;
      if (sig < 15) {
        m = m * 10 + d;
        exp10--;
      } else if (sig < 19) {
        m2 = m2 * 10 + d;
        r2++;
        exp10--;
      } else slow = true;
      sig++;
    }
    digits += i - fracStart;
  }
  if (digits === 0) {
    NUM_STATUS[0] = NOT_A_NUMBER;
    return NaN;
  }
  if (i < e && (b[i] === 101 || b[i] === 69)) {
    isInt = false;
    i++;
    let eneg = false;
    if (i < e && (b[i] === 45 || b[i] === 43)) {
      eneg = b[i] === 45;
      i++;
    }
    let ex = 0;
    const expStart = i;
    for (; i < e; i++) {
      d = b[i]! - 48;
      if (d < 0 || d > 9) break;
      if (ex < 100000) ex = ex * 10 + d;
    }
    if (i === expStart) {
      NUM_STATUS[0] = NOT_A_NUMBER;
      return NaN;
    }
    exp10 += eneg ? -ex : ex;
  }
  if (i !== e) {
    NUM_STATUS[0] = NOT_A_NUMBER;
    return NaN;
  }
  let v = NaN;
  if (!slow) {
    if (sig === 0) {
      v = 0;
    } else if (r2 === 0) {
      if (exp10 === 0) v = m;
      else if (exp10 < 0 && exp10 >= -22) v = m / POW10[-exp10]!;
      else if (exp10 > 0 && exp10 <= 22) v = m * POW10[exp10]!;
    } else if (exp10 < 0 && exp10 >= -22) {
      v = divideCorrectlyRounded(m, r2, m2, -exp10);
    } else if (exp10 === 0 && m * POW10[r2]! + m2 < TWO53) {
      v = m * POW10[r2]! + m2; // integer of 16 digits below 2^53: exact
    }
  }
  if (v !== v) {
    // grammar already validated, so Number() accepts exactly this text
    v = Number(buf.toString('latin1', neg || b[s] === 43 ? s + 1 : s, e));
    if (isInt && !Number.isSafeInteger(v)) isInt = false;
  }
  NUM_STATUS[0] = isInt ? INT : FLOAT;
  return neg ? -v : v;
}

/** 1 = true, 0 = false, -1 = not a boolean literal (case-insensitive). */
function parseBoolean(b: Uint8Array, s: number, e: number): number {
  const len = e - s;
  if (len === 4) {
    return lower(b[s]!) === 116 && lower(b[s + 1]!) === 114 && lower(b[s + 2]!) === 117 && lower(b[s + 3]!) === 101
      ? 1
      : -1;
  }
  if (len === 5) {
    return lower(b[s]!) === 102 &&
      lower(b[s + 1]!) === 97 &&
      lower(b[s + 2]!) === 108 &&
      lower(b[s + 3]!) === 115 &&
      lower(b[s + 4]!) === 101
      ? 0
      : -1;
  }
  return -1;
}

/** Empty after trimming, `NA` or `null` (exact case). */
function isMissing(b: Uint8Array, s: number, e: number): boolean {
  const len = e - s;
  if (len === 0) return true;
  if (len === 2) return b[s] === 78 && b[s + 1] === 65;
  if (len === 4) return b[s] === 110 && b[s + 1] === 117 && b[s + 2] === 108 && b[s + 3] === 108;
  return false;
}

// ---------------------------------------------------------------------------------------------

class ColumnBuilder {
  state = STATE_UNKNOWN;
  allInt = true;
  values: Float64Array;
  nulls: Uint8Array | undefined;
  strings: (string | null)[] | undefined;
  /** Row at which the column turned out to be a string column (earlier rows need a second pass). */
  demotedAt = -1;

  constructor(
    readonly name: string,
    capacity: number,
  ) {
    this.values = new Float64Array(capacity);
  }

  grow(capacity: number): void {
    const values = new Float64Array(capacity);
    values.set(this.values);
    this.values = values;
    if (this.nulls) {
      const nulls = new Uint8Array(capacity);
      nulls.set(this.nulls);
      this.nulls = nulls;
    }
  }

  setMissing(row: number): void {
    this.values[row] = NaN;
    (this.nulls ??= new Uint8Array(this.values.length))[row] = 1;
  }

  demote(row: number): void {
    this.state = STATE_STRING;
    this.demotedAt = row;
    this.strings = new Array<string | null>(row);
  }

  finish(rowCount: number): Column {
    const nulls = this.nulls && rowCount > 0 ? this.nulls.slice(0, rowCount) : undefined;
    switch (this.state) {
      case STATE_STRING:
        return { kind: 'string', values: this.strings! };
      case STATE_BOOLEAN: {
        const out = new Uint8Array(rowCount);
        const v = this.values;
        for (let i = 0; i < rowCount; i++) out[i] = v[i] === 1 ? 1 : 0;
        return nulls ? { kind: 'boolean', values: out, nulls } : { kind: 'boolean', values: out };
      }
      default: {
        const values = this.values.length === rowCount ? this.values : this.values.slice(0, rowCount);
        const sourceType = this.state === STATE_NUMBER && this.allInt ? 'int' : 'float';
        return nulls ? { kind: 'number', sourceType, values, nulls } : { kind: 'number', sourceType, values };
      }
    }
  }
}

function decodeField(buf: Buffer, start: number, end: number, escaped: boolean): string {
  const text = buf.toString('utf8', start, end);
  return escaped ? text.replaceAll('""', '"') : text;
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
  const dataLine = head.line;
  const headerLine = head.line - 1;
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) {
      throw new DataReadError(`duplicate column name ${JSON.stringify(name)} in the header`, {
        source,
        line: headerLine,
      });
    }
    seen.add(name);
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
