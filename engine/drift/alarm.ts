/**
 * Whether drift deserves a warning: the family of per-column tests (feature columns, label and
 * prediction) corrected for multiple comparisons. Each column's own Evidently result is left as it
 * is; a column raises the alarm only when its test says drifted AND its p-value survives
 * Benjamini–Hochberg over the family. Rationale and false-alarm rate: docs/statistics/drift.md,
 * "Alarms".
 */
import type { DriftAlarm, DriftColumnReport } from '../../domain/reports.js';
import type { ColumnSketch } from './sketch.js';
import { benjaminiHochberg, pooledHomogeneityPValue } from './chance.js';
import type { DriftOverride } from './methods/index.js';

/** The family's level when no p-value test is configured as the default (Evidently's p-value threshold). */
export const DEFAULT_ALARM_LEVEL = 0.05;
/** A numeric column with at most this many distinct values is compared as categories (Evidently's binning bound). */
const FEW_VALUES = 20;

const P_VALUE_TESTS = new Set(['ks', 'chisquare', 'z']);

/** The level q: the default override's threshold when it is a p-value test, else 0.05. */
export function alarmLevel(defaults: DriftOverride | undefined): number {
  const t = defaults?.threshold;
  return defaults?.test !== undefined && P_VALUE_TESTS.has(defaults.test) && t !== undefined && t > 0 && t < 1 ? t : DEFAULT_ALARM_LEVEL;
}

function runs(sorted: Float64Array): Map<string, number> | null {
  const counts = new Map<string, number>();
  for (let i = 0; i < sorted.length;) {
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    counts.set(String(sorted[i]), j - i);
    if (counts.size > FEW_VALUES) return null;
    i = j;
  }
  return counts;
}

function pooled(ref: Map<string, number>, cur: Map<string, number>): number | null {
  const keys = [...new Set([...ref.keys(), ...cur.keys()])];
  return pooledHomogeneityPValue(
    keys.map((k) => ref.get(k) ?? 0),
    keys.map((k) => cur.get(k) ?? 0),
  ).pValue;
}

/**
 * The p-value a column enters the family with: a chi-square test of homogeneity (reference and
 * window both samples) with sparse categories pooled (categorical columns and numeric columns
 * with ≤ 20 distinct values in reference ∪ current),
 * otherwise the KS p-value the column already reports. Null when no valid test exists.
 */
export function alarmPValue(reference: ColumnSketch, current: ColumnSketch, report: DriftColumnReport): number | null {
  if (report.drifted === null) return null;
  if (reference.kind === 'categorical' && current.kind === 'categorical') {
    const counts = (s: typeof reference) => new Map(s.categories.map((c, i) => [c, s.counts[i]!]));
    return pooled(counts(reference), counts(current));
  }
  if (reference.kind === 'numeric' && current.kind === 'numeric') {
    const ref = runs(reference.sorted);
    const cur = ref === null ? null : runs(current.sorted);
    if (ref !== null && cur !== null && new Set([...ref.keys(), ...cur.keys()]).size <= FEW_VALUES) return pooled(ref, cur);
    return report.ks_p_value ?? null;
  }
  return null;
}

export interface AlarmMember {
  name: string;
  report: DriftColumnReport;
  pValue: number | null;
}

/** Benjamini–Hochberg at level q over the members; label and prediction are members named as such. */
export function driftAlarm(members: AlarmMember[], q: number, extra: { label?: AlarmMember; prediction?: AlarmMember }): DriftAlarm {
  const all = [...members, ...(extra.label ? [extra.label] : []), ...(extra.prediction ? [extra.prediction] : [])];
  const rejected = benjaminiHochberg(
    all.map((m) => m.pValue),
    q,
  );
  const confirmed = (m: AlarmMember, i: number): boolean => m.report.drifted === true && rejected.has(i);
  const columns = members.filter(confirmed).map((m) => m.name);
  const label = extra.label !== undefined && confirmed(extra.label, members.length);
  const prediction = extra.prediction !== undefined && confirmed(extra.prediction, all.length - 1);
  return {
    method: 'benjamini-hochberg',
    level: q,
    tested: all.filter((m) => m.pValue !== null).length,
    p_values: Object.fromEntries(all.map((m) => [m.name, m.pValue])),
    columns,
    label,
    prediction,
    raised: columns.length > 0 || label || prediction,
  };
}
