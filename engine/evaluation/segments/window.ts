/**
 * The segment search on a window's labelled rows (called when the evaluation finishes): the loss
 * per row, the captured columns coded, the search, then the primary metric on each reported segment.
 */
import type { ModelSpec } from '../../../domain/config.js';
import type { SegmentSearchReport } from '../../../domain/segments.js';
import type { Collected } from '../evaluator.js';
import { metricsOf } from '../collected-metrics.js';
import { subset } from '../slices.js';
import { codeColumn, segmentLabel } from './columns.js';
import { lossKind, rowLoss } from './loss.js';
import { segmentPlan, type SegmentPlan } from './plan.js';
import type { PreparedModel } from '../model.js';
import type { ReferenceProfile } from '../../drift/profile.js';
import { members, searchSegments, type CodedColumn } from './search.js';

export interface WindowSearchOptions {
  spec: ModelSpec;
  plan: SegmentPlan;
  nClasses: number;
  positiveIndex?: number;
  /** The primary metric on the whole labelled window. */
  overall: number | null;
  /** The report's confidence for the difference's interval. */
  confidence: number;
}

/** The coded search columns of `c` (those the plan names and the rows carry). */
export function codedColumns(c: Collected, plan: SegmentPlan, minRows: number): CodedColumn[] {
  return plan.columns.filter((name) => c.segments?.[name]).map((name) => codeColumn(name, c.segments![name]!, minRows, plan.bins[name]));
}

export function searchWindow(c: Collected, o: WindowSearchOptions): SegmentSearchReport | undefined {
  const s = o.spec.segments;
  if (!s.search || c.rows < 2 * s.min_rows) return undefined;
  const metric = o.spec.thresholds.metric;
  const loss = lossKind(c.task, metric);
  const columns = codedColumns(c, o.plan, s.min_rows);
  const found = searchSegments(rowLoss(c, loss), columns, {
    minRows: s.min_rows,
    maxSegments: s.max_segments,
    pairs: s.pairs,
    alpha: s.alpha,
    confidence: o.confidence,
    report: s.report,
  });
  return {
    loss,
    metric,
    overall: o.overall,
    overallLoss: found.overall.mean,
    rows: c.rows,
    columns: columns.map((col) => col.name),
    ...(o.plan.skipped.length > 0 ? { skipped: o.plan.skipped } : {}),
    tested: found.tested,
    correction: 'holm',
    alpha: s.alpha,
    confidence: o.confidence,
    significant: found.significant,
    worst: found.worst.map((f) => {
      const idx = members(columns, f.key);
      const score = metricsOf(subset(c, idx, o.nClasses), o.nClasses, o.positiveIndex).metrics[metric] ?? null;
      return {
        where: f.where,
        label: segmentLabel(f.where),
        rows: f.rows,
        metric: score,
        loss: f.mean,
        restLoss: f.restMean,
        diff: { value: f.diff, low: f.low, high: f.high },
        z: Number.isFinite(f.z) ? f.z : null,
        p: f.p,
        pAdjusted: f.pAdjusted,
      };
    }),
  };
}

/** The search on an evaluated window's labelled rows, with the plan the rows were kept by (finishEvaluation). */
export function searchEvaluated(
  spec: ModelSpec,
  prepared: PreparedModel,
  c: Collected,
  metrics: Record<string, number | null>,
  profile?: ReferenceProfile,
): SegmentSearchReport | undefined {
  return searchWindow(c, {
    spec,
    plan: segmentPlan(spec, profile),
    nClasses: prepared.classes?.length ?? 0,
    ...(prepared.positiveIndex !== undefined ? { positiveIndex: prepared.positiveIndex } : {}),
    overall: metrics[spec.thresholds.metric] ?? null,
    confidence: spec.monitor.significance.confidence,
  });
}
