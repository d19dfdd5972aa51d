/**
 * Per-task evaluators for the bootstrap: the metric of a resample from its row counts, equal to
 * what metrics.ts returns on the materialised resample (null where that is undefined).
 */
import { CompensatedSum } from '../../math/sum.js';
import type { Floats } from '../metrics/types.js';
import {
  BINARY_METRICS,
  binaryMetrics,
  MULTICLASS_METRICS,
  multiclassMetrics,
  REGRESSION_METRICS,
  regressionMetrics,
  type BinaryInput,
  type BinaryMetricName,
  type ClassificationInput,
  type MulticlassMetricName,
  type RegressionInput,
  type RegressionMetricName,
} from '../metrics/index.js';
import { anyDrawn, compactLabels, finite, LabelCounts, mean, reported, rowsWhere, scoreOrder, weightedAuc, weightedAveragePrecision } from './weighted.js';

export interface BootstrapSettings {
  /** Metric name, one of metrics.ts's names for the task. */
  metric: string;
  /** Number of bootstrap resamples B (integer ≥ 1). Default 200. */
  resamples?: number;
  /** Two-sided interval level in (0, 1). Default 0.95. */
  confidence?: number;
  /** PRNG seed, an integer in [0, 2^53). Default 0. */
  seed?: number;
  /** Baseline value of the metric; when given, `drop` is reported as well. */
  baseline?: number;
}

export type BootstrapInput =
  | ({ task: 'binary' } & BinaryInput & BootstrapSettings)
  | ({ task: 'multiclass' } & ClassificationInput & BootstrapSettings)
  | ({ task: 'regression' } & RegressionInput & BootstrapSettings);

export interface Prepared {
  rows: number;
  value: number | null;
  /** The metric for row counts w (w[i] = times row i was drawn, Σ w = rows); null when undefined. */
  evaluate: (w: Int32Array) => number | null;
}

/**
 * Per-row terms of a mean-type metric. Rows whose term is not finite get 0 (so an undrawn row adds
 * nothing) and are listed: a resample that draws one is undefined, as the metric on it would be
 * NaN or infinite (null in metrics.ts) — or the row was invalid input in the first place.
 */
export function meanTerms(term: Float64Array): { term: Float64Array; nonFinite: Int32Array } {
  const rows: number[] = [];
  for (let i = 0; i < term.length; i++) {
    if (!finite(term[i]!)) {
      rows.push(i);
      term[i] = 0;
    }
  }
  return { term, nonFinite: Int32Array.from(rows) };
}

function prepareBinary(input: BinaryInput, metric: BinaryMetricName): Prepared {
  const value = binaryMetrics(input).metrics[metric]; // also validates the input
  const { yTrue, yPred, proba, nClasses: k, positive } = input;
  const n = yTrue.length;
  const labels = compactLabels(yTrue, k);
  const code = labels.codes;
  const counts = new LabelCounts(code, yPred, labels.L, k);
  const unknownRows = rowsWhere(n, (i) => code[i]! >= k);
  const base = { rows: n, value };

  switch (metric) {
    case 'accuracy':
      return { ...base, evaluate: (w) => counts.fill(w).accuracy(n) };
    case 'balanced_accuracy':
      return { ...base, evaluate: (w) => counts.fill(w).balancedAccuracy() };
    case 'precision':
    case 'recall':
    case 'f1':
      return {
        ...base,
        evaluate: (w) => {
          counts.fill(w);
          const tp = counts.tp[positive]!;
          const t = counts.tc[positive]!;
          const p = counts.pc[positive]!;
          if (metric === 'precision') return p === 0 ? 0 : tp / p;
          if (metric === 'recall') return t === 0 ? 0 : tp / t;
          return t + p === 0 ? 0 : (2 * tp) / (t + p);
        },
      };
    case 'log_loss': {
      const { term, nonFinite } = meanTerms(logLossTerms(proba, k, code));
      return {
        ...base,
        evaluate: (w) => (anyDrawn(w, unknownRows) || anyDrawn(w, nonFinite) ? null : weightedMean(w, term, n)),
      };
    }
    default:
      break;
  }

  // Score-based: roc_auc, average_precision, brier (p = proba[:, positive]). Undefined when the
  // resample has an unknown true label, more than two distinct true labels, or a drawn row with a
  // non-finite score. The label count pass is only needed when the whole window has > 2 labels.
  const score = new Float64Array(n);
  for (let i = 0, idx = positive; i < n; i++, idx += k) score[i] = proba[idx]!;
  const nonFiniteScore = rowsWhere(n, (i) => !finite(score[i]!));
  let distinctInWindow = 0;
  for (const t of new LabelCounts(code, yPred, labels.L, k).fill(new Int32Array(n).fill(1)).tc) if (t > 0) distinctInWindow++;
  const scoreUndefined = (w: Int32Array): boolean =>
    anyDrawn(w, unknownRows) || anyDrawn(w, nonFiniteScore) || (distinctInWindow > 2 && counts.fill(w).distinctTrue() > 2);

  if (metric === 'brier') {
    // brier_score_loss raises for a probability outside [0, 1].
    const outOfRange = rowsWhere(n, (i) => score[i]! > 1 || score[i]! < 0);
    const raw = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const y = code[i] === positive ? 1 : 0;
      const p = score[i]!;
      const d0 = 1 - y - (1 - p);
      const d1 = y - p;
      raw[i] = d0 * d0 + d1 * d1;
    }
    const { term, nonFinite } = meanTerms(raw);
    return {
      ...base,
      evaluate: (w) => (scoreUndefined(w) || anyDrawn(w, outOfRange) || anyDrawn(w, nonFinite) ? null : weightedMean(w, term, n) * 0.5),
    };
  }

  const order = scoreOrder(score, (i) => code[i] === positive);
  const withAp = metric === 'average_precision';
  return {
    ...base,
    evaluate: (w) => {
      if (scoreUndefined(w)) return null;
      const r = withAp ? weightedAveragePrecision(order, w) : weightedAuc(order, w);
      if (r.P === 0 || r.N === 0) {
        if (!withAp) return null;
        return r.P === 0 ? 0 : 1; // average_precision by scikit-learn's convention, as metrics.ts
      }
      return reported('auc' in r ? r.auc : r.averagePrecision);
    },
  };
}

/**
 * Per-row −log(clip(p[i, y_i], eps, 1 − eps)); NaN for a row that makes log_loss raise (a
 * probability that is non-finite or outside [0, 1]) — meanTerms turns those into listed rows.
 * Rows with an unknown true label get 0 (a resample drawing one is undefined anyway).
 */
export function logLossTerms(proba: Floats, k: number, codes: Int32Array): Float64Array {
  const n = codes.length;
  const eps = 2 ** -52;
  const hi = 1 - eps;
  const loss = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const base = i * k;
    let ok = true;
    for (let j = 0; j < k; j++) {
      const v = proba[base + j]!;
      if (!finite(v) || v > 1 || v < 0) ok = false;
    }
    const t = codes[i]!;
    if (!ok) {
      loss[i] = NaN;
      continue;
    }
    if (t >= k) continue;
    let p = proba[base + t]!;
    if (p < eps) p = eps;
    else if (p > hi) p = hi;
    loss[i] = -Math.log(p);
  }
  return loss;
}

/** Σ c_i·x_i / n (compensated; undrawn rows add 0, so x must be finite). */
export function weightedMean(w: Int32Array, x: Float64Array, n: number): number {
  const s = new CompensatedSum();
  for (let i = 0; i < w.length; i++) s.add(w[i]! * x[i]!);
  return s.value() / n;
}

function prepareMulticlass(input: ClassificationInput, metric: MulticlassMetricName): Prepared {
  const value = multiclassMetrics(input).metrics[metric]; // also validates the input
  const { yTrue, yPred, proba, nClasses: k } = input;
  const n = yTrue.length;
  const labels = compactLabels(yTrue, k);
  const code = labels.codes;
  const counts = new LabelCounts(code, yPred, labels.L, k);
  const unknownRows = rowsWhere(n, (i) => code[i]! >= k);
  const base = { rows: n, value };

  const perLabel = (w: Int32Array): number => {
    counts.fill(w);
    const { tc, pc, tp } = counts;
    const precision: number[] = [];
    const recall: number[] = [];
    const f1: number[] = [];
    const weighted = new CompensatedSum();
    let support = 0;
    for (let j = 0; j < labels.L; j++) {
      const t = tc[j]!;
      const p = pc[j]!;
      if (t + p === 0) continue;
      precision.push(p === 0 ? 0 : tp[j]! / p);
      recall.push(t === 0 ? 0 : tp[j]! / t);
      const f = (2 * tp[j]!) / (t + p);
      f1.push(f);
      weighted.add(f * t);
      support += t;
    }
    switch (metric) {
      case 'f1_macro':
        return mean(f1);
      case 'f1_weighted':
        return weighted.value() / support;
      case 'precision_macro':
        return mean(precision);
      default:
        return mean(recall);
    }
  };

  switch (metric) {
    case 'accuracy':
      return { ...base, evaluate: (w) => counts.fill(w).accuracy(n) };
    case 'balanced_accuracy':
      return { ...base, evaluate: (w) => counts.fill(w).balancedAccuracy() };
    case 'f1_macro':
    case 'f1_weighted':
    case 'precision_macro':
    case 'recall_macro':
      return { ...base, evaluate: perLabel };
    case 'log_loss': {
      const { term, nonFinite } = meanTerms(logLossTerms(proba, k, code));
      return {
        ...base,
        evaluate: (w) => (anyDrawn(w, unknownRows) || anyDrawn(w, nonFinite) ? null : weightedMean(w, term, n)),
      };
    }
    case 'roc_auc_ovr_macro':
      break;
  }

  // roc_auc_ovr_macro = mean over classes of the one-vs-rest AUC. Undefined for k = 2 (metrics.ts
  // refers to the binary AUC), or when the resample has a non-finite probability, an unknown true
  // label, a row that does not sum to 1 (np.allclose), or a class that is absent or the only one.
  if (k === 2) return { ...base, evaluate: () => null };
  const nonFinite: number[] = [];
  const sumBad: number[] = [];
  for (let i = 0; i < n; i++) {
    let s = 0;
    let ok = true;
    for (let j = 0, b = i * k; j < k; j++) {
      const v = proba[b + j]!;
      if (!finite(v)) ok = false;
      s += v;
    }
    if (!ok) nonFinite.push(i);
    else if (Math.abs(1 - s) > 1e-8 + 1e-5 * Math.abs(s)) sumBad.push(i);
  }
  const nonFiniteRows = Int32Array.from(nonFinite);
  const sumBadRows = Int32Array.from(sumBad);
  const orders = Array.from({ length: k }, (_, cls) => {
    const col = new Float64Array(n);
    for (let i = 0, idx = cls; i < n; i++, idx += k) col[i] = proba[idx]!;
    return scoreOrder(col, (i) => code[i] === cls);
  });
  return {
    ...base,
    evaluate: (w) => {
      if (anyDrawn(w, nonFiniteRows) || anyDrawn(w, unknownRows) || anyDrawn(w, sumBadRows)) return null;
      const aucs: number[] = [];
      for (const order of orders) {
        const r = weightedAuc(order, w);
        if (r.P === 0 || r.N === 0) return null; // a class absent from, or alone in, the resample
        aucs.push(r.auc);
      }
      return reported(mean(aucs));
    },
  };
}

function prepareRegression(input: RegressionInput, metric: RegressionMetricName): Prepared {
  const value = regressionMetrics(input).metrics[metric]; // also validates the input
  const { yTrue, yPred } = input;
  const n = yTrue.length;
  const invalid = rowsWhere(n, (i) => !finite(yTrue[i]!) || !finite(yPred[i]!));
  const raw = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = yTrue[i]!;
    const e = yPred[i]! - t;
    if (metric === 'mae') raw[i] = Math.abs(e);
    else if (metric === 'rmse' || metric === 'r2') raw[i] = e * e;
    else raw[i] = Math.abs(e) / Math.max(Math.abs(t), 2 ** -52);
  }
  // Overflowing terms (|e| near the float64 limit) make the metric infinite → null, as metrics.ts.
  const { term, nonFinite } = meanTerms(raw);
  const y = meanTerms(Float64Array.from(yTrue)).term;
  const base = { rows: n, value };
  return {
    ...base,
    evaluate: (w) => {
      if (anyDrawn(w, invalid) || anyDrawn(w, nonFinite)) return null;
      if (metric === 'mae' || metric === 'mape') return reported(weightedMean(w, term, n));
      if (metric === 'rmse') return reported(Math.sqrt(weightedMean(w, term, n)));
      // r2: null for fewer than two rows or a constant target (among the drawn rows), as metrics.ts.
      if (n < 2) return null;
      let first = 0;
      while (w[first] === 0) first++;
      let constant = true;
      for (let i = first + 1; i < n; i++) {
        if (w[i]! > 0 && y[i] !== y[first]) {
          constant = false;
          break;
        }
      }
      if (constant) return null;
      const yMean = weightedMean(w, y, n);
      const sst = new CompensatedSum();
      for (let i = 0; i < n; i++) {
        const d = y[i]! - yMean;
        sst.add(w[i]! * d * d);
      }
      const sse = weightedMean(w, term, 1);
      if (sse === 0) return 1;
      return reported(1 - sse / sst.value());
    },
  };
}

export function prepare(input: BootstrapInput): Prepared {
  const { task, metric } = input;
  switch (task) {
    case 'binary':
      if (!(BINARY_METRICS as readonly string[]).includes(metric)) break;
      return prepareBinary(input, metric as BinaryMetricName);
    case 'multiclass':
      if (!(MULTICLASS_METRICS as readonly string[]).includes(metric)) break;
      return prepareMulticlass(input, metric as MulticlassMetricName);
    case 'regression':
      if (!(REGRESSION_METRICS as readonly string[]).includes(metric)) break;
      return prepareRegression(input, metric as RegressionMetricName);
    default:
      throw new RangeError(`unknown task ${String(task)}; expected binary, multiclass or regression`);
  }
  const known = task === 'binary' ? BINARY_METRICS : task === 'multiclass' ? MULTICLASS_METRICS : REGRESSION_METRICS;
  throw new RangeError(`unknown metric "${metric}" for a ${task} model; expected one of ${known.join(', ')}`);
}
