/**
 * The rows the segment search will use, chosen as the rows stream in and kept in compact codes.
 *
 * A window of more than SEARCH_ROWS rows is searched on a seeded sample of them: each labelled row
 * is taken when a hash of its file's name and its row in that file falls below SEARCH_ROWS / the
 * window's rows (known from the files' metadata before any row is read). The choice of a row
 * depends on nothing else, so every shard of a window takes the same rows as one evaluation of it
 * would, and parts joined in window order give the same sample in the same order. Only the taken
 * rows keep their searched columns: a bin's or a value's code (one byte while a column has at most
 * 256 values), and the row's position among the part's scored rows, where its label and the model's
 * outputs are. Memory: about (4 + columns) bytes per sampled row, whatever the window's size.
 */
import type { Column, Table } from '../../data/table.js';
import { Interned } from '../intern.js';
import { hashName } from '../row-sample.js';
import { valueCodes, type ValueCoder } from './bin-codes.js';

/** At most about this many labelled rows are searched (docs/statistics/segments.md#cost). */
export const SEARCH_ROWS = 1_000_000;

/** Mixed into the file's hash: the search's rows are not the estimation sample's (row-sample.ts). */
const SALT = 0x5e95a1e;

export type Codes = Uint8Array | Uint16Array | Int32Array;

/** One searched column on the sampled rows: codes into `values` (a binned column's are "0", "1", …, "(missing)"). */
export interface SearchColumn {
  codes: Codes;
  values: string[];
}

/** The sampled rows of a part (or of a window): ascending positions among its scored rows, and each searched column's codes. */
export interface SearchRows {
  rows: number;
  position: Int32Array;
  columns: Record<string, SearchColumn>;
}

/** What an evaluation thread keeps for the search: the columns, the numeric ones' bin edges, and the share of rows to take. */
export interface SearchKeep {
  columns: string[];
  bins: Record<string, number[]>;
  /** In (0, 1]: 1 takes every labelled row. */
  rate: number;
}

/** The share of a window's rows the search takes: all of them unless the window has more than `cap`. */
export function searchRate(windowRows: number | undefined, cap = SEARCH_ROWS): number {
  return windowRows === undefined || windowRows <= cap ? 1 : cap / windowRows;
}

/** Codes in the narrowest array that holds `size` distinct codes. */
function codesFor(size: number, n: number): Codes {
  return size <= 256 ? new Uint8Array(n) : size <= 65536 ? new Uint16Array(n) : new Int32Array(n);
}

/** A 32-bit hash of a file's row (murmur3's finalizer of the row's number mixed with the file's hash): uniform. */
function rowHash(file: number, row: number): number {
  let h = Math.imul(row >>> 0, 0x9e3779b1) ^ Math.imul(Math.floor(row / 4294967296), 0x85ebca6b) ^ file;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

class CodeColumn {
  codes: Codes = new Uint8Array(0);
  length = 0;
  readonly coder: ValueCoder = { values: new Interned() };
  private readonly edges: Float64Array | undefined;
  /** A binned column's "(missing)" is kept in its values only when a row had it (as when it was interned on first sight). */
  private missing = false;

  constructor(edges: number[] | undefined) {
    if (edges) {
      // A bin's code is its index (the count of edges ≤ the value); missing last.
      this.edges = Float64Array.from(edges);
      for (let j = 0; j <= edges.length; j++) this.coder.values.code(String(j));
      this.coder.values.code('(missing)');
    }
  }

  private room(extra: number): void {
    const need = this.length + extra;
    const size = this.coder.values.values.length;
    const wider = size > 256 && this.codes instanceof Uint8Array ? true : size > 65536 && this.codes instanceof Uint16Array;
    if (need <= this.codes.length && !wider) return;
    const out = codesFor(size, Math.max(need, 2 * this.codes.length, 1024));
    out.set(this.codes.subarray(0, this.length));
    this.codes = out;
  }

  add(col: Column | undefined, rows: Int32Array): void {
    const m = rows.length;
    const edges = this.edges;
    if (edges && col && col.kind === 'number') {
      // Binned straight into the codes.
      this.room(m);
      // A bin column's codes are bytes (at most 22 values): one element kind here.
      const out = this.codes as Uint8Array;
      const v = col.values;
      const nulls = col.nulls;
      const e = edges.length;
      const missing = e + 1;
      for (let q = 0, o = this.length; q < m; q++, o++) {
        const r = rows[q]!;
        const x = v[r]!;
        if ((nulls && nulls[r]) || x !== x) {
          out[o] = missing;
          this.missing = true;
          continue;
        }
        // The count of edges ≤ x, without a branch per edge (a search's branches mispredict on data).
        let j = 0;
        for (let k = 0; k < e; k++) j += +(edges[k]! <= x);
        out[o] = j;
      }
      this.length += m;
      return;
    }
    const tmp = new Int32Array(m);
    valueCodes(col, this.coder, rows, tmp);
    this.missing = true;
    this.room(m);
    this.codes.set(tmp, this.length);
    this.length += m;
  }

  result(): SearchColumn {
    const values = this.edges && !this.missing ? this.coder.values.values.slice(0, -1) : [...this.coder.values.values];
    return { codes: this.codes.slice(0, this.length), values };
  }
}

/** Collects a part's sampled rows table by table (Evaluator.addTable). */
export class SearchRowsBuilder {
  private position = new Int32Array(1024);
  private n = 0;
  private readonly columns: CodeColumn[];
  private readonly threshold: number;

  constructor(private readonly keep: SearchKeep) {
    this.columns = keep.columns.map((c) => new CodeColumn(keep.bins[c]));
    // A row is taken when its hash (32 uniform bits) is below rate · 2^32.
    this.threshold = keep.rate * 4294967296;
  }

  /**
   * `rows`: the table rows scored (all when undefined); `offset`: rows this part scored before the
   * table; `missing`: per table row, 1 when its label is missing (undefined: none is; `all`: every one).
   */
  addTable(table: Table, rows: Int32Array | undefined, offset: number, missing: Uint8Array | 'all' | undefined): void {
    if (missing === 'all') return;
    const n = rows ? rows.length : table.rowCount;
    const all = this.keep.rate >= 1;
    const file = hashName(table.source) ^ SALT;
    const first = table.firstRow ?? 0;
    const threshold = this.threshold;
    // Room for the expected share and more: a table that takes more than that is counted first.
    let taken = new Int32Array(all ? n : Math.min(n, expectedSearchRows(n, this.keep.rate)));
    let m = 0;
    for (let i = 0; i < n; i++) {
      const r = rows ? rows[i]! : i;
      if ((missing && missing[r]) || (!all && rowHash(file, first + r) >= threshold)) continue;
      if (m === taken.length) {
        const t = new Int32Array(n);
        t.set(taken);
        taken = t;
      }
      taken[m++] = i;
    }
    this.take(table, rows, offset, taken.subarray(0, m));
  }

  private take(table: Table, rows: Int32Array | undefined, offset: number, taken: Int32Array): void {
    const m = taken.length;
    if (m === 0) return;
    if (this.n + m > this.position.length) {
      const p = new Int32Array(Math.max(this.n + m, 2 * this.position.length));
      p.set(this.position.subarray(0, this.n));
      this.position = p;
    }
    const tableRows = new Int32Array(m);
    for (let q = 0; q < m; q++) {
      this.position[this.n + q] = offset + taken[q]!;
      tableRows[q] = rows ? rows[taken[q]!]! : taken[q]!;
    }
    this.n += m;
    this.keep.columns.forEach((name, j) => this.columns[j]!.add(table.columns.get(name), tableRows));
  }

  result(): SearchRows {
    return {
      rows: this.n,
      position: this.position.slice(0, this.n),
      columns: Object.fromEntries(this.keep.columns.map((name, j) => [name, this.columns[j]!.result()])),
    };
  }
}

/** Room for the rows a window of `rows` rows at `rate` takes: their expected count and five standard deviations (they are binomial). */
export function expectedSearchRows(rows: number, rate: number): number {
  const mean = rows * rate;
  return Math.ceil(mean + 5 * Math.sqrt(mean) + 64);
}

/**
 * Appends a part's sampled rows to the window's so far (`at`: the window's scored rows before the
 * part); codes renumbered to the window's values. Sized once when the window's rows are known
 * (`room`, expectedSearchRows), else grown by a quarter at a time.
 */
export class SearchRowsJoiner {
  private position = new Int32Array(0);
  private n = 0;
  private readonly columns = new Map<string, { codes: Codes; values: Interned }>();

  constructor(private readonly room = 0) {}

  add(part: SearchRows, at: number): void {
    const need = this.n + part.rows;
    if (need > this.position.length) {
      const p = new Int32Array(Math.max(need, Math.ceil(1.25 * this.position.length), this.room, 1024));
      p.set(this.position.subarray(0, this.n));
      this.position = p;
    }
    for (let q = 0; q < part.rows; q++) this.position[this.n + q] = at + part.position[q]!;
    for (const [name, col] of Object.entries(part.columns)) {
      let mine = this.columns.get(name);
      if (!mine) this.columns.set(name, (mine = { codes: new Uint8Array(this.position.length), values: new Interned() }));
      const remap = col.values.map((v) => mine.values.code(v));
      const size = mine.values.values.length;
      const fits = size <= (mine.codes instanceof Uint8Array ? 256 : mine.codes instanceof Uint16Array ? 65536 : Infinity);
      if (mine.codes.length < this.position.length || !fits) {
        const len = this.position.length;
        const out = fits
          ? mine.codes instanceof Uint8Array
            ? new Uint8Array(len)
            : mine.codes instanceof Uint16Array
              ? new Uint16Array(len)
              : new Int32Array(len)
          : codesFor(size, len);
        out.set(mine.codes.subarray(0, this.n));
        mine.codes = out;
      }
      const out = mine.codes;
      if (remap.every((c, i) => c === i)) out.set(col.codes, this.n);
      else for (let q = 0; q < part.rows; q++) out[this.n + q] = remap[col.codes[q]!]!;
    }
    this.n = need;
  }

  result(): SearchRows {
    return {
      rows: this.n,
      position: this.position.subarray(0, this.n),
      columns: Object.fromEntries([...this.columns].map(([name, c]) => [name, { codes: c.codes.subarray(0, this.n), values: c.values.values }])),
    };
  }
}

/** Parts' sampled rows joined in order (`offsets[i]`: the scored rows before part i). */
export function joinSearchRows(parts: SearchRows[], offsets: number[]): SearchRows {
  if (parts.length === 1 && offsets[0] === 0) return parts[0]!;
  const j = new SearchRowsJoiner();
  parts.forEach((p, i) => j.add(p, offsets[i]!));
  return j.result();
}
