/**
 * The scored rows of a window, joined as its parts come in: arrays sized once for the window's
 * rows (known from the snapshot and the Parquet footers), each part copied to its place as soon as
 * every part before it has come in, then let go. Peak memory is then the window's rows once (what
 * the exact metrics keep per row) plus the parts in flight, not twice the rows as when the parts
 * are all kept and joined at the end. Labels and slice values unknown to the model are numbered in
 * window order, as mergeCollected numbers them.
 */
import type { Collected } from './evaluator.js';
import { invalidByFile } from './engine.js';
import { Interned } from './intern.js';
import { SearchRowsJoiner } from './segments/sample.js';
import { mergeOutputIssues, type OutputIssues } from './output-check.js';
import { mergeSamples, type RowSample } from './row-sample.js';
import { mergeLogged, type LoggedCounts } from './logged.js';

type Runs = NonNullable<Collected['scoreRuns']>;

export class WindowArrays {
  private readonly waiting: (Collected | undefined)[] = [];
  private next = 0;
  private rows = 0;
  private rowsRead = 0;
  private dropped = 0;
  private unlabelled = 0;
  private readonly labelAbsent: string[] = [];
  /** The sample of the rows placed so far (undefined once a part without one came). */
  private sample: RowSample | undefined | null = null;
  private readonly invalid: Collected['invalid'] = [];
  private outputIssues: OutputIssues | undefined;
  private logged: LoggedCounts | undefined;
  private readonly labels: Interned;
  private yTrueClass?: Int32Array;
  private yPredClass?: Int32Array;
  /** Float32 while every part's probabilities are (float32 model outputs), else Float64. */
  private proba?: Float64Array | Float32Array;
  private yTrueValue?: Float64Array;
  private yPredValue?: Float64Array;
  private readonly segments = new Map<string, { codes: Int32Array; values: Interned }>();
  /** The segment search's rows; null until a part brings some. */
  private search: SearchRowsJoiner | null = null;
  private runs: Runs | undefined = [];
  private readonly k: number;
  private capacity = 0;

  /** `capacity`: the rows the window's files hold (more only if a file's count was short). */
  constructor(
    private readonly task: Collected['task'],
    classes: string[],
    capacity: number,
    private readonly segmentNames: string[],
    /** Room for the segment search's rows (expectedSearchRows), when the window keeps them. */
    private readonly searchRoom = 0,
  ) {
    this.labels = new Interned([...classes]);
    this.k = classes.length;
    for (const name of segmentNames) this.segments.set(name, { codes: new Int32Array(0), values: new Interned() });
    this.grow(capacity);
  }

  private grow(capacity: number): void {
    const n = this.rows;
    const resized = <T extends Int32Array | Float64Array | Float32Array>(a: T | undefined, size: number, make: (m: number) => T): T => {
      const out = make(size);
      if (a) out.set(a.subarray(0, (n * size) / Math.max(1, capacity)) as never);
      return out;
    };
    if (this.task === 'regression') {
      this.yTrueValue = resized(this.yTrueValue, capacity, (m) => new Float64Array(m));
      this.yPredValue = resized(this.yPredValue, capacity, (m) => new Float64Array(m));
    } else {
      // In shared memory: two evaluation threads finish a binary window at once (deferred-metrics.ts).
      this.yTrueClass = resized(this.yTrueClass, capacity, (m) => new Int32Array(new SharedArrayBuffer(4 * m)));
      this.yPredClass = resized(this.yPredClass, capacity, (m) => new Int32Array(new SharedArrayBuffer(4 * m)));
      this.proba = resized(this.proba, capacity * this.k, (m) =>
        this.proba === undefined || this.proba instanceof Float32Array
          ? new Float32Array(new SharedArrayBuffer(4 * m))
          : new Float64Array(new SharedArrayBuffer(8 * m)),
      );
    }
    for (const seg of this.segments.values()) seg.codes = resized(seg.codes, capacity, (m) => new Int32Array(m));
    this.capacity = capacity;
  }

  /** Part `index` has come in (its arrays are taken: the part is left empty). */
  add(index: number, part: Collected): void {
    this.waiting[index] = part;
    while (this.waiting[this.next] !== undefined) {
      this.place(this.waiting[this.next]!);
      this.waiting[this.next++] = undefined;
    }
  }

  private place(p: Collected): void {
    if (this.rows + p.rows > this.capacity) this.grow(Math.max(2 * this.capacity, this.rows + p.rows));
    const at = this.rows;
    if (this.task === 'regression') {
      this.yTrueValue!.set(p.yTrueValue!, at);
      this.yPredValue!.set(p.yPredValue!, at);
    } else {
      const remap = p.labels!.map((l) => this.labels.code(l));
      const t = p.yTrueClass!;
      const q = p.yPredClass!;
      if (remap.every((c, i) => c === i)) {
        // The part numbered its labels as the window does (the usual case): copied as they are.
        this.yTrueClass!.set(t.subarray(0, p.rows), at);
        this.yPredClass!.set(q.subarray(0, p.rows), at);
      } else if (p.unlabelled) {
        // -1 marks an unlabelled row: it stays -1.
        for (let i = 0; i < p.rows; i++) {
          const c = t[i]!;
          this.yTrueClass![at + i] = c < 0 ? c : remap[c]!;
          this.yPredClass![at + i] = remap[q[i]!]!;
        }
      } else {
        for (let i = 0; i < p.rows; i++) {
          this.yTrueClass![at + i] = remap[t[i]!]!;
          this.yPredClass![at + i] = remap[q[i]!]!;
        }
      }
      // A part with Float64 probabilities: the window's become Float64 (the rows so far copied exactly).
      if (!(p.proba instanceof Float32Array) && this.proba instanceof Float32Array) {
        const wide = new Float64Array(new SharedArrayBuffer(8 * this.proba.length));
        wide.set(this.proba.subarray(0, at * this.k));
        this.proba = wide;
      }
      this.proba!.set(p.proba!, at * this.k);
      if (this.task === 'binary') {
        // A part may itself be a joined window (a shard's stored result): its runs come along.
        const runs = p.scoreRuns ?? (p.sortedScores ? [p.sortedScores] : undefined);
        if (runs && this.runs) this.runs.push(...runs);
        else this.runs = undefined;
      }
    }
    for (const name of this.segmentNames) {
      const seg = this.segments.get(name)!;
      const local = p.segments?.[name];
      if (!local) continue;
      const remap = local.values.map((v) => seg.values.code(v));
      // The part numbered its values as the window does (values seen in the same order): copied as they are.
      if (remap.every((c, i) => c === i)) seg.codes.set(local.codes, at);
      else for (let i = 0; i < local.codes.length; i++) seg.codes[at + i] = remap[local.codes[i]!]!;
    }
    if (p.search) (this.search ??= new SearchRowsJoiner(this.searchRoom)).add(p.search, at);
    if (this.sample === null) this.sample = p.sample && mergeSamples([p.sample], [at]);
    else if (this.sample && p.sample) this.sample = mergeSamples([this.sample, p.sample], [0, at]);
    else this.sample = undefined;
    this.rows += p.rows;
    this.rowsRead += p.rowsRead;
    this.dropped += p.droppedRows;
    this.unlabelled += p.unlabelled ?? 0;
    for (const f of p.labelAbsent ?? []) if (!this.labelAbsent.includes(f)) this.labelAbsent.push(f);
    this.invalid.push(...p.invalid);
    this.outputIssues = mergeOutputIssues(this.outputIssues, p.outputIssues);
    this.logged = mergeLogged(this.logged, p.logged);
    for (const key of ['yTrueClass', 'yPredClass', 'proba', 'yTrueValue', 'yPredValue', 'sortedScores', 'scoreRuns', 'segments', 'search', 'sample'] as const)
      delete p[key];
  }

  /** The window's rows as one part (views of the arrays, which are sized for the window's files). */
  result(): Collected {
    if (this.waiting.some((w) => w !== undefined)) throw new Error('a part of the window is missing');
    const n = this.rows;
    const base = {
      task: this.task,
      rows: n,
      rowsRead: this.rowsRead,
      droppedRows: this.dropped,
      invalid: invalidByFile(this.invalid),
      ...(this.unlabelled > 0 ? { unlabelled: this.unlabelled } : {}),
      ...(this.labelAbsent.length > 0 ? { labelAbsent: this.labelAbsent } : {}),
      ...(this.sample ? { sample: this.sample } : {}),
      ...(this.search ? { search: this.search.result() } : {}),
      ...(this.outputIssues ? { outputIssues: this.outputIssues } : {}),
      ...(this.logged ? { logged: this.logged } : {}),
    };
    const segments =
      this.segmentNames.length > 0
        ? { segments: Object.fromEntries([...this.segments].map(([k, v]) => [k, { codes: v.codes.subarray(0, n), values: v.values.values }])) }
        : {};
    if (this.task === 'regression') return { ...base, ...segments, yTrueValue: this.yTrueValue!.subarray(0, n), yPredValue: this.yPredValue!.subarray(0, n) };
    const k = this.k;
    return {
      ...base,
      ...segments,
      labels: this.labels.values,
      yTrueClass: this.yTrueClass!.subarray(0, n),
      yPredClass: this.yPredClass!.subarray(0, n),
      proba: this.proba!.subarray(0, n * k),
      ...(this.task === 'binary' && this.runs ? { scoreRuns: this.runs } : {}),
    };
  }
}
