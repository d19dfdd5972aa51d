/**
 * What the web pages show, read from the config, the store and Temporal. Every read is bounded:
 * the newest reports only, a capped audit timeline.
 */
import type { Client } from '@temporalio/client';
import type { ModelSpec, UpkeepConfig } from '../../../domain/config.js';
import type { MaintenanceLogEntry, MaintenanceStatus } from '../../../domain/maintenance.js';
import type { WatchdogFinding, WatchdogReport } from '../../../domain/watchdog.js';
import type { EvaluationReport } from '../../../activities/docs/report.js';
import { windowSeries } from '../../../activities/docs/trend.js';
import type { ModelCard } from '../../../activities/docs/card/types.js';
import { tryGetJson, type ArtifactStore } from '../../../activities/store/store.js';
import { cardKey, reportsPrefix } from '../../../activities/store/keys.js';
import { readWatchdogReport } from '../../../activities/watchdog/findings.js';
import { readChainTail } from '../../../activities/audit/chain.js';
import { createRegistry } from '../../../activities/registry/registry.js';
import { runningRequests } from '../maintenance-actions.js';
import { fleetStatus } from '../status/fleet.js';
import type { FleetStatus } from '../status/types.js';

/** Reports read for a model's chart. */
export const CHART_REPORTS = 180;
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
}

/** A damaged document is shown as absent rather than failing the page. */
const readJson = <T>(store: ArtifactStore, key: string): Promise<T | undefined> => tryGetJson<T>(store, key).catch(() => undefined);

/** The newest `n` evaluation reports of a model, oldest first. */
export async function latestReports(store: ArtifactStore, modelId: string, n: number): Promise<EvaluationReport[]> {
  const keys = (await store.list(reportsPrefix(modelId))).filter((k) => k.endsWith('.json')).sort().slice(-n);
  const out: EvaluationReport[] = [];
  for (const k of keys) {
    const r = await readJson<EvaluationReport>(store, k);
    if (r) out.push(r);
  }
  return out.sort((a, b) => a.window.end.localeCompare(b.window.end));
}

/**
 * One point per window (its days) and model version, its latest evaluation: `upkeep start` and
 * re-runs evaluate the same days again, which is not another point in time.
 */
export function trendPoints(spec: ModelSpec, reports: EvaluationReport[]): TrendPoint[] {
  const points = reports.map((r) => ({
    windowEnd: r.window.end,
    value: r.metrics[spec.thresholds.metric] ?? null,
    verdict: r.verdict.status,
    model: r.model.sha256,
    ...(r.window.firstDay && r.window.lastDay ? { firstDay: r.window.firstDay, lastDay: r.window.lastDay } : {}),
    ...(r.workflow?.startedAt ? { ranAt: r.workflow.startedAt } : {}),
  }));
  return [...new Set(points.map((p) => p.model))]
    .flatMap((model) => windowSeries(points, { model }))
    .sort((a, b) => Date.parse(a.windowEnd) - Date.parse(b.windowEnd))
    .map(({ windowEnd, value, verdict }) => ({ windowEnd, value, verdict }));
}

export const watchdogReport = (store: ArtifactStore): Promise<WatchdogReport | undefined> => readWatchdogReport(store).catch(() => undefined);

/** Every running request with an open gate, and the ids whose status could not be read. */
export async function inbox(d: WebData): Promise<{ open: { workflowId: string; status: MaintenanceStatus }[]; failed: string[] }> {
  const { found, failed } = await runningRequests(d.client, { models: new Set(d.config.models.map((m) => m.id)), taskQueue: d.taskQueue });
  return { open: found.filter((f) => f.status.gate), failed };
}

/** The fleet as `upkeep status` sees it (fleetStatus of scripts/lib/status/fleet.ts). */
export function fleet(d: WebData, now: Date): Promise<FleetStatus> {
  return fleetStatus({ config: d.config, store: d.store, client: d.client, taskQueue: d.taskQueue, now });
}

export interface ModelPage {
  spec: ModelSpec;
  latest?: EvaluationReport;
  card?: ModelCard;
  /** Newest first, at most TIMELINE_ENTRIES. */
  timeline: MaintenanceLogEntry[];
  omitted: number;
  findings: WatchdogFinding[];
}

export async function modelPage(d: WebData, spec: ModelSpec): Promise<ModelPage> {
  // The audit chain's last entries only: a model evaluated hourly has thousands.
  const [reports, card, tail, wd] = await Promise.all([latestReports(d.store, spec.id, 1), readJson<ModelCard>(d.store, cardKey(spec.id, 'json')), readChainTail(d.store, spec.id, TIMELINE_ENTRIES), watchdogReport(d.store)]);
  return {
    spec,
    ...(reports[0] ? { latest: reports[0] } : {}),
    ...(card ? { card } : {}),
    timeline: tail.entries.map((c) => c.entry).reverse(),
    omitted: tail.total - tail.entries.length,
    findings: (wd?.findings ?? []).filter((f) => f.modelId === spec.id),
  };
}

/** A change of champion, marked on the chart. */
export interface ChampionChange {
  at: string;
  change: 'promotion' | 'rollback';
  version: string;
}

export async function chartData(d: WebData, spec: ModelSpec): Promise<{ metric: string; points: TrendPoint[]; min: number | null; max: number | null; changes: ChampionChange[] }> {
  const [reports, history] = await Promise.all([latestReports(d.store, spec.id, CHART_REPORTS), createRegistry(d.store).history(spec.id).catch(() => [])]);
  const changes = history.filter((h) => h.change !== 'initial').map((h) => ({ at: h.since, change: h.change as ChampionChange['change'], version: h.version }));
  return { metric: spec.thresholds.metric, points: trendPoints(spec, reports), min: spec.thresholds.min ?? null, max: spec.thresholds.max ?? null, changes };
}
