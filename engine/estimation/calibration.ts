/**
 * CBPE's calibration (docs/statistics/estimation.md, "Calibration"): per class, an isotonic map from
 * the model's score to the probability that the class is the true one, fitted on the reference
 * when NannyML's rule says it helps; and the expected calibration error (ECE) that checks CBPE's
 * assumption, with what chance alone gives for a calibrated model on as many rows.
 */
import { argsortFloat64 } from '../math/argsort.js';
import { fitIsotonicSorted, IsotonicWork, predictIsotonic } from '../math/isotonic.js';
import { Mt19937 } from '../math/mt19937.js';

/** ECE bins: NannyML's ten equal-count bins over the sorted probabilities. */
export const ECE_BINS = 10;
/** The calibration error CBPE tolerates beyond chance (the reasoning is in docs/statistics/estimation.md). */
export const ECE_TOLERANCE = 0.05;
/** One-sided false-flag rate of the check for a calibrated model, shared by the classes checked (Bonferroni). */
export const ECE_FALSE_FLAG_RATE = 0.01;
/** NannyML's rule: ten stratified splits, a tenth of the rows held out each time, drawn with seed 42. */
const SPLITS = 10;
const TEST_SHARE = 0.1;
/** NannyML skips calibration when the scores already rank the reference this well. */
const AUC_NO_CALIBRATION = 0.999;
const SPLIT_SEED = 42;

/** Why a class's scores are or are not calibrated. */
export type CalibrationRule =
  /** Held-out ECE after isotonic calibration was lower than before: calibrated. */
  | 'helps'
  /** Held-out ECE was not lower after calibration: scores used as they are. */
  | 'does-not-help'
  /** ROC AUC on the reference above 0.999: scores used as they are (NannyML's shortcut). */
  | 'separates'
  /** Too few rows of a class to hold some out: scores used as they are. */
  | 'too-few-rows';

/** A calibration map and the calibration error it leaves on the reference; JSON-serialisable. */
export interface ClassCalibration {
  rule: CalibrationRule;
  /** Isotonic knots (score → probability); empty when the scores are used as they are. */
  x: number[];
  y: number[];
  /** ECE of the probabilities CBPE uses, on held-out reference rows (all rows when nothing was fitted). */
  error: number;
  /** The largest ECE a calibrated model gives on as many rows at the false-flag rate, plus ECE_TOLERANCE. */
  bound: number;
  /** Rows the error was measured on. */
  rows: number;
}

/** An ECE and what chance gives a calibrated model: the mean and variance of Σ w_b |mean p_b − mean y_b| under y ~ Bernoulli(p). */
export interface CalibrationError {
  error: number;
  chanceMean: number;
  chanceVariance: number;
  rows: number;
}

/** NannyML's bin edges over n sorted values: equal widths of ⌊n / bins⌋, the last bin taking the rest; null below 4 rows. */
export function binEdges(n: number, bins = ECE_BINS): Int32Array | null {
  let count = bins;
  if (n <= 2 * count) {
    count = Math.floor(n / 2);
    if (count < 2) return null;
  }
  const width = Math.floor(n / count);
  const edges: number[] = [];
  for (let e = 0; e <= n; e += width) edges.push(e);
  edges[edges.length - 1] = n;
  return Int32Array.from(edges);
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** Accumulates an ECE over (probability, outcome) pairs fed in ascending order of probability. */
class EceAccumulator {
  private readonly edges: Int32Array;
  private bin = 0;
  private seen = 0;
  private sumP = 0;
  private sumY = 0;
  private sumVar = 0;
  private error = 0;
  private chanceMean = 0;
  private chanceVariance = 0;

  constructor(private readonly n: number) {
    this.edges = binEdges(n) ?? Int32Array.of(0, n);
  }

  add(p: number, y: number): void {
    this.sumP += p;
    this.sumY += y;
    this.sumVar += p * (1 - p);
    this.seen++;
    if (this.seen === this.edges[this.bin + 1]) this.closeBin();
  }

  private closeBin(): void {
    const size = this.edges[this.bin + 1]! - this.edges[this.bin]!;
    if (size > 0) {
      const w = size / this.n;
      this.error += w * Math.abs(this.sumP / size - this.sumY / size);
      const variance = Math.max(0, this.sumVar) / (size * size);
      this.chanceMean += w * Math.sqrt(variance) * SQRT_2_OVER_PI;
      this.chanceVariance += w * w * variance * (1 - 2 / Math.PI);
    }
    this.bin++;
    this.sumP = 0;
    this.sumY = 0;
    this.sumVar = 0;
  }

  result(): CalibrationError {
    return { error: this.error, chanceMean: this.chanceMean, chanceVariance: this.chanceVariance, rows: this.n };
  }
}

/** The bound an ECE is held to: ECE_TOLERANCE plus the one-sided (1 − rate) quantile of what chance gives (normal approximation). */
export function eceBound(e: CalibrationError, z: number): number {
  return ECE_TOLERANCE + e.chanceMean + z * Math.sqrt(e.chanceVariance);
}

/** The ECE of probabilities `p` against outcomes `target` (0/1), in NannyML's bins. Needs at least one row. */
export function calibrationError(p: Float64Array, target: Uint8Array): CalibrationError {
  const n = p.length;
  const order = argsortFloat64(p);
  const acc = new EceAccumulator(n);
  for (let i = 0; i < n; i++) {
    const r = order[i]!;
    acc.add(p[r]!, target[r]!);
  }
  return acc.result();
}

/**
 * scikit-learn's _approximate_mode: `draws` shared out in proportion to `counts`, floored, the rest
 * given to the largest remainders (ties broken by a draw from `rng`, as scikit-learn does).
 */
function approximateMode(counts: readonly number[], draws: number, rng: Mt19937): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  const continuous = counts.map((c) => (c / total) * draws);
  const floored = continuous.map(Math.floor);
  let need = Math.trunc(draws - floored.reduce((a, b) => a + b, 0));
  if (need > 0) {
    const remainder = continuous.map((c, i) => c - floored[i]!);
    const values = [...new Set(remainder)].sort((a, b) => b - a);
    for (const value of values) {
      const inds = remainder.flatMap((r, i) => (r === value ? [i] : []));
      const addNow = Math.min(inds.length, need);
      const perm = rng.permutation(inds.length);
      for (let j = 0; j < addNow; j++) floored[inds[perm[j]!]!]!++;
      need -= addNow;
      if (need === 0) break;
    }
  }
  return floored;
}

/** ROC AUC of sorted scores against their outcomes, ties as one step. */
function sortedAuc(s: Float64Array, y: Uint8Array): number {
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i]!;
  const neg = y.length - pos;
  let area2 = 0;
  let negBelow = 0;
  for (let i = 0; i < s.length;) {
    let p = 0;
    let q = 0;
    const v = s[i]!;
    for (; i < s.length && s[i] === v; i++) {
      if (y[i] === 1) p++;
      else q++;
    }
    area2 += p * (2 * negBelow + q);
    negBelow += q;
  }
  return area2 / (2 * pos * neg);
}

/** ECE of the sorted scores themselves, every row once. */
function sortedError(s: Float64Array, y: Uint8Array): CalibrationError {
  const acc = new EceAccumulator(s.length);
  for (let i = 0; i < s.length; i++) acc.add(s[i]!, y[i]!);
  return acc.result();
}

/**
 * Fits one class's calibration on the reference: `score` the model's probability of the class,
 * `target` 1 where the class is the true one, `order` the rows by ascending score (argsortFloat64).
 * NannyML's rule decides whether to calibrate: no when one class is absent or the scores rank the
 * rows almost perfectly (AUC > 0.999); otherwise ten stratified splits hold out a tenth of the rows
 * each, an isotonic map fitted on the rest calibrates the held-out rows, and calibration is used
 * when the ECE of all held-out rows together is lower after than before. `z` is the normal
 * quantile of the check's false-flag rate.
 */
export function fitClassCalibration(score: Float64Array, target: Uint8Array, z: number, order: Uint32Array = argsortFloat64(score)): ClassCalibration {
  const n = score.length;
  const s = new Float64Array(n);
  const y = new Uint8Array(n);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    s[i] = score[order[i]!]!;
    y[i] = target[order[i]!]!;
    positives += y[i]!;
  }
  const uncalibrated = (rule: CalibrationRule): ClassCalibration => {
    const e = sortedError(s, y);
    return { rule, x: [], y: [], error: e.error, bound: eceBound(e, z), rows: n };
  };
  const counts = [n - positives, positives];
  if (positives === 0 || positives === n) return uncalibrated('too-few-rows');
  if (sortedAuc(s, y) > AUC_NO_CALIBRATION) return uncalibrated('separates');
  // NannyML's splits: scikit-learn's StratifiedShuffleSplit(n_splits=10, test_size=0.1, random_state=42),
  // drawn from the same Mersenne Twister stream so that the same rows are held out.
  const nTest = Math.ceil(TEST_SHARE * n);
  const nTrain = n - nTest;
  if (counts[0]! < 2 || counts[1]! < 2 || nTrain < 2 || nTest < 2) return uncalibrated('too-few-rows');
  // Each class's rows in row order (scikit-learn's class_indices), and where each row sits in score order.
  const members = [new Int32Array(counts[0]!), new Int32Array(counts[1]!)];
  const filled = [0, 0];
  for (let r = 0; r < n; r++) members[target[r]!]![filled[target[r]!]!++] = r;
  const sortedAt = new Int32Array(n);
  for (let i = 0; i < n; i++) sortedAt[order[i]!] = i;
  const rng = new Mt19937(SPLIT_SEED);
  const work = new IsotonicWork(n);
  // Per position in score order: 1 trains in this split, 2 is held out, 0 neither.
  const role = new Uint8Array(n);
  const heldTimes = new Uint8Array(n);
  const perm = new Int32Array(Math.max(counts[0]!, counts[1]!));
  // Each split's held-out rows in score order: their calibrated values ascend within a split.
  const after = new Float64Array(SPLITS * nTest);
  const afterY = new Uint8Array(SPLITS * nTest);
  const runEnd = new Int32Array(SPLITS);
  let k = 0;
  for (let split = 0; split < SPLITS; split++) {
    const nI = approximateMode(counts, nTrain, rng);
    const tI = approximateMode([counts[0]! - nI[0]!, counts[1]! - nI[1]!], nTest, rng);
    role.fill(1);
    for (let c = 0; c < 2; c++) {
      const list = members[c]!;
      const m = list.length;
      for (let j = 0; j < m; j++) perm[j] = j;
      const end = nI[c]! + tI[c]!;
      // Fisher–Yates from the last position down fixes position i at step i: the held-out tail
      // [nI, nI + tI) is known once its steps are done, the rest of the draws only move the stream on.
      // (When train and test do not cover the class, which scikit-learn's rounding does not produce, shuffle it all.)
      const fixedFrom = end === m ? nI[c]! : 1;
      for (let i = m - 1; i >= fixedFrom; i--) {
        const j = rng.interval(i);
        const t = perm[i]!;
        perm[i] = perm[j]!;
        perm[j] = t;
      }
      rng.skipShuffle(fixedFrom);
      for (let j = nI[c]!; j < end; j++) role[sortedAt[list[perm[j]!]!]!] = 2;
      if (end < m) for (let j = end; j < m; j++) role[sortedAt[list[perm[j]!]!]!] = 0;
    }
    // scikit-learn then shuffles the training and the held-out rows: order does not matter here, the draws do.
    rng.skipShuffle(nTrain);
    rng.skipShuffle(nTest);
    const knots = fitIsotonicSorted(s, y, role, 1, work)!;
    let q = 0;
    const kx = knots.x;
    const ky = knots.y;
    for (let i = 0; i < n; i++) {
      if (role[i] !== 2) continue;
      heldTimes[i]!++;
      const v = s[i]!;
      while (q + 1 < kx.length && kx[q + 1]! <= v) q++;
      after[k] = q + 1 < kx.length && v > kx[q]! ? ((ky[q + 1]! - ky[q]!) / (kx[q + 1]! - kx[q]!)) * (v - kx[q]!) + ky[q]! : v <= kx[0]! ? ky[0]! : ky[q]!;
      afterY[k] = y[i]!;
      k++;
    }
    runEnd[split] = k;
  }
  // Before calibration: the held-out rows of all splits together, each row as often as it was held out, in score order.
  const before = new EceAccumulator(k);
  for (let i = 0; i < n; i++) for (let m = 0; m < heldTimes[i]!; m++) before.add(s[i]!, y[i]!);
  // After: a merge of the splits' ascending runs.
  const afterAcc = new EceAccumulator(k);
  const head = new Int32Array(SPLITS);
  for (let split = 0; split < SPLITS; split++) head[split] = split === 0 ? 0 : runEnd[split - 1]!;
  for (let taken = 0; taken < k; taken++) {
    let best = -1;
    let bestValue = Infinity;
    for (let split = 0; split < SPLITS; split++) {
      if (head[split]! >= runEnd[split]!) continue;
      const v = after[head[split]!]!;
      if (best < 0 || v < bestValue) {
        best = split;
        bestValue = v;
      }
    }
    afterAcc.add(bestValue, afterY[head[best]!]!);
    head[best]!++;
  }
  const eBefore = before.result();
  const eAfter = afterAcc.result();
  if (!(eBefore.error > eAfter.error)) {
    return { rule: 'does-not-help', x: [], y: [], error: eBefore.error, bound: eceBound(eBefore, z), rows: k };
  }
  const knots = fitIsotonicSorted(s, y, undefined, 1, work)!;
  return { rule: 'helps', x: Array.from(knots.x), y: Array.from(knots.y), error: eAfter.error, bound: eceBound(eAfter, z), rows: k };
}

/** The probability CBPE uses for a score: the isotonic map when fitted, the score itself otherwise. */
export function calibrate(c: ClassCalibration, score: number): number {
  return c.x.length === 0 ? score : predictIsotonic(c.x, c.y, score);
}
