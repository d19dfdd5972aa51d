/**
 * A deterministic uniform sample of a window's scored rows (their model inputs), for direct loss
 * estimation and multivariate drift. Each row gets a priority from a hash of its file's name and
 * its row in that file; the sample is the `cap` rows of smallest priority (bottom-k sampling).
 * Bottom-k of a union is bottom-k of the parts' bottom-k, so the sample is the same however the
 * window is split into shards, and it is kept in priority order with categories numbered in that
 * order: the same window gives the same sample, byte for byte.
 */
import type { Column, Table } from '../data/table.js';
import type { RowMatrix } from '../multivariate/types.js';
import { Interned } from './intern.js';

/** Rows a window's sample keeps. */
export const WINDOW_SAMPLE_CAP = 20_000;

export interface RowSample {
  columns: string[];
  /** Per column: its values are category codes (a string input), not quantities. */
  categorical: boolean[];
  /** Per column, the categories its codes index ([] for a numeric column). */
  categories: string[][];
  cap: number;
  rows: number;
  /** Per sampled row, its priority (smallest kept). */
  priority: Float64Array;
  /** Per sampled row, its index among the part's scored rows (where its outputs and label are). */
  position: Float64Array;
  /** rows × columns, row-major. */
  values: Float64Array;
}

/** The sample as stored in a reference profile: plain JSON. */
export interface StoredSample {
  columns: string[];
  categorical: boolean[];
  categories: string[][];
  rows: number;
  values: number[];
}

export function emptySample(columns: string[], categorical: boolean[], cap = WINDOW_SAMPLE_CAP): RowSample {
  return {
    columns,
    categorical,
    categories: columns.map(() => []),
    cap,
    rows: 0,
    priority: new Float64Array(0),
    position: new Float64Array(0),
    values: new Float64Array(0),
  };
}

/** A 32-bit hash of a string (FNV-1a). */
export function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** The priority of row `row` (0-based, of the whole file) of the file whose name hashes to `file`: 53 bits, uniform. */
export function rowPriority(file: number, row: number): number {
  const lo = row >>> 0;
  const hi = Math.floor(row / 4294967296);
  const a = mix(file ^ mix(lo ^ Math.imul(hi, 0x9e3779b1)));
  const b = mix(a ^ 0x5bd1e995 ^ lo);
  return a * 2097152 + (b & 0x1fffff);
}

/**
 * Samples the rows of the tables of one part as they are scored. A table's rows are first ranked by
 * priority alone (cheap: a hash per row, cut back to the cap when the candidates reach twice it);
 * only the rows that make the cut have their inputs copied. The result is sorted once.
 */
export class SampleBuilder {
  private readonly dictionaries: Interned[];
  private readonly k: number;
  /** The sample so far (unsorted): priorities, positions and rows × columns values. */
  private pri = new Float64Array(0);
  private pos = new Float64Array(0);
  private values = new Float64Array(0);
  private m = 0;
  /** Rows of priority at or above this are not in the sample (the cap-th smallest so far). */
  private threshold = Infinity;

  constructor(
    private readonly columns: string[],
    private readonly categorical: boolean[],
    private readonly cap = WINDOW_SAMPLE_CAP,
  ) {
    this.dictionaries = columns.map(() => new Interned());
    this.k = columns.length;
  }

  /** `rows`: the table rows scored (all when undefined); `offset`: rows this part scored before the table. */
  addTable(table: Table, rows: Int32Array | undefined, offset: number): void {
    const n = rows ? rows.length : table.rowCount;
    if (n === 0) return;
    const cap = this.cap;
    const file = hashName(table.source);
    const first = table.firstRow ?? 0;
    // Candidates of this table, with the sample so far competing for the same cap.
    const limit = 2 * cap;
    let cp = new Float64Array(Math.min(n, limit));
    let ci = new Int32Array(cp.length);
    let m = 0;
    let threshold = this.threshold;
    for (let i = 0; i < n; i++) {
      const p = rowPriority(file, first + (rows ? rows[i]! : i));
      if (p >= threshold) continue;
      if (m === cp.length) {
        if (m >= limit) {
          // Full: keep this table's cap smallest (the sample so far only makes the cut harder).
          threshold = Math.min(threshold, cp.slice(0, m).sort()[cap]!);
          let w = 0;
          for (let q = 0; q < m; q++) {
            if (cp[q]! < threshold) {
              cp[w] = cp[q]!;
              ci[w++] = ci[q]!;
            }
          }
          m = w;
        }
        if (m === cp.length) {
          const p2 = new Float64Array(Math.min(limit, 2 * m));
          p2.set(cp);
          cp = p2;
          const i2 = new Int32Array(p2.length);
          i2.set(ci);
          ci = i2;
        }
        if (p >= threshold) continue;
      }
      cp[m] = p;
      ci[m++] = i;
    }
    if (m === 0) return;
    // The sample so far and this table's candidates: the cap smallest of both.
    const all = new Float64Array(this.m + m);
    all.set(this.pri.subarray(0, this.m));
    all.set(cp.subarray(0, m), this.m);
    const cut = this.m + m > cap ? all.sort()[cap]! : Infinity;
    const k = this.k;
    let kept = 0;
    for (let q = 0; q < this.m; q++) if (this.pri[q]! < cut) kept++;
    let added = 0;
    for (let q = 0; q < m; q++) if (cp[q]! < cut) added++;
    const pri = new Float64Array(kept + added);
    const pos = new Float64Array(kept + added);
    const values = new Float64Array((kept + added) * k);
    let w = 0;
    for (let q = 0; q < this.m; q++) {
      if (this.pri[q]! >= cut) continue;
      pri[w] = this.pri[q]!;
      pos[w] = this.pos[q]!;
      values.set(this.values.subarray(q * k, q * k + k), w * k);
      w++;
    }
    const from = w;
    const tableRows = new Int32Array(added);
    for (let q = 0; q < m; q++) {
      if (cp[q]! >= cut) continue;
      pri[w] = cp[q]!;
      pos[w] = offset + ci[q]!;
      tableRows[w - from] = rows ? rows[ci[q]!]! : ci[q]!;
      w++;
    }
    // The inputs of the rows that made the cut, a column at a time.
    for (let j = 0; j < k; j++)
      copyColumn(table.columns.get(this.columns[j]!), tableRows, this.categorical[j]!, this.dictionaries[j]!, values, from * k + j, k);
    this.pri = pri;
    this.pos = pos;
    this.values = values;
    this.m = w;
    if (w >= cap) {
      let hi = -Infinity;
      for (let q = 0; q < w; q++) if (pri[q]! > hi) hi = pri[q]!;
      this.threshold = Math.min(threshold, hi);
    }
  }

  result(): RowSample {
    const n = this.m;
    const k = this.k;
    // Sorted by priority: the priorities sorted as numbers, each found back by its value.
    const sorted = this.pri.slice(0, n).sort();
    const at = new Map<number, number>();
    for (let q = 0; q < n; q++) at.set(this.pri[q]!, q);
    let order: number[];
    if (at.size === n) order = Array.from(sorted, (p) => at.get(p)!);
    else order = Array.from({ length: n }, (_, i) => i).sort((a, b) => this.pri[a]! - this.pri[b]! || this.pos[a]! - this.pos[b]!);
    const s: RowSample = {
      columns: this.columns,
      categorical: this.categorical,
      categories: this.dictionaries.map((d) => [...d.values]),
      cap: this.cap,
      rows: n,
      priority: new Float64Array(n),
      position: new Float64Array(n),
      values: new Float64Array(n * k),
    };
    for (let to = 0; to < n; to++) {
      const from = order[to]!;
      s.priority[to] = this.pri[from]!;
      s.position[to] = this.pos[from]!;
      for (let j = 0; j < k; j++) s.values[to * k + j] = this.values[from * k + j]!;
    }
    return canonical(s);
  }
}

/** One column's values at `rows` into `out` from `start`, every `stride`. */
function copyColumn(col: Column | undefined, rows: Int32Array, categorical: boolean, dict: Interned, out: Float64Array, start: number, stride: number): void {
  const n = rows.length;
  if (!categorical && col && col.kind === 'number' && !col.nulls) {
    const v = col.values;
    for (let q = 0, o = start; q < n; q++, o += stride) out[o] = v[rows[q]!]!;
    return;
  }
  for (let q = 0, o = start; q < n; q++, o += stride) out[o] = valueOf(col, rows[q]!, categorical, dict);
}

function valueOf(col: Column | undefined, r: number, categorical: boolean, dict: Interned): number {
  if (!col) return NaN;
  if (!categorical) {
    if (col.kind === 'string') return col.values[r] === null ? NaN : Number(col.values[r]);
    return col.nulls?.[r] ? NaN : col.values[r]!;
  }
  if (col.kind === 'string') return col.values[r] === null ? NaN : dict.code(col.values[r]!);
  if (col.nulls?.[r]) return NaN;
  return dict.code(col.kind === 'number' ? String(col.values[r]) : col.values[r] ? 'true' : 'false');
}

/** The `cap` rows of smallest priority of `parts` (each in priority order, codes in one numbering), in priority order. */
function keepSmallest(parts: RowSample[], cap: number): RowSample {
  const first = parts[0]!;
  const k = first.columns.length;
  const total = parts.reduce((n, s) => n + s.rows, 0);
  const n = Math.min(cap, total);
  const out: RowSample = { ...first, cap, rows: n, priority: new Float64Array(n), position: new Float64Array(n), values: new Float64Array(n * k) };
  const next = parts.map(() => 0);
  for (let q = 0; q < n; q++) {
    // The part whose next row has the smallest priority (the earlier part on a tie).
    let best = -1;
    for (let j = 0; j < parts.length; j++) {
      const s = parts[j]!;
      if (next[j]! < s.rows && (best < 0 || s.priority[next[j]!]! < parts[best]!.priority[next[best]!]!)) best = j;
    }
    const s = parts[best]!;
    const i = next[best]!++;
    out.priority[q] = s.priority[i]!;
    out.position[q] = s.position[i]!;
    for (let j = 0; j < k; j++) out.values[q * k + j] = s.values[i * k + j]!;
  }
  return out;
}

/** Categories renumbered in the order the sample's rows (priority order) first show them; unused ones dropped. */
function canonical(s: RowSample): RowSample {
  const k = s.columns.length;
  const values = s.values.slice();
  const categories = s.categories.map((cats, j) => {
    if (!s.categorical[j]) return [];
    const dict = new Interned();
    for (let i = 0; i < s.rows; i++) {
      const c = values[i * k + j]!;
      if (c === c) values[i * k + j] = dict.code(cats[c]!);
    }
    return dict.values;
  });
  return { ...s, categories, values };
}

/**
 * Samples of consecutive parts joined: `offsets[i]` is the number of scored rows before part i.
 * Each part's codes are mapped to one numbering first.
 */
export function mergeSamples(samples: RowSample[], offsets: number[]): RowSample {
  const first = samples[0]!;
  const k = first.columns.length;
  const dicts = first.columns.map(() => new Interned());
  const mapped = samples.map((s, n) => {
    const values = s.values.slice();
    s.categorical.forEach((cat, j) => {
      if (!cat) return;
      const remap = s.categories[j]!.map((v) => dicts[j]!.code(v));
      for (let i = 0; i < s.rows; i++) {
        const c = values[i * k + j]!;
        if (c === c) values[i * k + j] = remap[c]!;
      }
    });
    const position = new Float64Array(s.rows);
    for (let i = 0; i < s.rows; i++) position[i] = s.position[i]! + offsets[n]!;
    return { ...s, values, position };
  });
  const kept = keepSmallest(mapped, first.cap);
  return canonical({ ...kept, categories: dicts.map((d) => d.values) });
}

/** The first `cap` rows (a uniform sample of the sample) as plain JSON. */
export function storeSample(s: RowSample, cap: number): StoredSample {
  const n = Math.min(cap, s.rows);
  const k = s.columns.length;
  const cut = canonical({ ...s, rows: n, values: s.values.subarray(0, n * k) });
  return { columns: s.columns, categorical: s.categorical, categories: cut.categories, rows: n, values: Array.from(cut.values) };
}

/**
 * The rows as a matrix. With `reference`, a category is given the reference's code for it (one the
 * reference never saw gets a code after the reference's), so that both sides mean the same by a code.
 */
export function sampleMatrix(s: RowSample | StoredSample, reference?: StoredSample): RowMatrix {
  const k = s.columns.length;
  const values = Float64Array.from(s.values);
  if (reference) {
    s.categorical.forEach((cat, j) => {
      if (!cat) return;
      const at = reference.columns.indexOf(s.columns[j]!);
      const dict = new Interned([...(at >= 0 ? reference.categories[at]! : [])]);
      const remap = s.categories[j]!.map((v) => dict.code(v));
      for (let i = 0; i < s.rows; i++) {
        const c = values[i * k + j]!;
        if (c === c) values[i * k + j] = remap[c]!;
      }
    });
  }
  return { columns: [...s.columns], rows: s.rows, values, categorical: [...s.categorical] };
}

/** The model's output (regression value) and the label (NaN: none) of each sampled row, from the part it was sampled from. */
export function sampleOutputs(s: RowSample, c: { yPredValue?: Float64Array; yTrueValue?: Float64Array }): { yPred: Float64Array; yTrue: Float64Array } {
  const yPred = new Float64Array(s.rows);
  const yTrue = new Float64Array(s.rows);
  for (let i = 0; i < s.rows; i++) {
    const at = s.position[i]!;
    yPred[i] = c.yPredValue ? c.yPredValue[at]! : NaN;
    yTrue[i] = c.yTrueValue ? c.yTrueValue[at]! : NaN;
  }
  return { yPred, yTrue };
}
