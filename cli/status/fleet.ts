/**
 * fleetStatus(): every model's health in one record, for `upkeep status` and the web pages. The
 * store gives the champion, the evaluations and the watchdog's findings; the server (when a
 * client is given and answers) the schedules and the requests waiting for a decision. Without a
 * server the answer comes from the store alone and says which fields are unknown.
 */
import { readAuditTrail } from '../../engine/audit/read.js';
import { reviewsOf } from '../../engine/audit/reviews.js';
import { describeStanding } from '../../domain/review.js';
import type { Client } from '@temporalio/client';
import type { ModelSpec, UpkeepConfig } from '../../domain/config.js';
import { durationMs } from '../../domain/duration.js';
import { scheduleIntervalMs, staleness } from '../../domain/staleness.js';
import type { WatchdogReport } from '../../domain/watchdog.js';
import type { ChampionPointer } from '../../engine/registry/types.js';
import { championKey, watchdogReportKey } from '../../engine/store/keys.js';
import { tryGetJson, type ArtifactStore } from '../../engine/store/store.js';
import { UpkeepError } from '../../engine/errors.js';
import { describeSchedule } from '../../workers/schedules.js';
import { mapLimit } from '../../engine/util.js';
import { lastLookedAt, readEvaluations } from './evaluations.js';
import { currentOwner } from '../../engine/audit/handover.js';
import { configOwnerLag } from '../../engine/audit/owners.js';
import { serverState, type ServerState } from './server.js';
import type { FleetStatus, ModelStatus } from './types.js';

/** Store reads (per model) in flight at once. */
export const STATUS_CONCURRENCY = 16;

export interface FleetStatusOptions {
  config: UpkeepConfig;
  store: ArtifactStore;
  /** The Temporal client; without one (or when the server does not answer) the store alone answers. */
  client?: Client;
  /** The workers' task queue: only its maintenance requests are listed. */
  taskQueue: string;
  now: Date;
  /** Only these models (ids from the config); an unknown id is an error. */
  models?: string[];
  /** Evaluations per model in `recent` (default 10; the trend needs 2). */
  history?: number;
  /** The config's file name, for error messages. */
  configName?: string;
}

/** The models asked for, in the config's order; an id the config does not declare is refused. */
export function selectModels(config: UpkeepConfig, ids: string[] | undefined, configName = 'the config'): ModelSpec[] {
  if (!ids || ids.length === 0) return config.models;
  const known = new Set(config.models.map((m) => m.id));
  const missing = ids.filter((id) => !known.has(id));
  if (missing.length > 0) {
    throw new UpkeepError('UnknownModel', `no model ${missing.join(', ')} in ${configName} (models: ${config.models.map((m) => m.id).join(', ') || 'none'})`);
  }
  const wanted = new Set(ids);
  return config.models.filter((m) => wanted.has(m.id));
}

async function modelStatus(spec: ModelSpec, o: FleetStatusOptions, server: ServerState, watchdog: WatchdogReport | undefined): Promise<ModelStatus> {
  const problems: string[] = [];
  const now = o.now.getTime();
  const pointer = await tryGetJson<ChampionPointer>(o.store, championKey(spec.id)).catch((err: unknown) => {
    problems.push(`champion pointer unreadable: ${(err as Error).message}`);
    return undefined;
  });
  const { last, recent } = await readEvaluations(o.store, spec, o.history ?? 10).catch((err: unknown) => {
    problems.push(`reports unreadable: ${(err as Error).message}`);
    return { last: null, recent: [] };
  });
  const champion: ModelStatus['champion'] = pointer
    ? { version: pointer.version, source: 'registry', since: pointer.since, change: pointer.change, generation: pointer.generation }
    : // Nothing promoted: the config's artifact runs, as its latest evaluation identified it.
      last
      ? { version: last.version, source: 'config' }
      : null;
  // After a promotion or a rollback, only evaluations of the champion since then count.
  const era = pointer ? { version: pointer.version, since: pointer.since, change: pointer.change } : undefined;
  const looked = await lastLookedAt(o.store, spec.id, era).catch((err: unknown) => {
    problems.push(`audit trail unreadable: ${(err as Error).message}`);
    return {} as { at?: string; oldest?: string };
  });
  const intervalMs = scheduleIntervalMs(spec.schedule);
  // Measured from the last evaluation that looked at the model; a champion not yet looked at, from
  // when it took over; otherwise never looked at, from the oldest evaluation read (stale once that
  // is older than twice the interval, as the watchdog judges).
  const waiting = era && !looked.at ? era : undefined;
  const from = looked.at ?? waiting?.since ?? looked.oldest;
  const ageMs = from ? Math.max(0, now - Date.parse(from)) : null;
  const state = staleness(ageMs ?? undefined, intervalMs, durationMs(spec.schedule.jitter));
  // Without a server, or where it could not say, the server's fields are unknown (null).
  const perModel = server.models.get(spec.id);
  const scheduleState = perModel?.schedule ?? null;
  const requestsKnown = perModel?.approvals !== undefined && !perModel.failed?.length;
  problems.push(...(perModel?.failed ?? []));
  const unknown: string[] = [
    ...(scheduleState ? [] : ['scheduleState']),
    ...(requestsKnown ? [] : ['pendingApprovals', 'maintenance']),
    ...(champion ? [] : ['champion']),
  ];
  const findings = watchdog?.findings.filter((f) => f.modelId === spec.id) ?? [];
  // The owner the trail names after an accepted handover (docs/governance.md#handover).
  const owned = await currentOwner(o.store, spec.id, new Date(now), { maintenanceOnly: true }).catch((err: unknown) => {
    problems.push(`owner not read from the audit trail: ${(err as Error).message}`);
    return undefined;
  });
  const lag = owned ? configOwnerLag(owned, spec.owner) : undefined;
  const review = await reviewStatus(o.store, spec, o.now).catch((err: unknown) => {
    problems.push(`reviews unreadable: ${(err as Error).message}`);
    return undefined;
  });
  return {
    id: spec.id,
    owner: lag?.stale && owned?.owner ? owned.owner : spec.owner,
    ...(lag ? { ownerNote: lag.text } : {}),
    ...(owned?.pending ? { handoverPending: { to: owned.pending.to, since: owned.pending.since } } : {}),
    approvers: [...spec.approvers],
    task: spec.task,
    schedule: { declared: describeSchedule(spec), intervalMs },
    champion,
    lastEvaluation: last,
    recent,
    staleness: {
      state: looked.at || state === 'stale' ? state : 'never',
      ageMs,
      intervalMs,
      lastLookedAt: looked.at ?? null,
      ...(waiting ? { notYetEvaluated: waiting } : {}),
    },
    scheduleState,
    pendingApprovals: requestsKnown ? perModel.approvals! : null,
    maintenance: requestsKnown ? (perModel.maintenance ?? []) : null,
    findings,
    ...(review ? { review } : {}),
    unknown,
    problems,
  };
}

/** Where the model stands on its periodic reviews (from the trail's maintenance entries). */
async function reviewStatus(store: FleetStatusOptions['store'], spec: ModelSpec, now: Date): Promise<ModelStatus['review']> {
  if (!spec.review) return undefined;
  const r = reviewsOf(spec, await readAuditTrail(store, spec.id), 0, now.toISOString());
  if (!r) return undefined;
  const s = r.standing;
  return { standing: describeStanding(s), overdue: s.overdue, dueAt: s.dueAt, lastReviewAt: s.lastReviewAt ?? null, unreviewedDays: s.unreviewedDays };
}

function totals(models: ModelStatus[]): FleetStatus['totals'] {
  const byVerdict: FleetStatus['totals']['byVerdict'] = {};
  const byStaleness: FleetStatus['totals']['byStaleness'] = {};
  for (const m of models) {
    const v = m.lastEvaluation?.verdict ?? 'never';
    byVerdict[v] = (byVerdict[v] ?? 0) + 1;
    byStaleness[m.staleness.state] = (byStaleness[m.staleness.state] ?? 0) + 1;
  }
  return {
    models: models.length,
    byVerdict,
    byStaleness,
    // Unknown for one model is unknown for the fleet: 0 would say that nothing waits.
    pendingApprovals: models.some((m) => m.pendingApprovals === null) ? null : models.reduce((n, m) => n + m.pendingApprovals!.length, 0),
    findings: models.reduce((n, m) => n + m.findings.length, 0),
  };
}

/** The status of the configured models (or of `models`), in the config's order. */
export async function fleetStatus(o: FleetStatusOptions): Promise<FleetStatus> {
  const specs = selectModels(o.config, o.models, o.configName);
  const [server, watchdog] = await Promise.all([
    serverState(o.client, { taskQueue: o.taskQueue, now: o.now, models: specs.map((s) => s.id) }),
    tryGetJson<WatchdogReport>(o.store, watchdogReportKey).catch(() => undefined),
  ]);
  const models = await mapLimit(specs, STATUS_CONCURRENCY, (spec) => modelStatus(spec, o, server, watchdog));
  return {
    at: o.now.toISOString(),
    server: server.info,
    watchdog: watchdog ? { at: watchdog.at, workflowId: watchdog.workflowId, findings: watchdog.findings.length } : null,
    models,
    totals: totals(models),
  };
}
