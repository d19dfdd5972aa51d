/**
 * How often a finding happens by chance when nothing changed: the exact null distribution of the
 * number of current values outside the reference range, Benjamini–Hochberg over a family of
 * p-values, and a chi-square whose expected counts are large enough to trust. Pure.
 * Derivations and false-alarm rates: docs/statistics/drift.md, "Alarms".
 */
import { chiSquarePValue } from './methods/chisquare.js';
import { chi2Sf, igam, lgam } from '../math/special/gamma.js';

function logChoose(n: number, k: number): number {
  return lgam(n + 1) - lgam(k + 1) - lgam(n - k + 1);
}

/**
 * P(K ≥ k) where K is the number of the m current values outside [min, max] of the n reference
 * values, when both are exchangeable draws of one continuous distribution. The n reference
 * positions are a uniformly random n-subset of the n + m pooled ranks, and K = k exactly when
 * the first and last of them leave k ranks outside: P(K = k) = (k + 1)·C(N − k − 2, n − 2) / C(N, n),
 * N = n + m. Ties (discrete columns) only make values outside less likely, so the tail is then an
 * upper bound (a conservative test).
 */
export function outOfRangeTail(n: number, m: number, k: number): number {
  if (!(Number.isInteger(n) && Number.isInteger(m) && Number.isInteger(k)) || n < 0 || m < 0)
    throw new RangeError(`outOfRangeTail needs integer counts, got n=${n} m=${m} k=${k}`);
  if (k <= 0) return 1;
  if (k > m) return 0;
  if (n < 2) return 1; // every current value can be outside a range of < 2 reference values
  const N = n + m;
  const logTotal = logChoose(N, n);
  let sum = 0;
  for (let j = k; j <= m; j++) {
    const term = Math.exp(Math.log(j + 1) + logChoose(N - j - 2, n - 2) - logTotal);
    sum += term;
    // Past the mode the terms only shrink; stop once they no longer change the sum.
    const ratio = ((j + 2) / (j + 1)) * ((m - j) / (N - j - 2));
    if (ratio < 1 && term <= sum * 1e-17) break;
  }
  return Math.min(1, sum);
}

/** Expected number of current values outside the reference range by chance: 2m / (n + 1). */
export function expectedOutOfRange(n: number, m: number): number {
  return n < 2 ? m : (2 * m) / (n + 1);
}

/**
 * How many of m current rows carry a category the n reference rows never showed, by chance. The
 * chance that one more draw is of an unseen category is the Good–Turing estimate, the share of
 * reference rows whose category was seen once; (singletons + 1) / (n + 1) keeps it above zero.
 * Beyond n current rows an unseen rare category repeats, so the count is judged at the reference's
 * size (m and k scaled down to n), and the Poisson tail (variance ≥ the binomial's) is used:
 * both make the test conservative. Returns the expected count and P(K ≥ k).
 */
export function newCategoryChance(n: number, singletons: number, m: number, k: number): { expected: number; pValue: number } {
  if (!(n >= 0 && singletons >= 0 && m >= 0 && k >= 0))
    throw new RangeError(`newCategoryChance needs counts, got n=${n} singletons=${singletons} m=${m} k=${k}`);
  const unseen = Math.min(1, (singletons + 1) / (n + 1));
  const expected = m * unseen;
  if (k <= 0) return { expected, pValue: 1 };
  const scale = m > n && n > 0 ? n / m : 1;
  const kScaled = Math.ceil(k * scale);
  // P(Poisson(λ) ≥ k) is the regularized lower incomplete gamma P(k, λ).
  return { expected, pValue: igam(kScaled, m * scale * unseen) };
}

/**
 * Benjamini–Hochberg step-up at level q: the indices of the rejected hypotheses (null p-values
 * are not tested and do not count in the family size).
 */
export function benjaminiHochberg(pValues: (number | null | undefined)[], q: number): Set<number> {
  if (!(q > 0 && q < 1)) throw new RangeError(`the Benjamini-Hochberg level must be in (0, 1), got ${q}`);
  const tested = pValues.flatMap((p, i) => (typeof p === 'number' && !Number.isNaN(p) ? [{ p, i }] : [])).sort((a, b) => a.p - b.p || a.i - b.i);
  const m = tested.length;
  let last = -1;
  for (let r = 0; r < m; r++) if (tested[r]!.p <= ((r + 1) / m) * q) last = r;
  return new Set(tested.slice(0, last + 1).map((t) => t.i));
}

/** The smallest expected count the chi-square approximation is trusted with (Cochran's rule). */
export const MIN_EXPECTED_COUNT = 5;

/**
 * Pearson's chi-square (scipy.stats.chisquare, expected = reference share × current rows) after
 * merging sparse categories: categories are taken by expected count, smallest first (current-only
 * categories, expected 0, first), and pooled into one "other" group until the pool's expected count
 * reaches MIN_EXPECTED_COUNT; every remaining category already has an expected count ≥ 5. Null when
 * fewer than two groups remain (no valid test). Aligned counts in, as for `chiSquarePValue`.
 */
export function pooledChiSquarePValue(reference: ArrayLike<number>, current: ArrayLike<number>): { pValue: number | null; groups: number; pooled: number } {
  if (reference.length !== current.length) throw new RangeError(`pooledChiSquarePValue: ${reference.length} reference and ${current.length} current counts`);
  let nRef = 0;
  let nCur = 0;
  for (let i = 0; i < reference.length; i++) {
    nRef += reference[i]!;
    nCur += current[i]!;
  }
  if (nRef === 0 || nCur === 0) return { pValue: null, groups: 0, pooled: 0 };
  const order = Array.from({ length: reference.length }, (_, i) => i).sort((a, b) => reference[a]! - reference[b]! || a - b);
  const expected = (i: number): number => (reference[i]! * nCur) / nRef;
  let poolRef = 0;
  let poolCur = 0;
  let pooled = 0;
  let next = 0;
  // Smallest first: a sparse category, or anything while the pool itself is still sparse.
  while (next < order.length && (expected(order[next]!) < MIN_EXPECTED_COUNT || (pooled > 0 && (poolRef * nCur) / nRef < MIN_EXPECTED_COUNT))) {
    poolRef += reference[order[next]!]!;
    poolCur += current[order[next]!]!;
    pooled++;
    next++;
  }
  const ref = order.slice(next).map((i) => reference[i]!);
  const cur = order.slice(next).map((i) => current[i]!);
  if (pooled > 0) {
    ref.push(poolRef);
    cur.push(poolCur);
  }
  const groups = ref.length;
  if (groups < 2 || (pooled > 0 && (poolRef * nCur) / nRef < MIN_EXPECTED_COUNT)) return { pValue: null, groups, pooled };
  return { pValue: chiSquarePValue(ref, cur), groups, pooled };
}

/** log of the hypergeometric probability P(X = x): x of `draws` rows drawn from `total` carry the mark `marked` rows carry. */
function logHypergeometric(total: number, marked: number, draws: number, x: number): number {
  return logChoose(marked, x) + logChoose(total - marked, draws - x) - logChoose(total, draws);
}

/**
 * P(X ≥ k) for X ~ Hypergeometric(total, marked, draws): with nothing changed, the current window's
 * `draws` rows and the reference's rows are exchangeable, so given the `marked` rows of the pool
 * (e.g. the nulls of both), how many fall in the window is hypergeometric — Fisher's exact test,
 * one-sided. Sums away from the mean and stops once the terms no longer change the sum, so a pool
 * of millions of rows costs a few hundred terms.
 */
export function hypergeometricUpperTail(total: number, marked: number, draws: number, k: number): number {
  if (![total, marked, draws, k].every(Number.isInteger) || total < 0 || marked < 0 || draws < 0 || marked > total || draws > total)
    throw new RangeError(`hypergeometricUpperTail needs counts, got total=${total} marked=${marked} draws=${draws} k=${k}`);
  const lo = Math.max(0, draws - (total - marked));
  const hi = Math.min(marked, draws);
  if (k <= lo) return 1;
  if (k > hi) return 0;
  const mean = (draws * marked) / total;
  const sumFrom = (from: number, step: 1 | -1, until: number): number => {
    let sum = 0;
    for (let x = from; step > 0 ? x <= until : x >= until; x += step) {
      const term = Math.exp(logHypergeometric(total, marked, draws, x));
      sum += term;
      if (term <= sum * 1e-17 && (step > 0 ? x > mean : x < mean)) break;
    }
    return sum;
  };
  // Above the mean the upper tail is small: sum it. Below, it is 1 − the (small) lower tail.
  if (k > mean) return Math.min(1, sumFrom(k, 1, hi));
  return Math.max(0, Math.min(1, 1 - sumFrom(k - 1, -1, lo)));
}

/**
 * The chance that none of m current values is among the `others` of n reference values, with
 * nothing changed: given the pool's `others` (all in the reference), that they all fell in the
 * reference is C(n, others) / C(n + m, others) — Fisher's exact test with an empty cell. What a
 * constant window (all m values one value) or a narrower type (all integral, all true/false) has by
 * chance; with p = (n − others)/n it is close to p^m, without trusting p̂ as if it were exact.
 */
export function noneOfTail(n: number, others: number, m: number): number {
  if (![n, others, m].every(Number.isInteger) || n < 0 || others < 0 || others > n || m < 0)
    throw new RangeError(`noneOfTail needs counts, got n=${n} others=${others} m=${m}`);
  if (others === 0 || m === 0) return 1;
  return Math.exp(logChoose(n, others) - logChoose(n + m, others));
}

/**
 * Pearson's chi-square test of homogeneity on the 2 × k table of reference and current counts,
 * after pooling sparse categories: both samples are samples, so a small reference's own sampling
 * error counts (the goodness-of-fit test above takes the reference's shares as exact, and when
 * the window is about as large as the reference its statistic is about twice what chance gives:
 * a 200-row window against 200 reference rows warned several times as often as its level).
 * Categories are taken by pooled count, smallest first, into one "other" group until the group's
 * smaller expected cell (min(n_ref, n_cur) · pooled / n) reaches MIN_EXPECTED_COUNT; every
 * remaining category's cells are then ≥ 5 too. Null when fewer than two groups remain.
 */
export function pooledHomogeneityPValue(reference: ArrayLike<number>, current: ArrayLike<number>): { pValue: number | null; groups: number; pooled: number } {
  if (reference.length !== current.length) throw new RangeError(`pooledHomogeneityPValue: ${reference.length} reference and ${current.length} current counts`);
  let nRef = 0;
  let nCur = 0;
  for (let i = 0; i < reference.length; i++) {
    nRef += reference[i]!;
    nCur += current[i]!;
  }
  if (nRef === 0 || nCur === 0) return { pValue: null, groups: 0, pooled: 0 };
  const n = nRef + nCur;
  const small = Math.min(nRef, nCur);
  const total = (i: number): number => reference[i]! + current[i]!;
  const order = Array.from({ length: reference.length }, (_, i) => i)
    .filter((i) => total(i) > 0)
    .sort((a, b) => total(a) - total(b) || a - b);
  const cells: [number, number][] = [];
  let poolRef = 0;
  let poolCur = 0;
  let pooled = 0;
  let next = 0;
  while (
    next < order.length &&
    ((small * total(order[next]!)) / n < MIN_EXPECTED_COUNT || (pooled > 0 && (small * (poolRef + poolCur)) / n < MIN_EXPECTED_COUNT))
  ) {
    poolRef += reference[order[next]!]!;
    poolCur += current[order[next]!]!;
    pooled++;
    next++;
  }
  for (const i of order.slice(next)) cells.push([reference[i]!, current[i]!]);
  if (pooled > 0) cells.push([poolRef, poolCur]);
  const groups = cells.length;
  if (groups < 2 || (pooled > 0 && (small * (poolRef + poolCur)) / n < MIN_EXPECTED_COUNT)) return { pValue: null, groups, pooled };
  let stat = 0;
  for (const [r, c] of cells) {
    const er = (nRef * (r + c)) / n;
    const ec = (nCur * (r + c)) / n;
    stat += ((r - er) * (r - er)) / er + ((c - ec) * (c - ec)) / ec;
  }
  return { pValue: chi2Sf(groups - 1, stat), groups, pooled };
}
