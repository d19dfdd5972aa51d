/**
 * The outputs a model served, as logged with its predictions (`data.logged`, docs/late-labels.md#logged-predictions-and-skew):
 * compared row by row with the champion's re-score of the same features (training/serving skew),
 * and, with `metrics_from: logged`, put in place of the re-score so that the window is judged on
 * what was served. Only counts and a few example keys are kept: a shard's counts add up exactly.
 */
import type { ModelSpec } from '../../domain/config.js';
import type { LoggedSummary } from '../../domain/evaluation.js';
import { keyText } from '../data/join.js';
import type { Column, Table } from '../data/table.js';
import { UpkeepError } from '../errors.js';
import { canonicalLabel, type PreparedModel } from './model.js';

/** Rows kept as examples of skew (by key, else file and row), the first ones in window order. */
export const SKEW_EXAMPLES = 5;
/** An example key longer than this is cut (history and reports stay small). */
const EXAMPLE_CHARS = 100;

export interface LoggedOptions {
  score?: string;
  prediction?: string;
  tolerance: number;
  /** Put the logged outputs in place of the re-score (metrics_from: logged). */
  useLogged: boolean;
  /** The row key (data.key), for the examples. */
  key?: string;
}

/** What a part of a window found (summed over parts, examples kept in window order). */
export interface LoggedCounts {
  /** Rows with a logged output compared with the re-score. */
  compared: number;
  /** Of those, rows where they disagree beyond the tolerance (or in the class). */
  skewed: number;
  /** Rows without a usable logged output (null, not finite, a score outside [0, 1]): their re-score stands. */
  missing: number;
  examples: string[];
}

export function loggedOptions(spec: Pick<ModelSpec, 'data'>): LoggedOptions | undefined {
  const l = spec.data.logged;
  if (!l) return undefined;
  return {
    ...(l.score ? { score: l.score } : {}),
    ...(l.prediction ? { prediction: l.prediction } : {}),
    tolerance: l.skew_tolerance,
    useLogged: l.metrics_from === 'logged',
    ...(spec.data.key ? { key: spec.data.key } : {}),
  };
}

/** The logged columns a window's files are read for (and the key, for the examples). */
export function loggedColumns(spec: Pick<ModelSpec, 'data'>): string[] {
  const l = spec.data.logged;
  if (!l) return [];
  return [l.score, l.prediction, spec.data.key].filter((c): c is string => c !== undefined);
}

export function mergeLogged(a: LoggedCounts | undefined, b: LoggedCounts | undefined): LoggedCounts | undefined {
  if (!a || !b) return a ?? (b && { ...b, examples: [...b.examples] });
  return {
    compared: a.compared + b.compared,
    skewed: a.skewed + b.skewed,
    missing: a.missing + b.missing,
    examples: [...a.examples, ...b.examples].slice(0, SKEW_EXAMPLES),
  };
}

/** The summary's account of the logged outputs. */
export function loggedSummary(spec: Pick<ModelSpec, 'data'>, counts: LoggedCounts | undefined): LoggedSummary | undefined {
  const l = spec.data.logged;
  if (!l) return undefined;
  const c = counts ?? { compared: 0, skewed: 0, missing: 0, examples: [] };
  return {
    metricsFrom: l.metrics_from,
    ...(l.score ? { score: l.score } : {}),
    ...(l.prediction ? { prediction: l.prediction } : {}),
    tolerance: l.skew_tolerance,
    compared: c.compared,
    skewed: c.skewed,
    share: c.compared > 0 ? c.skewed / c.compared : null,
    missing: c.missing,
    examples: c.examples,
  };
}

/** What a person must know from the logged outputs: skew, and rows judged on their re-score though the window is judged on the logged outputs. */
export function loggedWarnings(l: LoggedSummary): string[] {
  const out: string[] = [];
  const what = [
    l.score !== undefined ? `score (${l.score}) further than ${l.tolerance} from` : '',
    l.prediction !== undefined ? `class (${l.prediction}) other than` : '',
  ]
    .filter(Boolean)
    .join(' or a ');
  if (l.skewed > 0) {
    out.push(
      `training/serving skew: ${l.skewed} of ${l.compared} rows (${(100 * (l.share ?? 0)).toFixed(2)}%) have a logged ${what} the champion's re-score (e.g. ${l.examples.join(', ')})`,
    );
  }
  if (l.missing > 0 && l.metricsFrom === 'logged') {
    out.push(`${l.missing} rows have no usable logged output (missing, not finite, or a score outside [0, 1]): they are judged on the champion's re-score`);
  }
  return out;
}

/** The part of a table scored by the evaluator (evaluator.ts Collected), as far as the logged outputs concern it. */
interface ScoredTable {
  rows: number;
  yPredClass?: Int32Array;
  proba?: Float64Array | Float32Array;
  yPredValue?: Float64Array;
  logged?: LoggedCounts;
}

/**
 * Compares the logged outputs of a scored table with the re-score (and, with metrics_from: logged,
 * puts them in its place); `kept` are the table rows scored (undefined: all). The counts go to `scored.logged`.
 */
export function compareLogged(comparer: LoggedComparer, table: Table, kept: Int32Array | undefined, scored: ScoredTable): void {
  // Logged scores are float64: float32 probabilities are widened before they are replaced.
  if (comparer.useLogged && scored.proba instanceof Float32Array) scored.proba = Float64Array.from(scored.proba);
  comparer.add(table, {
    at: kept ? (i) => kept[i]! : (i) => i,
    count: scored.rows,
    ...(scored.yPredClass ? { yPredClass: scored.yPredClass } : {}),
    ...(scored.proba ? { proba: scored.proba as Float64Array } : {}),
    ...(scored.yPredValue ? { yPredValue: scored.yPredValue } : {}),
  });
  scored.logged = comparer.counts;
}

/** The arrays of the table's evaluated rows (views into the evaluator's, from the table's first row). */
export interface ScoredRows {
  /** Table row of each evaluated row. */
  at: (i: number) => number;
  count: number;
  yPredClass?: Int32Array;
  proba?: Float64Array;
  yPredValue?: Float64Array;
}

function numberAt(col: Column, r: number): number | undefined {
  if (col.kind === 'string') {
    const s = col.values[r];
    if (s === null || s === undefined || s.trim() === '') return undefined;
    const x = Number(s);
    return Number.isFinite(x) ? x : undefined;
  }
  if (col.nulls?.[r]) return undefined;
  const x = col.values[r]!;
  return Number.isFinite(x) ? x : undefined;
}

function labelAt(col: Column, r: number): string | undefined {
  if (col.kind === 'string') return col.values[r] ?? undefined;
  if (col.nulls?.[r]) return undefined;
  const x = col.values[r]!;
  if (col.kind === 'number' && Number.isNaN(x)) return undefined;
  return canonicalLabel(col.kind === 'boolean' ? x === 1 : x);
}

/**
 * Compares the logged outputs of one table's evaluated rows with their re-score and, when asked,
 * puts the logged ones in their place: a binary model's logged score becomes P(positive) (and
 * 1 − it the other class's), its predicted class the logged class when logged, else the more
 * probable; a logged class alone (or a multiclass model's) becomes a probability of 1 for that
 * class; a regression model's logged value (prediction, else score) its prediction.
 */
export class LoggedComparer {
  private readonly classIndex: Map<string, number>;
  readonly counts: LoggedCounts = { compared: 0, skewed: 0, missing: 0, examples: [] };
  readonly useLogged: boolean;

  constructor(
    private readonly model: Pick<PreparedModel, 'modelId' | 'task' | 'classes' | 'positiveIndex'>,
    private readonly opts: LoggedOptions,
  ) {
    this.classIndex = new Map((model.classes ?? []).map((c, i) => [c, i]));
    this.useLogged = opts.useLogged;
    if (opts.score !== undefined && model.task === 'multiclass') {
      throw new UpkeepError(
        'InvalidConfig',
        `model ${model.modelId}: data.logged.score is the positive class's probability of a binary model; a multiclass model logs its class (data.logged.prediction)`,
      );
    }
  }

  /** The logged columns of the table, named in the error when one is missing. */
  columns(table: Table): { score?: Column; prediction?: Column; key?: Column } {
    const get = (name: string | undefined, role: string): Column | undefined => {
      if (name === undefined) return undefined;
      const col = table.columns.get(name);
      if (!col) {
        const present = table.fileColumns ?? [...table.columns.keys()];
        throw new UpkeepError(
          'SchemaMismatch',
          `model ${this.model.modelId}: file ${table.source}: column ${name} (${role}) is missing; it has ${present.slice(0, 20).join(', ')}`,
        );
      }
      return col;
    };
    const score = get(this.opts.score, 'data.logged.score');
    if (score?.kind === 'boolean') {
      throw new UpkeepError(
        'SchemaMismatch',
        `model ${this.model.modelId}: file ${table.source}: column ${this.opts.score} (data.logged.score) holds booleans, not scores`,
      );
    }
    const prediction = get(this.opts.prediction, 'data.logged.prediction');
    const key = this.opts.key !== undefined ? table.columns.get(this.opts.key) : undefined;
    return { ...(score ? { score } : {}), ...(prediction ? { prediction } : {}), ...(key ? { key } : {}) };
  }

  private example(table: Table, key: Column | undefined, r: number): void {
    if (this.counts.examples.length >= SKEW_EXAMPLES) return;
    const k = key ? keyText(key, r) : undefined;
    this.counts.examples.push((k ?? `${table.source} row ${(table.firstRow ?? 0) + r + 1}`).slice(0, EXAMPLE_CHARS));
  }

  add(table: Table, rows: ScoredRows): void {
    const { score, prediction, key } = this.columns(table);
    const m = this.model;
    const tol = this.opts.tolerance;
    const use = this.opts.useLogged;
    const c = this.counts;
    for (let i = 0; i < rows.count; i++) {
      const r = rows.at(i);
      if (m.task === 'regression') {
        const v = prediction ? numberAt(prediction, r) : numberAt(score!, r);
        if (v === undefined) {
          c.missing++;
          continue;
        }
        c.compared++;
        if (Math.abs(v - rows.yPredValue![i]!) > tol) {
          c.skewed++;
          this.example(table, key, r);
        }
        if (use) rows.yPredValue![i] = v;
        continue;
      }
      const k = m.classes!.length;
      let s: number | undefined;
      if (score) {
        s = numberAt(score, r);
        if (s !== undefined && !(s >= 0 && s <= 1)) s = undefined;
      }
      let cls: number | undefined;
      let unknown = false;
      if (prediction) {
        const label = labelAt(prediction, r);
        if (label !== undefined) {
          cls = this.classIndex.get(label);
          if (cls === undefined) {
            if (use) {
              throw new UpkeepError(
                'SchemaMismatch',
                `model ${m.modelId}: file ${table.source}: column ${this.opts.prediction} (data.logged.prediction) holds ${JSON.stringify(label).slice(0, 60)} in row ${(table.firstRow ?? 0) + r + 1}, not one of the model's classes (${m.classes!.slice(0, 10).join(', ')})`,
              );
            }
            unknown = true;
          }
        }
      }
      if ((score && s === undefined) || (prediction && cls === undefined && !unknown)) {
        c.missing++;
        continue;
      }
      c.compared++;
      const pos = m.positiveIndex ?? 1;
      const o = i * k;
      const skewed = unknown || (s !== undefined && Math.abs(s - rows.proba![o + pos]!) > tol) || (cls !== undefined && cls !== rows.yPredClass![i]);
      if (skewed) {
        c.skewed++;
        this.example(table, key, r);
      }
      if (!use) continue;
      const p = rows.proba!;
      if (s !== undefined && m.task === 'binary') {
        p[o + pos] = s;
        p[o + 1 - pos] = 1 - s;
        rows.yPredClass![i] = cls ?? (p[o + 1]! > p[o]! ? 1 : 0);
      } else if (cls !== undefined) {
        for (let j = 0; j < k; j++) p[o + j] = j === cls ? 1 : 0;
        rows.yPredClass![i] = cls;
      }
    }
  }
}
