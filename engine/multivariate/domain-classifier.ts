/**
 * Domain classifier (docs/statistics/multivariate-drift.md, "Domain classifier"): gradient-boosted
 * trees (engine/math/gbm.ts) are asked to tell reference rows (label 0) from current rows (label 1).
 * The two sides are balanced by sampling the larger down (at most `maxRows` each) and the AUC is
 * measured on stratified k-fold out-of-fold scores. The threshold is the AUC the same procedure
 * reaches when the labels carry no information: the whole cross-validation is rerun on `permutations`
 * random relabellings of the same rows, and the threshold is 0.5 + t(P, 1 − alpha)·s, s² the mean
 * squared distance of those AUCs from 0.5 (a one-sided t bound from P null draws). The
 * Mann–Whitney null of the AUC is not used: cross-validated AUCs vary about 1.9 times as much under no
 * change (the folds' models share training rows), so it alerts 3% of the time at alpha = 1%. The
 * columns are ranked by the trees' split gain. Category codes are taken as numbers (ordered splits).
 */
import type { MultivariateDrift } from '../../domain/estimation.js';
import { UpkeepError } from '../errors.js';
import { fitGbm, normalisedImportance, predictGbmRaw, type GbmParams } from '../math/gbm.js';
import { Mulberry32, sampleIndices, shuffleInPlace } from '../math/random.js';
import { normalQuantile } from '../math/special/normal.js';
import type { RowMatrix } from './types.js';

export type DomainClassifierResult = NonNullable<MultivariateDrift['domainClassifier']>;

/** The trees: small and quick; an overfitted classifier only loses power, it cannot raise the out-of-fold AUC under no change. */
const TREES: Omit<GbmParams, 'seed'> = { objective: 'logistic', trees: 50, learningRate: 0.1, maxLeaves: 15, minRowsPerLeaf: 20, l2: 1, maxBins: 63 };
const DEFAULT_MAX_ROWS = 5_000;
const DEFAULT_ALPHA = 0.01;
const DEFAULT_PERMUTATIONS = 10;
const MIN_ROWS = 30;

export function domainClassifier(
  reference: RowMatrix,
  current: RowMatrix,
  opts: { folds?: number; seed?: number; maxRows?: number; alpha?: number; permutations?: number } = {},
): DomainClassifierResult {
  const folds = opts.folds ?? 5;
  const seed = opts.seed ?? 0;
  const alpha = opts.alpha ?? DEFAULT_ALPHA;
  if (!Number.isInteger(folds) || folds < 2) throw new UpkeepError('InvalidConfig', `domain classifier: folds must be an integer ≥ 2, got ${folds}`);
  const permutations = opts.permutations ?? DEFAULT_PERMUTATIONS;
  if (!Number.isInteger(permutations) || permutations < 5)
    throw new UpkeepError('InvalidConfig', `domain classifier: permutations must be an integer ≥ 5, got ${permutations}`);
  if (!(alpha > 0 && alpha < 0.5)) throw new UpkeepError('InvalidConfig', `domain classifier: alpha must be in (0, 0.5), got ${alpha}`);
  const d = reference.columns.length;
  if (current.columns.length !== d || current.columns.some((c, i) => c !== reference.columns[i])) {
    throw new UpkeepError(
      'SchemaMismatch',
      `domain classifier: the current rows have columns [${current.columns.join(', ')}] but the reference has [${reference.columns.join(', ')}]`,
    );
  }
  for (const [m, what] of [
    [reference, 'reference'],
    [current, 'current rows'],
  ] as const) {
    if (m.values.length !== m.rows * d)
      throw new UpkeepError('InvalidData', `domain classifier: the ${what} have ${m.values.length} values for ${m.rows} rows × ${d} columns`);
  }
  const n = Math.min(reference.rows, current.rows, opts.maxRows ?? DEFAULT_MAX_ROWS);
  if (n < Math.max(MIN_ROWS, folds)) {
    throw new UpkeepError(
      'InsufficientData',
      `domain classifier: ${reference.rows} reference and ${current.rows} current rows; at least ${Math.max(MIN_ROWS, folds)} of each are needed`,
    );
  }
  const rng = new Mulberry32(seed);
  const refRows = sampleIndices(reference.rows, n, rng);
  const curRows = sampleIndices(current.rows, n, rng);
  const x = new Float64Array(2 * n * d);
  const y = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    x.set(reference.values.subarray(refRows[i]! * d, refRows[i]! * d + d), i * d);
    x.set(current.values.subarray(curRows[i]! * d, curRows[i]! * d + d), (n + i) * d);
    y[n + i] = 1;
  }
  const gain = new Array<number>(d).fill(0);
  const auc = crossValidatedAuc(x, y, d, folds, rng, seed, gain);
  let ss = 0;
  const shuffled = new Float64Array(y);
  for (let p = 0; p < permutations; p++) {
    shuffleFloat(shuffled, rng);
    ss += (crossValidatedAuc(x, shuffled, d, folds, rng, seed + 1000 * (p + 1)) - 0.5) ** 2;
  }
  const threshold = 0.5 + studentQuantile(1 - alpha, permutations) * Math.sqrt(ss / permutations);
  const importance = normalisedImportance(gain);
  const features = reference.columns
    .map((column, j) => ({ column, importance: importance[j]! }))
    .sort((a, b) => b.importance - a.importance || a.column.localeCompare(b.column));
  return { auc, threshold, alert: auc > threshold, features, rows: { reference: n, current: n } };
}

/** Pooled out-of-fold AUC of stratified k-fold cross-validation; adds the folds' split gains to `gain` when given. */
function crossValidatedAuc(x: Float64Array, y: Float64Array, d: number, folds: number, rng: Mulberry32, seed: number, gain?: number[]): number {
  const fold = stratifiedFolds(y, folds, rng);
  const scores = new Float64Array(y.length);
  for (let f = 0; f < folds; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < y.length; i++) (fold[i] === f ? test : train).push(i);
    const model = fitGbm(
      rows(x, d, train),
      Float64Array.from(train, (i) => y[i]!),
      train.length,
      d,
      { ...TREES, seed: seed + f },
    );
    const s = predictGbmRaw(model, rows(x, d, test), test.length);
    test.forEach((i, k) => (scores[i] = s[k]!));
    if (gain) model.importance.forEach((v, j) => (gain[j]! += v));
  }
  return aucOf(scores, y);
}

function shuffleFloat(a: Float64Array, rng: Mulberry32): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/**
 * Student's t quantile with `df` degrees of freedom, by its Cornish–Fisher expansion around the
 * normal quantile (Abramowitz & Stegun 26.7.5); within 1e-3 of the exact value for df ≥ 5 at p ≤ 0.999.
 */
export function studentQuantile(p: number, df: number): number {
  const z = normalQuantile(p);
  const z2 = z * z;
  const g1 = (z * (z2 + 1)) / 4;
  const g2 = (z * ((5 * z2 + 16) * z2 + 3)) / 96;
  const g3 = (z * (((3 * z2 + 19) * z2 + 17) * z2 - 15)) / 384;
  const g4 = (z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945)) / 92160;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4;
}

/** Fold of each row: each class shuffled and dealt round-robin, so every fold has the same mix. */
function stratifiedFolds(y: Float64Array, folds: number, rng: Mulberry32): Uint8Array {
  const fold = new Uint8Array(y.length);
  for (const c of [0, 1]) {
    const members: number[] = [];
    for (let i = 0; i < y.length; i++) if (y[i] === c) members.push(i);
    const order = Uint32Array.from(members);
    shuffleInPlace(order, rng);
    order.forEach((i, k) => (fold[i] = k % folds));
  }
  return fold;
}

function rows(x: Float64Array, d: number, idx: number[]): Float64Array {
  const out = new Float64Array(idx.length * d);
  idx.forEach((r, k) => out.set(x.subarray(r * d, r * d + d), k * d));
  return out;
}

/** AUC of the scores of label-1 rows against label-0 rows (mid-ranks for ties). */
export function aucOf(scores: Float64Array, y: Float64Array): number {
  const N = scores.length;
  const order = Uint32Array.from({ length: N }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]! || a - b);
  let rankSum = 0;
  let n1 = 0;
  for (let i = 0; i < N;) {
    let j = i + 1;
    while (j < N && scores[order[j]!] === scores[order[i]!]) j++;
    const mid = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (y[order[k]!] === 1) rankSum += mid;
    i = j;
  }
  for (let i = 0; i < N; i++) if (y[i] === 1) n1++;
  const n0 = N - n1;
  return (rankSum - (n1 * (n1 + 1)) / 2) / (n0 * n1);
}
