/**
 * Evidently's 'z' test: a two-proportion z-test of the first value (in sorted order) against all
 * others. Drift when p < threshold.
 */
import { ndtr } from '../../math/special/normal.js';
import { checkAligned, type AlignedCounts } from '../aligned.js';
import type { DriftTest } from './descriptor.js';

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

export const zTest = {
  name: 'z',
  statistic: 'z_test_p_value',
  reports: ['z_test_p_value'],
  defaultThreshold: 0.05,
  kinds: ['numeric', 'categorical'],
  decision: 'p < threshold',
  // Where Evidently's default could pick it: at most two distinct values.
  reportedFor: (_kind, uniques) => uniques <= 2,
  compute(ctx, out) {
    const counts = ctx.valueCounts();
    out.statistics.z_test_p_value = zTestPValue(counts.reference, counts.current);
  },
} as const satisfies DriftTest<'z', 'z_test_p_value'>;
