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
import { ANALYTIC_MIN_ROWS, ANALYTIC_MIN_SUPPORT } from './significance/interval.js';
import { wilson } from './significance/analytic.js';
import { quantileLinear } from './significance/quantile.js';
import { drawResample, Xoshiro128StarStar } from './significance/random.js';

/** The rows a declared metric is computed from (the labelled part of a window). */
export type DeclaredRows = Pick<Collected, 'task' | 'rows' | 'yTrueClass' | 'yPredClass' | 'proba' | 'yTrueValue' | 'yPredValue'>;

type Interval = NonNullable<GatedValue['interval']>;

/** One declared metric, ready to judge: its value, and how to get its interval. */
interface Prepared {
  value: number | null;
  why?: string;
  /** A closed-form interval, and the count its normal approximation rests on. */
  closed?: { low: number; high: number; method: string; support: number };
  /** The metric on a resample given as per-row draw counts. */
  resample?: (w: Int32Array) => number | null;
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

function wilsonOf(x: number, m: number, z: number, support: number): Prepared['closed'] {
  if (m < 1) return undefined;
  const [low, high] = wilson(x, m, z);
  return { low, high, method: 'wilson', support };
}

function prepareMatrix(spec: ModelSpec, index: number, d: MatrixMetric, c: DeclaredRows, classes: readonly string[], z: number): Prepared {
  const m = matrixInClassOrder(spec.id, index, d, classes);
  const yTrue = c.yTrueClass!;
  const yPred = c.yPredClass!;
  const r = matrixCost(yTrue, { kind: 'classes', yPred }, m);
  const n = c.rows;
  const scale = d.per === 'row' ? 1 : n;
  const perRow = new Float64Array(n);
  for (let i = 0; i < n; i++) perRow[i] = m[yTrue[i]!]![yPred[i]!]!;
  return {
    value: d.per === 'row' ? r.perRow : r.total,
    ...(n >= 2 ? { closed: cltOf(perRow, z, scale) } : {}),
    resample: (w) => {
      let s = 0;
      for (let i = 0; i < n; i++) if (w[i] !== 0) s += w[i]! * perRow[i]!;
      return d.per === 'row' ? s / n : s;
    },
  };
}

/** Rows by score, highest first, with each row's truth: the precision-recall curve's walk on weighted rows. */
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
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  const s = new Float64Array(n);
  const pos = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    s[i] = scores[order[i]!]!;
    pos[i] = yTrue[order[i]!] === positive ? 1 : 0;
  }
  const target = d.kind === 'recall_at_precision' ? d.precision : d.recall;
  const resample = (w: Int32Array): number | null => {
    let p = 0;
    for (let i = 0; i < n; i++) if (pos[i]) p += w[order[i]!]!;
    if (p === 0) return null;
    let tp = 0;
    let fp = 0;
    let best = d.kind === 'recall_at_precision' ? 0 : -1;
    for (let i = 0; i < n;) {
      const t = s[i]!;
      for (; i < n && s[i] === t; i++) {
        const k = w[order[i]!]!;
        if (pos[i]) tp += k;
        else fp += k;
      }
      if (tp + fp === 0) continue;
      const precision = tp / (tp + fp);
      if (d.kind === 'recall_at_precision') {
        if (precision >= target && tp / p > best) best = tp / p;
      } else if (tp / p >= target && precision > best) best = precision;
    }
    return best;
  };
  return { value, resample };
}

function prepareThreshold(d: Extract<DeclaredMetric, { kind: 'at_threshold' }>, c: DeclaredRows, scores: Float64Array, positive: number, z: number): Prepared {
  const yTrue = c.yTrueClass!;
  const n = c.rows;
  const r = metricsAtThreshold(yTrue, scores, positive, d.threshold);
  const isPos = new Uint8Array(n);
  const flagged = new Uint8Array(n);
  let tp = 0;
  let truePos = 0;
  let predPos = 0;
  for (let i = 0; i < n; i++) {
    isPos[i] = yTrue[i] === positive ? 1 : 0;
    flagged[i] = scores[i]! >= d.threshold ? 1 : 0;
    truePos += isPos[i]!;
    predPos += flagged[i]!;
    tp += isPos[i]! & flagged[i]!;
  }
  const correct = n - truePos - predPos + 2 * tp;
  const closed =
    d.metric === 'precision'
      ? wilsonOf(tp, predPos, z, predPos)
      : d.metric === 'recall'
        ? wilsonOf(tp, truePos, z, truePos)
        : d.metric === 'accuracy'
          ? wilsonOf(correct, n, z, Math.min(correct, n - correct))
          : undefined;
  const warning = r.warnings[d.metric];
  return {
    value: r[d.metric],
    // scikit-learn's convention (0 with a warning) is kept; the warning says why.
    ...(warning ? { why: warning } : {}),
    ...(closed ? { closed } : {}),
    resample: (w) => {
      let a = 0;
      let p = 0;
      let f = 0;
      for (let i = 0; i < n; i++) {
        const k = w[i]!;
        if (k === 0) continue;
        if (isPos[i]) p += k;
        if (flagged[i]) {
          f += k;
          if (isPos[i]) a += k;
        }
      }
      if (d.metric === 'precision') return f === 0 ? 0 : a / f;
      if (d.metric === 'recall') return p === 0 ? 0 : a / p;
      if (d.metric === 'f1') return p + f === 0 ? 0 : (2 * a) / (p + f);
      return (n - p - f + 2 * a) / n;
    },
  };
}

function prepareBand(d: Extract<DeclaredMetric, { kind: 'error_band' }>, c: DeclaredRows, z: number): Prepared {
  const yTrue = c.yTrueValue!;
  const yPred = c.yPredValue!;
  const n = c.rows;
  const value = withinErrorBand(yTrue, yPred, d.within, d.relative ? 'relative' : 'absolute');
  const inside = new Uint8Array(n);
  let x = 0;
  for (let i = 0; i < n; i++) {
    const t = yTrue[i]!;
    inside[i] = Math.abs(t - yPred[i]!) <= (d.relative ? d.within * Math.abs(t) : d.within) ? 1 : 0;
    x += inside[i]!;
  }
  return {
    value,
    ...(n >= 2 ? { closed: wilsonOf(x, n, z, Math.min(x, n - x)) } : {}),
    resample: (w) => {
      let s = 0;
      for (let i = 0; i < n; i++) if (inside[i]) s += w[i]!;
      return s / n;
    },
  };
}

function prepareOne(
  spec: ModelSpec,
  index: number,
  d: DeclaredMetric,
  c: DeclaredRows,
  classes: readonly string[] | undefined,
  positive: number | undefined,
  z: number,
): Prepared {
  if (isMatrixMetric(d)) return prepareMatrix(spec, index, d, c, classes!, z);
  if (d.kind === 'error_band') return prepareBand(d, c, z);
  const scores = positiveScores(c, classes!.length, positive!);
  return d.kind === 'at_threshold' ? prepareThreshold(d, c, scores, positive!, z) : prepareCurve(d, c, scores, positive!);
}

/** The worsening from the baseline of a value and of its interval's ends (positive = worse). */
function dropOf(lower: boolean, baseline: number, value: number, iv: Interval): NonNullable<GatedValue['drop']> {
  return lower
    ? { value: value - baseline, low: iv.low - baseline, high: iv.high - baseline }
    : { value: baseline - value, low: baseline - iv.high, high: baseline - iv.low };
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
  const declared = spec.metrics ?? [];
  if (declared.length === 0 || c.rows === 0) return [];
  const { resamples, confidence, seed, method } = spec.monitor.significance;
  const choice = method ?? 'auto';
  const z = normalQuantile((1 + confidence) / 2);
  const prepared = declared.map((d, i) => prepareOne(spec, i, d, c, classes, positive, z));
  const intervals: (Interval | undefined)[] = prepared.map(() => undefined);
  if (resamples === 0 || c.rows < 2) return declared.map((d, i) => gated(d, prepared[i]!, undefined));
  const boot: number[] = [];
  prepared.forEach((p, i) => {
    if (p.value === null) return;
    const closed = p.closed;
    const useClosed = closed && choice !== 'bootstrap' && (choice === 'analytic' || (c.rows >= ANALYTIC_MIN_ROWS && closed.support >= ANALYTIC_MIN_SUPPORT));
    if (useClosed) intervals[i] = { low: closed.low, high: closed.high, level: confidence, method: closed.method };
    else if (p.resample) boot.push(i);
  });
  if (boot.length > 0) {
    const n = c.rows;
    const samples = boot.map(() => [] as number[]);
    const rng = Xoshiro128StarStar.fromSeed(seed);
    const counts = new Int32Array(n);
    for (let b = 0; b < resamples; b++) {
      counts.fill(0);
      drawResample(rng, n, counts);
      boot.forEach((i, j) => {
        const v = prepared[i]!.resample!(counts);
        if (v !== null && Number.isFinite(v)) samples[j]!.push(v);
      });
    }
    boot.forEach((i, j) => {
      const sorted = Float64Array.from(samples[j]!).sort();
      if (sorted.length === 0) return;
      const low = quantileLinear(sorted, (1 - confidence) / 2);
      const high = quantileLinear(sorted, (1 + confidence) / 2);
      intervals[i] = { low, high, level: confidence, method: 'bootstrap' };
    });
  }
  return declared.map((d, i) => gated(d, prepared[i]!, intervals[i]));
}

/**
 * The declared metrics when the verdict is judged on the estimate: the matrix metrics from CBPE's
 * expected confusion matrix (on every scored row), marked estimated and without an interval (the
 * estimate's own band is the primary metric's); the others cannot be read off a confusion matrix
 * and are reported as not estimated.
 */
export function estimatedGated(spec: ModelSpec, classes: readonly string[] | undefined, estimate: EstimationSummary | undefined): GatedValue[] {
  const declared = spec.metrics ?? [];
  const confusion = estimate?.confusion;
  if (declared.length === 0 || !estimate || !confusion || !classes || estimate.rows === 0) return [];
  return declared.map((d, i) => {
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
export function gateOnEstimate(spec: ModelSpec, classes: readonly string[] | undefined, summary: EvaluationSummary): void {
  const estimate = summary.estimated;
  const primary = estimate?.metrics[spec.thresholds.metric];
  if (summary.rows >= spec.min_rows || !primary || primary.value === null) return;
  const est = estimatedGated(spec, classes, estimate);
  if (est.length === 0) return;
  summary.gated = [...(summary.gated ?? []).filter((g) => g.kind !== 'business'), ...est];
}
