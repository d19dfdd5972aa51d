/**
 * What the web pages show, read from the config, the store and Temporal. Every read is bounded:
 * the newest reports only, a capped audit timeline.
 */
import type { Client } from '@temporalio/client';
import type { ModelSpec, UpkeepConfig } from '../../domain/config.js';
import type { AuditEntry, MaintenanceStatus } from '../../domain/maintenance.js';
import type { WatchdogFinding, WatchdogReport } from '../../domain/watchdog.js';
import type { EvaluationReport } from '../../engine/evaluation/report.js';
import type { ModelCard } from '../../engine/cards/types.js';
import { tryGetJson, type ArtifactStore } from '../../engine/store/store.js';
import { cardKey, reportsPrefix } from '../../engine/store/keys.js';
import { readWatchdogReport } from '../../engine/watchdog/findings.js';
import { verifyChain } from '../../engine/audit/chain.js';
import { versionSeries } from '../../engine/cards/trend.js';
import { windowEvaluation } from '../../engine/cards/late-labels.js';
import { estimatedVsRealized, type EstimatedVsRealized } from '../../domain/late-labels.js';
import { createRegistry } from '../../engine/registry/registry.js';
import { runningRequests } from '../client/requests.js';
import { driftStrip, type DriftStrip } from './pictures/drift-strip.js';
import { fleetStatus } from '../status/fleet.js';
import type { FleetStatus } from '../status/types.js';

/** Reports read for a model's chart. */
export const CHART_REPORTS = 180;
/** Reports read for a model's page: the latest, and the windows of the estimated-vs-realized table. */
export const PAGE_REPORTS = 60;
/** Windows in that table at most (newest first). */
export const LATE_LABEL_WINDOWS = 30;
/** Audit entries shown on a model's page. */
export const TIMELINE_ENTRIES = 200;

export interface WebData {
  config: UpkeepConfig;
  store: ArtifactStore;
  client: Client;
  /** The workers' task queue: only its maintenance requests are listed. */
  taskQueue: string;
}

export interface TrendPoint {
  windowEnd: string;
  value: number | null;
  verdict: string;
  /** The model version evaluated (its short id, the first 12 hex digits of its sha256); '' when the report does not say. */
  version: string;
  /** The value is an estimate: the window's labels were not known yet (absent: realized). */
  estimated?: true;
  /**
   * The value's interval, when the report has one: the confidence interval of a realized value
   * (the report's `confidence`, when it is the primary metric's), the band of an estimate.
   */
  low?: number;
  high?: number;
}

/** A damaged document is shown as absent rather than failing the page. */
const readJson = <T>(store: ArtifactStore, key: string): Promise<T | undefined> => tryGetJson<T>(store, key).catch(() => undefined);

/** The newest `n` evaluation reports of a model, oldest first. */
export async function latestReports(store: ArtifactStore, modelId: string, n: number): Promise<EvaluationReport[]> {
  const keys = (await store.list(reportsPrefix(modelId)))
    .filter((k) => k.endsWith('.json'))
    .sort()
    .slice(-n);
  const out: EvaluationReport[] = [];
  for (const k of keys) {
    const r = await readJson<EvaluationReport>(store, k);
    if (r) out.push(r);
  }
  return out.sort((a, b) => a.window.end.localeCompare(b.window.end));
}

/**
 * One point per window of each model version (versionSeries: the rule the slow-decline check
 * uses), in window order: a re-evaluated window (every `upkeep start` re-evaluates the latest)
 * is its latest evaluation, and a window evaluated by two versions is a point of each.
 */
export function trendPoints(spec: ModelSpec, reports: EvaluationReport[]): TrendPoint[] {
  const evaluations = reports.map((r) => {
    // The realized value where the labels give one, the estimate otherwise (the trend's rule).
    const w = windowEvaluation(r, spec.thresholds.metric);
    const estimated = w.estimate !== undefined && (w.basis === 'estimated' || w.realized === null);
    const c = r.confidence?.metric === spec.thresholds.metric ? r.confidence : undefined;
    const [low, high] = estimated ? [w.estimate!.lower, w.estimate!.upper] : [c?.low, c?.high];
    return {
      windowEnd: r.window.end,
      value: estimated ? w.estimate!.value : (r.metrics?.[spec.thresholds.metric] ?? null),
      ...(estimated ? { estimated: true as const } : {}),
      ...(typeof low === 'number' && typeof high === 'number' ? { low, high } : {}),
      verdict: r.verdict.status,
      ...(r.window.firstDay && r.window.lastDay ? { firstDay: r.window.firstDay, lastDay: r.window.lastDay } : {}),
      ...(r.model?.sha256 ? { model: r.model.sha256 } : {}),
      ...(r.workflow?.startedAt ? { ranAt: r.workflow.startedAt } : {}),
    };
  });
  const points = versionSeries(evaluations).flatMap((s) =>
    s.points.map((p) => ({
      windowEnd: p.windowEnd,
      value: p.value,
      verdict: p.verdict,
      version: s.version.slice(0, 12),
      ...(p.estimated ? { estimated: true as const } : {}),
      ...(p.low !== undefined && p.high !== undefined ? { low: p.low, high: p.high } : {}),
    })),
  );
  return points.sort((a, b) => Date.parse(a.windowEnd) - Date.parse(b.windowEnd));
}

export const watchdogReport = (store: ArtifactStore): Promise<WatchdogReport | undefined> => readWatchdogReport(store).catch(() => undefined);

/** Every running request with an open gate, and the ids whose status could not be read. */
export async function inbox(d: WebData): Promise<{ open: { workflowId: string; status: MaintenanceStatus }[]; failed: string[] }> {
  const { found, failed } = await runningRequests(d.client, { models: new Set(d.config.models.map((m) => m.id)), taskQueue: d.taskQueue });
  return { open: found.filter((f) => f.status.gate), failed };
}

/** The fleet as `upkeep status` sees it (fleetStatus of cli/status/fleet.ts). */
export function fleet(d: WebData, now: Date): Promise<FleetStatus> {
  return fleetStatus({ config: d.config, store: d.store, client: d.client, taskQueue: d.taskQueue, now });
}

/** Problems named on a page at most; the rest are counted (`upkeep audit verify` lists them all). */
export const TRAIL_PROBLEMS_SHOWN = 5;

/** What the page checked of the model's chain before showing it (verifyChain with rehashLast). */
export interface TrailCheck {
  ok: boolean;
  links: number;
  /** Entries read and re-hashed against their links: the ones shown. */
  rehashed: number;
  /** The first TRAIL_PROBLEMS_SHOWN problems, and how many there are in all. */
  problems: string[];
  problemCount: number;
}

export interface ModelPage {
  spec: ModelSpec;
  trail: TrailCheck;
  latest?: EvaluationReport;
  card?: ModelCard;
  /** Newest first, at most TIMELINE_ENTRIES. */
  timeline: AuditEntry[];
  omitted: number;
  findings: WatchdogFinding[];
  /** Windows with an estimate, newest first: the first estimate beside the realized value once known (empty: no window had one). */
  windows: EstimatedVsRealized[];
  /** What the chart draws (trend.json), for the numbers under it. */
  chart: ChartData;
  /** Drift per column over the last windows. */
  strip: DriftStrip;
}

/**
 * The model's chain verified before it is shown, in proportion to a page: every link and the head
 * (nothing removed, reordered, inserted or rewritten), every entry present and linked once, and the
 * entries shown (the last TIMELINE_ENTRIES) re-hashed against their links. Not here: older
 * entries' bytes, the objects entries cite, decision signatures (`upkeep audit verify`).
 */
export async function checkTrail(store: ArtifactStore, modelId: string): Promise<{ check: TrailCheck; entries: AuditEntry[] }> {
  try {
    const v = await verifyChain(store, modelId, { rehashLast: TIMELINE_ENTRIES });
    const shown = v.entries.slice(-TIMELINE_ENTRIES);
    return {
      check: { ok: v.ok, links: v.links, rehashed: shown.length, problems: v.problems.slice(0, TRAIL_PROBLEMS_SHOWN), problemCount: v.problems.length },
      entries: shown.map((c) => c.entry),
    };
  } catch (err) {
    // A link or the store unreadable: nothing of the chain is shown as fact.
    return { check: { ok: false, links: 0, rehashed: 0, problems: [`the chain could not be read: ${(err as Error).message}`], problemCount: 1 }, entries: [] };
  }
}

export async function modelPage(d: WebData, spec: ModelSpec): Promise<ModelPage> {
  // The audit chain verified, its last entries shown: a model evaluated hourly has thousands.
  const [chartReports, changes, card, trail, wd] = await Promise.all([
    latestReports(d.store, spec.id, CHART_REPORTS),
    championChanges(d.store, spec.id),
    readJson<ModelCard>(d.store, cardKey(spec.id, 'json')),
    checkTrail(d.store, spec.id),
    watchdogReport(d.store),
  ]);
  const reports = chartReports.slice(-PAGE_REPORTS);
  return {
    spec,
    trail: trail.check,
    ...(reports.length ? { latest: reports.at(-1)! } : {}),
    ...(card ? { card } : {}),
    timeline: [...trail.entries].reverse(),
    omitted: Math.max(0, trail.check.links - trail.entries.length),
    findings: (wd?.findings ?? []).filter((f) => f.modelId === spec.id),
    windows: lateLabelWindows(spec, reports),
    chart: chartOf(spec, chartReports, changes),
    strip: driftStrip(reports),
  };
}

/** The windows that had an estimate, newest first, at most LATE_LABEL_WINDOWS (none when no window had one). */
export function lateLabelWindows(spec: ModelSpec, reports: EvaluationReport[]): EstimatedVsRealized[] {
  const windows = estimatedVsRealized(reports.map((r) => windowEvaluation(r, spec.thresholds.metric))).filter((w) => w.estimate !== null);
  return windows.reverse().slice(0, LATE_LABEL_WINDOWS);
}

/** A change of champion, marked on the chart. */
export interface ChampionChange {
  at: string;
  change: 'promotion' | 'rollback';
  version: string;
}

/** What the chart draws: the points (with their intervals), the model's limits and the champion changes. */
export interface ChartData {
  metric: string;
  points: TrendPoint[];
  min: number | null;
  max: number | null;
  changes: ChampionChange[];
  /** Set when more reports are stored than the chart reads: it draws the newest CHART_REPORTS. */
  capped?: true;
}

/** Promotions and rollbacks of the champion, oldest first (none when the registry cannot be read). */
async function championChanges(store: ArtifactStore, modelId: string): Promise<ChampionChange[]> {
  const history = await createRegistry(store)
    .history(modelId)
    .catch(() => []);
  return history.filter((h) => h.change !== 'initial').map((h) => ({ at: h.since, change: h.change as ChampionChange['change'], version: h.version }));
}

const chartOf = (spec: ModelSpec, reports: EvaluationReport[], changes: ChampionChange[]): ChartData => ({
  metric: spec.thresholds.metric,
  points: trendPoints(spec, reports),
  min: spec.thresholds.min ?? null,
  max: spec.thresholds.max ?? null,
  changes,
  ...(reports.length >= CHART_REPORTS ? { capped: true as const } : {}),
});

export async function chartData(d: WebData, spec: ModelSpec): Promise<ChartData> {
  const [reports, changes] = await Promise.all([latestReports(d.store, spec.id, CHART_REPORTS), championChanges(d.store, spec.id)]);
  return chartOf(spec, reports, changes);
}
