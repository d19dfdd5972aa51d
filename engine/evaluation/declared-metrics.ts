/**
 * The business metrics a model declares (models[].metrics, domain/business-config.ts), computed on
 * the window's labelled rows — the rows of the primary metric — with an interval from the same
 * significance settings (monitor.significance): a closed form where one exists and the window is
 * large enough (`auto`, as for the primary metric), else the percentile bootstrap with the same
 * seed and resamples (the same random stream: resample b draws the same rows as the primary
 * metric's resample b). Each becomes a GatedValue carrying the gate the config set on it. When the
 * verdict is judged on the estimate (too few labels), the matrix metrics are estimated from CBPE's
 * expected confusion matrix. docs/statistics/business-metrics.md#declaring-and-gating.
 */
import { declaredLowerIsBetter, isMatrixMetric, matrixClassProblem, type DeclaredMetric, type MatrixMetric } from '../../domain/business-config.js';
import type { ModelSpec } from '../../domain/config.js';
import type { EstimationSummary } from '../../domain/estimation.js';
import type { EvaluationSummary } from '../../domain/evaluation.js';
import type { GatedValue } from '../../domain/gates.js';
import { normalQuantile } from '../math/special/normal.js';
import { UpkeepError } from '../errors.js';
import { matrixCost, metricsAtThreshold, withinErrorBand } from './metrics/business.js';
import { BusinessMetricError } from './metrics/business-input.js';
import { precisionAtRecall, recallAtPrecision, sortScores } from './metrics/pr-targets.js';
import type { Collected } from './evaluator.js';
import { ANALYTIC_MIN_ROWS, ANALYTIC_MIN_SUPPORT, closedFormFor, type IntervalSettings } from './significance/interval.js';
import { wilson } from './significance/analytic.js';
import {
  declaredSamples,
  dropOf,
  PARALLEL_DECLARED_ROWS,
  percentileOf,
  sharedCells,
  thresholdMetric,
  type PendingDeclared,
  type ResampledCells,
} from './declared-bootstrap.js';

/** The rows a declared metric is computed from (the labelled part of a window). */
export type DeclaredRows = Pick<Collected, 'task' | 'rows' | 'yTrueClass' | 'yPredClass' | 'proba' | 'yTrueValue' | 'yPredValue'>;

type Interval = NonNullable<GatedValue['interval']>;

/** One declared metric, ready to judge: its value, and how to get its interval. */
interface Prepared {
  value: number | null;
  why?: string;
  /** A closed-form interval, and the count its normal approximation rests on. */
  closed?: { low: number; high: number; method: string; support: number };
  /** For the bootstrap. */
  cells?: ResampledCells;
}

/**
 * Each row's cell, 16-bit when the cells are few enough: a resample looks a drawn row's cell up at
 * random, and the narrower array stays in the cache better (the curve metrics' draws cost ~⅓ less).
 */
function cellArray(n: number, count: number): Int32Array | Uint16Array {
  return count <= 1 << 16 ? new Uint16Array(n) : new Int32Array(n);
}

/** The k × k matrix in the model's class order, from the config's map keyed by class label. */
export function matrixInClassOrder(modelId: string, index: number, d: MatrixMetric, classes: readonly string[]): number[][] {
  const problem = matrixClassProblem(modelId, index, d, classes);
  if (problem) throw new UpkeepError('SchemaMismatch', problem);
  return classes.map((t) => classes.map((p) => d.matrix[t]![p]!));
}

function positiveScores(c: DeclaredRows, k: number, positive: number): Float64Array {
  const proba = c.proba!;
  const out = new Float64Array(c.rows);
  for (let i = 0, idx = positive; i < c.rows; i++, idx += k) out[i] = proba[idx]!;
  return out;
}

/** Closed form: the mean of per-row values ± z·s/√n (CLT), scaled by `scale` (1, or n for a window total). */
function cltOf(x: Float64Array, z: number, scale: number): Prepared['closed'] {
  const n = x.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += x[i]!;
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (x[i]! - mean) ** 2;
  const se = Math.sqrt(ss / (n - 1) / n);
  return { low: (mean - z * se) * scale, high: (mean + z * se) * scale, method: 'clt', support: n };
}

function prepareMatrix(spec: ModelSpec, index: number, d: MatrixMetric, c: DeclaredRows, classes: readonly string[], z: number): Prepared {
  const m = matrixInClassOrder(spec.id, index, d, classes);
  const yTrue = c.yTrueClass!;
  const yPred = c.yPredClass!;
  const r = matrixCost(yTrue, { kind: 'classes', yPred }, m);
  const n = c.rows;
  const k = classes.length;
  const perRow = new Float64Array(n);
  const of = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    perRow[i] = m[yTrue[i]!]![yPred[i]!]!;
    of[i] = yTrue[i]! * k + yPred[i]!;
  }
  return {
    value: d.per === 'row' ? r.perRow : r.total,
    ...(n >= 2 ? { closed: cltOf(perRow, z, d.per === 'row' ? 1 : n) } : {}),
    cells: { of, count: k * k, rule: { kind: 'matrix', flat: m.flat(), divide: d.per === 'row' ? n : 1 } },
  };
}

/**
 * Recall at precision / precision at recall on a resample: the rows' distinct scores, highest
 * first, are groups; a row's cell is 2·group + (positive ? 1 : 0), and the curve is walked over
 * the groups' summed draws, as pr-targets.ts walks the sorted scores.
 */
function prepareCurve(
  d: Extract<DeclaredMetric, { kind: 'recall_at_precision' | 'precision_at_recall' }>,
  c: DeclaredRows,
  scores: Float64Array,
  positive: number,
): Prepared {
  const yTrue = c.yTrueClass!;
  let value: number | null;
  try {
    const sorted = sortScores(yTrue, scores, positive, d.kind);
    value = d.kind === 'recall_at_precision' ? recallAtPrecision(sorted, d.precision).value : precisionAtRecall(sorted, d.recall).value;
  } catch (err) {
    if (!(err instanceof BusinessMetricError)) throw err;
    return { value: null, why: err.message };
  }
  const n = c.rows;
  const distinct = Float64Array.from(scores).sort().reverse();
  let groups = 0;
  for (let i = 0; i < n; i++) if (i === 0 || distinct[i] !== distinct[i - 1]) distinct[groups++] = distinct[i]!;
  const desc = distinct.subarray(0, groups);
  const of = cellArray(n, 2 * groups);
  for (let i = 0; i < n; i++) {
    // The group of a score: binary search in the descending distinct scores.
    const v = scores[i]!;
    let lo = 0;
    let hi = groups - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (desc[mid]! > v) lo = mid + 1;
      else hi = mid;
    }
    of[i] = 2 * lo + (yTrue[i] === positive ? 1 : 0);
  }
  const rule = {
    kind: 'curve' as const,
    groups,
    recallAtPrecision: d.kind === 'recall_at_precision',
    target: d.kind === 'recall_at_precision' ? d.precision : d.recall,
  };
  return { value, cells: { of, count: 2 * groups, rule } };
}

function prepareThreshold(
  d: Extract<DeclaredMetric, { kind: 'at_threshold' }>,
  c: DeclaredRows,
  scores: Float64Array,
  positive: number,
  nClasses: number,
  s: IntervalSettings,
): Prepared {
  const yTrue = c.yTrueClass!;
  const n = c.rows;
  const r = metricsAtThreshold(yTrue, scores, positive, d.threshold);
  // The catalogue metric of the predictions at the threshold: its closed form is the primary metric's (Wilson, delta).
  const yPred = new Int32Array(n);
  const of = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const flagged = scores[i]! >= d.threshold;
    yPred[i] = flagged ? positive : 1 - positive;
    of[i] = (yTrue[i] === positive ? 2 : 0) + (flagged ? 1 : 0);
  }
  const closed =
    n >= 2 ? closedFormFor({ task: 'binary', metric: d.metric, yTrue, yPred, proba: c.proba!, nClasses, positive }, { ...s, value: r[d.metric] }) : null;
  const warning = r.warnings[d.metric];
  return {
    value: r[d.metric],
    // scikit-learn's convention (0 with a warning) is kept; the warning says why.
    ...(warning ? { why: warning } : {}),
    ...(closed && closed.low !== null && closed.high !== null
      ? { closed: { low: closed.low, high: closed.high, method: closed.method, support: Infinity } }
      : {}),
    // sums: [true negative, false positive, false negative, true positive]
    cells: { of, count: 4, rule: { kind: 'threshold', metric: d.metric } },
  };
}

function prepareBand(d: Extract<DeclaredMetric, { kind: 'error_band' }>, c: DeclaredRows, z: number): Prepared {
  const yTrue = c.yTrueValue!;
  const yPred = c.yPredValue!;
  const n = c.rows;
  const value = withinErrorBand(yTrue, yPred, d.within, d.relative ? 'relative' : 'absolute');
  const of = new Int32Array(n);
  let x = 0;
  for (let i = 0; i < n; i++) {
    const t = yTrue[i]!;
    of[i] = Math.abs(t - yPred[i]!) <= (d.relative ? d.within * Math.abs(t) : d.within) ? 1 : 0;
    x += of[i]!;
  }
  let closed: Prepared['closed'];
  if (n >= 2) {
    const [low, high] = wilson(x, n, z);
    closed = { low, high, method: 'wilson', support: Math.min(x, n - x) };
  }
  return { value, ...(closed ? { closed } : {}), cells: { of, count: 2, rule: { kind: 'band', n } } };
}

function prepareOne(
  spec: ModelSpec,
  index: number,
  d: DeclaredMetric,
  c: DeclaredRows,
  classes: readonly string[] | undefined,
  positive: number | undefined,
  s: IntervalSettings,
): Prepared {
  const z = normalQuantile((1 + s.confidence!) / 2);
  if (isMatrixMetric(d)) return prepareMatrix(spec, index, d, c, classes!, z);
  if (d.kind === 'error_band') return prepareBand(d, c, z);
  const scores = positiveScores(c, classes!.length, positive!);
  return d.kind === 'at_threshold' ? prepareThreshold(d, c, scores, positive!, classes!.length, s) : prepareCurve(d, c, scores, positive!);
}

function gated(d: DeclaredMetric, p: Pick<Prepared, 'value' | 'why'>, iv: Interval | undefined, estimated = false): GatedValue {
  const lower = declaredLowerIsBetter(d);
  return {
    name: d.name,
    kind: 'business',
    value: p.value,
    ...(p.why !== undefined ? { why: p.why } : {}),
    lowerIsBetter: lower,
    gate: { ...d.gate },
    ...(d.baseline !== undefined ? { baseline: d.baseline } : {}),
    ...(iv ? { interval: iv } : {}),
    ...(iv && d.baseline !== undefined && p.value !== null ? { drop: dropOf(lower, d.baseline, p.value, iv) } : {}),
    ...(estimated ? { estimated: true } : {}),
  };
}

/**
 * Every declared metric of the model on the labelled rows, with its interval; [] when none is
 * declared or no row is labelled. A matrix naming a class the model does not have is a
 * SchemaMismatch naming the model, the metric and the class.
 */
export function declaredGated(spec: ModelSpec, classes: readonly string[] | undefined, positive: number | undefined, c: DeclaredRows): GatedValue[] {
  return declaredGatedOrPending(spec, classes, positive, c, false).gated;
}

/**
 * declaredGated, but on a large window (`defer`, at least PARALLEL_DECLARED_ROWS rows) the
 * bootstrap of the metrics without a closed form is left pending: their gated values come without
 * an interval, and the engine spreads the resamples over its threads (declared-bootstrap.ts
 * completeDeclared gives them the interval one thread would have).
 */
export function declaredGatedOrPending(
  spec: ModelSpec,
  classes: readonly string[] | undefined,
  positive: number | undefined,
  c: DeclaredRows,
  defer: boolean,
): { gated: GatedValue[]; pending?: PendingDeclared } {
  const declared = spec.metrics ?? [];
  if (declared.length === 0 || c.rows === 0) return { gated: [] };
  const { resamples, confidence, seed, method } = spec.monitor.significance;
  const choice = method ?? 'auto';
  const settings: IntervalSettings = { method: choice, resamples, confidence, seed };
  const prepared = declared.map((d, i) => prepareOne(spec, i, d, c, classes, positive, settings));
  const intervals: (Interval | undefined)[] = prepared.map(() => undefined);
  if (resamples === 0 || c.rows < 2) return { gated: declared.map((d, i) => gated(d, prepared[i]!, undefined)) };
  const boot: number[] = [];
  prepared.forEach((p, i) => {
    if (p.value === null) return;
    const closed = p.closed;
    const useClosed = closed && choice !== 'bootstrap' && (choice === 'analytic' || (c.rows >= ANALYTIC_MIN_ROWS && closed.support >= ANALYTIC_MIN_SUPPORT));
    if (useClosed) intervals[i] = { low: closed.low, high: closed.high, level: confidence, method: closed.method };
    else if (p.cells) boot.push(i);
  });
  const cells = boot.map((i) => prepared[i]!.cells!);
  if (boot.length > 0 && defer && c.rows >= PARALLEL_DECLARED_ROWS && resamples > 1) {
    const pending = { names: boot.map((i) => declared[i]!.name), cells: cells.map(sharedCells), rows: c.rows, resamples, confidence, seed };
    return { gated: declared.map((d, i) => gated(d, prepared[i]!, intervals[i])), pending };
  }
  if (boot.length > 0) {
    const samples = declaredSamples(cells, c.rows, seed, { from: 0, to: resamples });
    boot.forEach((i, j) => (intervals[i] = percentileOf(samples[j]!, confidence)));
  }
  return { gated: declared.map((d, i) => gated(d, prepared[i]!, intervals[i])) };
}

/**
 * The declared metrics when the verdict is judged on the estimate: the matrix metrics from CBPE's
 * expected confusion matrix (on every scored row), a binary model's metrics at a declared threshold
 * from its expected confusion matrix at that threshold, marked estimated and without an interval
 * (the estimate's own band is the primary metric's); the curve metrics (recall at a precision,
 * precision at a recall) and error bands are reported as not estimated.
 */
export function estimatedGated(
  spec: ModelSpec,
  classes: readonly string[] | undefined,
  estimate: EstimationSummary | undefined,
  positive?: number,
): GatedValue[] {
  const declared = spec.metrics ?? [];
  const confusion = estimate?.confusion;
  if (declared.length === 0 || !estimate || !confusion || !classes || estimate.rows === 0) return [];
  return declared.map((d, i) => {
    if (d.kind === 'at_threshold') {
      const at = estimate.confusionAt?.find((x) => x.threshold === d.threshold)?.confusion;
      const pos = positive;
      if (!at || pos === undefined)
        return gated(d, { value: null, why: `no expected confusion matrix at threshold ${d.threshold}: it waits for the labels` }, undefined, true);
      const [tn, fp, fn, tp] = [at[1 - pos]![1 - pos]!, at[1 - pos]![pos]!, at[pos]![1 - pos]!, at[pos]![pos]!];
      return gated(d, { value: thresholdMetric(d.metric, tn, fp, fn, tp) }, undefined, true);
    }
    if (!isMatrixMetric(d))
      return gated(d, { value: null, why: `${d.kind} cannot be estimated from the expected confusion matrix: it waits for the labels` }, undefined, true);
    const m = matrixInClassOrder(spec.id, i, d, classes);
    let total = 0;
    for (let t = 0; t < m.length; t++) for (let p = 0; p < m.length; p++) total += m[t]![p]! * (confusion[t]?.[p] ?? 0);
    return gated(d, { value: d.per === 'row' ? total / estimate.rows : total }, undefined, true);
  });
}

/**
 * A window judged on the estimate (fewer labelled rows than min_rows, as workflows/policy.ts
 * decides): its declared metrics are the estimated ones, in place of those of the few labelled rows.
 */
export function gateOnEstimate(spec: ModelSpec, classes: readonly string[] | undefined, summary: EvaluationSummary, positive?: number): void {
  const estimate = summary.estimated;
  const primary = estimate?.metrics[spec.thresholds.metric];
  if (summary.rows >= spec.min_rows || !primary || primary.value === null) return;
  const est = estimatedGated(spec, classes, estimate, positive);
  if (est.length === 0) return;
  summary.gated = [...(summary.gated ?? []).filter((g) => g.kind !== 'business'), ...est];
}
