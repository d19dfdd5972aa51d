/**
 * The gates models[].fairness.gates sets, as the verdict's gated values (domain/gates.ts): one per
 * gated gap of each sensitive column and intersection, named `<gap>[<column>]`.
 */
import { FAIRNESS_GAPS, type FairnessSpec } from '../../../domain/fairness-config.js';
import { gapLowerIsBetter, gapName, type FairnessReport } from '../../../domain/fairness.js';
import type { GatedValue } from '../../../domain/gates.js';

export function fairnessGated(report: FairnessReport, spec: FairnessSpec): GatedValue[] {
  const out: GatedValue[] = [];
  for (const family of report.families) {
    for (const gap of FAIRNESS_GAPS) {
      const gate = spec.gates[gap];
      if (!gate) continue;
      const v = family.gaps[gap];
      const judgedGroups = family.groups.filter((g) => !g.small).length;
      const value = v?.value ?? null;
      const small = judgedGroups < 2;
      out.push({
        name: gapName(gap, family.name),
        kind: 'fairness',
        value,
        ...(value === null ? { why: v?.why ?? `${gap} is not defined for this model` } : {}),
        lowerIsBetter: gapLowerIsBetter(gap),
        gate: { ...gate },
        ...(v && v.value !== null && typeof v.low === 'number' && typeof v.high === 'number'
          ? { interval: { low: v.low, high: v.high, level: report.confidence, method: 'bootstrap' } }
          : {}),
        ...(small ? { small: true, why: v?.why ?? `fewer than two groups have at least ${report.min_group_rows} rows` } : {}),
      });
    }
  }
  return out;
}
