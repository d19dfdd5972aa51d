/**
 * Confidence-based performance estimation (CBPE) for classifiers, following NannyML 0.13.1's
 * published method (docs/statistics/estimation.md): the model's scores, calibrated on the reference,
 * are read as the probability that each prediction is right, so the expected confusion matrix of a
 * window, and every metric that follows from it, can be estimated before its labels arrive.
 */
import type { EstimatedMetric, EstimationSummary } from '../../domain/estimation.js';
import { METRIC_CATALOGUE } from '../../domain/metrics.js';
import { UpkeepError } from '../errors.js';
import { argsortFloat64 } from '../math/argsort.js';
import { sortFloat64 } from '../math/sort.js';
import { normalQuantile } from '../math/special/normal.js';
import { calibrate, calibrationError, ECE_FALSE_FLAG_RATE, ECE_TOLERANCE, eceBound, fitClassCalibration, type ClassCalibration } from './calibration.js';
import { aurocPlacementVariance, binaryComponents, multiclassComponents, samplingError, type OneVsRest, type SamplingComponents } from './sampling-error.js';

/** A classifier's outputs on some rows. */
export interface ClassScores {
  task: 'binary' | 'multiclass';
  /** The model's classes, in the order of the probability columns. */
  classes: string[];
  /** Binary: the index of the positive class in `classes`. */
  positive?: number;
  rows: number;
  /** rows × classes.length, row-major. */
  proba: Float32Array | Float64Array;
  /** The predicted class index of each row (the model's label output, or the most probable class). */
  yPred: Int32Array;
}

/** Fitted on the reference; JSON-serialisable (stored in the reference profile). */
export interface CbpeState {
  method: 'cbpe';
  task: 'binary' | 'multiclass';
  classes: string[];
  positive?: number;
  /** The metrics estimated: those asked for that CBPE can estimate, in catalogue order. */
  metrics: string[];
  /** Binary: the positive class's calibration; multiclass: one per class, in `classes` order. */
  calibration: ClassCalibration[];
  /** Per metric, the reference statistics its sampling error is computed from. */
  sampling: Record<string, SamplingComponents>;
  /** Rows of the reference. */
  referenceRows: number;
  /** The chunk size the reference was described with, when given (the band itself uses each window's own size). */
  chunkSize?: number;
}

/** What CBPE estimates, per task (upkeep's metric names). */
export const CBPE_METRICS = {
  binary: ['roc_auc', 'accuracy', 'precision', 'recall', 'f1', 'balanced_accuracy'],
  multiclass: ['roc_auc_ovr_macro', 'accuracy', 'precision_macro', 'recall_macro', 'f1_macro', 'balanced_accuracy'],
} as const;

/** Labelled rows a window needs before its calibration is checked. */
export const MIN_LABELLED_FOR_CHECK = 200;
/** The band: NannyML's value ± 3 sampling errors. */
const BAND_SAMPLING_ERRORS = 3;
/** Tolerance on probabilities slightly outside [0, 1] from float32 arithmetic. */
const PROBA_SLACK = 1e-6;

export const BLIND_SPOT =
  'Estimation cannot see concept drift: when the relation between the inputs and the labels changes but the model gives the same scores, ' +
  'the real performance moves and the estimate does not; only labels show it.';

type Labelled = ClassScores & { yTrue: Int32Array };

function fail(message: string): never {
  throw new UpkeepError('InvalidData', `CBPE: ${message}`);
}

/** Checks shapes, class indices and probabilities; returns the number of classes. */
function checkScores(s: ClassScores, what: string, expect?: { task: string; classes: readonly string[] }): number {
  const k = s.classes.length;
  if (expect) {
    if (s.task !== expect.task) fail(`${what} is ${s.task} but the reference was ${expect.task}`);
    if (k !== expect.classes.length || s.classes.some((c, i) => c !== expect.classes[i])) {
      fail(`${what} has classes [${s.classes.join(', ')}] but the reference had [${expect.classes.join(', ')}]`);
    }
  }
  if (k < 2) fail(`${what} has ${k} class${k === 1 ? '' : 'es'}; a classifier needs at least 2`);
  if (s.task === 'binary' && k !== 2) fail(`${what} is binary but has ${k} classes`);
  if (s.task === 'binary' && !(Number.isInteger(s.positive) && s.positive! >= 0 && s.positive! < k)) {
    fail(`${what} is binary but its positive class index ${String(s.positive)} is not one of 0..${k - 1}`);
  }
  if (!Number.isInteger(s.rows) || s.rows < 0) fail(`${what} has an invalid row count ${s.rows}`);
  if (s.proba.length !== s.rows * k) fail(`${what} has ${s.proba.length} probabilities for ${s.rows} rows × ${k} classes`);
  if (s.yPred.length !== s.rows) fail(`${what} has ${s.yPred.length} predictions for ${s.rows} rows`);
  const p = s.proba;
  for (let i = 0; i < p.length; i++) {
    const v = p[i]!;
    if (!(v >= -PROBA_SLACK && v <= 1 + PROBA_SLACK)) {
      const row = Math.floor(i / k);
      const desc = Number.isNaN(v) ? 'NaN' : String(v);
      throw new UpkeepError(
        'ModelOutputInvalid',
        `CBPE: ${what}: the probability of class "${s.classes[i % k]}" is ${desc} on row ${row + 1}; CBPE needs probabilities in [0, 1]`,
      );
    }
  }
  for (let i = 0; i < s.rows; i++) {
    const c = s.yPred[i]!;
    if (!(c >= 0 && c < k)) fail(`${what}: the predicted class index ${c} on row ${i + 1} is not one of 0..${k - 1}`);
  }
  return k;
}

function checkLabels(s: Labelled, what: string, k: number): void {
  if (s.yTrue.length !== s.rows) fail(`${what} has ${s.yTrue.length} labels for ${s.rows} rows`);
  for (let i = 0; i < s.rows; i++) {
    const c = s.yTrue[i]!;
    if (!(c >= 0 && c < k)) fail(`${what}: the label index ${c} on row ${i + 1} is not one of 0..${k - 1}`);
  }
}

/** Column `col` of the row-major probabilities, clamped into [0, 1]. */
function column(s: ClassScores, col: number): Float64Array {
  const k = s.classes.length;
  const out = new Float64Array(s.rows);
  for (let i = 0, j = col; i < s.rows; i++, j += k) {
    const v = s.proba[j]!;
    out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return out;
}

/** The z of the calibration check: one-sided, its false-flag rate shared by the classes checked. */
function checkZ(task: 'binary' | 'multiclass', k: number): number {
  return normalQuantile(1 - ECE_FALSE_FLAG_RATE / (task === 'binary' ? 1 : k));
}

/** Fits CBPE on labelled reference rows. `yTrue`: class indices into `classes` (the reference's labels). */
export function fitCbpe(reference: ClassScores & { yTrue: Int32Array }, opts: { metrics: readonly string[]; chunkSize?: number }): CbpeState {
  const k = checkScores(reference, 'the reference');
  checkLabels(reference, 'the reference', k);
  const n = reference.rows;
  const { task, classes } = reference;
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) counts[reference.yTrue[i]!]!++;
  if (n === 0) throw new UpkeepError('InsufficientData', 'CBPE: the reference has no rows; its labels are needed to fit the calibration');
  const missing = classes.filter((_, c) => counts[c] === 0);
  if (missing.length > 0) {
    const only = classes.filter((_, c) => counts[c] === n);
    throw new UpkeepError(
      'InsufficientData',
      only.length === 1
        ? `CBPE: all ${n} reference labels are "${only[0]}"; the calibration needs every class among the reference's labels (missing: ${missing.map((c) => `"${c}"`).join(', ')})`
        : `CBPE: class${missing.length > 1 ? 'es' : ''} ${missing.map((c) => `"${c}"`).join(', ')} never occur${missing.length > 1 ? '' : 's'} among the reference's ${n} labels; the calibration needs every class`,
    );
  }
  const estimable = new Set<string>(CBPE_METRICS[task]);
  const asked = new Set(opts.metrics);
  const metrics = METRIC_CATALOGUE.map((m) => m.name as string).filter((m) => estimable.has(m) && asked.has(m));
  const z = checkZ(task, k);
  const yTrue = reference.yTrue;
  const yPred = reference.yPred;
  let calibration: ClassCalibration[];
  let sampling: Record<string, SamplingComponents>;
  if (task === 'binary') {
    const pos = reference.positive!;
    const score = column(reference, pos);
    const target = new Uint8Array(n);
    const c: OneVsRest = { tp: 0, fp: 0, fn: 0, tn: 0 };
    for (let i = 0; i < n; i++) {
      const t = yTrue[i] === pos;
      const p = yPred[i] === pos;
      target[i] = t ? 1 : 0;
      if (t && p) c.tp++;
      else if (p) c.fp++;
      else if (t) c.fn++;
      else c.tn++;
    }
    const order = argsortFloat64(score);
    calibration = [fitClassCalibration(score, target, z, order)];
    sampling = binaryComponents(c, placements(score, target, order));
  } else {
    calibration = [];
    const perClass: OneVsRest[] = [];
    const auroc: { variance: number | null; fraction: number }[] = [];
    let correct = 0;
    for (let i = 0; i < n; i++) if (yTrue[i] === yPred[i]) correct++;
    const target = new Uint8Array(n);
    for (let cls = 0; cls < k; cls++) {
      const score = column(reference, cls);
      const c: OneVsRest = { tp: 0, fp: 0, fn: 0, tn: 0 };
      for (let i = 0; i < n; i++) {
        const t = yTrue[i] === cls;
        const p = yPred[i] === cls;
        target[i] = t ? 1 : 0;
        if (t && p) c.tp++;
        else if (p) c.fp++;
        else if (t) c.fn++;
        else c.tn++;
      }
      perClass.push(c);
      const order = argsortFloat64(score);
      calibration.push(fitClassCalibration(score, target, z, order));
      auroc.push(placements(score, target, order));
    }
    sampling = multiclassComponents(perClass, correct, auroc);
  }
  const kept: Record<string, SamplingComponents> = {};
  for (const m of metrics) kept[m] = sampling[m]!;
  const state: CbpeState = { method: 'cbpe', task, classes: [...classes], metrics, calibration, sampling: kept, referenceRows: n };
  if (task === 'binary') state.positive = reference.positive!;
  if (opts.chunkSize !== undefined) state.chunkSize = opts.chunkSize;
  return state;
}

/** AUROC placements on the uncalibrated scores (NannyML fits the AUROC's sampling error on them). */
function placements(score: Float64Array, target: Uint8Array, order: Uint32Array): { variance: number | null; fraction: number } {
  const s = new Float64Array(score.length);
  const y = new Uint8Array(score.length);
  for (let i = 0; i < order.length; i++) {
    s[i] = score[order[i]!]!;
    y[i] = target[order[i]!]!;
  }
  return aurocPlacementVariance(s, y);
}

/**
 * The calibrated probabilities CBPE reads as the chance that each class is the true one, row-major
 * rows × K (binary: K = 1, the positive class). Multiclass rows are renormalised to sum to 1
 * (uniform when every calibrated probability of a row is 0), as NannyML does.
 */
function calibrated(state: CbpeState, s: ClassScores): Float64Array {
  const n = s.rows;
  const k = s.classes.length;
  if (state.task === 'binary') {
    const out = new Float64Array(n);
    const c = state.calibration[0]!;
    const pos = state.positive!;
    for (let i = 0, j = pos; i < n; i++, j += k) out[i] = calibrate(c, clamp01(s.proba[j]!));
    return out;
  }
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const v = calibrate(state.calibration[c]!, clamp01(s.proba[i * k + c]!));
      out[i * k + c] = v;
      sum += v;
    }
    for (let c = 0; c < k; c++) out[i * k + c] = sum !== 0 ? out[i * k + c]! / sum : 1 / k;
  }
  return out;
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** A binary confusion matrix (rows the true class, columns the predicted) from its four cells, `pos` the positive class's index. */
function binaryConfusion(pos: number, tp: number, fn: number, fp: number, tn: number): number[][] {
  const m = [
    [0, 0],
    [0, 0],
  ];
  const neg = 1 - pos;
  m[pos]![pos] = tp;
  m[pos]![neg] = fn;
  m[neg]![pos] = fp;
  m[neg]![neg] = tn;
  return m;
}

/**
 * The expected confusion matrix of a binary window when a row is predicted positive where its
 * (uncalibrated) score of the positive class is at or above each threshold: each row adds its
 * calibrated probability of being positive to the true positives (or false negatives) and the rest
 * to the false positives (or true negatives), as for the model's own predictions.
 */
function expectedAtThresholds(
  window: ClassScores,
  pos: number,
  p: Float64Array,
  thresholds: readonly number[],
): { threshold: number; confusion: number[][] }[] {
  const k = window.classes.length;
  return [...new Set(thresholds)].map((t) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let tn = 0;
    for (let i = 0, j = pos; i < window.rows; i++, j += k) {
      const q = p[i]!;
      if (window.proba[j]! >= t) {
        tp += q;
        fp += 1 - q;
      } else {
        fn += q;
        tn += 1 - q;
      }
    }
    return { threshold: t, confusion: binaryConfusion(pos, tp, fn, fp, tn) };
  });
}

/** TP / (TP + FP) and the like, 0 where the denominator is 0 (NannyML's and scikit-learn's zero_division). */
function ratio(a: number, b: number): number {
  return b !== 0 ? a / b : 0;
}

/**
 * Expected ROC AUC of one class: rows ordered by the model's own score (descending), each adding
 * its calibrated probability to the expected true positives and the rest to the false positives;
 * rows with equal scores form one step. Null when either expected total is 0.
 */
function expectedAuc(order: ArrayLike<number> | null, scores: Float64Array, prob: (r: number) => number): number | null {
  const n = scores.length;
  let tp = 0;
  let fp = 0;
  let area = 0;
  for (let i = n - 1; i >= 0;) {
    const v = scores[order ? order[i]! : i]!;
    let dtp = 0;
    let dfp = 0;
    for (; i >= 0 && scores[order ? order[i]! : i] === v; i--) {
      const p = prob(order ? order[i]! : i);
      dtp += p;
      dfp += 1 - p;
    }
    area += dfp * (tp + dtp / 2);
    tp += dtp;
    fp += dfp;
  }
  if (!(tp > 0) || !(fp > 0)) return null;
  return Math.min(1, Math.max(0, area / (tp * fp)));
}

/** Estimates a window's metrics from its scores; `labelled`: the window's rows that do carry a label, to check calibration on them when there are enough. */
export function estimateCbpe(
  state: CbpeState,
  window: ClassScores,
  labelled?: ClassScores & { yTrue: Int32Array },
  opts: { thresholds?: readonly number[] } = {},
): EstimationSummary {
  const k = checkScores(window, 'the window', state);
  const n = window.rows;
  const values = new Map<string, number | null>();
  let confusion: number[][] | undefined;
  let confusionAt: EstimationSummary['confusionAt'];
  if (n > 0) {
    const p = calibrated(state, window);
    const yPred = window.yPred;
    const want = new Set(state.metrics);
    if (state.task === 'binary') {
      const pos = state.positive!;
      let tp = 0;
      let fp = 0;
      let fn = 0;
      let tn = 0;
      for (let i = 0; i < n; i++) {
        const q = p[i]!;
        if (yPred[i] === pos) {
          tp += q;
          fp += 1 - q;
        } else {
          fn += q;
          tn += 1 - q;
        }
      }
      const recall = ratio(tp, tp + fn);
      values.set('accuracy', (tp + tn) / n);
      values.set('precision', ratio(tp, tp + fp));
      values.set('recall', recall);
      values.set('f1', ratio(tp, tp + 0.5 * (fp + fn)));
      values.set('balanced_accuracy', (recall + ratio(tn, tn + fp)) / 2);
      if (want.has('roc_auc')) {
        // The calibrated probability is a non-decreasing function of the score, so sorting the scores alone orders the rows.
        const sorted = column(window, pos);
        sortFloat64(sorted);
        const c = state.calibration[0]!;
        values.set(
          'roc_auc',
          expectedAuc(null, sorted, (i) => calibrate(c, sorted[i]!)),
        );
      }
      confusion = binaryConfusion(pos, tp, fn, fp, tn);
      if (opts.thresholds && opts.thresholds.length > 0) confusionAt = expectedAtThresholds(window, pos, p, opts.thresholds);
    } else {
      // cm[t][j] = Σ over rows predicted j of the probability that t is the true class.
      const cm = Array.from({ length: k }, () => new Float64Array(k));
      let correct = 0;
      for (let i = 0; i < n; i++) {
        const j = yPred[i]!;
        for (let t = 0; t < k; t++) cm[t]![j]! += p[i * k + t]!;
        correct += p[i * k + j]!;
      }
      let precision = 0;
      let recall = 0;
      let f1 = 0;
      let balanced = 0;
      let supported = 0;
      for (let c = 0; c < k; c++) {
        let predicted = 0;
        let actual = 0;
        for (let t = 0; t < k; t++) predicted += cm[t]![c]!;
        for (let j = 0; j < k; j++) actual += cm[c]![j]!;
        const tp = cm[c]![c]!;
        precision += ratio(tp, predicted);
        recall += ratio(tp, actual);
        f1 += ratio(tp, tp + 0.5 * (predicted - tp + actual - tp));
        if (actual > 0) {
          balanced += tp / actual;
          supported++;
        }
      }
      values.set('accuracy', correct / n);
      values.set('precision_macro', precision / k);
      values.set('recall_macro', recall / k);
      values.set('f1_macro', f1 / k);
      values.set('balanced_accuracy', supported > 0 ? balanced / supported : null);
      if (want.has('roc_auc_ovr_macro')) {
        let sum = 0;
        let defined = true;
        for (let c = 0; c < k && defined; c++) {
          const scores = column(window, c);
          const order = argsortFloat64(scores);
          const auc = expectedAuc(order, scores, (r) => p[r * k + c]!);
          if (auc === null) defined = false;
          else sum += auc;
        }
        values.set('roc_auc_ovr_macro', defined ? sum / k : null);
      }
      confusion = cm.map((row) => Array.from(row));
    }
  }
  const metrics: Record<string, EstimatedMetric> = {};
  for (const m of state.metrics) {
    const v = values.get(m);
    if (v === undefined || v === null || !Number.isFinite(v)) continue;
    const se = samplingError(state.sampling[m]!, n);
    const band = se === null ? null : BAND_SAMPLING_ERRORS * se;
    metrics[m] = {
      value: v,
      lower: band === null ? null : Math.max(0, v - band),
      upper: band === null ? null : Math.min(1, v + band),
      method: 'cbpe',
    };
  }
  const summary: EstimationSummary = { method: 'cbpe', rows: n, metrics, reliability: reliability(state, labelled, k), blindSpot: BLIND_SPOT };
  if (confusion) summary.confusion = confusion;
  if (confusionAt) summary.confusionAt = confusionAt;
  return summary;
}

interface Check {
  error: number;
  bound: number;
  rows: number;
  cls: string;
}

/** The worst class of a check: the one furthest above (or least below) its bound. */
function worst(checks: Check[]): Check {
  return checks.reduce((a, b) => (b.error - b.bound > a.error - a.bound ? b : a));
}

function describe(c: Check, where: string, state: CbpeState): string {
  const of = state.task === 'binary' ? '' : ` of class "${c.cls}"`;
  return (
    `the calibration error${of} ${c.error.toFixed(3)} ${where} (${c.rows} rows) is above the bound ${c.bound.toFixed(3)} ` +
    `(${ECE_TOLERANCE} tolerated plus ${(c.bound - ECE_TOLERANCE).toFixed(3)} that chance gives a calibrated model on as many rows)`
  );
}

function reliability(state: CbpeState, labelled: Labelled | undefined, k: number): EstimationSummary['reliability'] {
  const classOf = (i: number): string => (state.task === 'binary' ? state.classes[state.positive!]! : state.classes[i]!);
  const ref = worst(state.calibration.map((c, i) => ({ error: c.error, bound: c.bound, rows: c.rows, cls: classOf(i) })));
  const reasons: string[] = [];
  if (ref.error > ref.bound) reasons.push(describe(ref, 'on held-out reference rows', state));
  const out: EstimationSummary['reliability'] = {
    reliable: true,
    referenceError: Math.max(...state.calibration.map((c) => c.error)),
  };
  if (labelled && labelled.rows > 0) {
    checkScores(labelled, "the window's labelled rows", state);
    checkLabels(labelled, "the window's labelled rows", k);
  }
  if (labelled && labelled.rows >= MIN_LABELLED_FOR_CHECK) {
    const p = calibrated(state, labelled);
    const m = labelled.rows;
    const z = checkZ(state.task, k);
    const checks: Check[] = [];
    const cols = state.task === 'binary' ? 1 : k;
    const target = new Uint8Array(m);
    const probs = new Float64Array(m);
    for (let c = 0; c < cols; c++) {
      const cls = state.task === 'binary' ? state.positive! : c;
      for (let i = 0; i < m; i++) {
        target[i] = labelled.yTrue[i] === cls ? 1 : 0;
        probs[i] = p[i * cols + c]!;
      }
      const e = calibrationError(probs, target);
      checks.push({ error: e.error, bound: eceBound(e, z), rows: m, cls: classOf(c) });
    }
    const w = worst(checks);
    out.windowError = Math.max(...checks.map((c) => c.error));
    if (w.error > w.bound) reasons.push(describe(w, "on the window's labelled rows", state));
  } else if (labelled) {
    out.windowError = null;
  }
  if (reasons.length > 0) {
    out.reliable = false;
    out.why = `Estimate unreliable: ${reasons.join('; ')}. CBPE reads calibrated scores as the chance each prediction is right.`;
  }
  return out;
}
