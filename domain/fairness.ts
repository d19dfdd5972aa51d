/**
 * What an evaluation reports about fairness across groups (models[].fairness): per group of each
 * sensitive column (and intersection) its rows, primary metric, selection rate and error rates;
 * between groups the gaps, each with its bootstrap interval. Definitions follow fairlearn's
 * (docs/statistics/fairness.md). Small: it travels in the evaluation summary through workflow history.
 */
import type { FairnessGap } from './fairness-config.js';

export type { FairnessGap } from './fairness-config.js';

export interface FairnessGroup {
  /** The group's value; an intersection's values joined by " & ". */
  value: string;
  rows: number;
  /** Fewer rows than min_group_rows: reported, left out of the gaps. */
  small: boolean;
  /** The primary metric on the group's rows (null: undefined there), with its percentile interval. */
  metric: number | null;
  metricLow?: number | null;
  metricHigh?: number | null;
  /** How this group entered the intervals: its rows resampled (`bootstrap`), or, when large, its figures drawn from their closed-form standard errors. */
  interval?: string;
  /** Binary models: share predicted positive, P(ŷ=+ | y=+), P(ŷ=+ | y=−); null where undefined (no positives, no negatives). */
  selectionRate?: number | null;
  truePositiveRate?: number | null;
  falsePositiveRate?: number | null;
  /**
   * The declared business metrics (models[].metrics) on the group's rows, in the order of the
   * report's `declared`; absent for a small group. A metric the group cannot give is null with `why`.
   */
  declared?: FairnessDeclaredValue[];
}

/** One declared metric on one group's rows: the value and its interval, as the whole window's. */
export interface FairnessDeclaredValue {
  value: number | null;
  low?: number;
  high?: number;
  /** How the interval was made: `bootstrap`, or a closed form (`wilson`, `clt`, `delta`). */
  method?: string;
  why?: string;
}

/** A declared metric compared across groups. */
export interface FairnessDeclaredName {
  name: string;
  /** A matrix metric the config totals over the window (per: window): per group it is the average per row, comparable across groups of any size. */
  perRow?: boolean;
}

/** One gap between groups: max − min over the judged groups (ratio: min / max). */
export interface FairnessGapValue {
  value: number | null;
  /** Percentile bootstrap interval (rows resampled within each group). */
  low?: number | null;
  high?: number | null;
  /** Why the value is null. */
  why?: string;
  /** The groups at the two ends (highest, lowest). */
  between?: [string, string];
}

/** One sensitive column, or one intersection of columns. */
export interface FairnessFamily {
  /** The column, or the intersection's columns joined by ",": the name gates use (`metric_gap[sex,age]`). */
  name: string;
  columns: string[];
  /** Largest first; at most MAX_FAIRNESS_GROUPS. */
  groups: FairnessGroup[];
  /** Groups beyond the cap, not evaluated (their rows count in no gap). */
  omittedGroups: number;
  gaps: Partial<Record<FairnessGap, FairnessGapValue>>;
  /** Each declared metric's best group minus its worst (max − min over the judged groups), in the order of the report's `declared`; reported, not gated. */
  declaredGaps?: FairnessGapValue[];
}

export interface FairnessReport {
  /** The primary metric compared across groups. */
  metric: string;
  min_group_rows: number;
  confidence: number;
  /** 0: no intervals. */
  resamples: number;
  seed: number;
  /** What this task leaves undefined (e.g. selection rate for a regression model). */
  notDefined?: string;
  /** The declared metrics reported per group (the first of models[].metrics: groupDeclaredCount). */
  declared?: FairnessDeclaredName[];
  /** Declared metrics beyond those, not reported per group. */
  omittedDeclared?: number;
  families: FairnessFamily[];
}

/** Most groups evaluated per column or intersection (the largest). */
export const MAX_FAIRNESS_GROUPS = 30;

/** Most declared metrics reported per group: the report travels in workflow history, and groups × families × metrics grows fast. */
export const MAX_GROUP_DECLARED = 10;

/** Most declared values a report may hold (about 100 bytes each), whatever the columns: fewer metrics per group when there are many columns. */
export const MAX_DECLARED_VALUES = 1000;

/** How many declared metrics each group reports, given the columns and intersections: every group of every one could be reported. */
export function groupDeclaredCount(declared: number, families: number): number {
  const room = Math.floor(MAX_DECLARED_VALUES / Math.max(1, families * MAX_FAIRNESS_GROUPS));
  return Math.min(declared, MAX_GROUP_DECLARED, Math.max(1, room));
}

/** The report name of a declared metric's gap of one family, e.g. `cost:gap[sex]` (":" is in no metric's name, so it never meets a gate's). */
export function declaredGapName(metric: string, family: string): string {
  return `${metric}:gap[${family}]`;
}

/** The gate and report name of one gap of one family, e.g. `demographic_parity_difference[sex]`. */
export function gapName(gap: FairnessGap, family: string): string {
  return `${gap}[${family}]`;
}

/** Gaps where a larger value is worse (all but the ratio). */
export function gapLowerIsBetter(gap: FairnessGap): boolean {
  return gap !== 'demographic_parity_ratio';
}

/** Every gap value of a report by gate name, for trends across windows. */
export function gapValues(report: FairnessReport | undefined): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const f of report?.families ?? []) {
    for (const [gap, v] of Object.entries(f.gaps)) out[gapName(gap as FairnessGap, f.name)] = v?.value ?? null;
    report!.declared?.forEach((d, i) => {
      const v = f.declaredGaps?.[i];
      if (v) out[declaredGapName(d.name, f.name)] = v.value;
    });
  }
  return out;
}

/** One gap on the retraining holdout, champion beside challenger (the inbox's promotion request shows them). */
export interface FairnessGapChange {
  name: string;
  champion: number | null;
  challenger: number | null;
  /** The challenger's gap is wider (the parity ratio: lower) than the champion's; null when either is undefined. */
  worse: boolean | null;
}

/** Every gap both reports have, in the challenger's order. Pure: runs in workflow code. */
export function compareGaps(champion: FairnessReport | undefined, challenger: FairnessReport | undefined): FairnessGapChange[] {
  if (!champion || !challenger) return [];
  const a = gapValues(champion);
  const out: FairnessGapChange[] = [];
  for (const [name, b] of Object.entries(gapValues(challenger))) {
    if (!(name in a)) continue;
    const c = a[name] ?? null;
    const gap = name.slice(0, name.indexOf('[')) as FairnessGap;
    const worse = c === null || b === null ? null : gapLowerIsBetter(gap) ? b > c : b < c;
    out.push({ name, champion: c, challenger: b, worse });
  }
  return out;
}
