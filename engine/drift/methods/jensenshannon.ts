/**
 * Evidently's 'jensenshannon' test: scipy.spatial.distance.jensenshannon of the binned percents,
 * natural log. Drift when the value ≥ threshold.
 */
import { checkAligned, type AlignedCounts } from '../aligned.js';
import type { DriftTest } from './descriptor.js';

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

export const jensenshannonTest = {
  name: 'jensenshannon',
  statistic: 'jensenshannon',
  reports: ['jensenshannon'],
  defaultThreshold: 0.1,
  kinds: ['numeric', 'categorical'],
  decision: 'value >= threshold',
  reportedFor: () => true,
  compute(ctx, out) {
    const bins = ctx.bins();
    out.statistics.jensenshannon = jensenShannonDistance(bins.reference, bins.current);
  },
} as const satisfies DriftTest<'jensenshannon', 'jensenshannon'>;
