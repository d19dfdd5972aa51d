/**
 * Streams tables (one per file of the window) through a prepared model in batches and keeps only
 * what the metrics need: true and predicted class indices, probabilities or regression values.
 */
import type { Column, Table } from '../data/table.js';
import type { InvalidValues } from '../../domain/evaluation.js';
import { columnsWord } from '../../domain/escape.js';
import { didYouMean } from '../../domain/suggest.js';
import { UpkeepError } from '../errors.js';
import { canonicalLabel, type PreparedModel } from './model.js';
import type { InferenceRunner, TensorData } from './runner.js';
import { lowerBound } from '../math/sort.js';
import { Interned } from './intern.js';
import { binCodes, valueCodes, type ValueCoder } from './segments/bin-codes.js';
import { SearchRowsBuilder, type SearchKeep, type SearchRows } from './segments/sample.js';
import { checkProbabilityRows, type OutputIssues, type OutputProblem } from './output-check.js';
import { Growable } from './growable.js';
import { SampleBuilder, type RowSample } from './row-sample.js';
import { allFinite, allMissing, argmaxRows, missingLabels, someTruth, tensorBuffer } from './row-helpers.js';
import type { LoggedCounts } from './logged.js';

export interface EvaluatorOptions {
  batchSize?: number;
  /** What to do with rows whose features are missing or non-finite, or whose label is not finite (a missing label makes an unlabelled row). */
  invalidRows: { action: 'drop' | 'fail'; maxShare: number };
  onProgress?: (p: { rowsDone: number; file: string }) => void;
  /** Columns whose value is kept per evaluated row, for metrics per slice. */
  segments?: string[];
  /** Of `segments`, numeric columns kept as their bin (the inner edges, ascending; segments/plan.ts), interned as "0", "1", …. */
  bins?: Record<string, number[]>;
  /** Keep a uniform sample of the scored rows' model inputs (row-sample.ts), for estimation and multivariate drift. */
  sample?: boolean;
  /** Keep the segment search's rows (segments/sample.ts). */
  search?: SearchKeep;
}

/** Collected predictions, ready for the metric functions. */
export interface Collected {
  task: PreparedModel['task'];
  /** Scored rows (the arrays' length), labelled or not. */
  rows: number;
  /**
   * Of `rows`, those whose label is missing (null, empty, or the label column absent from the file):
   * scored and kept for estimation, marked -1 in yTrueClass or NaN in yTrueValue. Absent: none.
   */
  unlabelled?: number;
  /** Files that have no label column at all (every row of theirs is unlabelled), each with a "did you mean" hint when one applies. */
  labelAbsent?: string[];
  rowsRead: number;
  droppedRows: number;
  invalid: InvalidValues[];
  /** Classifiers: class indices; labels unknown to the model get indices ≥ classes.length; -1: unlabelled. */
  yTrueClass?: Int32Array;
  yPredClass?: Int32Array;
  proba?: Float64Array | Float32Array;
  /** All labels: the model's classes, then unknown true labels in order of appearance. */
  labels?: string[];
  yTrueValue?: Float64Array;
  yPredValue?: Float64Array;
  /** Binary models: P(positive) split by true class, each sorted ascending (for the ranking metrics). */
  sortedScores?: { pos: Float64Array | Float32Array; neg: Float64Array | Float32Array };
  /** A window joined as its parts came in (window-arrays.ts): each part's sorted scores, merged when finishing. */
  scoreRuns?: { pos: Float64Array | Float32Array; neg: Float64Array | Float32Array }[];
  /** Per segment column: the value of each evaluated row, as codes into `values` (missing: "(missing)"). */
  segments?: Record<string, { codes: Int32Array; values: string[] }>;
  /** The labelled rows the segment search will use, with its columns coded (segments/sample.ts); positions index these arrays. */
  search?: SearchRows;
  /** Rows whose outputs are not finite, out of [0, 1] or do not sum to 1 (output-check.ts): the window fails. */
  outputIssues?: OutputIssues;
  /** A uniform sample of the scored rows' model inputs, when asked for (positions index these arrays). */
  sample?: RowSample;
  /** The logged outputs against the re-score (data.logged, logged.ts): counts and a few example keys. */
  logged?: LoggedCounts;
}

/** Int64 labels are read from their two 32-bit words, low word first on a little-endian machine. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export class Evaluator {
  private readonly batchSize: number;
  private readonly labels = new Interned();
  private readonly yTrueClass = new Growable((n) => new Int32Array(n));
  private readonly yPredClass = new Growable((n) => new Int32Array(n));
  /** Float32 while every probability batch so far came as float32 (an ONNX model's float output): the same numbers in half the bytes. */
  private proba: Growable<Float32Array | Float64Array> = new Growable<Float32Array | Float64Array>((n) => new Float32Array(n));
  private probaFloat32 = true;
  private readonly yTrueValue = new Growable((n) => new Float64Array(n));
  private readonly yPredValue = new Growable((n) => new Float64Array(n));
  private readonly segmentCodes = new Map<string, { codes: Growable<Int32Array> } & ValueCoder>();
  private rowsRead = 0;
  private dropped = 0;
  private unlabelled = 0;
  private readonly labelAbsent: string[] = [];
  /** The table being added: per table row, 1 when its label is missing (undefined: none is; `all`: the column is absent). */
  private missingLabel: Uint8Array | 'all' | undefined;
  private readonly invalid: InvalidValues[] = [];
  private outputIssues: OutputIssues | undefined;
  private readonly sampler: SampleBuilder | undefined;
  private readonly searchRows: SearchRowsBuilder | undefined;
  /** The table rows the last table evaluated (rows dropped as invalid left out; undefined: every row). */
  kept: Int32Array | undefined;

  constructor(
    private readonly model: PreparedModel,
    private readonly runner: InferenceRunner,
    private readonly labelColumn: string,
    private readonly opts: EvaluatorOptions,
  ) {
    this.batchSize = opts.batchSize ?? 65536;
    for (const c of model.classes ?? []) this.classIndex(c);
    if (opts.search) this.searchRows = new SearchRowsBuilder(opts.search);
    if (opts.sample) {
      const inputs = model.inputs.flatMap((i) => i.columns.map((c) => ({ c, categorical: i.type === 'string' })));
      this.sampler = new SampleBuilder(
        inputs.map((i) => i.c),
        inputs.map((i) => i.categorical),
      );
    }
  }

  private classIndex(label: string): number {
    return this.labels.code(label);
  }

  private fail(file: string, type: 'SchemaMismatch' | 'InvalidData', msg: string): UpkeepError {
    return new UpkeepError(type, `model ${this.model.modelId}: file ${file}: ${msg}`);
  }

  /** Checks columns and types, and returns the indices of rows that can be evaluated. */
  private validate(table: Table): Int32Array | undefined {
    const file = table.source;
    const present = table.fileColumns ?? [...table.columns.keys()];
    const need = (column: string, role: string): Column => {
      const col = table.columns.get(column);
      if (!col) {
        // Suggest only columns no other role of the spec already names.
        const claimed = new Set([...this.model.inputs.flatMap((i) => i.columns), this.labelColumn]);
        throw this.fail(
          file,
          'SchemaMismatch',
          `column ${column} (${role}) is missing; ${columnsWord(present.length)}, none of that name${didYouMean(
            column,
            present.filter((c) => !claimed.has(c) && c.length <= 100),
          )}`,
        );
      }
      return col;
    };
    const checked: { name: string; col: Column; labelled?: boolean }[] = [];
    for (const input of this.model.inputs) {
      for (const column of input.columns) {
        const col = need(column, `input ${input.name}`);
        if (input.type !== 'string' && col.kind === 'string') {
          const row = col.values.findIndex((v) => v !== null && Number.isNaN(Number(v)));
          throw this.fail(
            file,
            'SchemaMismatch',
            `column ${column} holds text (first in row ${(table.firstRow ?? 0) + Math.max(row, 0) + 1}) but input ${input.name} expects ${input.type} numbers`,
          );
        }
        if (input.type === 'int64' && col.kind === 'number' && col.sourceType === 'float') {
          for (let r = 0; r < table.rowCount; r++) {
            const v = col.values[r]!;
            if (Number.isFinite(v) && !Number.isInteger(v)) {
              throw this.fail(
                file,
                'SchemaMismatch',
                `column ${column} holds fractional values (first in row ${(table.firstRow ?? 0) + r + 1}) but input ${input.name} expects int64`,
              );
            }
          }
        }
        checked.push({ name: column, col });
      }
    }
    // A missing label is not an invalid row: the row is scored and its label comes later (unlabelled).
    const label = table.columns.get(this.labelColumn);
    this.missingLabel = label ? missingLabels(label, table.rowCount) : table.rowCount > 0 ? 'all' : undefined;
    if (!label && table.rowCount > 0 && !this.labelAbsent.some((f) => f.startsWith(file))) {
      // The file's name, with the nearest column of another name when the label column may be misspelt.
      const claimed = new Set(this.model.inputs.flatMap((i) => i.columns));
      this.labelAbsent.push(
        `${file}${didYouMean(
          this.labelColumn,
          present.filter((c) => !claimed.has(c) && c.length <= 100),
        )}`,
      );
    }
    if (label && this.model.task === 'regression' && label.kind === 'string' && !allMissing(label)) {
      throw this.fail(file, 'SchemaMismatch', `label column ${this.labelColumn} holds text but a regression model needs numbers`);
    }
    // Labels that are there but not finite (NaN, ±Infinity) still make the row invalid.
    if (label && label.kind === 'number') checked.push({ name: this.labelColumn, col: label, labelled: true });
    // A slice column that is not there would make one slice of every row, "(missing)".
    for (const segment of this.opts.segments ?? []) need(segment, 'group column: monitor.segments, fairness or segments.columns');

    let bad: Uint8Array | undefined;
    for (const { name, col, labelled } of checked) {
      let nulls = 0;
      let nan = 0;
      let infinite = 0;
      const n = table.rowCount;
      const mark = (r: number): void => {
        bad ??= new Uint8Array(n);
        bad[r] = 1;
      };
      if (col.kind === 'string') {
        for (let r = 0; r < n; r++) {
          if (col.values[r] === null) {
            nulls++;
            mark(r);
          }
        }
      } else if (col.kind === 'boolean') {
        for (let r = 0; r < n; r++) {
          if (col.nulls?.[r]) {
            nulls++;
            mark(r);
          }
        }
      } else {
        const v = col.values;
        // Usually every value is finite: one branch-free pass says so, and the scan below is skipped.
        for (let r = allFinite(v, n) ? n : 0; r < n; r++) {
          const x = v[r]!;
          if (x - x !== 0) {
            // NaN or ±Infinity
            if (labelled && col.nulls?.[r]) continue; // a missing label: an unlabelled row
            if (col.nulls?.[r]) nulls++;
            else if (Number.isNaN(x)) nan++;
            else infinite++;
            mark(r);
          }
        }
      }
      if (nulls + nan + infinite > 0) this.invalid.push({ file, column: name, nulls, nan, infinite });
    }
    this.rowsRead += table.rowCount;
    const missing = this.missingLabel;
    if (!bad) {
      if (missing === 'all') this.unlabelled += table.rowCount;
      else if (missing) for (let r = 0; r < table.rowCount; r++) this.unlabelled += missing[r]!;
      return undefined;
    }
    const keep: number[] = [];
    for (let r = 0; r < table.rowCount; r++) if (!bad[r]) keep.push(r);
    if (missing === 'all') this.unlabelled += keep.length;
    else if (missing) for (const r of keep) this.unlabelled += missing[r]!;
    const droppedHere = table.rowCount - keep.length;
    if (this.opts.invalidRows.action === 'fail') {
      const detail = this.invalid
        .filter((i) => i.file === file)
        .map((i) => `${i.column}: ${i.nulls} missing, ${i.nan} NaN, ${i.infinite} infinite`)
        .join('; ');
      throw this.fail(
        file,
        'InvalidData',
        `${droppedHere} of ${table.rowCount} rows have missing or non-finite values (${detail}); invalid_rows.action is fail`,
      );
    }
    this.dropped += droppedHere;
    return Int32Array.from(keep);
  }

  /**
   * Numeric input buffers of batches already scored, by input name, to fill again: a full batch's
   * tensor is megabytes (rows × columns), and a fresh one per batch is fresh memory to fault in and
   * collect. A buffer comes back here only once its batch's outputs are read (see addTable).
   */
  private readonly spare = new Map<string, Float32Array | Float64Array | BigInt64Array>();

  private buildFeeds(table: Table, rows: Int32Array | undefined, start: number, count: number): Record<string, TensorData> {
    const feeds: Record<string, TensorData> = {};
    const at = rows ? (i: number) => rows[start + i]! : (i: number) => start + i;
    for (const input of this.model.inputs) {
      const k = input.columns.length;
      const dims = [count, k];
      if (input.type === 'string') {
        const out = new Array<string>(count * k);
        input.columns.forEach((name, j) => {
          const col = table.columns.get(name)!;
          for (let i = 0; i < count; i++) {
            const r = at(i);
            out[i * k + j] = col.kind === 'string' ? col.values[r]! : col.kind === 'number' ? String(col.values[r]) : col.values[r] ? 'true' : 'false';
          }
        });
        feeds[input.name] = { type: 'string', data: out, dims };
        continue;
      }
      const out = tensorBuffer(input.type, count * k, this.spare.get(input.name));
      this.spare.delete(input.name);
      const sources = input.columns.map((name) => (table.columns.get(name)! as Exclude<Column, { kind: 'string' }>).values);
      if (out instanceof BigInt64Array) {
        sources.forEach((v, j) => {
          for (let i = 0; i < count; i++) out[i * k + j] = BigInt(v[at(i)]!);
        });
      } else if (!rows && k === 1) {
        out.set(sources[0]!.subarray(start, start + count));
      } else {
        // Row-major [count, k] from k columns, in blocks of rows so that writes stay in cache.
        const BLOCK = 1024;
        for (let b = 0; b < count; b += BLOCK) {
          const end = Math.min(count, b + BLOCK);
          for (let j = 0; j < k; j++) {
            const v = sources[j]!;
            if (rows) {
              for (let i = b, o = b * k + j; i < end; i++, o += k) out[o] = v[rows[start + i]!]!;
            } else {
              for (let i = b, o = b * k + j, r = start + b; i < end; i++, o += k, r++) out[o] = v[r]!;
            }
          }
        }
      }
      feeds[input.name] = { type: input.type, data: out, dims };
    }
    return feeds;
  }

  private collectSegments(table: Table, rows: Int32Array | undefined): void {
    for (const name of this.opts.segments ?? []) {
      let seg = this.segmentCodes.get(name);
      if (!seg) {
        seg = { codes: new Growable((n) => new Int32Array(n)), values: new Interned() };
        this.segmentCodes.set(name, seg);
      }
      const col = table.columns.get(name);
      const n = rows ? rows.length : table.rowCount;
      const out = new Int32Array(n);
      const edges = this.opts.bins?.[name];
      if (edges && col && col.kind === 'number') {
        binCodes(col, edges, seg.values, rows, out);
        seg.codes.push(out);
        continue;
      }
      valueCodes(col, seg, rows, out);
      seg.codes.push(out);
    }
  }

  private readonly smallLabels = new Int32Array(1024).fill(-1);
  private readonly otherLabels = new Map<number, number>();

  /** Class index of a numeric label: an array for small integer labels, a map for the rest. */
  private numericLabelLookup(): (x: number) => number {
    const small = this.smallLabels;
    const other = this.otherLabels;
    return (x) => {
      if (x >= 0 && x < 1024 && (x | 0) === x) {
        let idx = small[x]!;
        if (idx < 0) idx = small[x] = this.classIndex(canonicalLabel(x));
        return idx;
      }
      let idx = other.get(x);
      if (idx === undefined) {
        idx = this.classIndex(canonicalLabel(x));
        other.set(x, idx);
      }
      return idx;
    };
  }

  private collectTruth(table: Table, rows: Int32Array | undefined): void {
    const n = rows ? rows.length : table.rowCount;
    const missing = this.missingLabel;
    if (missing === 'all') {
      if (this.model.task === 'regression') this.yTrueValue.push(new Float64Array(n).fill(NaN));
      else this.yTrueClass.push(new Int32Array(n).fill(-1));
      return;
    }
    const col = table.columns.get(this.labelColumn)!;
    const at = rows ? (i: number) => rows[i]! : (i: number) => i;
    if (missing) {
      const out = someTruth(this.model.task === 'regression', col, n, at, missing, (l) => this.classIndex(l), this.numericLabelLookup());
      if (out instanceof Float64Array) this.yTrueValue.push(out);
      else this.yTrueClass.push(out);
      return;
    }
    if (this.model.task === 'regression') {
      const v = (col as Exclude<Column, { kind: 'string' }>).values;
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = v[at(i)]!;
      this.yTrueValue.push(out);
      return;
    }
    const out = new Int32Array(n);
    if (col.kind === 'string') {
      for (let i = 0; i < n; i++) out[i] = this.classIndex(col.values[at(i)]!);
    } else {
      const lookup = this.numericLabelLookup();
      const v = col.values;
      if (rows) for (let i = 0; i < n; i++) out[i] = lookup(v[rows[i]!]!);
      else for (let i = 0; i < n; i++) out[i] = lookup(v[i]!);
    }
    this.yTrueClass.push(out);
  }

  /** Counts a row whose output is wrong; the first one of each problem is kept with its file row. */
  private noteOutput(problem: OutputProblem, file: string, row: number, value: number): void {
    const issues = (this.outputIssues ??= {});
    const seen = issues[problem];
    if (seen) seen.rows++;
    else issues[problem] = { rows: 1, file, row, value };
  }

  /** An output whose shape is not [rows, ...] of this batch: nothing can be read from it. */
  private badShape(output: string, dims: number[], file: string, count: number, expected: string): UpkeepError {
    return new UpkeepError(
      'ModelOutputInvalid',
      `model ${this.model.modelId}: output ${output}: shape [${dims.join(', ')}] for a batch of ${count} rows of ${file}; expected ${expected}`,
    );
  }

  /**
   * Reads one batch's outputs, checking them in the same pass: shapes against the batch's rows
   * (and the classes), probabilities finite, within [0, 1] and summing to 1 per row, regression
   * values finite. `rowOf(i)` is the file row (1-based) of the batch's row i, for the first bad one.
   */
  private collectOutputs(outputs: Record<string, TensorData>, count: number, file: string, rowOf: (i: number) => number): void {
    const m = this.model;
    if (m.task === 'regression') {
      const t = outputs[m.valueOutput!]!;
      const d = t.dims;
      if (!((d.length === 1 || (d.length === 2 && d[1] === 1)) && d[0] === count && t.data.length === count)) {
        throw this.badShape(m.valueOutput!, d, file, count, `[${count}] or [${count}, 1] (one value per row: upkeep evaluates single-target regression)`);
      }
      const v = t.data as Float32Array | Float64Array;
      for (let i = 0; i < count; i++) {
        const x = v[i]!;
        if (x - x !== 0) this.noteOutput('not-finite', file, rowOf(i), x);
      }
      this.yPredValue.push(v);
      return;
    }
    const k = m.classes!.length;
    const p = outputs[m.probaOutput!]!;
    if (!(p.dims.length === 2 && p.dims[0] === count && p.dims[1] === k && p.data.length === count * k)) {
      throw this.badShape(m.probaOutput!, p.dims, file, count, `[${count}, ${k}] (rows × classes: ${m.classes!.join(', ')})`);
    }
    const probs = p.data as Float32Array | Float64Array;
    const pred = new Int32Array(count);
    checkProbabilityRows(probs, count, k, (problem, i, value) => this.noteOutput(problem, file, rowOf(i), value));
    // The predicted class is the label output's when there is one, else the most probable class.
    if (!m.labelOutput) argmaxRows(probs, count, k, pred);
    if (!(probs instanceof Float32Array) && this.probaFloat32) {
      // A float64 batch: the probabilities so far are widened (exactly) and stay float64.
      this.probaFloat32 = false;
      const wide = new Growable<Float32Array | Float64Array>((n) => new Float64Array(n));
      wide.push(this.proba.view());
      this.proba = wide;
    }
    this.proba.push(probs);
    if (m.labelOutput) {
      const t = outputs[m.labelOutput]!;
      if (!(t.dims.length === 1 && t.dims[0] === count && t.data.length === count))
        throw this.badShape(m.labelOutput, t.dims, file, count, `[${count}] (one label per row)`);
      const l = t.data;
      if (Array.isArray(l)) {
        for (let i = 0; i < count; i++) pred[i] = this.classIndex(l[i]!);
      } else if (l instanceof BigInt64Array && LITTLE_ENDIAN) {
        // Small labels are read from the words of the int64 values, without a BigInt per row.
        const lookup = this.numericLabelLookup();
        const small = this.smallLabels;
        const words = new Int32Array(l.buffer, l.byteOffset, 2 * count);
        for (let i = 0; i < count; i++) {
          const x = words[2 * i]!;
          const known = words[2 * i + 1] === 0 && x >= 0 && x < 1024 ? small[x]! : -1;
          pred[i] = known >= 0 ? known : lookup(Number(l[i]!));
        }
      } else {
        const lookup = this.numericLabelLookup();
        const labels = l as BigInt64Array | Int32Array;
        for (let i = 0; i < count; i++) pred[i] = lookup(Number(labels[i]!));
      }
    }
    this.yPredClass.push(pred);
  }

  /**
   * Evaluates one table; rows are processed in batches with up to two batches in flight. A batch
   * never spans one of `breaks` (table rows, e.g. where Parquet row groups start): inference can
   * differ in the last bits with the batch a row is in, so a row group's batches are the same
   * whatever range of groups a shard reads.
   */
  async addTable(table: Table, breaks: number[] = []): Promise<void> {
    const rows = (this.kept = this.validate(table));
    const total = rows ? rows.length : table.rowCount;
    // Break positions among the evaluated rows (dropped rows removed), ascending, ending at total.
    const stops = [...breaks.map((b) => (rows ? lowerBound(rows, b) : b)).filter((b) => b > 0 && b < total), total];
    if (total === 0) return;
    // Each array grows once, to its exact size, instead of doubling (and being copied) as batches come.
    if (this.model.task === 'regression') {
      this.yTrueValue.reserveExact(total);
      this.yPredValue.reserveExact(total);
    } else {
      this.yTrueClass.reserveExact(total);
      this.yPredClass.reserveExact(total);
      this.proba.reserveExact(total * this.model.classes!.length);
    }
    const offset = this.model.task === 'regression' ? this.yTrueValue.length : this.yTrueClass.length;
    this.sampler?.addTable(table, rows, offset);
    this.collectTruth(table, rows);
    // Labelled rows only: the search is on realized losses.
    this.searchRows?.addTable(table, rows, offset, this.missingLabel);
    this.collectSegments(table, rows);
    const outputNames = [this.model.labelOutput, this.model.probaOutput, this.model.valueOutput].filter((n): n is string => !!n);
    const inFlight: { promise: Promise<Record<string, TensorData>>; start: number; count: number; feeds: Record<string, TensorData> }[] = [];
    const firstRow = (table.firstRow ?? 0) + 1;
    let done = 0;
    const drain = async (): Promise<void> => {
      const next = inFlight.shift()!;
      let out;
      try {
        out = await next.promise;
      } catch (err) {
        throw new UpkeepError('InvalidModel', `model ${this.model.modelId}: inference failed on ${table.source}: ${(err as Error).message}`, { cause: err });
      }
      const from = next.start;
      this.collectOutputs(out, next.count, table.source, rows ? (i) => firstRow + rows[from + i]! : (i) => firstRow + from + i);
      // The batch is scored and its outputs read: its numeric input buffers can take the next batch.
      for (const [name, t] of Object.entries(next.feeds)) if (t.type !== 'string') this.spare.set(name, t.data as Float32Array | Float64Array | BigInt64Array);
      done += next.count;
      this.opts.onProgress?.({ rowsDone: done, file: table.source });
    };
    try {
      for (let start = 0, stop = 0, count = 0; start < total; start += count) {
        while (stops[stop]! <= start) stop++;
        count = Math.min(this.batchSize, stops[stop]! - start);
        const feeds = this.buildFeeds(table, rows, start, count);
        const promise = this.runner.run(this.model.key, feeds, outputNames);
        promise.catch(() => undefined); // handled in drain
        inFlight.push({ promise, start, count, feeds });
        if (inFlight.length >= 2) await drain();
      }
      while (inFlight.length > 0) await drain();
    } finally {
      await Promise.allSettled(inFlight.map((f) => f.promise));
    }
  }

  /** The collected predictions; `compact` returns exact-size copies (for transfer between threads). */
  finish(compact = false): Collected {
    const rows = this.model.task === 'regression' ? this.yTrueValue.length : this.yTrueClass.length;
    const base = {
      task: this.model.task,
      rows,
      rowsRead: this.rowsRead,
      droppedRows: this.dropped,
      invalid: this.invalid,
      ...(this.unlabelled > 0 ? { unlabelled: this.unlabelled } : {}),
      ...(this.labelAbsent.length > 0 ? { labelAbsent: [...this.labelAbsent] } : {}),
      ...(this.sampler ? { sample: this.sampler.result() } : {}),
      ...(this.searchRows ? { search: this.searchRows.result() } : {}),
      ...(this.outputIssues ? { outputIssues: this.outputIssues } : {}),
    };
    const take = <T extends Float64Array | Float32Array | Int32Array>(g: Growable<T>): T => (compact ? g.copy() : g.view());
    const segments =
      this.segmentCodes.size > 0
        ? { segments: Object.fromEntries([...this.segmentCodes].map(([k, v]) => [k, { codes: take(v.codes), values: [...v.values.values] }])) }
        : {};
    if (this.model.task === 'regression') {
      return { ...base, ...segments, yTrueValue: take(this.yTrueValue), yPredValue: take(this.yPredValue) };
    }
    return {
      ...base,
      ...segments,
      yTrueClass: take(this.yTrueClass),
      yPredClass: take(this.yPredClass),
      proba: take(this.proba),
      labels: [...this.labels.values],
    };
  }
}
