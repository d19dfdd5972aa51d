/* eslint-disable max-lines -- being split */
/**
 * Evaluation metrics that reproduce scikit-learn's definitions exactly (pinned and checked against
 * scikit-learn 1.9.1 by test/unit/metrics.test.ts with goldens from scripts/fixtures/golden_metrics.py).
 * Pure functions: no I/O, no dependencies, typed arrays in, plain objects out.
 *
 * ## Inputs
 *
 * Labels are integer class indices chosen by the caller:
 *
 *   ClassificationInput = {
 *     yTrue: Int32Array,      // true class index per row; values >= nClasses are true labels the
 *                             // model does not know (they count as extra labels where sklearn would)
 *     yPred: Int32Array,      // predicted class index per row, in 0..nClasses-1
 *     proba: Float64Array,    // row-major n × nClasses; column j = probability of class j
 *     nClasses: number,       // k = number of model classes (>= 2)
 *     labels?: string[],      // optional display names by index, used only in messages
 *   }
 *   binaryMetrics({ ...ClassificationInput, positive })   // positive = index of the positive class
 *   multiclassMetrics(ClassificationInput)
 *   regressionMetrics({ yTrue: Float64Array, yPred: Float64Array })
 *
 * Structural mistakes by the caller (length mismatch, yPred outside 0..k-1, negative yTrue, k < 2,
 * positive outside 0..k-1) throw a RangeError; everything that depends on the data is reported in
 * the result instead.
 *
 * ## Output
 *
 *   { metrics: Record<name, number | null>, reasons: Record<name, string>, warnings: Record<name, string> }
 *
 * - Where scikit-learn returns a value, that value is returned. If it also warns (e.g. precision
 *   with no predicted positives → 0.0 with UndefinedMetricWarning, balanced_accuracy "y_pred
 *   contains classes not in y_true", log_loss "y_prob values do not sum to one"), the same value
 *   is returned and `warnings[name]` explains it.
 * - Where scikit-learn raises or returns NaN, or the value exists only by convention (r2 of a
 *   constant target, average precision with a single class in y_true), the metric is `null` and
 *   `reasons[name]` says why. Never NaN, never ±Infinity. Empty input: every metric null.
 *
 * ## Metric definitions (scikit-learn calls they equal)
 *
 * binaryMetrics, p = proba[:, positive]:
 *   accuracy           accuracy_score(y, yp)
 *   balanced_accuracy  balanced_accuracy_score(y, yp)   (labels = sorted union of y and yp; classes
 *                      only in yp have undefined recall, are dropped from the mean, and warn)
 *   precision/recall/f1  *_score(y, yp, pos_label=positive). When sklearn's average='binary'
 *                      refuses the data (more than two labels in y ∪ yp, e.g. an unknown true label)
 *                      the same positive-class figure is returned — sklearn's
 *                      *_score(y, yp, labels=[positive], average='micro'), other labels counting as
 *                      negatives — with a warning.
 *   roc_auc            roc_auc_score(y == positive, p); null if y has one class, > 2 labels, or an
 *                      unknown label (sklearn raises on a multiclass y with 1-D scores).
 *   average_precision  average_precision_score(y, p, pos_label=positive): step-wise
 *                      Σ (R_n − R_{n−1}) P_n over distinct thresholds, not interpolated.
 *   log_loss           log_loss(y, proba, labels=range(k)) on the full matrix.
 *   brier              brier_score_loss(y, p, pos_label=positive) (binary ⇒ scaled by ½, in [0, 1]).
 *
 * multiclassMetrics:
 *   accuracy, balanced_accuracy as above; f1_macro, f1_weighted, precision_macro, recall_macro =
 *   *_score(y, yp, average=...) over the sorted union of labels in y and yp (zero_division='warn':
 *   0.0 plus a warning); roc_auc_ovr_macro = roc_auc_score(y, proba, multi_class='ovr',
 *   average='macro', labels=range(k)); log_loss = log_loss(y, proba, labels=range(k)).
 *
 * regressionMetrics:
 *   mae = mean_absolute_error, rmse = sqrt(mean_squared_error), r2 = r2_score (null for a constant
 *   target or fewer than two rows), mape = mean_absolute_percentage_error
 *   (|ŷ − y| / max(|y|, 2^-52), so a zero target gives a huge but finite value).
 *
 * ## scikit-learn details reproduced (1.9.1 source)
 *
 * - log_loss clips probabilities to [eps, 1 − eps] with eps = 2^-52 (float64 machine epsilon) and
 *   does NOT renormalise rows: the loss is mean(−log(clip(p[i, y_i]))). Rows whose sum differs
 *   from 1 by more than 1e-8 + sqrt(eps) only trigger a warning. Probabilities outside [0, 1] or
 *   non-finite make it raise (→ null); so does a true label outside range(k).
 * - roc_auc / average_precision group tied scores into one threshold (a tie contributes a
 *   trapezoid, i.e. half credit). The AUC is computed exactly in integer arithmetic as
 *   Σ q·(2·tp_before + p) / (2·P·N) over distinct thresholds, equal to sklearn's trapezoid sum.
 * - Multiclass ovr AUC raises when any row sum fails np.allclose(1, sum) (|1 − s| > 1e-8 + 1e-5·|s|)
 *   or when y has a label outside range(k); a model class absent from y gives NaN. With k = 2 the
 *   (n, 2) matrix makes sklearn raise, so binaryMetrics is the one to use.
 * - brier_score_loss on a 1-D probability computes mean(((1−y)−(1−p))² + (y−p)²)·½; it requires a
 *   binary y (≤ 2 distinct values) and p in [0, 1].
 * - r2: sklearn's default force_finite=True returns 1.0 (perfect) / 0.0 for a constant target, and
 *   when the float mean of the constant is not exactly the constant (e.g. 3.7) the denominator is a
 *   rounding residue and the "score" is a meaningless −1e29; both are reported as null.
 *
 * Numerics: sums use Neumaier compensated summation; ranking sorts Float64Array copies natively
 * (no per-row objects), so all binary metrics on 1M rows take a fraction of a second.
 */
import { sortFloat64 } from '../math/sort.js';
import { CompensatedSum, FLOAT64_EPS } from '../math/sum.js';
import { BINARY_METRICS, MULTICLASS_METRICS, REGRESSION_METRICS } from '../../domain/metrics.js';

// ------------------------------------------------------------------------------------------------
// Public types

export interface ClassificationInput {
  /** True class index per row. Values >= nClasses are labels the model does not know. */
  yTrue: Int32Array;
  /** Predicted class index per row, 0..nClasses-1. */
  yPred: Int32Array;
  /** Row-major n × nClasses probabilities; column j is the probability of class j. */
  proba: Float64Array;
  /** Number of model classes, k >= 2. */
  nClasses: number;
  /** Optional display names by class index, used in messages only. */
  labels?: readonly string[];
}

export interface BinaryInput extends ClassificationInput {
  /** Index of the positive class (scikit-learn's pos_label), 0..nClasses-1. */
  positive: number;
  /**
   * Optional: P(positive) of the rows whose true class is positive (`pos`) and of the others
   * (`neg`), each sorted ascending — e.g. merged from sorted shards — so the ranking metrics skip
   * their sort. Must hold exactly those values; used only when y_true holds model classes only.
   */
  sortedScores?: { pos: Float64Array; neg: Float64Array };
}

export interface RegressionInput {
  yTrue: Float64Array;
  yPred: Float64Array;
}

export { BINARY_METRICS, MULTICLASS_METRICS, REGRESSION_METRICS };

export type BinaryMetricName = (typeof BINARY_METRICS)[number];
export type MulticlassMetricName = (typeof MULTICLASS_METRICS)[number];
export type RegressionMetricName = (typeof REGRESSION_METRICS)[number];

export interface MetricsResult<K extends string = string> {
  /** Every metric name is present; null when undefined (see `reasons`). Never NaN or Infinity. */
  metrics: Record<K, number | null>;
  /** Why a metric is null, keyed by metric name (only for null metrics). */
  reasons: Record<string, string>;
  /** scikit-learn-equivalent warnings for metrics that do have a value, keyed by metric name. */
  warnings: Record<string, string>;
}


// ------------------------------------------------------------------------------------------------
// Result building

class ResultBuilder<K extends string> {
  readonly metrics: Record<K, number | null>;
  readonly reasons: Record<string, string> = {};
  readonly warnings: Record<string, string> = {};

  constructor(names: readonly K[]) {
    const metrics = {} as Record<K, number | null>;
    for (const name of names) metrics[name] = null;
    this.metrics = metrics;
  }

  value(name: K, v: number, warning?: string): void {
    if (!Number.isFinite(v)) {
      this.nullify(name, `the computed value is not finite (${String(v)}), e.g. after floating-point overflow`);
      return;
    }
    this.metrics[name] = v;
    delete this.reasons[name];
    if (warning !== undefined && warning !== '') this.warnings[name] = warning;
  }

  nullify(name: K, reason: string): void {
    this.metrics[name] = null;
    this.reasons[name] = reason;
    delete this.warnings[name];
  }

  nullifyAll(names: readonly K[], reason: string): void {
    for (const name of names) this.nullify(name, reason);
  }

  build(): MetricsResult<K> {
    return { metrics: this.metrics, reasons: this.reasons, warnings: this.warnings };
  }
}

// ------------------------------------------------------------------------------------------------
// Numerics

function compensatedMean(values: readonly number[]): number {
  const s = new CompensatedSum();
  for (const v of values) s.add(v);
  return s.value() / values.length;
}

function allFinite(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) {
    // NaN and ±Infinity both fail this test.
    if (!((a[i] as number) - (a[i] as number) === 0)) return false;
  }
  return true;
}

// ------------------------------------------------------------------------------------------------
// Validation and label bookkeeping

function validateClassification(input: ClassificationInput): void {
  const { yTrue, yPred, proba, nClasses: k } = input;
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`nClasses must be an integer >= 2, got ${k}`);
  if (yTrue.length !== yPred.length) {
    throw new RangeError(`yTrue has ${yTrue.length} rows but yPred has ${yPred.length}`);
  }
  if (proba.length !== yTrue.length * k) {
    throw new RangeError(`proba has ${proba.length} values, expected rows × nClasses = ${yTrue.length} × ${k}`);
  }
  for (let i = 0; i < yTrue.length; i++) {
    if ((yTrue[i] as number) < 0) throw new RangeError(`yTrue[${i}] = ${yTrue[i]} is negative`);
    const p = yPred[i] as number;
    if (p < 0 || p >= k) throw new RangeError(`yPred[${i}] = ${p} is outside the model's classes 0..${k - 1}`);
  }
}

function className(index: number, names: readonly string[] | undefined): string {
  const name = names?.[index];
  return name === undefined ? `class ${index}` : `"${name}" (index ${index})`;
}

function classList(indices: readonly number[], names: readonly string[] | undefined): string {
  const shown = indices.slice(0, 10).map((i) => className(i, names));
  return indices.length > 10 ? `${shown.join(', ')} and ${indices.length - 10} more` : shown.join(', ');
}

/** Per-label confusion counts over the sorted union of labels present in yTrue and yPred. */
interface LabelCounts {
  /** Sorted label indices present in yTrue ∪ yPred. */
  labels: number[];
  tp: number[];
  trueCount: number[];
  predCount: number[];
  /** Labels in yTrue that are >= nClasses (unknown to the model), sorted. */
  unknownTrue: number[];
  /** Number of distinct labels in yTrue. */
  distinctTrue: number;
}

function countLabels(yTrue: Int32Array, yPred: Int32Array, k: number): LabelCounts {
  const n = yTrue.length;
  const tp = new Float64Array(k);
  const tc = new Float64Array(k);
  const pc = new Float64Array(k);
  // Labels >= k only come from yTrue and are never predicted (yPred < k), so they only need a
  // true count; tp and pred count are 0.
  let extra: Map<number, number> | undefined;
  for (let i = 0; i < n; i++) {
    const t = yTrue[i] as number;
    const p = yPred[i] as number;
    pc[p] = (pc[p] as number) + 1;
    if (t < k) {
      tc[t] = (tc[t] as number) + 1;
      if (t === p) tp[t] = (tp[t] as number) + 1;
    } else {
      extra ??= new Map();
      extra.set(t, (extra.get(t) ?? 0) + 1);
    }
  }
  const out: LabelCounts = { labels: [], tp: [], trueCount: [], predCount: [], unknownTrue: [], distinctTrue: 0 };
  for (let c = 0; c < k; c++) {
    const t = tc[c] as number;
    const p = pc[c] as number;
    if (t > 0) out.distinctTrue++;
    if (t + p === 0) continue;
    out.labels.push(c);
    out.tp.push(tp[c] as number);
    out.trueCount.push(t);
    out.predCount.push(p);
  }
  if (extra) {
    for (const label of [...extra.keys()].sort((a, b) => a - b)) {
      out.labels.push(label);
      out.tp.push(0);
      out.trueCount.push(extra.get(label) as number);
      out.predCount.push(0);
      out.unknownTrue.push(label);
      out.distinctTrue++;
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Shared classification metrics

function accuracy(yTrue: Int32Array, yPred: Int32Array): number {
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) correct++;
  return correct / yTrue.length;
}

/** balanced_accuracy_score: mean recall over labels present in y_true. */
function balancedAccuracy(c: LabelCounts, names: readonly string[] | undefined): { value: number; warning?: string } {
  const recalls: number[] = [];
  const onlyPredicted: number[] = [];
  for (let j = 0; j < c.labels.length; j++) {
    const t = c.trueCount[j] as number;
    if (t === 0) onlyPredicted.push(c.labels[j] as number);
    else recalls.push((c.tp[j] as number) / t);
  }
  const value = compensatedMean(recalls);
  if (onlyPredicted.length === 0) return { value };
  return {
    value,
    warning:
      `y_pred contains classes not in y_true (${classList(onlyPredicted, names)}); their recall is undefined ` +
      `and, like scikit-learn, they are left out of the mean.`,
  };
}

type ProbaCheck = { ok: true } | { ok: false; reason: string };

/** The validity checks log_loss performs on y_prob (check_array + range checks). */
function checkProbaForLogLoss(proba: Float64Array): ProbaCheck {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < proba.length; i++) {
    const v = proba[i] as number;
    if (!(v - v === 0)) {
      return { ok: false, reason: 'proba contains NaN or infinity (scikit-learn raises on non-finite input).' };
    }
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (max > 1) return { ok: false, reason: `proba contains values greater than 1 (max ${max}); scikit-learn raises.` };
  if (min < 0) return { ok: false, reason: `proba contains values lower than 0 (min ${min}); scikit-learn raises.` };
  return { ok: true };
}

/**
 * log_loss(y, proba, labels=range(k)): mean of −log(clip(p[i, y_i], eps, 1 − eps)), no
 * renormalisation; warns when a row sum is not within 1e-8 + sqrt(eps) of 1.
 */
function logLoss(
  yTrue: Int32Array,
  proba: Float64Array,
  k: number,
  unknownTrue: readonly number[],
  names: readonly string[] | undefined,
): { value: number; warning?: string } | { reason: string } {
  if (unknownTrue.length > 0) {
    return {
      reason:
        `y_true contains labels the model does not know (${classList(unknownTrue, names)}); ` +
        `scikit-learn's log_loss with labels=range(${k}) raises.`,
    };
  }
  const check = checkProbaForLogLoss(proba);
  if (!check.ok) return { reason: check.reason };

  const eps = FLOAT64_EPS;
  const hi = 1 - eps;
  const sumTol = 1e-8 + Math.sqrt(eps); // xpx.isclose(sum, 1, rtol=sqrt(eps)), atol 1e-8
  const loss = new CompensatedSum();
  let offRows = 0;
  let worst = 0;
  const n = yTrue.length;
  for (let i = 0; i < n; i++) {
    const base = i * k;
    let rowSum = 0;
    for (let j = 0; j < k; j++) rowSum += proba[base + j] as number;
    const dev = Math.abs(rowSum - 1);
    if (dev > sumTol) {
      offRows++;
      if (dev > worst) worst = dev;
    }
    let p = proba[base + (yTrue[i] as number)] as number;
    if (p < eps) p = eps;
    else if (p > hi) p = hi;
    loss.add(-Math.log(p));
  }
  const value = loss.value() / n;
  if (offRows === 0) return { value };
  return {
    value,
    warning:
      `The y_prob values do not sum to one in ${offRows} of ${n} rows (largest deviation ${worst.toExponential(2)}); ` +
      `like scikit-learn, rows are not renormalised (only the true class's clipped probability enters the loss).`,
  };
}

// ------------------------------------------------------------------------------------------------
// Ranking: ROC AUC and average precision from tie-grouped thresholds

interface RankingStats {
  /** Exact ROC AUC (trapezoidal over distinct thresholds). */
  auc: number;
  /** Step-wise average precision Σ (R_n − R_{n−1}) P_n. */
  averagePrecision: number;
}

/**
 * Splits the scores into positives and negatives, sorts each natively and walks them from the top
 * score down, one distinct threshold at a time. Requires P > 0 and N > 0.
 */
function rankingStats(pos: Float64Array, neg: Float64Array, sorted = false): RankingStats {
  if (!sorted) {
    sortFloat64(pos);
    sortFloat64(neg);
  }
  const P = pos.length;
  const N = neg.length;
  let ip = P - 1;
  let iq = N - 1;
  let tp = 0;
  let fp = 0;
  // 2 × area in units of (1 positive × 1 negative); integer-valued, exact while < 2^53.
  let area2 = 0;
  const ap = new CompensatedSum();
  while (ip >= 0 || iq >= 0) {
    const sp = ip >= 0 ? (pos[ip] as number) : -Infinity;
    const sq = iq >= 0 ? (neg[iq] as number) : -Infinity;
    const t = sp > sq ? sp : sq;
    let p = 0;
    let q = 0;
    while (ip >= 0 && pos[ip] === t) {
      p++;
      ip--;
    }
    while (iq >= 0 && neg[iq] === t) {
      q++;
      iq--;
    }
    area2 += q * (2 * tp + p);
    tp += p;
    fp += q;
    if (p > 0) ap.add((p * tp) / (tp + fp));
  }
  return { auc: area2 / (2 * P * N), averagePrecision: Math.max(0, ap.value() / P) };
}

/** Scores of column `col` split by whether yTrue equals `cls`. */
function splitColumn(
  yTrue: Int32Array,
  proba: Float64Array,
  k: number,
  col: number,
  cls: number,
  positives: number,
): { pos: Float64Array; neg: Float64Array } {
  const n = yTrue.length;
  const pos = new Float64Array(positives);
  const neg = new Float64Array(n - positives);
  let a = 0;
  let b = 0;
  for (let i = 0, idx = col; i < n; i++, idx += k) {
    if (yTrue[i] === cls) pos[a++] = proba[idx] as number;
    else neg[b++] = proba[idx] as number;
  }
  return { pos, neg };
}

function columnFinite(proba: Float64Array, k: number, col: number): boolean {
  for (let idx = col; idx < proba.length; idx += k) {
    const v = proba[idx] as number;
    if (!(v - v === 0)) return false;
  }
  return true;
}

// ------------------------------------------------------------------------------------------------
// Binary

export function binaryMetrics(input: BinaryInput): MetricsResult<BinaryMetricName> {
  validateClassification(input);
  const { yTrue, yPred, proba, nClasses: k, positive, labels: names } = input;
  if (!Number.isInteger(positive) || positive < 0 || positive >= k) {
    throw new RangeError(`positive must be a class index in 0..${k - 1}, got ${positive}`);
  }
  const r = new ResultBuilder(BINARY_METRICS);
  const n = yTrue.length;
  if (n === 0) {
    r.nullifyAll(BINARY_METRICS, 'No rows to evaluate (scikit-learn raises on empty input).');
    return r.build();
  }
  const posName = className(positive, names);
  const c = countLabels(yTrue, yPred, k);

  r.value('accuracy', accuracy(yTrue, yPred));
  const bal = balancedAccuracy(c, names);
  r.value('balanced_accuracy', bal.value, bal.warning);

  // precision / recall / f1 for the positive class (one-vs-rest).
  const j = c.labels.indexOf(positive);
  const tp = j < 0 ? 0 : (c.tp[j] as number);
  const predPos = j < 0 ? 0 : (c.predCount[j] as number);
  const truePos = j < 0 ? 0 : (c.trueCount[j] as number);
  let binaryRefused = '';
  if (c.labels.length > 2) {
    binaryRefused =
      `y_true ∪ y_pred has ${c.labels.length} labels (${classList(c.labels, names)}), so scikit-learn's ` +
      `average='binary' raises; reported for ${posName} against all other labels ` +
      `(scikit-learn's labels=[${positive}], average='micro').`;
  } else if (c.labels.length === 2 && j < 0) {
    binaryRefused =
      `${posName} is not among the labels present (${classList(c.labels, names)}), so scikit-learn's ` +
      `average='binary' raises; reported for ${posName} against all other labels.`;
  }
  const join = (a: string, b: string): string => [a, b].filter((s) => s !== '').join(' ');
  r.value(
    'precision',
    predPos === 0 ? 0 : tp / predPos,
    join(
      predPos === 0
        ? `Precision is ill-defined and set to 0.0 (scikit-learn zero_division='warn'): no predicted samples of ${posName}.`
        : '',
      binaryRefused,
    ),
  );
  r.value(
    'recall',
    truePos === 0 ? 0 : tp / truePos,
    join(
      truePos === 0
        ? `Recall is ill-defined and set to 0.0 (scikit-learn zero_division='warn'): no true samples of ${posName}.`
        : '',
      binaryRefused,
    ),
  );
  const fDenom = truePos + predPos;
  r.value(
    'f1',
    fDenom === 0 ? 0 : (2 * tp) / fDenom,
    join(
      fDenom === 0
        ? `F-score is ill-defined and set to 0.0 (scikit-learn zero_division='warn'): no true nor predicted samples of ${posName}.`
        : '',
      binaryRefused,
    ),
  );

  // Score-based metrics need a binary y_true made of model classes.
  let scoreReason: string | undefined;
  if (c.unknownTrue.length > 0) {
    scoreReason =
      `y_true contains labels the model does not know (${classList(c.unknownTrue, names)}); ` +
      `scikit-learn treats y_true as multiclass and raises for a 1-D probability.`;
  } else if (c.distinctTrue > 2) {
    scoreReason = `y_true has ${c.distinctTrue} distinct labels; scikit-learn raises for a multiclass y_true with a 1-D probability.`;
  }
  const scoresFinite = columnFinite(proba, k, positive);
  if (scoreReason === undefined && !scoresFinite) {
    scoreReason = `proba column ${positive} contains NaN or infinity (scikit-learn raises on non-finite input).`;
  }

  if (scoreReason !== undefined) {
    r.nullify('roc_auc', scoreReason);
    r.nullify('average_precision', scoreReason);
    r.nullify('brier', scoreReason);
  } else {
    const negatives = n - truePos;
    if (truePos === 0 || negatives === 0) {
      const only = truePos === 0 ? `no ${posName} (only negatives)` : `only ${posName}`;
      r.nullify(
        'roc_auc',
        `Only one class is present in y_true (${only}); ROC AUC is not defined (scikit-learn returns NaN).`,
      );
      // scikit-learn still returns a value here: 0.0 with a warning when y_true has no positives
      // (recall is set to 1 by convention), 1.0 when it has only positives.
      if (truePos === 0) {
        r.value(
          'average_precision',
          0,
          `No positive class (${posName}) found in y_true: recall is set to one for all thresholds and average precision is 0.0 by convention.`,
        );
      } else {
        r.value('average_precision', 1);
      }
    } else {
      const given = input.sortedScores;
      const stats =
        given && given.pos.length === truePos && given.neg.length === n - truePos
          ? rankingStats(given.pos, given.neg, true)
          : (() => {
              const { pos, neg } = splitColumn(yTrue, proba, k, positive, positive, truePos);
              return rankingStats(pos, neg);
            })();
      r.value('roc_auc', stats.auc);
      r.value('average_precision', stats.averagePrecision);
    }

    // brier_score_loss(y, p, pos_label=positive)
    let min = Infinity;
    let max = -Infinity;
    for (let idx = positive; idx < proba.length; idx += k) {
      const v = proba[idx] as number;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (max > 1) {
      r.nullify('brier', `proba column ${positive} has values greater than 1 (max ${max}); scikit-learn raises.`);
    } else if (min < 0) {
      r.nullify('brier', `proba column ${positive} has values less than 0 (min ${min}); scikit-learn raises.`);
    } else {
      const s = new CompensatedSum();
      for (let i = 0, idx = positive; i < n; i++, idx += k) {
        const y = yTrue[i] === positive ? 1 : 0;
        const p = proba[idx] as number;
        const d0 = 1 - y - (1 - p);
        const d1 = y - p;
        s.add(d0 * d0 + d1 * d1);
      }
      r.value('brier', (s.value() / n) * 0.5);
    }
  }

  const ll = logLoss(yTrue, proba, k, c.unknownTrue, names);
  if ('reason' in ll) r.nullify('log_loss', ll.reason);
  else r.value('log_loss', ll.value, ll.warning);

  return r.build();
}

// ------------------------------------------------------------------------------------------------
// Multiclass

export function multiclassMetrics(input: ClassificationInput): MetricsResult<MulticlassMetricName> {
  validateClassification(input);
  const { yTrue, yPred, proba, nClasses: k, labels: names } = input;
  const r = new ResultBuilder(MULTICLASS_METRICS);
  const n = yTrue.length;
  if (n === 0) {
    r.nullifyAll(MULTICLASS_METRICS, 'No rows to evaluate (scikit-learn raises on empty input).');
    return r.build();
  }
  const c = countLabels(yTrue, yPred, k);

  r.value('accuracy', accuracy(yTrue, yPred));
  const bal = balancedAccuracy(c, names);
  r.value('balanced_accuracy', bal.value, bal.warning);

  // Per-label precision / recall / F1 over the sorted union of labels (sklearn's default labels).
  const precision: number[] = [];
  const recall: number[] = [];
  const f1: number[] = [];
  const noPred: number[] = [];
  const noTrue: number[] = [];
  const weighted = new CompensatedSum();
  let support = 0;
  for (let j = 0; j < c.labels.length; j++) {
    const tp = c.tp[j] as number;
    const t = c.trueCount[j] as number;
    const p = c.predCount[j] as number;
    if (p === 0) noPred.push(c.labels[j] as number);
    if (t === 0) noTrue.push(c.labels[j] as number);
    precision.push(p === 0 ? 0 : tp / p);
    recall.push(t === 0 ? 0 : tp / t);
    const f = t + p === 0 ? 0 : (2 * tp) / (t + p);
    f1.push(f);
    weighted.add(f * t);
    support += t;
  }
  r.value('f1_macro', compensatedMean(f1));
  r.value('f1_weighted', weighted.value() / support);
  r.value(
    'precision_macro',
    compensatedMean(precision),
    noPred.length === 0
      ? undefined
      : `Precision is ill-defined and set to 0.0 for labels with no predicted samples (${classList(noPred, names)}); ` +
          `as in scikit-learn (zero_division='warn') those zeros are included in the macro average.`,
  );
  r.value(
    'recall_macro',
    compensatedMean(recall),
    noTrue.length === 0
      ? undefined
      : `Recall is ill-defined and set to 0.0 for labels with no true samples (${classList(noTrue, names)}); ` +
          `as in scikit-learn (zero_division='warn') those zeros are included in the macro average.`,
  );

  // roc_auc_score(y, proba, multi_class='ovr', average='macro', labels=range(k))
  const aucReason = ovrAucPrecondition(yTrue, proba, k, c, names);
  if (aucReason !== undefined) {
    r.nullify('roc_auc_ovr_macro', aucReason);
  } else {
    const trueCountByClass = new Float64Array(k);
    for (let j = 0; j < c.labels.length; j++) {
      const label = c.labels[j] as number;
      if (label < k) trueCountByClass[label] = c.trueCount[j] as number;
    }
    const undefinedFor: number[] = [];
    for (let cls = 0; cls < k; cls++) {
      const P = trueCountByClass[cls] as number;
      if (P === 0 || P === n) undefinedFor.push(cls);
    }
    if (undefinedFor.length > 0) {
      r.nullify(
        'roc_auc_ovr_macro',
        `One-vs-rest AUC is undefined for ${classList(undefinedFor, names)}: only one class is present in ` +
          `y_true for that split (scikit-learn returns NaN for the macro average).`,
      );
    } else {
      const aucs: number[] = [];
      for (let cls = 0; cls < k; cls++) {
        const { pos, neg } = splitColumn(yTrue, proba, k, cls, cls, trueCountByClass[cls] as number);
        aucs.push(rankingStats(pos, neg).auc);
      }
      r.value('roc_auc_ovr_macro', compensatedMean(aucs));
    }
  }

  const ll = logLoss(yTrue, proba, k, c.unknownTrue, names);
  if ('reason' in ll) r.nullify('log_loss', ll.reason);
  else r.value('log_loss', ll.value, ll.warning);

  return r.build();
}

/** Conditions under which scikit-learn's multiclass ovr roc_auc_score raises; undefined if none. */
function ovrAucPrecondition(
  yTrue: Int32Array,
  proba: Float64Array,
  k: number,
  c: LabelCounts,
  names: readonly string[] | undefined,
): string | undefined {
  if (!allFinite(proba)) return 'proba contains NaN or infinity (scikit-learn raises on non-finite input).';
  if (k === 2) {
    return (
      'One-vs-rest ROC AUC with labels=range(2): scikit-learn treats a 2-class y_true as binary and raises ' +
      'for an (n, 2) probability matrix; use the binary metrics (roc_auc on the positive column).'
    );
  }
  if (c.unknownTrue.length > 0) {
    return (
      `y_true contains labels the model does not know (${classList(c.unknownTrue, names)}); ` +
      `scikit-learn raises ("'y_true' contains labels not in parameter 'labels'").`
    );
  }
  // np.allclose(1, proba.sum(axis=1)): |1 - s| <= 1e-8 + 1e-5 * |s|
  let bad = 0;
  let worst = 0;
  for (let i = 0; i < yTrue.length; i++) {
    let s = 0;
    for (let j = 0, base = i * k; j < k; j++) s += proba[base + j] as number;
    const dev = Math.abs(1 - s);
    if (dev > 1e-8 + 1e-5 * Math.abs(s)) {
      bad++;
      if (dev > worst) worst = dev;
    }
  }
  if (bad > 0) {
    return (
      `Probability rows must sum to 1 for multiclass ROC AUC: ${bad} of ${yTrue.length} rows do not ` +
      `(largest deviation ${worst.toExponential(2)}; scikit-learn requires np.allclose and raises).`
    );
  }
  return undefined;
}

// ------------------------------------------------------------------------------------------------
// Regression

export function regressionMetrics(input: RegressionInput): MetricsResult<RegressionMetricName> {
  const { yTrue, yPred } = input;
  if (yTrue.length !== yPred.length) {
    throw new RangeError(`yTrue has ${yTrue.length} rows but yPred has ${yPred.length}`);
  }
  const r = new ResultBuilder(REGRESSION_METRICS);
  const n = yTrue.length;
  if (n === 0) {
    r.nullifyAll(REGRESSION_METRICS, 'No rows to evaluate (scikit-learn raises on empty input).');
    return r.build();
  }
  if (!allFinite(yTrue) || !allFinite(yPred)) {
    r.nullifyAll(REGRESSION_METRICS, 'yTrue or yPred contains NaN or infinity (scikit-learn raises on non-finite input).');
    return r.build();
  }

  const abs = new CompensatedSum();
  const sq = new CompensatedSum();
  const pct = new CompensatedSum();
  const sumTrue = new CompensatedSum();
  let constant = true;
  const first = yTrue[0] as number;
  for (let i = 0; i < n; i++) {
    const t = yTrue[i] as number;
    const p = yPred[i] as number;
    const e = p - t;
    abs.add(Math.abs(e));
    sq.add(e * e);
    pct.add(Math.abs(e) / Math.max(Math.abs(t), FLOAT64_EPS));
    sumTrue.add(t);
    if (t !== first) constant = false;
  }
  const sse = sq.value();
  r.value('mae', abs.value() / n);
  r.value('rmse', Math.sqrt(sse / n));
  r.value('mape', pct.value() / n);

  if (n < 2) {
    r.nullify('r2', 'R² is not well-defined with fewer than two samples (scikit-learn returns NaN).');
  } else if (constant) {
    r.nullify(
      'r2',
      `y_true is constant (${first}), so R² is undefined (zero total variance). scikit-learn's ` +
        `force_finite convention would report 1.0 for perfect predictions and 0.0 otherwise — or, when the ` +
        `float mean of the constant is not exactly the constant, a meaningless huge negative number.`,
    );
  } else {
    const mean = sumTrue.value() / n;
    const sst = new CompensatedSum();
    for (let i = 0; i < n; i++) {
      const d = (yTrue[i] as number) - mean;
      sst.add(d * d);
    }
    const denom = sst.value();
    if (sse === 0) r.value('r2', 1);
    else r.value('r2', 1 - sse / denom);
  }
  return r.build();
}
