/**
 * Evidently's 'wasserstein' test: the first Wasserstein distance (scipy.stats.wasserstein_distance)
 * divided by max(std(reference, ddof = 0), 0.001). Drift when the value ≥ threshold.
 */
import { mergeSummary } from '../merge.js';
import { requireNonEmpty, summaryOf, toSorted, type NumericInput } from '../sample.js';
import type { DriftTest } from './descriptor.js';

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

export const wassersteinTest = {
  name: 'wasserstein',
  statistic: 'wasserstein_normed',
  reports: ['wasserstein_normed'],
  defaultThreshold: 0.1,
  kinds: ['numeric'],
  decision: 'value >= threshold',
  reportedFor: (kind) => kind === 'numeric',
  compute(ctx, out) {
    if (ctx.kind !== 'numeric') throw new RangeError('the Wasserstein test needs a numeric column');
    out.statistics.wasserstein_normed = ctx.merged.wasserstein / Math.max(summaryOf(ctx.reference).std, 0.001);
  },
} as const satisfies DriftTest<'wasserstein', 'wasserstein_normed'>;
