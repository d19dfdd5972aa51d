/**
 * Closed-form confidence intervals of the evaluation metrics: DeLong for ROC AUC, Wilson for
 * proportions, the central limit theorem for per-row mean losses and the delta method for ratios.
 * Formulas, references and when each is used: docs/statistics/significance.md.
 */
import { sortFloat64 } from '../../math/sort.js';
import { CompensatedSum } from '../../math/sum.js';
import { binaryMetrics, multiclassMetrics, regressionMetrics } from '../metrics/index.js';
import { rankingWalk } from '../metrics/ranking.js';
import { knownLabelCounts } from '../metrics/labels.js';
import { metricRange } from '../../../domain/metrics.js';
import { normalQuantile } from '../../math/special/normal.js';
import { logLossTerms, type BootstrapInput } from './resample-metrics.js';
import type { Floats } from '../metrics/types.js';

export type AnalyticMethod = 'delong' | 'wilson' | 'clt' | 'delta';

export interface AnalyticInterval {
  metric: string;
  value: number;
  low: number;
  high: number;
  /** Standard error of the metric (Wilson: of the proportion, at the estimate). */
  se: number;
  method: AnalyticMethod;
  rows: number;
  /** The smallest count the approximation rests on (positives or negatives of a class, a ratio's denominator, rows). */
  support: number;
}

/** Metrics that have a closed form here (average_precision has none: it is bootstrapped). */
export const ANALYTIC_METRICS: ReadonlySet<string> = new Set([
  'accuracy',
  'balanced_accuracy',
  'precision',
  'recall',
  'f1',
  'roc_auc',
  'log_loss',
  'brier',
  'f1_macro',
  'f1_weighted',
  'precision_macro',
  'recall_macro',
  'roc_auc_ovr_macro',
  'mae',
  'rmse',
  'r2',
  'mape',
]);

interface Estimate {
  se: number;
  method: AnalyticMethod;
  support: number;
  /** Wilson intervals are not value ± z·se: they give their own ends. */
  wilson?: { successes: number; trials: number };
}

/** Wilson score interval for x successes in m trials. */
export function wilson(x: number, m: number, z: number): [number, number] {
  const p = x / m;
  const z2 = z * z;
  const denom = 1 + z2 / m;
  const centre = (p + z2 / (2 * m)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / m + z2 / (4 * m * m))) / denom;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * Standard error of the mean of x (sample variance, n − 1); NaN when a term is not finite. Plain
 * sums in two lanes: a standard error needs a few digits, not the metric's compensated sum.
 */
function meanSe(x: Float64Array): number {
  const n = x.length;
  let a = 0;
  let b = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    a += x[i]!;
    b += x[i + 1]!;
  }
  if (i < n) a += x[i]!;
  const m = (a + b) / n;
  a = 0;
  b = 0;
  for (i = 0; i + 1 < n; i += 2) {
    const d0 = x[i]! - m;
    const d1 = x[i + 1]! - m;
    a += d0 * d0;
    b += d1 * d1;
  }
  if (i < n) a += (x[i]! - m) ** 2;
  return Math.sqrt((a + b) / (n - 1) / n);
}

// ------------------------------------------------------------------------------------------------
// DeLong

/**
 * DeLong's variance of the AUC from scores sorted ascending, in one walk over the tie groups from
 * the top score down: a positive's placement is the share of negatives below it (ties count half),
 * a negative's the share of positives above it; Var = S10/P + S01/N with the (n − 1) sample
 * variances, from the sums of the placements and of their squares (Neumaier-compensated). The
 * walk is the ranking metrics' (ranking.ts): a window's metrics and interval share one.
 */
export function delongVariance(pos: Floats, neg: Floats): { auc: number; variance: number } {
  const w = rankingWalk(pos, neg);
  return { auc: w.auc, variance: w.delongVariance };
}

/**
 * Per-row DeLong components of the one-vs-rest AUC of class `cls`, scaled so that their sum of
 * squares is DeLong's variance: (V10_i − AUC)/√(P(P−1)) for a positive, (V01_i − AUC)/√(N(N−1))
 * for a negative. Sums of them across classes give the variance of the macro average.
 */
function ovrComponents(scores: Float64Array, isPos: Uint8Array, into: Float64Array, weight: number): { P: number; N: number } {
  const n = scores.length;
  const sorted = Float64Array.from(scores);
  sortFloat64(sorted);
  const distinct: number[] = [];
  for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]!);
  const G = distinct.length;
  const values = Float64Array.from(distinct);
  const group = new Int32Array(n);
  const pg = new Float64Array(G);
  const ng = new Float64Array(G);
  // Each row's group by binary search inside a bucket of the value range (a monotone bucketing, so
  // bucket b holds exactly the distinct values start[b]..start[b + 1] − 1): short, cached searches.
  const BUCKETS = 1 << 16;
  const min = values[0]!;
  const scale = G > 1 ? BUCKETS / (values[G - 1]! - min) : 0;
  const bucketOf = (v: number): number => Math.min(BUCKETS - 1, Math.floor((v - min) * scale));
  const start = new Int32Array(BUCKETS + 1);
  for (let g = 0, b = 0; b <= BUCKETS; b++) {
    while (g < G && bucketOf(values[g]!) < b) g++;
    start[b] = g;
  }
  for (let i = 0; i < n; i++) {
    const v = scores[i]!;
    const b = bucketOf(v);
    let lo = start[b]!;
    let hi = start[b + 1]! - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (values[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    group[i] = lo;
    if (isPos[i]) pg[lo]!++;
    else ng[lo]!++;
  }
  let P = 0;
  let N = 0;
  for (let g = 0; g < G; g++) {
    P += pg[g]!;
    N += ng[g]!;
  }
  // Placements per group, walking from the top score down.
  const v10 = new Float64Array(G);
  const v01 = new Float64Array(G);
  let area2 = 0;
  for (let g = G - 1, tp = 0, fp = 0; g >= 0; g--) {
    v10[g] = (N - fp - ng[g]! / 2) / N;
    v01[g] = (tp + pg[g]! / 2) / P;
    area2 += ng[g]! * (2 * tp + pg[g]!);
    tp += pg[g]!;
    fp += ng[g]!;
  }
  const auc = area2 / (2 * P * N);
  const cp = weight / Math.sqrt(P * (P - 1));
  const cn = weight / Math.sqrt(N * (N - 1));
  for (let i = 0; i < n; i++) {
    const g = group[i]!;
    into[i]! += isPos[i] ? (v10[g]! - auc) * cp : (v01[g]! - auc) * cn;
  }
  return { P, N };
}

// ------------------------------------------------------------------------------------------------
// Label metrics: influence of a row depends only on its cell (true t, predicted p)

interface Confusion {
  L: number;
  cm: Float64Array;
  tc: Float64Array;
  pc: Float64Array;
  tp: Float64Array;
}

function confusion(yTrue: Int32Array, yPred: Int32Array, L: number): Confusion {
  const cm = new Float64Array(L * L);
  for (let i = 0; i < yTrue.length; i++) cm[yTrue[i]! * L + yPred[i]!]!++;
  const tc = new Float64Array(L);
  const pc = new Float64Array(L);
  const tp = new Float64Array(L);
  for (let t = 0; t < L; t++) {
    for (let p = 0; p < L; p++) {
      tc[t]! += cm[t * L + p]!;
      pc[p]! += cm[t * L + p]!;
    }
    tp[t] = cm[t * L + t]!;
  }
  return { L, cm, tc, pc, tp };
}

/** √(Σ_cells count·φ(t, p)²): the delta-method standard error from a per-cell influence φ. */
function cellSe(c: Confusion, phi: (t: number, p: number) => number): number {
  const s = new CompensatedSum();
  for (let t = 0; t < c.L; t++) {
    for (let p = 0; p < c.L; p++) {
      const m = c.cm[t * c.L + p]!;
      if (m > 0) s.add(m * phi(t, p) ** 2);
    }
  }
  return Math.sqrt(s.value());
}

function labelEstimate(metric: string, c: Confusion, n: number, positive: number | undefined, value: number): Estimate | null {
  const { L, tc, pc, tp } = c;
  const eq = (a: number, b: number): number => (a === b ? 1 : 0);
  if (metric === 'accuracy') {
    let correct = 0;
    for (let j = 0; j < L; j++) correct += tp[j]!;
    return { se: Math.sqrt((value * (1 - value)) / n), method: 'wilson', support: Math.min(correct, n - correct), wilson: { successes: correct, trials: n } };
  }
  if (positive !== undefined && (metric === 'precision' || metric === 'recall')) {
    const m = metric === 'precision' ? pc[positive]! : tc[positive]!;
    if (m === 0) return null;
    const x = tp[positive]!;
    return { se: Math.sqrt((value * (1 - value)) / m), method: 'wilson', support: m, wilson: { successes: x, trials: m } };
  }
  if (positive !== undefined && metric === 'f1') {
    const s = tc[positive]! + pc[positive]!;
    if (s === 0) return null;
    const se = cellSe(c, (t, p) => (2 * eq(t, positive) * eq(p, positive) - value * (eq(t, positive) + eq(p, positive))) / s);
    return { se, method: 'delta', support: Math.min(tc[positive]!, pc[positive]!) };
  }
  if (metric === 'balanced_accuracy') {
    let present = 0;
    let support = Infinity;
    for (let j = 0; j < L; j++) {
      if (tc[j]! === 0) continue;
      present++;
      support = Math.min(support, tc[j]!);
    }
    const se = cellSe(c, (t, p) => (eq(t, p) - tp[t]! / tc[t]!) / (tc[t]! * present));
    return { se, method: 'delta', support };
  }
  // Macro and weighted averages over the labels with a true or predicted row, as metrics.ts.
  const labels: number[] = [];
  for (let j = 0; j < L; j++) if (tc[j]! + pc[j]! > 0) labels.push(j);
  const M = labels.length;
  let support = Infinity;
  for (const j of labels) support = Math.min(support, tc[j]! || Infinity, pc[j]! || Infinity);
  const f1 = (j: number): number => (2 * tp[j]!) / (tc[j]! + pc[j]!);
  /** Influence of a row (t, p) on the F1 of label j (zero unless j is t or p). */
  const f1Phi = (j: number, t: number, p: number): number => (2 * eq(t, j) * eq(p, j) - f1(j) * (eq(t, j) + eq(p, j))) / (tc[j]! + pc[j]!);
  const onLabels = (t: number, p: number, f: (j: number) => number): number => f(t) + (p === t ? 0 : f(p));
  let phi: (t: number, p: number) => number;
  switch (metric) {
    case 'recall_macro':
      phi = (t, p) => (eq(t, p) - tp[t]! / tc[t]!) / (tc[t]! * M);
      break;
    case 'precision_macro':
      phi = (t, p) => (eq(t, p) - tp[p]! / pc[p]!) / (pc[p]! * M);
      break;
    case 'f1_macro':
      phi = (t, p) => onLabels(t, p, (j) => f1Phi(j, t, p)) / M;
      break;
    case 'f1_weighted':
      // W = Σ_j F1_j·π_j with π_j = tc_j / n: the influence of F1_j weighted by π_j, plus (F1_t − W)/n.
      phi = (t, p) => onLabels(t, p, (j) => (tc[j]! / n) * f1Phi(j, t, p)) + (f1(t) - value) / n;
      break;
    default:
      return null;
  }
  return { se: cellSe(c, phi), method: 'delta', support: Number.isFinite(support) ? support : 0 };
}

// ------------------------------------------------------------------------------------------------
// Per task

function regressionEstimate(metric: string, yTrue: Float64Array, yPred: Float64Array, value: number): Estimate | null {
  const n = yTrue.length;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = yTrue[i]!;
    const e = yPred[i]! - t;
    x[i] = metric === 'mae' ? Math.abs(e) : metric === 'mape' ? Math.abs(e) / Math.max(Math.abs(t), 2 ** -52) : e * e;
  }
  if (metric === 'mae' || metric === 'mape') return { se: meanSe(x), method: 'clt', support: n };
  if (metric === 'rmse') return value > 0 ? { se: meanSe(x) / (2 * value), method: 'delta', support: n } : null;
  // r2 = 1 − SSE/SST: influence −(e_i² − Q·(y_i − ȳ)²)/SST with Q = SSE/SST.
  const ys = new CompensatedSum();
  for (let i = 0; i < n; i++) ys.add(yTrue[i]!);
  const yMean = ys.value() / n;
  const sst = new CompensatedSum();
  const sse = new CompensatedSum();
  for (let i = 0; i < n; i++) {
    const d = yTrue[i]! - yMean;
    sst.add(d * d);
    sse.add(x[i]!);
  }
  const SST = sst.value();
  if (!(SST > 0)) return null;
  const Q = sse.value() / SST;
  const s = new CompensatedSum();
  for (let i = 0; i < n; i++) {
    const d = yTrue[i]! - yMean;
    s.add((x[i]! - Q * d * d) ** 2);
  }
  return { se: Math.sqrt(s.value()) / SST, method: 'delta', support: n };
}

function estimate(input: BootstrapInput, value: number): Estimate | null {
  if (input.task === 'regression') return regressionEstimate(input.metric, input.yTrue, input.yPred, value);
  const { yTrue, yPred, proba, nClasses: k, metric } = input;
  const n = yTrue.length;
  const positive = input.task === 'binary' ? input.positive : undefined;
  // Unknown labels send the interval to the bootstrap; the positives are counted on the way (or
  // known from the metrics' counts of the same rows, which were validated then).
  let P = 0;
  const known = knownLabelCounts(yTrue, yPred, k);
  if (known) {
    if (known.unknownTrue.length > 0) return null;
    const j = positive === undefined ? -1 : known.labels.indexOf(positive);
    P = j < 0 ? 0 : known.trueCount[j]!;
  } else {
    for (let i = 0; i < n; i++) {
      const t = yTrue[i]!;
      const p = yPred[i]!;
      if (t >= k || t < 0 || p >= k || p < 0) return null;
      if (t === positive) P++;
    }
  }
  if (metric === 'log_loss') {
    const terms = logLossTerms(proba, k, yTrue);
    return { se: meanSe(terms), method: 'clt', support: n };
  }
  if (metric === 'brier' && positive !== undefined) {
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const d = (yTrue[i] === positive ? 1 : 0) - proba[i * k + positive]!;
      x[i] = d * d; // ½·((1 − y − (1 − p))² + (y − p)²) = (y − p)²
    }
    return { se: meanSe(x), method: 'clt', support: n };
  }
  if (metric === 'roc_auc' && positive !== undefined) {
    let pos: Floats;
    let neg: Floats;
    const given = input.task === 'binary' ? input.sortedScores : undefined;
    if (given && given.pos.length === P && given.neg.length === n - P) {
      ({ pos, neg } = given);
    } else {
      const p = new Float64Array(P);
      const q = new Float64Array(n - P);
      for (let i = 0, a = 0, b = 0; i < n; i++) {
        const s = proba[i * k + positive]!;
        if (yTrue[i] === positive) p[a++] = s;
        else q[b++] = s;
      }
      sortFloat64(p);
      sortFloat64(q);
      pos = p;
      neg = q;
    }
    if (P < 2 || n - P < 2) return null;
    return { se: Math.sqrt(delongVariance(pos, neg).variance), method: 'delong', support: Math.min(P, n - P) };
  }
  if (metric === 'roc_auc_ovr_macro') {
    const phi = new Float64Array(n);
    const col = new Float64Array(n);
    const isPos = new Uint8Array(n);
    let support = Infinity;
    for (let cls = 0; cls < k; cls++) {
      for (let i = 0; i < n; i++) {
        col[i] = proba[i * k + cls]!;
        isPos[i] = yTrue[i] === cls ? 1 : 0;
      }
      const { P, N } = ovrComponents(col, isPos, phi, 1 / k);
      if (P < 2 || N < 2) return null;
      support = Math.min(support, P, N);
    }
    const s = new CompensatedSum();
    for (let i = 0; i < n; i++) s.add(phi[i]! * phi[i]!);
    return { se: Math.sqrt(s.value()), method: 'delong', support };
  }
  return labelEstimate(metric, confusion(yTrue, yPred, k), n, positive, value);
}

/**
 * The closed-form interval of the metric at the given level, or null when the metric has none
 * here, is undefined on the data, or the data do not allow one (unknown labels, a non-finite term).
 * `known` is the metric on all rows when the caller has it already (as metrics.ts reports it).
 */
export function analyticInterval(input: BootstrapInput, confidence = 0.95, known?: number | null): AnalyticInterval | null {
  const { metric } = input;
  if (!ANALYTIC_METRICS.has(metric)) return null;
  const n = input.yTrue.length;
  if (n < 2) return null;
  const value =
    known !== undefined
      ? known
      : input.task === 'regression'
        ? regressionMetrics(input).metrics[metric as 'mae']
        : input.task === 'binary'
          ? binaryMetrics(input).metrics[metric as 'accuracy']
          : multiclassMetrics(input).metrics[metric as 'accuracy'];
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const est = estimate(input, value);
  if (!est || !Number.isFinite(est.se)) return null;
  const z = normalQuantile((1 + confidence) / 2);
  const [lo, hi] = metricRange(metric);
  const [low, high] = est.wilson ? wilson(est.wilson.successes, est.wilson.trials, z) : [Math.max(lo, value - z * est.se), Math.min(hi, value + z * est.se)];
  return { metric, value, low, high, se: est.se, method: est.method, rows: n, support: est.support };
}
