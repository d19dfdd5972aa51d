/**
 * Which columns the segment search reads and how each is coded per row: a category (or a numeric
 * column of few values) by its value, any other numeric column by its quantile bin. Bins are the
 * reference profile's quantiles (every shard of a window then bins alike, before any row is seen);
 * without a reference, numeric columns are left out and the report says so.
 */
import type { ModelSpec } from '../../../domain/config.js';
import { groupColumns } from '../../../domain/fairness-config.js';
import type { ReferenceProfile } from '../../drift/profile.js';
import { LOW_CARDINALITY } from '../../drift/profile-schema.js';

export interface SegmentPlan {
  /** Columns searched, in order. */
  columns: string[];
  /** Numeric columns coded by bin: the inner edges, ascending (bin j is [edges[j−1], edges[j])). */
  bins: Record<string, number[]>;
  skipped: { column: string; reason: string }[];
}

/** Distinct inner edges of `bins` quantile bins of an ascending sample (the lower empirical quantiles). */
export function quantileEdges(sorted: readonly number[], bins: number): number[] {
  const n = sorted.length;
  const edges: number[] = [];
  if (n === 0) return edges;
  for (let j = 1; j < bins; j++) {
    const v = sorted[Math.min(n - 1, Math.floor((j * n) / bins))]!;
    if (v > sorted[0]! && (edges.length === 0 || v > edges[edges.length - 1]!)) edges.push(v);
  }
  return edges;
}

/** The search's plan for `spec`, given the window's reference profile when there is one. */
export function segmentPlan(spec: ModelSpec, profile?: ReferenceProfile): SegmentPlan {
  const plan: SegmentPlan = { columns: [], bins: {}, skipped: [] };
  if (!spec.segments.search) return plan;
  const stringInputs = new Set(spec.inputs.filter((i) => i.type === 'string').flatMap((i) => i.columns));
  const leaveOut = new Set([spec.label.column, ...(spec.data.key ? [spec.data.key] : [])]);
  const names = spec.segments.columns ?? [...new Set(spec.inputs.flatMap((i) => i.columns))].filter((c) => !leaveOut.has(c));
  for (const name of names) {
    const col = profile?.columns[name];
    if (col?.kind === 'categorical' || (!col && stringInputs.has(name))) {
      plan.columns.push(name);
    } else if (col?.kind === 'numeric') {
      plan.columns.push(name);
      // A numeric column of few values is searched by value, as a category.
      if (col.uniques > LOW_CARDINALITY) plan.bins[name] = quantileEdges(col.sample.values, spec.segments.bins);
    } else {
      plan.skipped.push({
        column: name,
        reason: profile ? 'not in the reference profile' : 'numeric: its bins come from the reference profile, and there is none',
      });
    }
  }
  return plan;
}

/** Every column whose value the evaluation keeps for every row: the declared slices' and fairness's (the search keeps its own rows', segments/sample.ts). */
export function capturedColumns(spec: ModelSpec): string[] {
  return groupColumns(spec);
}
