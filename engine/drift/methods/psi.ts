/**
 * Evidently's 'psi' test: the Population Stability Index of the binned percents after Evidently's
 * zero filling, natural log. Drift when the value ≥ threshold.
 */
import { checkAligned, type AlignedCounts } from '../aligned.js';
import type { DriftTest } from './descriptor.js';

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

export const psiTest = {
  name: 'psi',
  statistic: 'psi',
  reports: ['psi'],
  defaultThreshold: 0.1,
  kinds: ['numeric', 'categorical'],
  decision: 'value >= threshold',
  reportedFor: () => true,
  compute(ctx, out) {
    const bins = ctx.bins();
    out.statistics.psi = psi(bins.reference, bins.current);
  },
} as const satisfies DriftTest<'psi', 'psi'>;
