/**
 * Slow decline of a model's primary metric: its stored reports plus the current window, tested
 * with Theil–Sen and Mann–Kendall (trend.ts).
 */
import type { MonitorSpec } from '../../domain/config.js';
import type { TrendSummary } from '../../domain/evaluation.js';
import type { EvaluationReport } from '../evaluation/report.js';
import { reportsPrefix } from '../store/keys.js';
import type { ArtifactStore } from '../store/store.js';
import { detectDecline, windowSeries, type EvaluationPoint } from './trend.js';

export interface TrendQuery {
  modelId: string;
  metric: string;
  higherIsBetter: boolean;
  current: EvaluationPoint;
  settings: MonitorSpec['trend'];
}

/**
 * A stored report's point: the realized value, or the estimate when the verdict was judged on it
 * (too few labels) or no realized value exists (docs/late-labels.md). A window evaluated again once
 * its labels matured is a later report of the same days: its realized value replaces the estimate.
 */
function storedPoint(report: Partial<EvaluationReport>, metric: string): { value: number; estimated: boolean } | undefined {
  const realized = report.metrics?.[metric];
  const estimate = report.evaluation?.estimated?.metrics[metric]?.value;
  if (typeof estimate === 'number' && Number.isFinite(estimate) && (report.verdict?.basis === 'estimated' || typeof realized !== 'number')) {
    return { value: estimate, estimated: true };
  }
  return typeof realized === 'number' ? { value: realized, estimated: false } : undefined;
}

const withEstimates = (message: string, n: number | undefined): string =>
  n ? `${message} (${n} of the points estimated: their labels were not known yet)` : message;

/** How many of the points the test looked at (the last `window` windows with a value) are estimates. */
function estimatedCount(series: EvaluationPoint[], window: number): { estimatedPoints?: number } {
  const n = series.slice(-window).filter((p) => p.estimated && typeof p.value === 'number').length;
  return n ? { estimatedPoints: n } : {};
}

/**
 * One point per window (the days it covered; its latest evaluation wins, the current one above
 * all), and only evaluations of the version evaluated now (`current.model`, when given: executions
 * older than this field judged every version).
 */
export async function assessTrend(store: Pick<ArtifactStore, 'list' | 'tryGet'>, input: TrendQuery): Promise<TrendSummary> {
  const keys = (await store.list(reportsPrefix(input.modelId))).filter((k) => k.endsWith('.json'));
  const iso = (t: string): string => new Date(t).toISOString();
  const currentEnd = iso(input.current.windowEnd);
  const evaluations: EvaluationPoint[] = [];
  // Keys sort by window end; read only as many recent ones as the test can use (with slack for reruns).
  for (const key of keys.slice(-input.settings.window * 3)) {
    const bytes = await store.tryGet(key);
    if (!bytes) continue;
    let report: Partial<EvaluationReport>;
    try {
      report = JSON.parse(new TextDecoder().decode(bytes)) as Partial<EvaluationReport>;
    } catch {
      continue; // not a report of ours
    }
    if (!report.window?.end || Number.isNaN(Date.parse(report.window.end))) continue;
    const end = iso(report.window.end);
    // Only windows up to this one: a backfilled window is judged on the history it had.
    if (end > currentEnd || report.verdict?.status === 'failing' || report.verdict?.status === 'insufficient-data') continue;
    const v = storedPoint(report, input.metric);
    evaluations.push({
      windowEnd: end,
      value: v?.value ?? null,
      ...(v?.estimated ? { estimated: true } : {}),
      ...(report.window.firstDay && report.window.lastDay ? { firstDay: report.window.firstDay, lastDay: report.window.lastDay } : {}),
      ...(report.model?.sha256 ? { model: report.model.sha256 } : {}),
      ...(report.workflow?.startedAt ? { ranAt: report.workflow.startedAt } : {}),
    });
  }
  // The current evaluation last (it has no run time): it replaces any earlier one of its window.
  evaluations.push({ ...input.current, windowEnd: currentEnd });
  const series = windowSeries(evaluations, input.current.model ? { model: input.current.model } : {});
  const points = series.map(({ windowEnd, value }) => ({ windowEnd, value }));
  const r = detectDecline(points, {
    metric: input.metric,
    higherIsBetter: input.higherIsBetter,
    minPoints: input.settings.min_points,
    window: input.settings.window,
    alpha: input.settings.alpha,
  });
  return {
    metric: input.metric,
    declining: r.declining,
    slopePerWeek: r.points >= 2 ? r.slopePerWeek : null,
    since: r.since || null,
    pValue: r.points >= 2 ? r.pValue : null,
    points: r.points,
    ...estimatedCount(series, input.settings.window),
    ...(r.message ? { message: withEstimates(r.message, estimatedCount(series, input.settings.window).estimatedPoints) } : {}),
  };
}
