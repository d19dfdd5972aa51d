/**
 * JSON Lines (NDJSON) → columnar Table.
 *
 * - One JSON object per line; blank lines are skipped; a line that is not valid JSON, or not
 *   an object, is an error naming the source and the 1-based line number.
 * - Columns are the union of the keys, in order of first appearance; a key absent from a row
 *   is a missing value for that row.
 * - Missing: `null`, an absent key, and the empty string "".
 * - Type inference per column: JSON numbers → `number` (sourceType 'int' when every value is
 *   an integer within ±(2^53−1)); JSON booleans → `boolean`; strings → `string`.
 *   Because JSON cannot spell them, the strings "nan", "inf", "-inf", "infinity" (any case,
 *   optional sign) count as float values in a column that is otherwise numeric, and the bare
 *   tokens NaN / Infinity / -Infinity that Python's json module writes are accepted too.
 *   A column mixing types (e.g. numbers and text) becomes a `string` column whose values are
 *   rendered with String() (so 1.5 → "1.5", true → "true", NaN → "NaN").
 * - A nested object or array as a value is an error naming the column and line.
 */
import { DataReadError } from './errors.js';
import type { Column, Table } from './table.js';

export interface JsonlReadOptions {
  source: string;
  /** Projection: decode only these keys (missing names are simply absent from the result). */
  columns?: string[];
  /** Lines of the file before this text (a chunk of a larger file; see text-chunks.ts). */
  lineOffset?: number;
}

const STATE_UNKNOWN = 0;
const STATE_NUMBER = 1;
const STATE_BOOLEAN = 2;
const STATE_STRING = 3;

/** Decoded in slices of about this many bytes (cut at line ends) to stay far below V8's string limit. */
const CHUNK_BYTES = 32 * 1024 * 1024;

const NUMBER_WORDS = new Map<string, number>([
  ['nan', NaN],
  ['+nan', NaN],
  ['-nan', NaN],
  ['inf', Infinity],
  ['+inf', Infinity],
  ['-inf', -Infinity],
  ['infinity', Infinity],
  ['+infinity', Infinity],
  ['-infinity', -Infinity],
]);

/** Marker strings substituted for bare NaN/Infinity tokens before a second JSON.parse attempt. */
const BARE_TOKENS = new Map<string, number>([
  ['\u0000NaN', NaN],
  ['\u0000Infinity', Infinity],
  ['\u0000-Infinity', -Infinity],
]);

class ColumnBuilder {
  state = STATE_UNKNOWN;
  allInt = true;
  values: Float64Array;
  nulls: Uint8Array | undefined;
  strings: (string | null)[] | undefined;
  /** Rows [0, filled) have been written. */
  filled = 0;

  constructor(
    readonly name: string,
    capacity: number,
  ) {
    this.values = new Float64Array(capacity);
  }

  private ensure(row: number): void {
    if (row < this.values.length) return;
    const capacity = Math.max(this.values.length * 2, row + 1, 16);
    const values = new Float64Array(capacity);
    values.set(this.values);
    this.values = values;
    if (this.nulls) {
      const nulls = new Uint8Array(capacity);
      nulls.set(this.nulls);
      this.nulls = nulls;
    }
  }

  /** Marks rows [filled, row) as missing (keys absent from those rows). */
  fillTo(row: number): void {
    if (this.filled >= row) return;
    if (this.state === STATE_STRING) {
      for (let r = this.filled; r < row; r++) this.strings!.push(null);
    } else {
      this.ensure(row - 1);
      this.values.fill(NaN, this.filled, row);
      (this.nulls ??= new Uint8Array(this.values.length)).fill(1, this.filled, row);
    }
    this.filled = row;
  }

  private toStrings(): void {
    const strings = new Array<string | null>(this.filled);
    const nulls = this.nulls;
    for (let r = 0; r < this.filled; r++) {
      if (nulls && nulls[r] === 1) strings[r] = null;
      else if (this.state === STATE_BOOLEAN) strings[r] = this.values[r] === 1 ? 'true' : 'false';
      else strings[r] = String(this.values[r]);
    }
    this.strings = strings;
    this.state = STATE_STRING;
  }

  add(row: number, value: unknown, source: string, line: number): void {
    this.fillTo(row);
    this.filled = row + 1;
    if (value === null || value === undefined || value === '') {
      if (this.state === STATE_STRING) this.strings!.push(null);
      else {
        this.ensure(row);
        this.values[row] = NaN;
        (this.nulls ??= new Uint8Array(this.values.length))[row] = 1;
      }
      return;
    }
    switch (typeof value) {
      case 'number':
        if (this.state === STATE_UNKNOWN) this.state = STATE_NUMBER;
        if (this.state === STATE_NUMBER) {
          this.ensure(row);
          this.values[row] = value;
          if (this.allInt && !Number.isSafeInteger(value)) this.allInt = false;
          return;
        }
        break;
      case 'boolean':
        if (this.state === STATE_UNKNOWN) this.state = STATE_BOOLEAN;
        if (this.state === STATE_BOOLEAN) {
          this.ensure(row);
          this.values[row] = value ? 1 : 0;
          return;
        }
        break;
      case 'string': {
        const special = BARE_TOKENS.get(value) ?? NUMBER_WORDS.get(value.trim().toLowerCase());
        if (special !== undefined && this.state !== STATE_STRING && this.state !== STATE_BOOLEAN) {
          this.state = STATE_NUMBER;
          this.ensure(row);
          this.values[row] = special;
          this.allInt = false;
          return;
        }
        break;
      }
      case 'object':
        throw new DataReadError(`nested ${Array.isArray(value) ? 'array' : 'object'} values are not supported`, {
          source,
          line,
          column: this.name,
        });
      default:
        break;
    }
    // mixed or textual values: the column is a string column
    if (this.state !== STATE_STRING) {
      this.filled = row;
      this.toStrings();
      this.filled = row + 1;
    }
    const special = typeof value === 'string' ? BARE_TOKENS.get(value) : undefined;
    this.strings!.push(special !== undefined ? String(special) : String(value));
  }

  finish(rowCount: number): Column {
    this.fillTo(rowCount);
    const nulls = this.nulls && rowCount > 0 ? this.nulls.slice(0, rowCount) : undefined;
    switch (this.state) {
      case STATE_STRING:
        return { kind: 'string', values: this.strings! };
      case STATE_BOOLEAN: {
        const out = new Uint8Array(rowCount);
        for (let i = 0; i < rowCount; i++) out[i] = this.values[i] === 1 ? 1 : 0;
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

/**
 * Replace bare NaN / Infinity / -Infinity tokens (outside of strings) with marker strings, so
 * that JSON.parse accepts what Python's json.dumps writes by default. Returns undefined when
 * there is nothing to replace.
 */
function quoteBareTokens(text: string): string | undefined {
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash escape
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    let token: string | undefined;
    if (text.startsWith('NaN', i)) token = 'NaN';
    else if (text.startsWith('Infinity', i)) token = 'Infinity';
    else if (text.startsWith('-Infinity', i)) token = '-Infinity';
    if (token) {
      out += text.slice(last, i) + JSON.stringify(`\u0000${token}`);
      i += token.length - 1;
      last = i + 1;
    }
  }
  return last === 0 ? undefined : out + text.slice(last);
}

function parseLine(text: string, source: string, line: number): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const repaired = quoteBareTokens(text);
    if (repaired !== undefined) {
      try {
        return JSON.parse(repaired);
      } catch {
        // report the original error
      }
    }
    // JSON.parse quotes the text around the error: only its position is kept (never content)
    const at = /at position (\d+)/.exec(err instanceof Error ? err.message : '');
    throw new DataReadError(at ? `malformed JSON at column ${Number(at[1]) + 1}` : 'malformed JSON', { source, line });
  }
}

export function readJsonl(bytes: Uint8Array, opts: JsonlReadOptions): Table {
  const { source } = opts;
  const wanted = opts.columns ? new Set(opts.columns) : undefined;
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  const n = bytes.length;
  let pos = n >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;

  let capacity = 1;
  for (let p = bytes.indexOf(10, pos); p >= 0; p = bytes.indexOf(10, p + 1)) capacity++;

  const seen = new Set<string>();
  const builders = new Map<string, ColumnBuilder>();
  let row = 0;
  let line = opts.lineOffset ?? 0;
  while (pos < n) {
    // decode a slice that ends at a line end
    let end = Math.min(pos + CHUNK_BYTES, n);
    if (end < n) {
      const nl = bytes.indexOf(10, end - 1);
      end = nl < 0 ? n : nl + 1;
    }
    const text = decoder.decode(bytes.subarray(pos, end));
    pos = end;
    let i = 0;
    while (i < text.length) {
      let j = text.indexOf('\n', i);
      if (j < 0) j = text.length;
      line++;
      let lineText = text.slice(i, j);
      i = j + 1;
      if (lineText.endsWith('\r')) lineText = lineText.slice(0, -1);
      if (lineText.trim() === '') continue;
      const obj = parseLine(lineText, source, line);
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
        const kind = obj === null ? 'null' : Array.isArray(obj) ? 'an array' : `a ${typeof obj}`;
        throw new DataReadError(`expected a JSON object, found ${kind}`, { source, line });
      }
      const record = obj as Record<string, unknown>;
      for (const key in record) {
        seen.add(key);
        if (wanted && !wanted.has(key)) continue;
        let col = builders.get(key);
        if (!col) {
          col = new ColumnBuilder(key, capacity);
          builders.set(key, col);
        }
        col.add(row, record[key], source, line);
      }
      row++;
    }
  }

  const columns = new Map<string, Column>();
  const order = opts.columns ?? [...builders.keys()];
  for (const name of order) {
    const col = builders.get(name);
    if (col && !columns.has(name)) columns.set(name, col.finish(row));
  }
  return { source, rowCount: row, columns, fileColumns: [...seen] };
}
