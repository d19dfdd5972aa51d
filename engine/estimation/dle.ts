/**
 * Direct loss estimation (regressors), after NannyML 0.13.1's DLE (docs/statistics/estimation.md,
 * "Regression: direct loss estimation"): per metric, a model of each row's loss — |y − ŷ| for mae,
 * (y − ŷ)² for rmse (through the mse), |y − ŷ| / |y| for mape — fitted on the reference from the
 * model's inputs and its prediction; a window's estimate is the mean predicted loss (negative
 * predictions clipped to 0; rmse = √ of the estimated mse). The loss model is our gradient-boosted
 * trees (engine/math/gbm.ts) with LightGBM's default settings, as NannyML uses. Overfitting the
 * reference is checked on a held-out quarter: a loss model fitted on the other three quarters must
 * predict the held-out rows' losses group by group (calibration), or the estimates are marked
 * unreliable; the model used for windows is then fitted on all reference rows.
 */
import type { EstimatedMetric, EstimationSummary } from '../../domain/estimation.js';
import { UpkeepError } from '../errors.js';
import { fitGbm, predictGbm, type GbmModel } from '../math/gbm.js';
import { Mulberry32, shuffleInPlace } from '../math/random.js';
import type { RowMatrix } from '../multivariate/types.js';

/** The per-row loss behind each metric DLE can estimate. */
type Loss = 'absolute' | 'squared' | 'percentage';
const LOSS_OF: Record<string, Loss> = { mae: 'absolute', rmse: 'squared', mape: 'percentage' };

export interface DleLossModel {
  loss: Loss;
  model: GbmModel;
  /** Mean and standard deviation (ddof 0) of the loss on the reference: the sampling error's components. */
  mean: number;
  std: number;
}

/** Fitted on the reference; JSON-serialisable (stored in the reference profile). */
export interface DleState {
  method: 'dle';
  columns: string[];
  /** The metrics estimated (those asked for that DLE can estimate). */
  metrics: string[];
  losses: DleLossModel[];
  referenceRows: number;
  /** The worst relative calibration error of the loss models on the held-out quarter, its bound, and the metric. */
  referenceError: number | null;
  referenceBound: number | null;
  referenceMetric?: string;
  /** Why a requested metric is not estimated (e.g. mape with zero labels in the reference). */
  skipped?: Record<string, string>;
}

/**
 * The loss models' settings: LightGBM's defaults (what NannyML uses). No early stopping: stopping
 * where the held-out per-row loss is lowest (about 20 rounds on the car-price data) shrinks the
 * predicted losses toward the reference's mean, and the window estimates then under-react to a shift.
 */
const TREES = { trees: 100, learningRate: 0.1, maxLeaves: 31, minRowsPerLeaf: 20, l2: 0, maxBins: 255 } as const;
const HELD_OUT = 0.25;
const MIN_REFERENCE_ROWS = 200;
/** Labelled window rows needed before the estimate is checked against them. */
export const DLE_MIN_LABELLED = 30;
/** The relative gap between estimated and realized value tolerated beyond sampling noise (docs/statistics/estimation.md). */
export const DLE_TOLERANCE = 0.1;

export const DLE_BLIND_SPOT =
  'Estimation sees only the inputs and the predictions: a change in how the target relates to the inputs (concept drift) that leaves both unchanged is invisible until labels arrive.';

/**
 * `features`: the model's input columns on the reference rows; yPred the model's outputs, yTrue the
 * labels. `chunkSize` is not used by DLE (its band scales with each window's rows); `seed` picks the
 * held-out quarter.
 */
export function fitDle(
  reference: { features: RowMatrix; yPred: Float64Array; yTrue: Float64Array },
  opts: { metrics: readonly string[]; chunkSize?: number; seed?: number },
): DleState {
  const { features, yPred, yTrue } = reference;
  const n0 = features.rows;
  if (yPred.length !== n0 || yTrue.length !== n0 || features.values.length !== n0 * features.columns.length) {
    throw new UpkeepError('InvalidData', `DLE: the reference has ${n0} feature rows, ${yPred.length} predictions and ${yTrue.length} labels`);
  }
  const keep: number[] = [];
  for (let i = 0; i < n0; i++) if (Number.isFinite(yPred[i]!) && Number.isFinite(yTrue[i]!)) keep.push(i);
  if (keep.length < MIN_REFERENCE_ROWS) {
    throw new UpkeepError(
      'InsufficientData',
      `DLE: the reference has ${keep.length} rows with a finite label and prediction; at least ${MIN_REFERENCE_ROWS} are needed`,
    );
  }
  const seed = opts.seed ?? 0;
  const x = design(features, yPred, Uint32Array.from(keep));
  const yt = Float64Array.from(keep, (i) => yTrue[i]!);
  const yp = Float64Array.from(keep, (i) => yPred[i]!);
  const n = keep.length;
  const d = features.columns.length + 1;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  shuffleInPlace(order, new Mulberry32(seed));
  const nHeld = Math.round(n * HELD_OUT);
  const held = order.slice(0, nHeld).sort();
  const fit = order.slice(nHeld).sort();
  const state: DleState = {
    method: 'dle',
    columns: [...features.columns],
    metrics: [],
    losses: [],
    referenceRows: n,
    referenceError: null,
    referenceBound: null,
  };
  const skipped: Record<string, string> = {};
  for (const metric of opts.metrics) {
    const loss = LOSS_OF[metric];
    if (!loss || state.metrics.includes(metric)) continue;
    if (loss === 'percentage' && yt.some((v) => v === 0)) {
      skipped[metric] = 'the reference has labels equal to 0, where the percentage error is undefined';
      continue;
    }
    const target = lossOf(loss, yt, yp);
    const probe = fitGbm(take(x, d, fit), take(target, 1, fit), fit.length, d, { objective: 'squared', ...TREES, seed });
    const check = calibration(metric, predictLoss(probe, take(x, d, held), held.length), take(target, 1, held));
    if (state.referenceError === null || check.error - check.bound > state.referenceError - state.referenceBound!) {
      state.referenceError = check.error;
      state.referenceBound = check.bound;
      state.referenceMetric = metric;
    }
    const model = fitGbm(x, target, n, d, { objective: 'squared', ...TREES, seed });
    const { mean, std } = meanStd(target);
    state.losses.push({ loss, model, mean, std });
    state.metrics.push(metric);
  }
  if (Object.keys(skipped).length > 0) state.skipped = skipped;
  return state;
}

/**
 * Estimates the metrics on the window's rows (a row without a finite prediction is left out).
 * `labelled`: the window's rows that do carry a label; with at least DLE_MIN_LABELLED of them the
 * estimate on those rows is checked against their realized value.
 */
export function estimateDle(
  state: DleState,
  window: { features: RowMatrix; yPred: Float64Array },
  labelled?: { features: RowMatrix; yPred: Float64Array; yTrue: Float64Array },
): EstimationSummary {
  checkColumns(state, window.features, window.yPred, 'window');
  const rows = finiteRows(window.yPred);
  const x = design(window.features, window.yPred, rows);
  const metrics: Record<string, EstimatedMetric> = {};
  state.metrics.forEach((metric, k) => {
    const lm = state.losses[k]!;
    if (rows.length === 0) {
      metrics[metric] = { value: null, lower: null, upper: null, method: 'dle' };
      return;
    }
    const mean = average(predictLoss(lm.model, x, rows.length));
    const value = metricOf(lm.loss, mean);
    const se = samplingError(lm, rows.length);
    metrics[metric] = { value, lower: Math.max(0, value - 3 * se), upper: value + 3 * se, method: 'dle' };
  });
  const reliability: EstimationSummary['reliability'] = { reliable: true, referenceError: state.referenceError };
  const why: string[] = [];
  if (state.referenceError !== null && state.referenceBound !== null && state.referenceError > state.referenceBound) {
    reliability.reliable = false;
    why.push(
      `the loss model of ${state.referenceMetric} is off by ${pct(state.referenceError)} of the loss on the reference's held-out quarter (more than the ${pct(state.referenceBound)} that sampling noise and the ${pct(DLE_TOLERANCE)} tolerance allow)`,
    );
  }
  if (labelled) {
    checkColumns(state, labelled.features, labelled.yPred, 'labelled rows');
    if (labelled.yTrue.length !== labelled.features.rows) {
      throw new UpkeepError('InvalidData', `DLE: the labelled rows: ${labelled.features.rows} rows but ${labelled.yTrue.length} labels`);
    }
    const w = windowCheck(state, labelled);
    if (w) {
      reliability.windowError = w.error;
      if (w.error > w.bound) {
        reliability.reliable = false;
        why.push(`on the window's ${w.rows} labelled rows the ${w.metric} estimate is off by ${pct(w.error)} of the realized value (bound ${pct(w.bound)})`);
      }
    } else reliability.windowError = null;
  }
  if (why.length > 0) reliability.why = why.join('; ');
  return { method: 'dle', rows: rows.length, metrics, reliability, blindSpot: DLE_BLIND_SPOT };
}

/** The estimate on the labelled rows against their realized value: the worst metric's relative gap and its bound (tolerance + 3 standard errors). */
function windowCheck(
  state: DleState,
  labelled: { features: RowMatrix; yPred: Float64Array; yTrue: Float64Array },
): { error: number; bound: number; metric: string; rows: number } | null {
  const all = finiteRows(labelled.yPred);
  const rows = all.filter((i) => Number.isFinite(labelled.yTrue[i]!));
  if (rows.length < DLE_MIN_LABELLED) return null;
  const x = design(labelled.features, labelled.yPred, rows);
  const yt = Float64Array.from(rows, (i) => labelled.yTrue[i]!);
  const yp = Float64Array.from(rows, (i) => labelled.yPred[i]!);
  let worst: { error: number; bound: number; metric: string; rows: number } | null = null;
  state.metrics.forEach((metric, k) => {
    const lm = state.losses[k]!;
    if (lm.loss === 'percentage' && yt.some((v) => v === 0)) return;
    const realized = metricOf(lm.loss, average(lossOf(lm.loss, yt, yp)));
    const estimated = metricOf(lm.loss, average(predictLoss(lm.model, x, rows.length)));
    if (!(realized > 0)) return;
    const error = Math.abs(estimated - realized) / realized;
    const bound = DLE_TOLERANCE + (3 * samplingError(lm, rows.length)) / realized;
    if (!worst || error - bound > worst.error - worst.bound) worst = { error, bound, metric, rows: rows.length };
  });
  return worst;
}

/**
 * The loss model's calibration on held-out rows: the rows sorted by predicted loss in up to 10
 * equal groups; the error is the row-weighted mean |estimated − realized| metric over the groups,
 * relative to the realized metric of all of them. A correct model still shows the groups' sampling
 * noise, whose expected size is Σ wₖ·√(2/π)·SEₖ; the bound is twice that plus DLE_TOLERANCE.
 */
function calibration(metric: string, predicted: Float64Array, realized: Float64Array): { error: number; bound: number } {
  const loss = LOSS_OF[metric]!;
  const m = predicted.length;
  const order = Uint32Array.from({ length: m }, (_, i) => i).sort((a, b) => predicted[a]! - predicted[b]! || a - b);
  const groups = Math.max(1, Math.min(10, Math.floor(m / 50)));
  const overall = metricOf(loss, average(realized));
  if (!(overall > 0)) return { error: 0, bound: DLE_TOLERANCE };
  let error = 0;
  let noise = 0;
  for (let gi = 0; gi < groups; gi++) {
    const a = Math.floor((gi * m) / groups);
    const b = Math.floor(((gi + 1) * m) / groups);
    const pr = new Float64Array(b - a);
    const re = new Float64Array(b - a);
    for (let k = a; k < b; k++) {
      pr[k - a] = predicted[order[k]!]!;
      re[k - a] = realized[order[k]!]!;
    }
    const w = (b - a) / m;
    const { mean, std } = meanStd(re);
    error += w * Math.abs(metricOf(loss, average(pr)) - metricOf(loss, mean));
    noise += w * Math.sqrt(2 / Math.PI) * samplingError({ loss, mean, std }, b - a);
  }
  return { error: error / overall, bound: DLE_TOLERANCE + (2 * noise) / overall };
}

/** NannyML's sampling error: std/√n of the loss; for rmse the delta method, √(std² / (4·n·mean)). */
function samplingError(lm: { loss: Loss; mean: number; std: number }, n: number): number {
  if (lm.loss === 'squared') return lm.mean > 0 ? Math.sqrt((lm.std * lm.std) / (4 * n * lm.mean)) : 0;
  return lm.std / Math.sqrt(n);
}

function metricOf(loss: Loss, meanLoss: number): number {
  return loss === 'squared' ? Math.sqrt(meanLoss) : meanLoss;
}

function lossOf(loss: Loss, yt: Float64Array, yp: Float64Array): Float64Array {
  const out = new Float64Array(yt.length);
  for (let i = 0; i < yt.length; i++) {
    const e = Math.abs(yt[i]! - yp[i]!);
    out[i] = loss === 'absolute' ? e : loss === 'squared' ? e * e : e / Math.abs(yt[i]!);
  }
  return out;
}

function predictLoss(model: GbmModel, x: Float64Array, rows: number): Float64Array {
  const out = predictGbm(model, x, rows);
  for (let i = 0; i < rows; i++) if (out[i]! < 0) out[i] = 0;
  return out;
}

/** The loss model's inputs: the feature columns and the prediction, row-major, for the given rows. */
function design(features: RowMatrix, yPred: Float64Array, rows: Uint32Array | number[]): Float64Array {
  const c = features.columns.length;
  const d = c + 1;
  const out = new Float64Array(rows.length * d);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    out.set(features.values.subarray(r * c, r * c + c), k * d);
    out[k * d + c] = yPred[r]!;
  }
  return out;
}

function take(x: Float64Array, d: number, rows: Uint32Array): Float64Array {
  const out = new Float64Array(rows.length * d);
  for (let k = 0; k < rows.length; k++) out.set(x.subarray(rows[k]! * d, rows[k]! * d + d), k * d);
  return out;
}

function finiteRows(yPred: Float64Array): Uint32Array {
  let k = 0;
  for (let i = 0; i < yPred.length; i++) if (Number.isFinite(yPred[i]!)) k++;
  const out = new Uint32Array(k);
  k = 0;
  for (let i = 0; i < yPred.length; i++) if (Number.isFinite(yPred[i]!)) out[k++] = i;
  return out;
}

function checkColumns(state: DleState, features: RowMatrix, yPred: Float64Array, what: string): void {
  const same = features.columns.length === state.columns.length && features.columns.every((c, i) => c === state.columns[i]);
  if (!same)
    throw new UpkeepError(
      'SchemaMismatch',
      `DLE: the columns of the ${what} [${features.columns.join(', ')}] are not the reference's [${state.columns.join(', ')}]`,
    );
  if (features.values.length !== features.rows * features.columns.length) {
    throw new UpkeepError('InvalidData', `DLE: the ${what}: ${features.values.length} values for ${features.rows} rows × ${features.columns.length} columns`);
  }
  if (yPred.length !== features.rows) throw new UpkeepError('InvalidData', `DLE: the ${what}: ${features.rows} rows but ${yPred.length} predictions`);
}

function meanStd(v: Float64Array): { mean: number; std: number } {
  const mean = average(v);
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i]! - mean) ** 2;
  return { mean, std: v.length > 0 ? Math.sqrt(s / v.length) : 0 };
}

function average(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  return v.length > 0 ? s / v.length : NaN;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}
