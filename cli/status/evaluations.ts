/**
 * A model's latest evaluations from its stored reports (newest by key: the window's end), and when
 * an evaluation last looked at it, from its audit trail (newest by key: when it ran).
 */
import type { ModelSpec } from '../../domain/config.js';
import type { EvaluationReport } from '../../engine/evaluation/report.js';
import { auditEntriesPrefix, reportsPrefix } from '../../engine/store/keys.js';
import type { AuditEntry } from '../../domain/maintenance.js';
import { lookedAtChampion, type ChampionEra } from '../../domain/staleness.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import { versionSeries } from '../../engine/cards/trend.js';
import { metricTrend } from './trend.js';
import type { LastEvaluation, MetricPoint } from './types.js';

const decode = (b: Uint8Array): string => new TextDecoder().decode(b);

/** The primary metric: realized, or the estimate when the verdict was judged on it (docs/late-labels.md). */
const valueOf = (r: EvaluationReport, metric: string): number | null => {
  const v = estimated(r) ? r.evaluation?.estimated?.metrics[metric]?.value : r.metrics?.[metric];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};
const estimated = (r: EvaluationReport): boolean => r.verdict?.basis === 'estimated';

/**
 * The newest report as `last` and the primary metric of the newest `count` reports (at least 2,
 * for the trend), oldest first. A report that cannot be read or parsed is named in the error.
 */
export async function readEvaluations(store: ArtifactStore, spec: ModelSpec, count: number): Promise<{ last: LastEvaluation | null; recent: MetricPoint[] }> {
  const prefix = `${reportsPrefix(spec.id)}/`;
  const keys = (await store.list(prefix)).filter((k) => k.startsWith(prefix) && k.endsWith('.json'));
  // Three times as many as asked: re-evaluations of the same days (each `upkeep start`, a re-run) are one point.
  const wanted = keys.slice(-3 * Math.max(2, count));
  const reports: { key: string; report: EvaluationReport }[] = [];
  for (const key of wanted) {
    const bytes = await store.tryGet(key);
    if (!bytes) continue; // removed since it was listed
    let report: EvaluationReport;
    try {
      report = JSON.parse(decode(bytes)) as EvaluationReport;
    } catch (err) {
      throw new Error(`report ${key}: ${(err as Error).message}`);
    }
    reports.push({ key, report });
  }
  const metric = spec.thresholds.metric;
  // One point per window of each version (versionSeries, as the chart and the slow-decline check):
  // a re-evaluated window is its latest evaluation, and the arrow compares windows of one version.
  const points = reports.map(({ report: r }, i) => ({
    i,
    windowEnd: r.window.end,
    verdict: r.verdict.status,
    value: valueOf(r, metric),
    ...(estimated(r) ? { estimated: true as const } : {}),
    ...(r.window.firstDay && r.window.lastDay ? { firstDay: r.window.firstDay, lastDay: r.window.lastDay } : {}),
    ...(r.model?.sha256 ? { model: r.model.sha256 } : {}),
    ...(r.workflow?.startedAt ? { ranAt: r.workflow.startedAt } : {}),
  }));
  const series = versionSeries(points);
  const recent: MetricPoint[] = series
    .flatMap((s) => s.points)
    .sort((a, b) => Date.parse(a.windowEnd) - Date.parse(b.windowEnd) || a.i - b.i)
    .map((p) => ({ windowEnd: p.windowEnd, verdict: p.verdict, value: p.value, ...(p.estimated ? { estimated: true as const } : {}) }));
  const newest = reports.at(-1);
  if (!newest) return { last: null, recent };
  const r = newest.report;
  const value = valueOf(r, metric);
  // The nearest earlier window of the newest report's version that had a value.
  const own = series.find((s) => s.version === (r.model?.sha256 ?? ''))?.points ?? [];
  const mine = points.at(-1)!;
  const sameWindow = (p: (typeof points)[number]): boolean =>
    p.firstDay && mine.firstDay ? p.firstDay === mine.firstDay && p.lastDay === mine.lastDay : Date.parse(p.windowEnd) === Date.parse(mine.windowEnd);
  const previous =
    own
      .filter((p) => !sameWindow(p) && Date.parse(p.windowEnd) < Date.parse(mine.windowEnd))
      .reverse()
      .find((p) => p.value !== null)?.value ?? null;
  const last: LastEvaluation = {
    windowEnd: r.window.end,
    ...(r.workflow?.startedAt ? { ranAt: r.workflow.startedAt } : {}),
    verdict: r.verdict.status,
    ...(estimated(r) ? { basis: 'estimated' as const } : {}),
    reasons: r.verdict.reasons,
    metric,
    value,
    trend: metricTrend(metric, value, previous),
    rows: r.rows,
    version: r.model.sha256.slice(0, 12),
    reportUri: store.uriFor(newest.key),
    ...(r.workflow ? { workflowId: r.workflow.workflowId, runId: r.workflow.runId } : {}),
  };
  return { last, recent: count > 0 ? recent.slice(-count) : [] };
}

/** Audit entries read at most, back from the newest, for one that looked at the model. */
export const LOOK_BACK = 100;

/**
 * When an evaluation last looked at the model (a healthy, warning or degraded verdict; with a
 * `champion`, of that version since it took over: lookedAtChampion), read from the newest
 * evaluation entry of its log back, as the watchdog reads it; `oldest` is the oldest evaluation
 * read (of the champion's time, with one: the model has been evaluated since then at least).
 */
export async function lastLookedAt(store: ArtifactStore, modelId: string, champion?: ChampionEra): Promise<{ at?: string; oldest?: string }> {
  const prefix = `${auditEntriesPrefix(modelId, 'evaluations')}/`;
  const keys = (await store.list(prefix)).filter((k) => k.startsWith(prefix) && k.endsWith('.json')).sort();
  let oldest: string | undefined;
  for (let i = keys.length - 1; i >= 0 && keys.length - i <= LOOK_BACK; i--) {
    const bytes = await store.tryGet(keys[i]!);
    if (!bytes) continue;
    let e: AuditEntry;
    try {
      e = JSON.parse(decode(bytes)) as AuditEntry;
    } catch (err) {
      throw new Error(`audit entry ${keys[i]}: ${(err as Error).message}`);
    }
    const verdict = e.details?.verdict;
    // (an evaluation's other entries, e.g. "no retrain requested", carry no verdict)
    if (e.kind !== 'evaluation' || typeof verdict !== 'string') continue;
    // Older entries looked at an earlier champion.
    if (champion && Date.parse(e.at) < Date.parse(champion.since)) break;
    oldest = e.at;
    if (lookedAtChampion(e, champion)) return { at: e.at, oldest };
  }
  return oldest ? { oldest } : {};
}
