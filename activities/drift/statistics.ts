/* eslint-disable max-lines -- being split */
/**
 * Drift statistics that reproduce Evidently's data-drift tests and the scipy functions behind them
 * (checked against Evidently 0.7.23 / scipy 1.17.1 / numpy 2.4.6 by test/unit/drift.test.ts with
 * goldens from scripts/fixtures/golden_drift.py). Pure functions: no I/O, no dependencies beyond the
 * shared radix sort, typed arrays and count maps in, plain objects out.
 *
 * ## Inputs
 *
 * Numeric columns are Float64Arrays. NaN and ±Infinity are dropped first and counted (Evidently
 * replaces ±inf by NaN and drops NaN before testing). Every numeric statistic works on the finite
 * values in ascending order, so a caller that already holds them sorted — a stored reference
 * profile — passes a `SortedSample` instead and nothing is copied or re-sorted:
 *
 *   sortedSample(values)            → { sorted, dropped }   finite values ascending (a copy)
 *   NumericInput = Float64Array (raw, any order, may hold NaN/±inf) | SortedSample (trusted)
 *
 * A reference profile keeps `sortedSample(reference)` (exact for every statistic; for 100k rows
 * that is 800 kB). Nothing else about the reference is needed: standard deviation, distinct-value
 * counts, histogram bins and ECDFs are all derived from the sorted values in linear passes, and the
 * reference's standard deviation and distinct count are cached per sorted array (a WeakMap), so a
 * profile reused for every column run pays for them once. Treat a SortedSample as immutable. A
 * profile that stores a subsample instead of every reference row is exact for that subsample: the
 * row count that picks the test and the KS sample size are then the subsample's.
 *
 * Categorical columns are counts of non-missing values: `Map<category, count>` or parallel arrays
 * `{ categories, counts }`; `countCategories(values)` builds them from a string column and counts
 * the missing (null/undefined) values.
 *
 * ## API
 *
 *   ksTwoSample(ref, cur)             → { statistic, pValue, method: 'exact' | 'asymp' }
 *   wassersteinDistance(ref, cur)     scipy.stats.wasserstein_distance
 *   wassersteinNormed(ref, cur)       Evidently 'wasserstein': W1 / max(std(ref, ddof=0), 0.001)
 *   numericBins(ref, cur, opts)       Evidently's get_binned_data for a numeric column (counts)
 *   psi(refCounts, curCounts)         Evidently 'psi' on aligned counts (bins or categories)
 *   jensenShannonDistance(ref, cur)   Evidently 'jensenshannon' on aligned counts (natural log)
 *   chiSquarePValue(ref, cur)         Evidently 'chisquare' on aligned counts (null if < 2 categories)
 *   zTestPValue(ref, cur)             Evidently 'z' on aligned counts (category 0 versus the rest)
 *   selectTest({ refRowsClean, uniques, kind }) → { test, threshold }   Evidently's default choice
 *   columnDrift(input, override?)     every applicable statistic + the deciding test and verdict
 *   datasetDrift(columns, share=0.5)  share of drifted columns and the dataset verdict
 *
 * Special functions (exported for tests and reuse): ndtr (normal CDF), normalSf, igam/igamc
 * (regularized incomplete gamma), chi2Sf, kstwoSf (scipy.stats.kstwo.sf), smirnovSf
 * (scipy.special.smirnov).
 *
 * ## Evidently details reproduced (0.7.23, evidently/legacy/calculations/stattests/*)
 *
 * - Cleaning: ±inf → NaN, NaN dropped, per column, before choosing and running the test; the row
 *   count that decides the test is the reference count AFTER cleaning. (Evidently's per-column
 *   ValueDrift always cleans like this; its dataset-level DriftedColumnsCount path skips the ±inf
 *   replacement for a column without any NaN, so there an inf-only column is tested with the
 *   infinities kept and the two can disagree. This module always drops them.)
 * - Default test (registry._get_default_stattest): `uniques` is the number of distinct values in
 *   reference ∪ current (pd.concat(...).nunique()), not in the reference alone.
 *     reference rows ≤ 1000: numeric → KS if uniques > 5, chi-square if 3..5, z-test if ≤ 2;
 *                            categorical → chi-square if uniques > 2, else z-test.
 *     reference rows > 1000: numeric → Wasserstein (normed) if uniques > 5, else Jensen-Shannon;
 *                            categorical → Jensen-Shannon.
 *   Default thresholds: ks, chisquare, z 0.05; wasserstein, jensenshannon, psi 0.1. A test chosen
 *   by override without a threshold gets that test's default threshold.
 * - Decisions (note the mixed inequalities): ks drifts when p ≤ threshold; chisquare and z when
 *   p < threshold; wasserstein, jensenshannon and psi when the value ≥ threshold. Dataset drift
 *   when (drifted columns / columns) ≥ drift_share (0.5).
 * - Binning (utils.get_binned_data), shared by PSI and Jensen-Shannon: a NUMERIC column whose
 *   reference has more than 20 distinct values is histogrammed with numpy's 'sturges' edges over
 *   reference ∪ current: n_bins = ceil(ptp / (ptp / (log2(n_ref + n_cur) + 1))) equal-width bins
 *   from min to max (np.linspace: edge_i = i·step + min, last edge = max; bin i holds
 *   edge_i ≤ x < edge_{i+1}, the last bin also holds max). For integer-typed columns numpy raises
 *   the width to at least 1 (pass `integer: true`). The `n_bins=30` argument is never used.
 *   Otherwise (categorical, or ≤ 20 distinct reference values) one bin per distinct value of
 *   reference ∪ current. Percents are count / rows of that side.
 * - PSI only ("feel_zeroes"): zero percents are replaced, per side, by
 *   min(non-zero percents)/10^6 if that minimum is ≤ 0.0001, else by 0.0001; then
 *   PSI = Σ (ref% − cur%)·ln(ref% / cur%). Jensen-Shannon uses the raw percents.
 * - Jensen-Shannon: scipy.spatial.distance.jensenshannon(ref%, cur%) with base=None, i.e. the
 *   natural logarithm: sqrt((KL(p‖m) + KL(q‖m)) / 2), m = (p + q)/2, p and q renormalised to sum 1.
 * - Wasserstein: scipy.stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001) where np.std
 *   is the POPULATION standard deviation (ddof = 0); a constant reference divides by 0.001.
 * - KS: scipy.stats.ks_2samp(ref, cur) with its defaults (two-sided, method='auto'), p-value only
 *   for the decision.
 * - Chi-square: keys = distinct values of reference ∪ current; f_exp = ref_count · n_cur / n_ref,
 *   f_obs = cur_count; scipy.stats.chisquare(f_obs, f_exp) → chi2.sf(Σ (o − e)²/e, k − 1). A
 *   category unseen in the reference has e = 0 → statistic ∞ → p = 0.
 * - Z-test: if reference and current each hold a single value and it is the same one, p = 1.
 *   Otherwise the smallest key (sorted) maps to 0 and everything else to 1, p1/p2 are the shares of
 *   1s, P = (p1·n1 + p2·n2)/(n1 + n2), z = (p1 − p2)/sqrt(P(1 − P)(1/n1 + 1/n2)) and
 *   p = 2·(1 − Φ(|z|)) — computed as 1 − ndtr, exactly like Evidently, so tiny p-values saturate
 *   at 0 the same way.
 *
 * ## scipy details reproduced (1.17.1)
 *
 * - ks_2samp: statistic D = max over the pooled values of |ECDF_ref − ECDF_cur| (each ECDF value is
 *   count / n as a double, then subtracted, like numpy). 'auto' is exact when max(n1, n2) ≤ 10000:
 *   h = round(D·lcm(n1, n2)) (half to even), the returned statistic becomes h / lcm, p = 1 when
 *   h = 0, n1 = n2 uses _compute_prob_outside_square, otherwise the Hodges/Viehmann "inside"
 *   recursion (_compute_outer_prob_inside_method); a probability outside [0, 1] falls back to the
 *   asymptotic method, as in scipy. Asymptotic: p = kstwo.sf(D, round(n1·n2/(n1 + n2))), with
 *   kstwo.sf = 1 below its support (D ≤ 0.5/n) and 0 at D ≥ 1, and inside it scipy's kolmogn
 *   (Simard & L'Ecuyer switch): Ruben-Gambino closed forms for nD ≤ 1 and nD ≥ n − 1;
 *   2·smirnov for D ≥ 0.5; n ≤ 140: Durbin matrix (Marsaglia-Tsang-Wang) for nD² ≤ 0.754693,
 *   Pomeranz for nD² ≤ 4, else 2·smirnov; n > 140: 0 for nD² ≥ 370, 2·smirnov for nD² ≥ 2.2,
 *   otherwise 1 − CDF with the Durbin matrix (n ≤ 100000 and n·D^1.5 ≤ 1.4) or Pelz-Good.
 * - smirnov(n, x) (one-sided, xsf/cephes/kolmogorov.h): the Birnbaum-Tingey sum with scipy's
 *   special cases (x ≤ 1/n, x ≥ 1 − 1/n, sf underflow when −2nx² < MINLOG, and the
 *   e^{−(6nx+1)²/18n} approximation for n > 10^6). scipy sums in double-double; here each term is
 *   formed in log space from an exactly split n·x and a compensated running log-binomial (relative
 *   error ~n·2^-53, i.e. ≤ 1e-10 for n ≤ 10^6). It always uses the lower sum (scipy switches to the
 *   upper sum only for x < 3/n, which kolmogn never passes to it).
 * - chi2.sf(df, x) = igamc(df/2, x/2) (cephes chdtrc). igamc follows cephes/xsf igam.h —
 *   power series (DLMF 8.11.4), continued fraction (DLMF 8.9.2), and the Lanczos-based prefactor
 *   x^a e^{−x}/Γ(a) — except in two regions where xsf uses other expansions: where it uses the
 *   Temme asymptotic series (a > 20, x ≈ a) this uses the continued fraction for x ≥ a and 1 − P
 *   (series) for x < a, where Q ≥ ~0.45; where it uses DLMF 8.7.3 (x ≤ 1.1, small a) this uses
 *   1 − P, where Q ≥ ~0.3. Both agree with scipy to ~1e-14 relative (checked on a grid).
 * - ndtr (normal CDF) is the cephes erf/erfc rational approximation, as in scipy.special.ndtr.
 *
 * ## Performance
 *
 * A numeric column costs one radix sort per raw side (sortFloat64 from evaluation/metrics.ts), one
 * merge of the two sorted arrays that yields the distinct count of the union, the KS statistic and
 * the Wasserstein integral together, binary searches for the ≤ ~40 histogram edges, and the KS
 * p-value. 1M vs 1M rows on one core: ~70 ms to sort each side, ~23 ms for the merge, < 1 ms for
 * the bins; the asymptotic p-value is < 1 ms except in scipy's 2·smirnov range (n·D² in [2.2, 370),
 * i.e. p between ~1e-160 and ~0.025), where the Birnbaum-Tingey sum has ~n/2…n terms: ~35 ms for
 * n = 500000 (scipy itself takes ~0.8 s there), and the Durbin matrix near n = 100000 with a tiny D
 * (p ≈ 1; a 115 × 115 matrix power) takes ~70 ms. Exact KS (max(n1, n2) ≤ 10000) costs O(n) for
 * equal sizes and O(max(n1, n2) · D · min(n1, n2)) otherwise.
 *
 * ## Conventions (DESIGN.md, "Statistics conventions")
 *
 * No drift statistic or verdict is NaN: a statistic that does not exist (empty side after cleaning,
 * chi-square with one category) is null with a reason and the verdict is null rather than "not
 * drifted" (the special functions keep their scipy NaNs for invalid arguments).
 * Where scipy would return NaN only through rounding (a Jensen-Shannon sum of −1e−17 for identical
 * distributions) the value is clamped to 0. Structural mistakes (a KS test on a categorical column,
 * misaligned count arrays, a non-finite threshold) throw a RangeError.
 */

import { sortFloat64 } from '../math/sort.js';

// ------------------------------------------------------------------------------------------------
// Public types

export type ColumnKind = 'numeric' | 'categorical';

/** Evidently's names for the tests (StatTest.name). */
export type DriftTestName = 'ks' | 'chisquare' | 'z' | 'wasserstein' | 'jensenshannon' | 'psi';

export const DRIFT_TESTS: readonly DriftTestName[] = ['ks', 'chisquare', 'z', 'wasserstein', 'jensenshannon', 'psi'];

export type DriftStatisticName =
  | 'psi'
  | 'ks_statistic'
  | 'ks_p_value'
  | 'wasserstein_normed'
  | 'jensenshannon'
  | 'chi2_p_value'
  | 'z_test_p_value';

/** Evidently's default_threshold per test. */
export const DEFAULT_THRESHOLDS: Readonly<Record<DriftTestName, number>> = {
  ks: 0.05,
  chisquare: 0.05,
  z: 0.05,
  wasserstein: 0.1,
  jensenshannon: 0.1,
  psi: 0.1,
};

/** The statistic each test decides on. */
export const TEST_STATISTIC: Readonly<Record<DriftTestName, DriftStatisticName>> = {
  ks: 'ks_p_value',
  chisquare: 'chi2_p_value',
  z: 'z_test_p_value',
  wasserstein: 'wasserstein_normed',
  jensenshannon: 'jensenshannon',
  psi: 'psi',
};

/** Tests Evidently allows per column type when asked for explicitly (plus chisquare/z on discrete numerics, which its default picks). */
const TESTS_FOR_KIND: Readonly<Record<ColumnKind, readonly DriftTestName[]>> = {
  numeric: ['ks', 'wasserstein', 'psi', 'jensenshannon', 'chisquare', 'z'],
  categorical: ['chisquare', 'z', 'psi', 'jensenshannon'],
};

/** Finite values in ascending order (build with `sortedSample`); `dropped` counts removed NaN/±inf. */
export interface SortedSample {
  readonly sorted: Float64Array;
  readonly dropped: number;
}

/** Raw values (any order, NaN/±inf allowed) or an already sorted finite sample. */
export type NumericInput = Float64Array | SortedSample;

/** Counts of non-missing categories: a map, or parallel arrays. */
export type CategoryCounts =
  | ReadonlyMap<string, number>
  | { readonly categories: readonly string[]; readonly counts: ArrayLike<number> };

/** Counts aligned by position (same categories / bins in the same order on both sides). */
export type AlignedCounts = ArrayLike<number>;

export interface KsResult {
  statistic: number;
  pValue: number;
  method: 'exact' | 'asymp';
}

export interface HistogramBins {
  kind: 'histogram';
  /** n_bins + 1 edges (numpy 'sturges' over reference ∪ current). */
  edges: Float64Array;
  reference: Float64Array;
  current: Float64Array;
}

export interface ValueBins {
  kind: 'values';
  /** Distinct values of reference ∪ current, ascending. */
  values: Float64Array;
  reference: Float64Array;
  current: Float64Array;
}

export type NumericBins = HistogramBins | ValueBins;

export interface TestSelection {
  test: DriftTestName;
  threshold: number;
}

export interface DriftOverride {
  test?: DriftTestName;
  threshold?: number;
}

export interface NumericColumnInput {
  kind: 'numeric';
  reference: NumericInput;
  current: NumericInput;
  /**
   * Both sides are integer-typed with no missing values (what pandas holds as int64): numpy's
   * Sturges histogram then uses a bin width of at least 1. Default false.
   */
  integer?: boolean;
}

export interface CategoricalColumnInput {
  kind: 'categorical';
  reference: CategoryCounts;
  current: CategoryCounts;
  /** Missing values removed before counting (reported only). */
  referenceMissing?: number;
  currentMissing?: number;
}

export type ColumnDriftInput = NumericColumnInput | CategoricalColumnInput;

export interface ColumnDriftResult {
  kind: ColumnKind;
  /** Rows used after dropping NaN/±inf/missing. */
  referenceRows: number;
  currentRows: number;
  /** Rows dropped as NaN/±inf/missing. */
  referenceDropped: number;
  currentDropped: number;
  /** Distinct values in reference ∪ current (what Evidently's test choice counts). */
  uniques: number;
  /** Every applicable statistic; null when it does not exist (see reasons). */
  statistics: Partial<Record<DriftStatisticName, number | null>>;
  reasons: Partial<Record<DriftStatisticName | 'drifted', string>>;
  /** The deciding test, its threshold, its value and the verdict. */
  test: DriftTestName;
  threshold: number;
  score: number | null;
  drifted: boolean | null;
  /** How the KS p-value was computed (numeric columns). */
  ksMethod?: 'exact' | 'asymp';
}

export interface DatasetDriftResult {
  numberOfColumns: number;
  numberOfDriftedColumns: number;
  /** Drifted / determined columns; null when no column could be decided. */
  shareOfDriftedColumns: number | null;
  driftShare: number;
  drifted: boolean | null;
  /** Columns whose verdict is null (left out of the share). */
  undetermined: string[];
}

// ------------------------------------------------------------------------------------------------
// Constants (cephes)

const MACHEP = 1.1102230246251565404236316680908203125e-16; // 2^-53
const MAXLOG = 7.097827128933839730962063185871e2; // log(DBL_MAX)
const MINLOG = -7.451332191019412076235245305675398106812e2; // log(2^-1075)
const DBL_EPSILON = 2 ** -52;
const SQRT1_2 = Math.SQRT1_2;

function polevl(x: number, coef: readonly number[]): number {
  let ans = coef[0]!;
  for (let i = 1; i < coef.length; i++) ans = ans * x + coef[i]!;
  return ans;
}

/** Like polevl with an implied leading coefficient 1. */
function p1evl(x: number, coef: readonly number[]): number {
  let ans = x + coef[0]!;
  for (let i = 1; i < coef.length; i++) ans = ans * x + coef[i]!;
  return ans;
}

function clip01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/** x · 2^e without overflowing the intermediate power of two. */
function ldexp(x: number, e: number): number {
  let r = x;
  let k = e;
  while (k > 1000) {
    r *= 2 ** 1000;
    k -= 1000;
  }
  while (k < -1000) {
    r *= 2 ** -1000;
    k += 1000;
  }
  return r * 2 ** k;
}

/** np.round: half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// ------------------------------------------------------------------------------------------------
// Normal distribution (cephes ndtr.h)

const NDTR_P = [
  2.46196981473530512524e-10, 5.64189564831068821977e-1, 7.46321056442269912687e0, 4.86371970985681366614e1,
  1.96520832956077098242e2, 5.26445194995477358631e2, 9.3452852717195760754e2, 1.02755188689515710272e3,
  5.57535335369399327526e2,
];
const NDTR_Q = [
  1.32281951154744992508e1, 8.67072140885989742329e1, 3.54937778887819891062e2, 9.75708501743205489753e2,
  1.82390916687909736289e3, 2.24633760818710981792e3, 1.65666309194161350182e3, 5.57535340817727675546e2,
];
const NDTR_R = [
  5.64189583547755073984e-1, 1.27536670759978104416e0, 5.01905042251180477414e0, 6.16021097993053585195e0,
  7.4097426995044893916e0, 2.9788666537210024067e0,
];
const NDTR_S = [
  2.2605286322011727659e0, 9.39603524938001434673e0, 1.20489539808096656605e1, 1.70814450747565897222e1,
  9.60896809063285878198e0, 3.3690764510008151605e0,
];
const NDTR_T = [
  9.60497373987051638749e0, 9.00260197203842689217e1, 2.23200534594684319226e3, 7.00332514112805075473e3,
  5.55923013010394962768e4,
];
const NDTR_U = [
  3.35617141647503099647e1, 5.21357949780152679795e2, 4.59432382970980127987e3, 2.26290000613890934246e4,
  4.92673942608635921086e4,
];

/** Complementary error function (cephes erfc). */
export function erfc(a: number): number {
  if (Number.isNaN(a)) return NaN;
  const x = a < 0 ? -a : a;
  if (x < 1) return 1 - erf(a);
  let z = -a * a;
  if (z < -MAXLOG) return a < 0 ? 2 : 0;
  z = Math.exp(z);
  let p: number;
  let q: number;
  if (x < 8) {
    p = polevl(x, NDTR_P);
    q = p1evl(x, NDTR_Q);
  } else {
    p = polevl(x, NDTR_R);
    q = p1evl(x, NDTR_S);
  }
  let y = (z * p) / q;
  if (a < 0) y = 2 - y;
  if (y !== 0) return y;
  return a < 0 ? 2 : 0;
}

/** Error function (cephes erf). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return -erf(-x);
  if (Math.abs(x) > 1) return 1 - erfc(x);
  const z = x * x;
  return (x * polevl(z, NDTR_T)) / p1evl(z, NDTR_U);
}

/** Standard normal CDF Φ(a), as scipy.special.ndtr / scipy.stats.norm.cdf. */
export function ndtr(a: number): number {
  if (Number.isNaN(a)) return NaN;
  const x = a * SQRT1_2;
  const z = Math.abs(x);
  if (z < 1) return 0.5 + 0.5 * erf(x);
  const y = 0.5 * erfc(z);
  return x > 0 ? 1 - y : y;
}

/** Standard normal survival function 1 − Φ(a), accurate in the upper tail (= ndtr(−a)). */
export function normalSf(a: number): number {
  return ndtr(-a);
}

// ------------------------------------------------------------------------------------------------
// Log-gamma and regularized incomplete gamma (cephes gamma.h, lanczos.h, igam.h)

const GAMMA_A = [
  8.1161416747050845e-4, -5.95061904284301438324e-4, 7.93650340457716943945e-4, -2.77777777730099687205e-3,
  8.33333333333331927722e-2,
];
const GAMMA_B = [
  -1.378251525691208591e3, -3.88016315134637840924e4, -3.31612992738871184744e5, -1.16237097492762307383e6,
  -1.72173700820839662146e6, -8.53555664245765465627e5,
];
const GAMMA_C = [
  -3.51815701436523470549e2, -1.70642106651881159223e4, -2.20528590553854454839e5, -1.13933444367982507207e6,
  -2.53252307177582951285e6, -2.01889141433532773231e6,
];
const LS2PI = 0.91893853320467274178; // log(sqrt(2π))

/** log Γ(x) for x > 0 (cephes lgam). */
export function lgam(xIn: number): number {
  let x = xIn;
  if (!Number.isFinite(x)) return x;
  if (x <= 0) throw new RangeError(`lgam is implemented for x > 0, got ${x}`);
  if (x < 13) {
    let z = 1;
    let p = 0;
    let u = x;
    while (u >= 3) {
      p -= 1;
      u = x + p;
      z *= u;
    }
    while (u < 2) {
      if (u === 0) return Infinity;
      z /= u;
      p += 1;
      u = x + p;
    }
    if (z < 0) z = -z;
    if (u === 2) return Math.log(z);
    p -= 2;
    x = x + p;
    p = (x * polevl(x, GAMMA_B)) / p1evl(x, GAMMA_C);
    return Math.log(z) + p;
  }
  if (x > 2.556348e305) return Infinity;
  const q = (x - 0.5) * Math.log(x) - x + LS2PI;
  if (x >= 1000) {
    if (x > 1.0e8) return q;
    const p = 1 / (x * x);
    return q + ((7.9365079365079365079365e-4 * p - 2.7777777777777777777778e-3) * p + 0.0833333333333333333333) / x;
  }
  const p = 1 / (x * x);
  return q + polevl(p, GAMMA_A) / x;
}

const LANCZOS_G = 6.024680040776729583740234375;
const LANCZOS_SUM_EXPG_SCALED_NUM = [
  0.006061842346248906525783753964555936883222, 0.5098416655656676188125178644804694509993,
  19.51992788247617482847860966235652136208, 449.9445569063168119446858607650988409623,
  6955.999602515376140356310115515198987526, 75999.29304014542649875303443598909137092,
  601859.6171681098786670226533699352302507, 3481712.15498064590882071018964774556468,
  14605578.08768506808414169982791359218571, 43338889.32467613834773723740590533316085,
  86363131.28813859145546927288977868422342, 103794043.1163445451906271053616070238554,
  56906521.91347156388090791033559122686859,
];
const LANCZOS_SUM_EXPG_SCALED_DENOM = [
  1, 66, 1925, 32670, 357423, 2637558, 13339535, 45995730, 105258076, 150917976, 120543840, 39916800, 0,
];

/** cephes ratevl: rational function num/denom evaluated in x or, for |x| > 1, in 1/x. */
function ratevl(x: number, num: readonly number[], denom: readonly number[]): number {
  const M = num.length - 1;
  const N = denom.length - 1;
  const absx = Math.abs(x);
  let numAns: number;
  let denAns: number;
  if (absx > 1) {
    const y = 1 / x;
    numAns = num[M]!;
    for (let i = M - 1; i >= 0; i--) numAns = numAns * y + num[i]!;
    denAns = denom[N]!;
    for (let i = N - 1; i >= 0; i--) denAns = denAns * y + denom[i]!;
    return (Math.pow(x, M - N) * numAns) / denAns;
  }
  numAns = num[0]!;
  for (let i = 1; i <= M; i++) numAns = numAns * x + num[i]!;
  denAns = denom[0]!;
  for (let i = 1; i <= N; i++) denAns = denAns * x + denom[i]!;
  return numAns / denAns;
}

function lanczosSumExpgScaled(x: number): number {
  return ratevl(x, LANCZOS_SUM_EXPG_SCALED_NUM, LANCZOS_SUM_EXPG_SCALED_DENOM);
}

/** log(1 + x) − x (cephes log1pmx). */
function log1pmx(x: number): number {
  if (Math.abs(x) < 0.5) {
    let xfac = x;
    let res = 0;
    for (let n = 2; n < 500; n++) {
      xfac *= -x;
      const term = xfac / n;
      res += term;
      if (Math.abs(term) < MACHEP * Math.abs(res)) break;
    }
    return res;
  }
  return Math.log1p(x) - x;
}

/** x^a e^{−x} / Γ(a) (xsf igam_fac). */
function igamFac(a: number, x: number): number {
  if (Math.abs(a - x) > 0.4 * Math.abs(a)) {
    const ax = a * Math.log(x) - x - lgam(a);
    if (ax < -MAXLOG) return 0;
    return Math.exp(ax);
  }
  const fac = a + LANCZOS_G - 0.5;
  let res = Math.sqrt(fac / Math.E) / lanczosSumExpgScaled(a);
  if (a < 200 && x < 200) {
    res *= Math.exp(a - x) * Math.pow(x / fac, a);
  } else {
    const num = x - a - LANCZOS_G + 0.5;
    res *= Math.exp(a * log1pmx(num / fac) + (x * (0.5 - LANCZOS_G)) / fac);
  }
  return res;
}

// xsf stops after 2000 iterations; it never needs more because large a near x goes to the
// asymptotic series. This implementation uses the series there, which can need more terms.
const IGAM_MAXITER = 1_000_000;
const IGAM_BIG = 4.503599627370496e15;
const IGAM_BIGINV = 2.22044604925031308085e-16;

/** P(a, x) by its power series (DLMF 8.11.4). */
function igamSeries(a: number, x: number): number {
  const ax = igamFac(a, x);
  if (ax === 0) return 0;
  let r = a;
  let c = 1;
  let ans = 1;
  for (let i = 0; i < IGAM_MAXITER; i++) {
    r += 1;
    c *= x / r;
    ans += c;
    if (c <= MACHEP * ans) break;
  }
  return (ans * ax) / a;
}

/** Q(a, x) by its continued fraction (DLMF 8.9.2). */
function igamcContinuedFraction(a: number, x: number): number {
  const ax = igamFac(a, x);
  if (ax === 0) return 0;
  let y = 1 - a;
  let z = x + y + 1;
  let c = 0;
  let pkm2 = 1;
  let qkm2 = x;
  let pkm1 = x + 1;
  let qkm1 = z * x;
  let ans = pkm1 / qkm1;
  for (let i = 0; i < IGAM_MAXITER; i++) {
    c += 1;
    y += 1;
    z += 2;
    const yc = y * c;
    const pk = pkm1 * z - pkm2 * yc;
    const qk = qkm1 * z - qkm2 * yc;
    let t: number;
    if (qk !== 0) {
      const r = pk / qk;
      t = Math.abs((ans - r) / r);
      ans = r;
    } else {
      t = 1;
    }
    pkm2 = pkm1;
    pkm1 = pk;
    qkm2 = qkm1;
    qkm1 = qk;
    if (Math.abs(pk) > IGAM_BIG) {
      pkm2 *= IGAM_BIGINV;
      pkm1 *= IGAM_BIGINV;
      qkm2 *= IGAM_BIGINV;
      qkm1 *= IGAM_BIGINV;
    }
    if (t <= MACHEP) break;
  }
  return ans * ax;
}

/** Regularized upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a) (scipy.special.gammaincc). */
export function igamc(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x)) return NaN;
  if (x < 0 || a < 0) return NaN;
  if (a === 0) return x > 0 ? 0 : NaN;
  if (x === 0) return 1;
  if (a === Infinity) return x === Infinity ? NaN : 1;
  if (x === Infinity) return 0;
  if (x > 1.1) return x < a ? 1 - igamSeries(a, x) : igamcContinuedFraction(a, x);
  // x ≤ 1.1: Q ≥ ~0.3 wherever xsf would use DLMF 8.7.3, so 1 − P loses nothing there.
  return 1 - igamSeries(a, x);
}

/** Regularized lower incomplete gamma P(a, x) (scipy.special.gammainc). */
export function igam(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x)) return NaN;
  if (x < 0 || a < 0) return NaN;
  if (a === 0) return x > 0 ? 1 : NaN;
  if (x === 0) return 0;
  if (a === Infinity) return x === Infinity ? NaN : 0;
  if (x === Infinity) return 1;
  if (x > 1 && x > a) return 1 - igamc(a, x);
  return igamSeries(a, x);
}

/** Chi-square survival function (scipy.stats.chi2.sf = scipy.special.chdtrc). */
export function chi2Sf(df: number, x: number): number {
  if (x < 0) return NaN;
  return igamc(df / 2, x / 2);
}

// ------------------------------------------------------------------------------------------------
// One-sample Kolmogorov distributions (scipy/stats/_ksstats.py, xsf/cephes/kolmogorov.h)

const SPLITTER = 134217729; // 2^27 + 1

/** Exact product a·b = hi + lo (Dekker). */
function twoProduct(a: number, b: number): [number, number] {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  const err = ah * bh - p + ah * bl + al * bh + al * bl;
  return [p, err];
}

/**
 * One-sided Smirnov survival function P(D_n^+ ≥ x) (scipy.special.smirnov).
 */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0 && x >= 0 && x <= 1) || !Number.isInteger(n)) return NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;

  // floor(n·x) and its fractional part, exactly (modNX).
  const [nxHi, nxLo] = twoProduct(n, x);
  let nxfl: number;
  let alpha: number;
  const fhi = Math.floor(nxHi);
  if (fhi === nxHi) {
    const flo = Math.floor(nxLo);
    nxfl = fhi + flo;
    alpha = nxLo - flo;
  } else {
    nxfl = fhi;
    alpha = nxHi - fhi + nxLo;
  }
  if (alpha >= 1) {
    nxfl += 1;
    alpha = 0;
  }
  let n1mxfl = n - nxfl - (alpha === 0 ? 0 : 1);
  if (alpha === 0) n1mxfl -= 1;

  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) {
    // x ≤ 1/n: cdf = x (1 + x)^(n−1)
    const cdf = x * Math.exp((n - 1) * Math.log1p(x));
    return clip01(1 - cdf);
  }
  if (-2 * n * x * x < MINLOG) return 0;
  if (nxfl >= n - 1) return clip01(Math.exp(n * Math.log1p(-x)));
  if (n > 1_000_000) {
    const logp = -Math.pow(6.0 * n * x + 1, 2) / 18.0 / n;
    if (logp < -Math.LN2) return clip01(Math.exp(logp));
    return clip01(1 - -Math.expm1(logp));
  }

  // Lower (Birnbaum-Tingey) sum: sf = x · Σ_{v=0}^{⌊n(1−x)⌋} C(n,v) (x + v/n)^(v−1) (1 − x − v/n)^(n−v)
  const nTerms = n1mxfl + 1;
  const vmid = Math.floor(n / 2);
  let sum = Math.exp(n * Math.log1p(-x)) / x; // v = 0
  let sumC = 0;
  let logC = 0; // log C(n, v), compensated
  let logCc = 0;
  for (let v = 1; v < nTerms; v++) {
    const step = Math.log((n - v + 1) / v);
    const tC = logC + step;
    logCc += Math.abs(logC) >= Math.abs(step) ? logC - tC + step : step - tC + logC;
    logC = tC;
    // s = x + v/n and 1 − s from the exact n·x
    const num = v + nxHi + nxLo;
    const s = num / n;
    const log1ms = s < 0.5 ? Math.log1p(-s) : Math.log((n - v - nxHi - nxLo) / n);
    const la = logC + logCc + (v - 1) * Math.log(s) + (n - v) * log1ms;
    const aj = Math.exp(la);
    if (Number.isFinite(aj) && aj !== 0) {
      const t = sum + aj;
      sumC += Math.abs(sum) >= aj ? sum - t + aj : aj - t + sum;
      sum = t;
      if (4 * (nTerms - v) * aj < DBL_EPSILON * sum && v !== nTerms - 1) break;
    } else if (v > vmid) {
      break;
    }
  }
  return clip01(x * (sum + sumC));
}

const E128 = 2 ** 128;
const EM128 = 2 ** -128;
const PI_SQUARED = Math.PI ** 2;
const PI_FOUR = Math.PI ** 4;
const PI_SIX = Math.PI ** 6;
const SQRT2PI = Math.sqrt(2 * Math.PI);
const LOG_2PI = Math.log(2 * Math.PI);
const SQRT3 = Math.sqrt(3);
const STIRLING_COEFFS = [
  -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3, 8.4175084175084175084e-4,
  -5.952380952380952381e-4, 7.9365079365079365079e-4, -2.7777777777777777778e-3, 8.3333333333333333333e-2,
];

/** log(n! / n^n) by Stirling. */
function logNFactorialDivNPowN(n: number): number {
  const rn = 1.0 / n;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * polevl(rn / n, STIRLING_COEFFS);
}

function selectAndClip(cdfprob: number, sfprob: number, cdf: boolean): number {
  return clip01(cdf ? cdfprob : sfprob);
}

function matmul(a: Float64Array, b: Float64Array, m: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const ri = i * m;
    for (let k = 0; k < m; k++) {
      const aik = a[ri + k]!;
      if (aik === 0) continue;
      const rk = k * m;
      for (let j = 0; j < m; j++) out[ri + j]! += aik * b[rk + j]!;
    }
  }
  return out;
}

/** Pr(D_n ≤ d) by the Durbin matrix (Marsaglia, Tsang & Wang). */
function kolmognDMTW(n: number, d: number, cdf: boolean): number {
  if (d >= 1) return selectAndClip(1, 0, cdf);
  const nd = n * d;
  if (nd <= 0.5) return selectAndClip(0, 1, cdf);
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  let H = new Float64Array(m * m);
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    v[j - 1] = 1 - h ** j;
    w[j - 1] = fac;
    fac /= j;
    v[j - 1]! *= fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;
  for (let i = 1; i < m; i++) {
    for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - (i - 1)]!;
  }
  for (let r = 0; r < m; r++) H[r * m] = v[r]!;
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c]!;

  let Hpwr = new Float64Array(m * m);
  for (let i = 0; i < m; i++) Hpwr[i * m + i] = 1;
  let nn = n;
  let expnt = 0;
  let Hexpnt = 0;
  const kk = (k - 1) * m + (k - 1);
  while (nn > 0) {
    if (nn % 2) {
      Hpwr = matmul(Hpwr, H, m);
      expnt += Hexpnt;
    }
    H = matmul(H, H, m);
    Hexpnt *= 2;
    if (Math.abs(H[kk]!) > E128) {
      for (let i = 0; i < H.length; i++) H[i]! /= E128;
      Hexpnt += 128;
    }
    nn = Math.floor(nn / 2);
  }
  let p = Hpwr[kk]!;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < EM128) {
      p *= E128;
      expnt -= 128;
    }
  }
  if (expnt !== 0) p = ldexp(p, expnt);
  return selectAndClip(p, 1 - p, cdf);
}

function pomeranzJ1J2(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const ip1div2 = Math.floor((i + 1) / 2);
    const ip1mod2 = (i + 1) % 2;
    if (ip1mod2 === 0) {
      if (ip1div2 === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = ip1div2 - 1 - ll - roundf - 1;
        j2 = ip1div2 + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = ip1div2 - 1 - ll - 1;
      j2 = ip1div2 + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/** Pr(D_n ≤ x) by the Pomeranz recursion. */
function kolmognPomeranz(n: number, x: number, cdf: boolean): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = 1.0 * (t - ll);
  const g = Math.min(f, 1.0 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const npwrs = 2 * (ll + 1);
  const gpower = new Float64Array(npwrs);
  const twogpower = new Float64Array(npwrs);
  const onem2gpower = new Float64Array(npwrs);
  gpower[0] = 1;
  twogpower[0] = 1;
  onem2gpower[0] = 1;
  let expnt = 0;
  const gOverN = g / n;
  const twoGOverN = (2 * g) / n;
  const oneMinusTwoGOverN = (1 - 2 * g) / n;
  for (let m = 1; m < npwrs; m++) {
    gpower[m] = (gpower[m - 1]! * gOverN) / m;
    twogpower[m] = (twogpower[m - 1]! * twoGOverN) / m;
    onem2gpower[m] = (onem2gpower[m - 1]! * oneMinusTwoGOverN) / m;
  }
  let V0 = new Float64Array(npwrs);
  let V1 = new Float64Array(npwrs);
  V1[0] = 1;
  let V0s = 0;
  let V1s = 0;
  let [j1, j2] = pomeranzJ1J2(0, n, ll, ceilf, roundf);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [V0, V1] = [V1, V0];
    [V0s, V1s] = [V1s, V0s];
    V1.fill(0);
    [j1, j2] = pomeranzJ1J2(i, n, ll, ceilf, roundf);
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 ? twogpower : onem2gpower;
    const ln2 = j2 - k1 + 1;
    if (ln2 > 0) {
      const convStart = j1 - k1;
      const convLen = j2 - j1 + 1;
      const base = k1 - V0s;
      // conv = np.convolve(V0[base:base+ln2], pwrs[:ln2]); V1[:convLen] = conv[convStart:convStart+convLen]
      let vmax = -Infinity;
      for (let c = 0; c < convLen; c++) {
        const idx = convStart + c;
        let acc = 0;
        const lo = Math.max(0, idx - (ln2 - 1));
        const hi = Math.min(idx, ln2 - 1);
        for (let a = lo; a <= hi; a++) acc += V0[base + a]! * pwrs[idx - a]!;
        V1[c] = acc;
      }
      for (let c = 0; c < npwrs; c++) if (V1[c]! > vmax) vmax = V1[c]!;
      if (vmax > 0 && vmax < EM128) {
        for (let c = 0; c < npwrs; c++) V1[c]! *= E128;
        expnt -= 128;
      }
      V1s = V0s + j1 - k1;
    }
  }
  let ans = V1[n - V1s]!;
  for (let m = 1; m <= n; m++) {
    if (Math.abs(ans) > E128) {
      ans *= EM128;
      expnt += 128;
    }
    ans *= m;
  }
  if (expnt !== 0) ans = ldexp(ans, expnt);
  return selectAndClip(ans, 1 - ans, cdf);
}

/** Pelz-Good approximation to Pr(D_n ≤ x). */
function kolmognPelzGood(n: number, x: number, cdf: boolean): number {
  if (x <= 0) return selectAndClip(0, 1, cdf);
  if (x >= 1) return selectAndClip(1, 0, cdf);
  const z = Math.sqrt(n) * x;
  const zsquared = z ** 2;
  const zthree = z ** 3;
  const zfour = z ** 4;
  const zsix = z ** 6;
  const qlog = -PI_SQUARED / 8 / zsquared;
  if (qlog < -708) return selectAndClip(0, 1, cdf);
  let q = Math.exp(qlog);
  const k1a = -zsquared;
  const k1b = PI_SQUARED / 4;
  const k2a = 6 * zsix + 2 * zfour;
  const k2b = ((2 * zfour - 5 * zsquared) * PI_SQUARED) / 4;
  const k2c = (PI_FOUR * (1 - 2 * zsquared)) / 16;
  const k3d = (PI_SIX * (5 - 30 * zsquared)) / 64;
  const k3c = (PI_FOUR * (-60 * zsquared + 212 * zfour)) / 16;
  const k3b = (PI_SQUARED * (135 * zfour - 96 * zsix)) / 4;
  const k3a = -30 * zsix - 90 * z ** 8;
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const msquared = m ** 2;
    const mfour = m ** 4;
    const msix = m ** 6;
    const qpower = Math.pow(q, 8 * k);
    const coeffs = [
      1.0,
      k1a + k1b * msquared,
      k2a + k2b * msquared + k2c * mfour,
      k3a + k3b * msquared + k3c * mfour + k3d * msix,
    ];
    for (let i = 0; i < 4; i++) K[i] = K[i]! * qpower + coeffs[i]!;
  }
  const div = [z, 6 * zfour, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = (K[i]! * q * SQRT2PI) / div[i]!;
  q = Math.exp(-PI_SQUARED / 2 / zsquared);
  const sqrt3z = SQRT3 * z;
  let k2extra = 0;
  let k3extra = 0;
  for (let k = maxk; k > 0; k--) {
    const ksq = k * k;
    const qp = q ** ksq;
    k2extra += ksq * qp;
    const kspi = Math.PI * k;
    k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ksq * qp;
  }
  K[2]! += k2extra * ((PI_SQUARED * SQRT2PI) / (-36 * zthree));
  K[3]! += k3extra * ((PI_SQUARED * SQRT2PI) / (216 * zsix));
  for (let i = 0; i < 4; i++) K[i] = K[i]! / Math.pow(n * 1.0, i / 2.0);
  if (!cdf) {
    for (let i = 0; i < 4; i++) K[i] = -K[i]!;
    K[0]! += 1;
  }
  return K[0]! + K[1]! + K[2]! + K[3]!;
}

/** Pr(D_n ≤ x) or Pr(D_n > x) for the two-sided one-sample statistic (scipy _kolmogn). */
function kolmogn(n: number, x: number, cdf: boolean): number {
  if (Number.isNaN(n)) return NaN;
  if (!Number.isInteger(n) || n <= 0) return NaN;
  if (x >= 1.0) return selectAndClip(1, 0, cdf);
  if (x <= 0.0) return selectAndClip(0, 1, cdf);
  const t = n * x;
  if (t <= 1.0) {
    if (t <= 0.5) return selectAndClip(0, 1, cdf);
    let prob: number;
    if (n <= 140) {
      prob = 1;
      for (let i = 1; i <= n; i++) prob *= i * (1.0 / n) * (2 * t - 1);
    } else {
      prob = Math.exp(logNFactorialDivNPowN(n) + n * Math.log(2 * t - 1));
    }
    return selectAndClip(prob, 1 - prob, cdf);
  }
  if (t >= n - 1) {
    const prob = 2 * (1.0 - x) ** n;
    return selectAndClip(1 - prob, prob, cdf);
  }
  if (x >= 0.5) {
    const prob = 2 * smirnovSf(n, x);
    return selectAndClip(1 - prob, prob, cdf);
  }
  const nxsquared = t * x;
  if (n <= 140) {
    if (nxsquared <= 0.754693) {
      const prob = kolmognDMTW(n, x, true);
      return selectAndClip(prob, 1 - prob, cdf);
    }
    if (nxsquared <= 4) {
      const prob = kolmognPomeranz(n, x, true);
      return selectAndClip(prob, 1 - prob, cdf);
    }
    const prob = 2 * smirnovSf(n, x);
    return selectAndClip(1 - prob, prob, cdf);
  }
  if (!cdf) {
    if (nxsquared >= 370.0) return 0;
    if (nxsquared >= 2.2) return clip01(2 * smirnovSf(n, x));
  }
  let cdfprob: number;
  if (nxsquared >= 18.0) cdfprob = 1;
  else if (n <= 100000 && n * x ** 1.5 <= 1.4) cdfprob = kolmognDMTW(n, x, true);
  else cdfprob = kolmognPelzGood(n, x, true);
  return selectAndClip(cdfprob, 1 - cdfprob, cdf);
}

/** Survival function of the two-sided one-sample KS statistic D_n (scipy.stats.kstwo.sf(x, n)). */
export function kstwoSf(n: number, x: number): number {
  if (Number.isNaN(x) || Number.isNaN(n)) return NaN;
  if (!(n > 0)) return NaN;
  if (x <= 0.5 / n) return 1;
  if (x >= 1) return 0;
  return kolmogn(n, x, false);
}

// ------------------------------------------------------------------------------------------------
// Samples

/** Finite values of `values`, ascending, in a new array; counts the NaN/±inf left out. */
export function sortedSample(values: Float64Array): SortedSample {
  const n = values.length;
  let finite = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v - v === 0) finite++;
  }
  let out: Float64Array;
  if (finite === n) {
    out = new Float64Array(n);
    sortFloat64(values, out);
    return { sorted: out, dropped: 0 };
  } else {
    out = new Float64Array(finite);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (v - v === 0) out[k++] = v;
    }
  }
  sortFloat64(out);
  return { sorted: out, dropped: n - finite };
}

function toSorted(input: NumericInput): SortedSample {
  return input instanceof Float64Array ? sortedSample(input) : input;
}

function requireNonEmpty(a: Float64Array, what: string, side: string): void {
  if (a.length === 0) throw new RangeError(`${what} needs at least one finite ${side} value`);
}

/** Number of distinct values in a sorted array. */
export function countDistinct(sorted: Float64Array): number {
  const n = sorted.length;
  if (n === 0) return 0;
  let c = 1;
  for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) c++;
  return c;
}

/** Number of distinct values in the union of two sorted arrays. */
export function countDistinctUnion(a: Float64Array, b: Float64Array): number {
  let i = 0;
  let j = 0;
  let c = 0;
  let last = NaN;
  const na = a.length;
  const nb = b.length;
  while (i < na || j < nb) {
    const va = i < na ? a[i]! : Infinity;
    const vb = j < nb ? b[j]! : Infinity;
    const v = va <= vb ? va : vb;
    if (i < na && va === v) i++;
    else j++;
    if (v !== last) {
      c++;
      last = v;
    }
  }
  return c;
}

/** Value counts over the distinct values of a ∪ b (both sorted). */
function valueCounts(a: Float64Array, b: Float64Array): ValueBins {
  const k = countDistinctUnion(a, b);
  const values = new Float64Array(k);
  const ra = new Float64Array(k);
  const rb = new Float64Array(k);
  let i = 0;
  let j = 0;
  const na = a.length;
  const nb = b.length;
  for (let s = 0; s < k; s++) {
    const va = i < na ? a[i]! : Infinity;
    const vb = j < nb ? b[j]! : Infinity;
    const v = va <= vb ? va : vb;
    values[s] = v;
    let c = 0;
    while (i < na && a[i] === v) {
      i++;
      c++;
    }
    ra[s] = c;
    c = 0;
    while (j < nb && b[j] === v) {
      j++;
      c++;
    }
    rb[s] = c;
  }
  return { kind: 'values', values, reference: ra, current: rb };
}

interface SampleSummary {
  distinct: number;
  std: number;
}

/** Distinct count and standard deviation per sorted array, computed once (a reference profile is reused across runs). */
const sampleSummaries = new WeakMap<Float64Array, SampleSummary>();

function summaryOf(sorted: Float64Array): SampleSummary {
  let s = sampleSummaries.get(sorted);
  if (!s) {
    s = { distinct: countDistinct(sorted), std: populationStd(sorted) };
    sampleSummaries.set(sorted, s);
  }
  return s;
}

/** Population standard deviation (np.std, ddof = 0), two compensated passes. */
export function populationStd(values: Float64Array): number {
  const n = values.length;
  if (n === 0) return NaN;
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  const mean = (s + c) / n;
  s = 0;
  c = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    const v = d * d;
    const t = s + v;
    c += s >= v ? s - t + v : v - t + s;
    s = t;
  }
  return Math.sqrt((s + c) / n);
}

// ------------------------------------------------------------------------------------------------
// Kolmogorov-Smirnov two-sample (scipy.stats.ks_2samp, method='auto')

const KS_MAX_AUTO_N = 10000;

/** Pr(D_{n,n} ≥ h/n), scipy _compute_prob_outside_square. */
function probOutsideSquare(n: number, h: number): number {
  let P = 0.0;
  let k = Math.floor(n / h);
  while (k >= 0) {
    let p1 = 1.0;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1.0 - P);
    k -= 1;
  }
  return 2 * P;
}

/** Proportion of lattice paths leaving |x/m − y/n| < h/lcm, scipy _compute_outer_prob_inside_method. */
function outerProbInside(mIn: number, nIn: number, g: number, h: number): number {
  let m = mIn;
  let n = nIn;
  if (m < n) [m, n] = [n, m];
  const mg = Math.floor(m / g);
  const ng = Math.floor(n / g);
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  for (let j = minj; j < maxj; j++) A[j] = 0;
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.max(Math.floor((ng * i - h) / mg) + 1, 0);
    minj = Math.min(minj, n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1.0;
    let val = minj === 0 ? 0.0 : 1.0;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj]! * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) {
      const end = Math.min(maxj - minj + (lastlen - curlen), lenA);
      for (let t = maxj - minj; t < end; t++) A[t] = 1;
    }
  }
  return A[maxj - minj - 1]!;
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y) [x, y] = [y, x % y];
  return x;
}

interface MergeSummary {
  /** Distinct values in a ∪ b. */
  unionDistinct: number;
  /** KS statistic as scipy forms it. */
  ksD: number;
  /** ∫ |F_a − F_b| dx (the first Wasserstein distance). */
  wasserstein: number;
}

/**
 * One merge over two sorted samples: the distinct values of the union, the KS statistic and the
 * Wasserstein-1 distance. ECDF differences are tracked as the exact integer i·n2 − j·n1 (exact
 * below 2^53); the extreme positions are then turned into i/n1 − j/n2 like numpy does, so the
 * statistic is the double scipy reports. Wasserstein sums |i·n2 − j·n1|·Δx and divides by n1·n2.
 */
function mergeSummary(a: Float64Array, b: Float64Array): MergeSummary {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 * n2 > 2 ** 53) return mergeSummaryFloat(a, b);
  let i = 0;
  let j = 0;
  let distinct = 0;
  // the final pooled point has ECDF difference 0, so both extremes start at 0
  let maxK = 0;
  let maxI = n1;
  let maxJ = n2;
  let minK = 0;
  let minI = n1;
  let minJ = n2;
  let k = 0;
  let prev = n1 > 0 && n2 > 0 ? Math.min(a[0]!, b[0]!) : n1 > 0 ? a[0]! : n2 > 0 ? b[0]! : 0;
  let w = 0;
  let wc = 0;
  while (i < n1 && j < n2) {
    const va = a[i]!;
    const vb = b[j]!;
    let v: number;
    if (va < vb) {
      v = va;
      i++;
      while (i < n1 && a[i] === v) i++;
    } else if (vb < va) {
      v = vb;
      j++;
      while (j < n2 && b[j] === v) j++;
    } else {
      v = va;
      i++;
      j++;
      while (i < n1 && a[i] === v) i++;
      while (j < n2 && b[j] === v) j++;
    }
    const term = (k < 0 ? -k : k) * (v - prev);
    const t = w + term;
    wc += w >= term ? w - t + term : term - t + w;
    w = t;
    prev = v;
    distinct++;
    k = i * n2 - j * n1;
    if (k > maxK) {
      maxK = k;
      maxI = i;
      maxJ = j;
    } else if (k < minK) {
      minK = k;
      minI = i;
      minJ = j;
    }
  }
  // One side is exhausted: the difference moves monotonically back to 0, so only the
  // Wasserstein integral and the distinct count still change.
  while (i < n1) {
    const v = a[i]!;
    i++;
    while (i < n1 && a[i] === v) i++;
    const term = (k < 0 ? -k : k) * (v - prev);
    const t = w + term;
    wc += w >= term ? w - t + term : term - t + w;
    w = t;
    prev = v;
    distinct++;
    k = i * n2 - j * n1;
  }
  while (j < n2) {
    const v = b[j]!;
    j++;
    while (j < n2 && b[j] === v) j++;
    const term = (k < 0 ? -k : k) * (v - prev);
    const t = w + term;
    wc += w >= term ? w - t + term : term - t + w;
    w = t;
    prev = v;
    distinct++;
    k = i * n2 - j * n1;
  }
  const maxS = maxI / n1 - maxJ / n2;
  const minS = Math.min(Math.max(-(minI / n1 - minJ / n2), 0), 1);
  return { unionDistinct: distinct, ksD: minS > maxS ? minS : maxS, wasserstein: (w + wc) / n1 / n2 };
}

/** mergeSummary in floating point, for samples too large for exact integer differences. */
function mergeSummaryFloat(a: Float64Array, b: Float64Array): MergeSummary {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let distinct = 0;
  let maxS = -Infinity;
  let minS = Infinity;
  let prev = Math.min(a[0]!, b[0]!);
  let diff = 0;
  let w = 0;
  let wc = 0;
  while (i < n1 || j < n2) {
    const va = i < n1 ? a[i]! : Infinity;
    const vb = j < n2 ? b[j]! : Infinity;
    const v = va <= vb ? va : vb;
    const term = Math.abs(diff) * (v - prev);
    const t = w + term;
    wc += w >= term ? w - t + term : term - t + w;
    w = t;
    prev = v;
    distinct++;
    while (i < n1 && a[i] === v) i++;
    while (j < n2 && b[j] === v) j++;
    diff = i / n1 - j / n2;
    if (diff > maxS) maxS = diff;
    if (diff < minS) minS = diff;
  }
  const minClipped = Math.min(Math.max(-minS, 0), 1);
  return { unionDistinct: distinct, ksD: minClipped > maxS ? minClipped : maxS, wasserstein: w + wc };
}

/** KS p-value and method for a statistic d (scipy ks_2samp after the statistic). */
function ksPValue(n1: number, n2: number, dIn: number): KsResult {
  let d = dIn;
  let method: 'exact' | 'asymp' = Math.max(n1, n2) <= KS_MAX_AUTO_N ? 'exact' : 'asymp';
  let prob = -Infinity;
  if (method === 'exact') {
    const g = gcd(n1, n2);
    const lcm = Math.floor(n1 / g) * n2;
    const h = roundHalfEven(d * lcm);
    d = (h * 1.0) / lcm;
    if (h === 0) {
      prob = 1.0;
    } else {
      prob = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
      if (!(prob >= 0 && prob <= 1)) method = 'asymp';
    }
  }
  if (method === 'asymp') {
    const m = Math.max(n1, n2);
    const n = Math.min(n1, n2);
    const en = (m * n) / (m + n);
    prob = kstwoSf(roundHalfEven(en), d);
  }
  return { statistic: d, pValue: clip01(prob), method };
}

/**
 * Two-sample Kolmogorov-Smirnov test, two-sided, as scipy.stats.ks_2samp(ref, cur) with
 * method='auto' (exact when max(n1, n2) ≤ 10000, else asymptotic). Throws on an empty side.
 */
export function ksTwoSample(ref: NumericInput, cur: NumericInput): KsResult {
  const a = toSorted(ref).sorted;
  const b = toSorted(cur).sorted;
  requireNonEmpty(a, 'ksTwoSample', 'reference');
  requireNonEmpty(b, 'ksTwoSample', 'current');
  return ksPValue(a.length, b.length, mergeSummary(a, b).ksD);
}

// ------------------------------------------------------------------------------------------------
// Wasserstein

/** First Wasserstein distance between two empirical distributions (scipy.stats.wasserstein_distance). */
export function wassersteinDistance(ref: NumericInput, cur: NumericInput): number {
  const a = toSorted(ref).sorted;
  const b = toSorted(cur).sorted;
  requireNonEmpty(a, 'wassersteinDistance', 'reference');
  requireNonEmpty(b, 'wassersteinDistance', 'current');
  return mergeSummary(a, b).wasserstein;
}

/** Evidently's 'wasserstein' score: W1(ref, cur) / max(std(ref, ddof=0), 0.001). */
export function wassersteinNormed(ref: NumericInput, cur: NumericInput): number {
  const a = toSorted(ref);
  const b = toSorted(cur);
  requireNonEmpty(a.sorted, 'wassersteinNormed', 'reference');
  const norm = Math.max(summaryOf(a.sorted).std, 0.001);
  return wassersteinDistance(a, b) / norm;
}

// ------------------------------------------------------------------------------------------------
// Binning (Evidently get_binned_data)

function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** np.histogram_bin_edges(values, bins='sturges') given min, max and size. */
export function sturgesEdges(min: number, max: number, size: number, integer = false): Float64Array {
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  let nBins = 1;
  if (size > 0) {
    let width = (max - min) / (Math.log2(size) + 1.0);
    if (width) {
      if (integer && width < 1) width = 1;
      nBins = Math.ceil((last - first) / width);
    }
  }
  const num = nBins + 1;
  const edges = new Float64Array(num);
  const delta = last - first;
  const step = delta / nBins;
  for (let i = 0; i < num; i++) edges[i] = step === 0 ? ((i / nBins) * delta) + first : i * step + first;
  edges[num - 1] = last;
  return edges;
}

/** np.histogram(sorted, edges)[0] for sorted data. */
function histogramSorted(sorted: Float64Array, edges: Float64Array): Float64Array {
  const k = edges.length - 1;
  const counts = new Float64Array(k);
  let prev = lowerBound(sorted, edges[0]!);
  for (let i = 1; i <= k; i++) {
    const c = i < k ? lowerBound(sorted, edges[i]!) : upperBound(sorted, edges[i]!);
    counts[i - 1] = c - prev;
    prev = c;
  }
  return counts;
}

/**
 * The bins Evidently's PSI and Jensen-Shannon use for a numeric column: a Sturges histogram over
 * reference ∪ current when the reference has more than 20 distinct values, otherwise one bin per
 * distinct value of reference ∪ current. Counts, not percents.
 */
export function numericBins(ref: NumericInput, cur: NumericInput, opts: { integer?: boolean } = {}): NumericBins {
  const a = toSorted(ref).sorted;
  const b = toSorted(cur).sorted;
  requireNonEmpty(a, 'numericBins', 'reference');
  requireNonEmpty(b, 'numericBins', 'current');
  return binsSorted(a, b, opts.integer ?? false);
}

function binsSorted(a: Float64Array, b: Float64Array, integer: boolean): NumericBins {
  if (summaryOf(a).distinct <= 20) return valueCounts(a, b);
  const min = Math.min(a[0]!, b[0]!);
  const max = Math.max(a[a.length - 1]!, b[b.length - 1]!);
  const edges = sturgesEdges(min, max, a.length + b.length, integer);
  return { kind: 'histogram', edges, reference: histogramSorted(a, edges), current: histogramSorted(b, edges) };
}

// ------------------------------------------------------------------------------------------------
// Count-based statistics

function checkAligned(ref: AlignedCounts, cur: AlignedCounts, what: string): { total1: number; total2: number } {
  if (ref.length !== cur.length) {
    throw new RangeError(`${what}: reference has ${ref.length} bins but current has ${cur.length}`);
  }
  let total1 = 0;
  let total2 = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i]!;
    const c = cur[i]!;
    if (!(r >= 0) || !(c >= 0) || !Number.isFinite(r) || !Number.isFinite(c)) {
      throw new RangeError(`${what}: counts must be finite and non-negative (bin ${i}: ${r}, ${c})`);
    }
    total1 += r;
    total2 += c;
  }
  if (total1 === 0) throw new RangeError(`${what} needs at least one reference value`);
  if (total2 === 0) throw new RangeError(`${what} needs at least one current value`);
  return { total1, total2 };
}

/** Evidently's feel_zeroes: zeros → min(non-zero)/1e6 if that min ≤ 0.0001, else 0.0001. */
function fillZeroes(p: Float64Array): void {
  let min = Infinity;
  for (let i = 0; i < p.length; i++) if (p[i]! !== 0 && p[i]! < min) min = p[i]!;
  const fill = min <= 0.0001 ? min / 10 ** 6 : 0.0001;
  for (let i = 0; i < p.length; i++) if (p[i] === 0) p[i] = fill;
}

/** Population Stability Index from aligned counts (Evidently 'psi': percents, zero filling, natural log). */
export function psi(refCounts: AlignedCounts, curCounts: AlignedCounts): number {
  const { total1, total2 } = checkAligned(refCounts, curCounts, 'psi');
  const k = refCounts.length;
  const p = new Float64Array(k);
  const q = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    p[i] = refCounts[i]! / total1;
    q[i] = curCounts[i]! / total2;
  }
  fillZeroes(p);
  fillZeroes(q);
  let s = 0;
  let c = 0;
  for (let i = 0; i < k; i++) {
    const v = (p[i]! - q[i]!) * Math.log(p[i]! / q[i]!);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return s + c;
}

/** x·ln(x/y) with scipy.special.rel_entr's conventions for the zero cases. */
function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

/** Jensen-Shannon distance (natural log) from aligned counts (scipy.spatial.distance.jensenshannon of the percents). */
export function jensenShannonDistance(refCounts: AlignedCounts, curCounts: AlignedCounts): number {
  const { total1, total2 } = checkAligned(refCounts, curCounts, 'jensenShannonDistance');
  const k = refCounts.length;
  // Evidently passes percents; scipy renormalises them to sum 1.
  let sp = 0;
  let sq = 0;
  const p = new Float64Array(k);
  const q = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    p[i] = refCounts[i]! / total1;
    q[i] = curCounts[i]! / total2;
    sp += p[i]!;
    sq += q[i]!;
  }
  let left = 0;
  let right = 0;
  for (let i = 0; i < k; i++) {
    const pi = p[i]! / sp;
    const qi = q[i]! / sq;
    const m = (pi + qi) / 2.0;
    left += relEntr(pi, m);
    right += relEntr(qi, m);
  }
  const js = left + right;
  return Math.sqrt(Math.max(js, 0) / 2.0);
}

/**
 * Evidently's chi-square test: p-value of scipy.stats.chisquare(cur, ref · n_cur/n_ref) over the
 * aligned categories. Categories with zero counts on both sides are ignored (Evidently never sees
 * them). Null when fewer than two categories remain (0 degrees of freedom).
 */
export function chiSquarePValue(refCounts: AlignedCounts, curCounts: AlignedCounts): number | null {
  const { total1, total2 } = checkAligned(refCounts, curCounts, 'chiSquarePValue');
  const kNorm = total2 / total1;
  let stat = 0;
  let k = 0;
  for (let i = 0; i < refCounts.length; i++) {
    const r = refCounts[i]!;
    const o = curCounts[i]!;
    if (r === 0 && o === 0) continue;
    k++;
    const e = r * kNorm;
    stat += ((o - e) * (o - e)) / e; // e = 0 → +∞ → p = 0
  }
  if (k < 2) return null;
  return chi2Sf(k - 1, stat);
}

/**
 * Evidently's two-proportion z-test: category 0 (the smallest key) against all others. For two
 * categories the result does not depend on which one is first.
 */
export function zTestPValue(refCounts: AlignedCounts, curCounts: AlignedCounts): number {
  const { total1: n1, total2: n2 } = checkAligned(refCounts, curCounts, 'zTestPValue');
  let refNonZero = -1;
  let curNonZero = -1;
  let refKinds = 0;
  let curKinds = 0;
  for (let i = 0; i < refCounts.length; i++) {
    if (refCounts[i]! > 0) {
      refKinds++;
      refNonZero = i;
    }
    if (curCounts[i]! > 0) {
      curKinds++;
      curNonZero = i;
    }
  }
  if (refKinds === 1 && curKinds === 1 && refNonZero === curNonZero) return 1;
  const first = firstPresent(refCounts, curCounts);
  const ones1 = n1 - refCounts[first]!;
  const ones2 = n2 - curCounts[first]!;
  const p1 = ones1 / n1;
  const p2 = ones2 / n2;
  const P = (p1 * n1 + p2 * n2) / (n1 + n2);
  const z = (p1 - p2) / Math.sqrt(P * (1 - P) * (1.0 / n1 + 1.0 / n2));
  return 2 * (1 - ndtr(Math.abs(z)));
}

function firstPresent(a: AlignedCounts, b: AlignedCounts): number {
  for (let i = 0; i < a.length; i++) if (a[i]! > 0 || b[i]! > 0) return i;
  return 0;
}

// ------------------------------------------------------------------------------------------------
// Categories

/** Counts of the non-missing values of a string column, in first-seen order. */
export function countCategories(values: Iterable<string | null | undefined>): {
  counts: Map<string, number>;
  missing: number;
} {
  const counts = new Map<string, number>();
  let missing = 0;
  for (const v of values) {
    if (v === null || v === undefined) missing++;
    else counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return { counts, missing };
}

function countsToMap(c: CategoryCounts, side: string): Map<string, number> {
  if (c instanceof Map) return new Map(c);
  const { categories, counts } = c as { categories: readonly string[]; counts: ArrayLike<number> };
  if (categories.length !== counts.length) {
    throw new RangeError(`${side}: ${categories.length} categories but ${counts.length} counts`);
  }
  const m = new Map<string, number>();
  for (let i = 0; i < categories.length; i++) m.set(categories[i]!, (m.get(categories[i]!) ?? 0) + counts[i]!);
  return m;
}

/** Code-point order, like Python's sorted() on str. */
function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx - cy;
  }
}

/**
 * Aligns two category count maps on the sorted union of categories present on either side
 * (zero counts are dropped first, like value_counts would never report them).
 */
export function alignCategories(
  ref: CategoryCounts,
  cur: CategoryCounts,
): { categories: string[]; reference: Float64Array; current: Float64Array } {
  const a = countsToMap(ref, 'reference');
  const b = countsToMap(cur, 'current');
  const keys = new Set<string>();
  for (const [k, v] of a) {
    if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`reference count for "${k}" must be finite and non-negative`);
    if (v > 0) keys.add(k);
  }
  for (const [k, v] of b) {
    if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`current count for "${k}" must be finite and non-negative`);
    if (v > 0) keys.add(k);
  }
  const categories = [...keys].sort(compareCodePoints);
  const reference = new Float64Array(categories.length);
  const current = new Float64Array(categories.length);
  categories.forEach((k, i) => {
    reference[i] = a.get(k) ?? 0;
    current[i] = b.get(k) ?? 0;
  });
  return { categories, reference, current };
}

// ------------------------------------------------------------------------------------------------
// Test selection and column / dataset verdicts

/**
 * Evidently's default test for a column. `refRowsClean` = reference rows after dropping
 * NaN/±inf/missing; `uniques` = distinct values in reference ∪ current.
 */
export function selectTest(opts: { refRowsClean: number; uniques: number; kind: ColumnKind }): TestSelection {
  const { refRowsClean, uniques, kind } = opts;
  let test: DriftTestName;
  if (refRowsClean <= 1000) {
    if (kind === 'numeric') test = uniques <= 5 ? (uniques > 2 ? 'chisquare' : 'z') : 'ks';
    else test = uniques > 2 ? 'chisquare' : 'z';
  } else if (kind === 'numeric') {
    test = uniques <= 5 ? 'jensenshannon' : 'wasserstein';
  } else {
    test = 'jensenshannon';
  }
  return { test, threshold: DEFAULT_THRESHOLDS[test] };
}

/** Evidently's verdict for a test value: p-value tests below (ks: at or below), distances at or above. */
export function isDrift(test: DriftTestName, value: number, threshold: number): boolean {
  switch (test) {
    case 'ks':
      return value <= threshold;
    case 'chisquare':
    case 'z':
      return value < threshold;
    case 'wasserstein':
    case 'jensenshannon':
    case 'psi':
      return value >= threshold;
  }
}

function resolveTest(kind: ColumnKind, defaults: TestSelection, override: DriftOverride | undefined): TestSelection {
  const test = override?.test ?? defaults.test;
  if (!DRIFT_TESTS.includes(test)) throw new RangeError(`unknown drift test "${String(test)}"`);
  if (!TESTS_FOR_KIND[kind].includes(test)) {
    throw new RangeError(`drift test "${test}" does not apply to a ${kind} column (allowed: ${TESTS_FOR_KIND[kind].join(', ')})`);
  }
  let threshold = DEFAULT_THRESHOLDS[test];
  if (override?.threshold !== undefined) {
    if (!Number.isFinite(override.threshold)) throw new RangeError(`drift threshold must be a finite number, got ${override.threshold}`);
    threshold = override.threshold;
  } else if (override?.test === undefined) {
    threshold = defaults.threshold;
  }
  return { test, threshold };
}

function finish(
  base: Omit<ColumnDriftResult, 'test' | 'threshold' | 'score' | 'drifted'>,
  sel: TestSelection,
): ColumnDriftResult {
  const key = TEST_STATISTIC[sel.test];
  const value = base.statistics[key];
  const result: ColumnDriftResult = { ...base, test: sel.test, threshold: sel.threshold, score: null, drifted: null };
  if (value === undefined || value === null) {
    result.reasons.drifted = base.reasons[key] ?? `${key} is not available for this column`;
    return result;
  }
  result.score = value;
  result.drifted = isDrift(sel.test, value, sel.threshold);
  return result;
}

/**
 * Every applicable drift statistic for one column, and the verdict of the deciding test (Evidently's
 * default unless overridden).
 *
 * - numeric: psi, ks_statistic, ks_p_value, wasserstein_normed, jensenshannon; with ≤ 5 distinct
 *   values also chi2_p_value, with ≤ 2 also z_test_p_value (the tests Evidently's default may pick);
 *   an override to chisquare / z computes them regardless.
 * - categorical: psi, jensenshannon, chi2_p_value; with ≤ 2 categories (or a z override) also
 *   z_test_p_value.
 */
export function columnDrift(input: ColumnDriftInput, override?: DriftOverride): ColumnDriftResult {
  return input.kind === 'numeric' ? numericColumnDrift(input, override) : categoricalColumnDrift(input, override);
}

function numericColumnDrift(input: NumericColumnInput, override: DriftOverride | undefined): ColumnDriftResult {
  const ref = toSorted(input.reference);
  const cur = toSorted(input.current);
  const a = ref.sorted;
  const b = cur.sorted;
  const merged = a.length > 0 && b.length > 0 ? mergeSummary(a, b) : null;
  const uniques = merged ? merged.unionDistinct : countDistinctUnion(a, b);
  const sel = resolveTest('numeric', selectTest({ refRowsClean: a.length, uniques, kind: 'numeric' }), override);
  const statistics: ColumnDriftResult['statistics'] = {};
  const reasons: ColumnDriftResult['reasons'] = {};
  const base = {
    kind: 'numeric' as const,
    referenceRows: a.length,
    currentRows: b.length,
    referenceDropped: ref.dropped,
    currentDropped: cur.dropped,
    uniques,
    statistics,
    reasons,
  };
  const wantChi = uniques <= 5 || sel.test === 'chisquare';
  const wantZ = uniques <= 2 || sel.test === 'z';
  if (merged === null) {
    const names: DriftStatisticName[] = ['psi', 'ks_statistic', 'ks_p_value', 'wasserstein_normed', 'jensenshannon'];
    if (wantChi) names.push('chi2_p_value');
    if (wantZ) names.push('z_test_p_value');
    const why = emptyReason(a.length, b.length, ref.dropped, cur.dropped, 'NaN/±inf');
    for (const k of names) {
      statistics[k] = null;
      reasons[k] = why;
    }
    return finish(base, sel);
  }
  const bins = binsSorted(a, b, input.integer ?? false);
  statistics.psi = psi(bins.reference, bins.current);
  const ks = ksPValue(a.length, b.length, merged.ksD);
  statistics.ks_statistic = ks.statistic;
  statistics.ks_p_value = ks.pValue;
  statistics.wasserstein_normed = merged.wasserstein / Math.max(summaryOf(a).std, 0.001);
  statistics.jensenshannon = jensenShannonDistance(bins.reference, bins.current);
  if (wantChi || wantZ) {
    const vc = bins.kind === 'values' && bins.values.length === uniques ? bins : valueCounts(a, b);
    if (wantChi) setChi(statistics, reasons, vc.reference, vc.current);
    if (wantZ) statistics.z_test_p_value = zTestPValue(vc.reference, vc.current);
  }
  const result = finish(base, sel);
  result.ksMethod = ks.method;
  return result;
}

function setChi(
  statistics: ColumnDriftResult['statistics'],
  reasons: ColumnDriftResult['reasons'],
  ref: AlignedCounts,
  cur: AlignedCounts,
): void {
  const p = chiSquarePValue(ref, cur);
  statistics.chi2_p_value = p;
  if (p === null) reasons.chi2_p_value = 'only one distinct value in reference and current: chi-square has 0 degrees of freedom';
}

function emptyReason(n1: number, n2: number, d1: number, d2: number, what: string): string {
  const sides: string[] = [];
  if (n1 === 0) sides.push(`reference (${d1} ${what} dropped)`);
  if (n2 === 0) sides.push(`current (${d2} ${what} dropped)`);
  return `no usable values in ${sides.join(' and ')}`;
}

function categoricalColumnDrift(input: CategoricalColumnInput, override: DriftOverride | undefined): ColumnDriftResult {
  const { categories, reference, current } = alignCategories(input.reference, input.current);
  let n1 = 0;
  let n2 = 0;
  for (let i = 0; i < categories.length; i++) {
    n1 += reference[i]!;
    n2 += current[i]!;
  }
  const uniques = categories.length;
  const sel = resolveTest('categorical', selectTest({ refRowsClean: n1, uniques, kind: 'categorical' }), override);
  const statistics: ColumnDriftResult['statistics'] = {};
  const reasons: ColumnDriftResult['reasons'] = {};
  const d1 = input.referenceMissing ?? 0;
  const d2 = input.currentMissing ?? 0;
  const base = {
    kind: 'categorical' as const,
    referenceRows: n1,
    currentRows: n2,
    referenceDropped: d1,
    currentDropped: d2,
    uniques,
    statistics,
    reasons,
  };
  const wantZ = uniques <= 2 || sel.test === 'z';
  const names: DriftStatisticName[] = ['psi', 'jensenshannon', 'chi2_p_value'];
  if (wantZ) names.push('z_test_p_value');
  if (n1 === 0 || n2 === 0) {
    const why = emptyReason(n1, n2, d1, d2, 'missing');
    for (const k of names) {
      statistics[k] = null;
      reasons[k] = why;
    }
    return finish(base, sel);
  }
  statistics.psi = psi(reference, current);
  statistics.jensenshannon = jensenShannonDistance(reference, current);
  setChi(statistics, reasons, reference, current);
  if (wantZ) statistics.z_test_p_value = zTestPValue(reference, current);
  return finish(base, sel);
}

/**
 * Dataset drift as Evidently's DriftedColumnsCount / DatasetDriftMetric: drifted when the share of
 * drifted columns is ≥ `share`. Columns whose verdict is null are listed and left out of the share.
 */
export function datasetDrift(
  columns: ReadonlyMap<string, ColumnDriftResult> | Readonly<Record<string, ColumnDriftResult>>,
  share = 0.5,
): DatasetDriftResult {
  if (!(share >= 0 && share <= 1)) throw new RangeError(`drift share must be in [0, 1], got ${share}`);
  const entries = columns instanceof Map ? [...columns.entries()] : Object.entries(columns);
  let drifted = 0;
  let determined = 0;
  const undetermined: string[] = [];
  for (const [name, col] of entries) {
    if (col.drifted === null) {
      undetermined.push(name);
      continue;
    }
    determined++;
    if (col.drifted) drifted++;
  }
  const shareOf = determined === 0 ? null : drifted / determined;
  return {
    numberOfColumns: entries.length,
    numberOfDriftedColumns: drifted,
    shareOfDriftedColumns: shareOf,
    driftShare: share,
    drifted: shareOf === null ? null : shareOf >= share,
    undetermined,
  };
}
