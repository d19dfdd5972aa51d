/**
 * The declared business metrics (models[].metrics) per fairness group: each group's rows go through
 * the very function that computes them on the whole window (declared-metrics.ts declaredGated), so
 * the values, the closed forms, the bootstrap and its seed are the window's, applied to the group.
 * A matrix metric totalled over the window (per: window) is averaged per row in a group, so that
 * groups of different sizes compare. Gates stay on the whole window's values: a group's are reported.
 * In an evaluation (`defer`), a large group's resamples are left pending like the window's, for the
 * engine to spread over its threads (pending-bootstraps.ts).
 */
import { isMatrixMetric } from '../../../domain/business-config.js';
import type { ModelSpec } from '../../../domain/config.js';
import { groupDeclaredCount, type FairnessDeclaredName, type FairnessDeclaredValue, type FairnessGapValue } from '../../../domain/fairness.js';
import type { PendingDeclared } from '../declared-bootstrap.js';
import { declaredGatedOrPending, type DeclaredRows } from '../declared-metrics.js';
import { subset } from '../subset.js';

export interface GroupDeclared {
  names: FairnessDeclaredName[];
  omitted: number;
  /** Every reported declared metric on the rows `idx` of the window (the report's group `at`). */
  of: (idx: Int32Array, at: { family: number; group: number }) => FairnessDeclaredValue[];
  /** With `defer`: the large groups' bootstraps, left for the engine to spread over its threads. */
  pending: PendingDeclared[];
}

/** What the fairness assessment needs to add the declared metrics to each group; undefined when none is declared. */
export function groupDeclared(
  spec: ModelSpec,
  classes: readonly string[] | undefined,
  positive: number | undefined,
  c: DeclaredRows,
  nClasses: number,
  defer = false,
): GroupDeclared | undefined {
  const all = spec.metrics ?? [];
  if (all.length === 0) return undefined;
  const f = spec.fairness;
  const shown = all.slice(0, groupDeclaredCount(all.length, f ? f.columns.length + f.intersections.length : 1));
  // Gates and baselines are the window's: a group's value is not judged.
  const metrics = shown.map((d) => {
    const { gate: _gate, baseline: _baseline, ...rest } = d;
    return isMatrixMetric(d) ? { ...rest, per: 'row' as const } : rest;
  }) as NonNullable<ModelSpec['metrics']>;
  const groupSpec: ModelSpec = { ...spec, metrics };
  const names = shown.map((d) => ({ name: d.name, ...(isMatrixMetric(d) && d.per === 'window' ? { perRow: true } : {}) }));
  const pending: PendingDeclared[] = [];
  const of = (idx: Int32Array, at: { family: number; group: number }): FairnessDeclaredValue[] => {
    const r = declaredGatedOrPending(groupSpec, classes, positive, subset(c, idx, nClasses), defer);
    if (r.pending) pending.push({ ...r.pending, at });
    return r.gated.map((g) => ({
      value: g.value !== null && Number.isFinite(g.value) ? g.value : null,
      ...(g.value !== null && !Number.isFinite(g.value) ? { why: 'not a finite number on this group' } : {}),
      ...(g.why !== undefined ? { why: g.why } : {}),
      ...(g.interval ? { low: g.interval.low, high: g.interval.high, method: g.interval.method } : {}),
    }));
  };
  return { names, omitted: all.length - shown.length, of, pending };
}

/**
 * Each declared metric's gap over the judged groups: max − min, between the highest and the
 * lowest group; null (with why) when fewer than two groups are judged or a judged group has no value.
 */
export function declaredGaps(
  names: readonly FairnessDeclaredName[],
  groups: readonly { value: string; declared?: FairnessDeclaredValue[] }[],
  judged: readonly number[],
  tooFew: string,
): FairnessGapValue[] {
  return names.map((d, i) => {
    if (judged.length < 2) return { value: null, why: tooFew };
    const missing = judged.filter((g) => (groups[g]!.declared?.[i]?.value ?? null) === null).map((g) => groups[g]!.value);
    if (missing.length > 0) return { value: null, why: `${d.name} is undefined in a group (${missing.slice(0, 5).join(', ')})` };
    let hi = judged[0]!;
    let lo = judged[0]!;
    const v = (g: number): number => groups[g]!.declared![i]!.value!;
    for (const g of judged) {
      if (v(g) > v(hi)) hi = g;
      if (v(g) < v(lo)) lo = g;
    }
    return { value: v(hi) - v(lo), between: [groups[hi]!.value, groups[lo]!.value] };
  });
}
