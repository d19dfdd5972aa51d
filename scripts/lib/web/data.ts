/**
 * What the web pages show, read from the config, the store and Temporal. Every read is bounded:
 * the newest reports only, a capped audit timeline.
 */
import type { Client } from '@temporalio/client';
import type { ModelSpec, UpkeepConfig } from '../../../domain/config.js';
import type { MaintenanceLogEntry, MaintenanceStatus } from '../../../domain/maintenance.js';
import type { WatchdogFinding, WatchdogReport } from '../../../domain/watchdog.js';
import type { EvaluationReport } from '../../../activities/docs/report.js';
import type { ModelCard } from '../../../activities/docs/card/types.js';
import type { ArtifactStore } from '../../../activities/store/store.js';
import { cardKey, reportsPrefix, watchdogReportKey } from '../../../activities/store/keys.js';
import { readMaintenanceLog } from '../../../activities/docs/maintenance.js';
import { createRegistry } from '../../../activities/registry/registry.js';
import { evaluateScheduleId } from '../../../workflows/definitions.js';
import { pendingRequests } from '../maintenance-actions.js';

/** Reports read for the fleet's trend arrow and for a model's chart. */
export const FLEET_TREND_REPORTS = 8;
export const CHART_REPORTS = 180;
/** Audit entries shown on a model's page. */
export const TIMELINE_ENTRIES = 200;

export interface WebData {
  config: UpkeepConfig;
  store: ArtifactStore;
  client: Client;
}

export interface TrendPoint {
  windowEnd: string;
  value: number | null;
  verdict: string;
}

export interface FleetRow {
  spec: ModelSpec;
  champion: string;
  last?: { windowEnd: string; verdict: string; value: number | null };
  /** Direction of the primary metric over the last reports. */
  trend: 'up' | 'down' | 'flat' | 'none';
  nextRun?: string;
  schedulePaused?: boolean;
  pending: MaintenanceStatus[];
  findings: WatchdogFinding[];
}

const decoder = new TextDecoder();

async function readJson<T>(store: ArtifactStore, key: string): Promise<T | undefined> {
  const bytes = await store.tryGet(key);
  if (!bytes) return undefined;
  try {
    return JSON.parse(decoder.decode(bytes)) as T;
  } catch {
    return undefined; // a damaged file is shown as absent rather than failing the page
  }
}

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

export const trendPoints = (spec: ModelSpec, reports: EvaluationReport[]): TrendPoint[] =>
  reports.map((r) => ({ windowEnd: r.window.end, value: r.metrics[spec.thresholds.metric] ?? null, verdict: r.verdict.status }));

function direction(points: TrendPoint[]): FleetRow['trend'] {
  const values = points.map((p) => p.value).filter((v): v is number => typeof v === 'number');
  if (values.length < 2) return 'none';
  const delta = values.at(-1)! - values[0]!;
  if (Math.abs(delta) < 1e-3) return 'flat';
  return delta > 0 ? 'up' : 'down';
}

export async function watchdogReport(store: ArtifactStore): Promise<WatchdogReport | undefined> {
  return readJson<WatchdogReport>(store, watchdogReportKey);
}

/** Every running request with an open gate, and the ids whose status could not be read. */
export async function inbox(d: WebData): Promise<{ open: { workflowId: string; status: MaintenanceStatus }[]; failed: string[] }> {
  const known = new Set(d.config.models.map((m) => m.id));
  const { found, failed } = await pendingRequests(d.client, (id) => known.has(id));
  return { open: found.filter((f) => f.status.gate), failed };
}

async function schedule(client: Client, modelId: string): Promise<{ nextRun?: string; paused?: boolean }> {
  try {
    const s = await client.schedule.getHandle(evaluateScheduleId(modelId)).describe();
    const next = s.info.nextActionTimes[0];
    return { ...(next ? { nextRun: next.toISOString() } : {}), paused: s.state.paused };
  } catch {
    return {}; // no schedule (not synced): shown as unknown
  }
}

export async function fleet(d: WebData): Promise<{ rows: FleetRow[]; failed: string[]; watchdogAt?: string }> {
  const registry = createRegistry(d.store);
  const [{ open, failed }, wd] = await Promise.all([inbox(d), watchdogReport(d.store)]);
  const rows: FleetRow[] = [];
  for (const spec of d.config.models) {
    const [reports, champion, sched] = await Promise.all([latestReports(d.store, spec.id, FLEET_TREND_REPORTS), registry.champion(spec.id), schedule(d.client, spec.id)]);
    const points = trendPoints(spec, reports);
    const last = points.at(-1);
    rows.push({
      spec,
      champion: champion?.pointer.version ?? 'config artifact',
      ...(last ? { last } : {}),
      trend: direction(points),
      ...(sched.nextRun ? { nextRun: sched.nextRun } : {}),
      ...(sched.paused !== undefined ? { schedulePaused: sched.paused } : {}),
      pending: open.filter((o) => o.status.modelId === spec.id).map((o) => o.status),
      findings: (wd?.findings ?? []).filter((f) => f.modelId === spec.id),
    });
  }
  return { rows, failed, ...(wd ? { watchdogAt: wd.at } : {}) };
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
  const [reports, card, log, wd] = await Promise.all([latestReports(d.store, spec.id, 1), readJson<ModelCard>(d.store, cardKey(spec.id, 'json')), readMaintenanceLog(d.store, spec.id, { evaluations: true }), watchdogReport(d.store)]);
  const newestFirst = [...log].reverse();
  return {
    spec,
    ...(reports[0] ? { latest: reports[0] } : {}),
    ...(card ? { card } : {}),
    timeline: newestFirst.slice(0, TIMELINE_ENTRIES),
    omitted: Math.max(0, newestFirst.length - TIMELINE_ENTRIES),
    findings: (wd?.findings ?? []).filter((f) => f.modelId === spec.id),
  };
}

export async function chartData(d: WebData, spec: ModelSpec): Promise<{ metric: string; points: TrendPoint[]; min: number | null; max: number | null }> {
  const points = trendPoints(spec, await latestReports(d.store, spec.id, CHART_REPORTS));
  return { metric: spec.thresholds.metric, points, min: spec.thresholds.min ?? null, max: spec.thresholds.max ?? null };
}
