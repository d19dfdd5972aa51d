/**
 * Evidently's 'chisquare' test: scipy.stats.chisquare of the current counts against the
 * reference's scaled to the current total, per distinct value. Drift when p < threshold.
 */
import { chi2Sf } from '../../math/special/gamma.js';
import { checkAligned, type AlignedCounts } from '../aligned.js';
import type { DriftTest } from './descriptor.js';

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

export const chisquareTest = {
  name: 'chisquare',
  statistic: 'chi2_p_value',
  reports: ['chi2_p_value'],
  defaultThreshold: 0.05,
  kinds: ['numeric', 'categorical'],
  decision: 'p < threshold',
  // Every categorical column; a numeric one when Evidently's default could pick a discrete test.
  reportedFor: (kind, uniques) => kind === 'categorical' || uniques <= 5,
  compute(ctx, out) {
    const counts = ctx.valueCounts();
    const p = chiSquarePValue(counts.reference, counts.current);
    out.statistics.chi2_p_value = p;
    if (p === null) out.reasons.chi2_p_value = 'only one distinct value in reference and current: chi-square has 0 degrees of freedom';
  },
} as const satisfies DriftTest<'chisquare', 'chi2_p_value'>;
