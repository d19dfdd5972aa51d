/**
 * What the watchdog finds about one model: stale evaluations, a schedule paused too long, approvals
 * past their deadline, failures in a row, people not in the directory. Reads the store and, when
 * there is one, the Temporal server; writes nothing.
 */
import { reviewsOf } from '../audit/reviews.js';
import { describeStanding, reviewLapsedSince } from '../../domain/review.js';
import { createHash } from 'node:crypto';
import type { ModelSpec, WatchdogSpec } from '../../domain/config.js';
import type { WatchdogFinding } from '../../domain/watchdog.js';
import { durationMs } from '../../domain/duration.js';
import { failingSince, openApprovals, overdueSince, pausedTooLongSince, staleSince, type EvaluationOutcome } from '../../domain/watchdog-rules.js';
import { championChange, lookedAtChampion, scheduleIntervalMs, type ChampionEra } from '../../domain/staleness.js';
import type { AuditEntry } from '../../domain/maintenance.js';
import type { TemporalPort } from '../ports.js';
import type { ArtifactStore } from '../store/store.js';
import { readAuditTrail } from '../audit/read.js';
import { createRegistry } from '../registry/registry.js';
import { auditEntriesPrefix } from '../store/keys.js';
import type { ClockGovernance } from '../../domain/incident-clock.js';
import { incidentReportFindings } from './incident-reports.js';

/** A finding as an inspection finds it; recording adds when it was first reported and who was told. */
export type FoundFinding = Pick<WatchdogFinding, 'modelId' | 'kind' | 'key' | 'summary' | 'since'> & {
  details?: Record<string, unknown>;
  /** Whom to tell, when not every stakeholder and the platform contacts. */
  notify?: string[];
};

export interface InspectContext {
  now: string;
  watchdog: WatchdogSpec;
  /** The current people, when a directory is configured. */
  directory?: Set<string>;
  temporal?: TemporalPort;
  /** A model's evaluation schedule id is this prefix and its id. */
  evaluateSchedulePrefix: string;
  /** The governance section: the incidents' reporting clock. */
  governance?: ClockGovernance;
  /** Findings open before this run, by `<model>/<key>`. */
  open?: ReadonlyMap<string, Pick<WatchdogFinding, 'since'>>;
}

/** A due date as a key part: 20260301. */
const compactDay = (iso: string): string => iso.slice(0, 10).replace(/-/g, '');
const short = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 12);
/** A store-safe, readable key part for a person's id. */
const personKey = (id: string): string =>
  `unknown-person-${id
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '_')
    .slice(0, 48)}-${short(id).slice(0, 8)}`;
/** A duration in the config's units: 2d, 16h, 30m, 45s. */
const span = (ms: number): string => {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
  ] as const)
    if (ms % size === 0) return `${ms / size}${unit}`;
  return `${Math.round(ms / 1000)}s`;
};

/** Evaluation entries read at most, back from the newest, for one that watched the model. */
export const WATCH_LOOK_BACK = 100;

/**
 * The newest evaluation outcomes of the log (newest last): read from the newest entry back until
 * one that watched the model and at least `n` outcomes are in hand, so a long log costs a few reads.
 * A model whose last WATCH_LOOK_BACK evaluations all failed gets `notWatchedSince`: the oldest of
 * them (nothing has looked at it since at least then), instead of a read of its whole log each day.
 * With a `champion`, only evaluations of that version since it took over watched it (lookedAtChampion,
 * the rule `upkeep status` uses).
 */
async function recentEvaluations(
  store: ArtifactStore,
  modelId: string,
  n: number,
  champion?: ChampionEra,
): Promise<{ outcomes: EvaluationOutcome[]; lastWatchedAt?: string; notWatchedSince?: string }> {
  const keys = (await store.list(auditEntriesPrefix(modelId, 'evaluations'))).sort();
  const outcomes: EvaluationOutcome[] = [];
  let lastWatchedAt: string | undefined;
  const stop = Math.max(0, keys.length - Math.max(n, WATCH_LOOK_BACK));
  for (let i = keys.length - 1; i >= stop && (outcomes.length < n || lastWatchedAt === undefined); i--) {
    const bytes = await store.tryGet(keys[i]!);
    if (!bytes) continue;
    let e: AuditEntry;
    try {
      e = JSON.parse(new TextDecoder().decode(bytes)) as AuditEntry;
    } catch {
      continue; // not an entry of ours
    }
    const verdict = e.details?.verdict;
    if (e.kind !== 'evaluation' || typeof verdict !== 'string') continue;
    outcomes.unshift({ at: e.at, failed: verdict === 'failing' });
    if (lastWatchedAt === undefined && lookedAtChampion(e, champion)) lastWatchedAt = e.at;
    // Older entries cannot have watched this champion.
    if (lastWatchedAt === undefined && champion && outcomes.length >= n && Date.parse(e.at) < Date.parse(champion.since)) break;
  }
  const cut = lastWatchedAt === undefined && stop > 0 && outcomes.length > 0;
  return { outcomes, ...(lastWatchedAt ? { lastWatchedAt } : {}), ...(cut ? { notWatchedSince: outcomes[0]!.at } : {}) };
}

function describeSchedule(s: ModelSpec['schedule']): string {
  return s.every ? `every ${s.every}` : `on cron "${s.cron}" (${s.timezone})`;
}

export async function inspectModel(deps: { store: ArtifactStore }, spec: ModelSpec, ctx: InspectContext): Promise<FoundFinding[]> {
  const id = spec.id;
  const found: FoundFinding[] = [];
  const n = ctx.watchdog.failures_in_a_row;
  const schedule = ctx.temporal ? await ctx.temporal.schedule(`${ctx.evaluateSchedulePrefix}${id}`) : undefined;
  const registry = createRegistry(deps.store);
  const pointer = (await registry.champion(id))?.pointer;
  // After a promotion or a rollback, the champion is watched only once an evaluation has looked at it.
  const era: ChampionEra | undefined = pointer ? { version: pointer.version, since: pointer.since, change: pointer.change } : undefined;
  const evaluations = await recentEvaluations(deps.store, id, n, era);

  // stale: nothing has looked at the model (its champion) for twice its interval
  const interval = scheduleIntervalMs(spec.schedule);
  const waiting = era && !evaluations.lastWatchedAt ? era : undefined;
  let bornAt = waiting?.since ?? schedule?.createdAt;
  if (!evaluations.lastWatchedAt && !evaluations.notWatchedSince && !bornAt) bornAt = (await registry.versions(id))[0]?.createdAt;
  // Failures that began before the champion took over do not make it older than it is.
  const notWatched =
    evaluations.notWatchedSince && waiting && Date.parse(evaluations.notWatchedSince) < Date.parse(waiting.since) ? undefined : evaluations.notWatchedSince;
  const watched = evaluations.lastWatchedAt ?? notWatched;
  const stale = staleSince({ lastWatchedAt: watched, bornAt, now: ctx.now, intervalMs: interval });
  if (stale) {
    const what = evaluations.lastWatchedAt
      ? `no evaluation has looked at it since ${evaluations.lastWatchedAt}`
      : waiting && !notWatched
        ? `its champion ${waiting.version} has not been evaluated since it was ${championChange(waiting.change)} at ${waiting.since}`
        : notWatched
          ? `none of its last ${WATCH_LOOK_BACK} evaluations looked at it (since ${notWatched} at least)`
          : `it has never been evaluated (known since ${bornAt})`;
    found.push({
      modelId: id,
      kind: 'stale',
      key: 'stale',
      since: stale,
      summary: `${id}: ${what}; its schedule runs ${describeSchedule(spec.schedule)}, so more than ${span(2 * interval)} without one means nobody is watching`,
      details: { lastWatchedAt: evaluations.lastWatchedAt ?? null, intervalMs: interval },
    });
  } else if (ctx.temporal && !schedule && !evaluations.lastWatchedAt && !bornAt) {
    // Declared, never evaluated, and nothing will: its schedule was never made (or was deleted).
    found.push({
      modelId: id,
      kind: 'stale',
      key: 'stale',
      since: ctx.now,
      summary: `${id}: it has never been evaluated and has no evaluation schedule on the server (upkeep schedules sync makes it)`,
      details: { lastWatchedAt: null, intervalMs: interval, schedule: null },
    });
  }

  // paused: the schedule is paused, and has been for longer than allowed
  if (schedule?.paused) {
    // The last change of a paused schedule (e.g. a sync of its spec) is the latest time it may
    // have been paused; a finding already open stays open while the schedule stays paused.
    const pausedAt = schedule.updatedAt ?? schedule.createdAt;
    const since = ctx.open?.get(`${id}/paused`)?.since ?? (pausedAt ? pausedTooLongSince(pausedAt, ctx.watchdog.paused_longer_than, ctx.now) : undefined);
    if (since)
      found.push({
        modelId: id,
        kind: 'paused',
        key: 'paused',
        since,
        summary: `${id}: its evaluation schedule has been paused since ${since}${schedule.note ? ` (${schedule.note})` : ''}, longer than ${ctx.watchdog.paused_longer_than}`,
        details: { note: schedule.note ?? null },
      });
  }

  // failing-in-a-row: failing verdicts in the log and evaluation workflows that failed or timed out
  const outcomes = [...evaluations.outcomes];
  if (ctx.temporal) {
    const runs = await ctx.temporal.listWorkflows(`WorkflowType = 'evaluateModel' AND UpkeepModelId = '${id}' AND ExecutionStatus != 'Running'`, n);
    for (const r of runs) if (r.status === 'FAILED' || r.status === 'TIMED_OUT') outcomes.push({ at: r.closeTime ?? r.startTime, failed: true });
  }
  const failing = failingSince(outcomes, n);
  if (failing)
    found.push({
      modelId: id,
      kind: 'failing-in-a-row',
      key: 'failing-in-a-row',
      since: failing,
      summary: `${id}: the last ${n} evaluations failed (since ${failing})`,
      details: { failures: n },
    });

  // overdue-approval: a request waiting past its escalate_after, in a run still going
  const trail = await readAuditTrail(deps.store, id);
  for (const a of openApprovals(trail)) {
    // A periodic review lapses by its own clock (review-lapsed, below).
    if (a.gate === 'review') continue;
    const since = overdueSince(a, spec.approval.escalate_after, ctx.now);
    if (!since) continue;
    if (ctx.temporal) {
      // A run that ended without a decision (terminated, say) waits for nobody; an unknown one (past
      // the server's retention, or never listed) may, and is reported.
      const [run] = await ctx.temporal.listWorkflows(`WorkflowId = '${a.workflowId.replace(/'/g, '')}' AND RunId = '${a.runId.replace(/'/g, '')}'`, 1);
      if (run && run.status !== 'RUNNING') continue;
    }
    const waited = Date.parse(ctx.now) - Date.parse(a.requestedAt);
    found.push({
      modelId: id,
      kind: 'overdue-approval',
      key: `approval-${a.gate}-${short(`${a.workflowId}/${a.runId}`)}`,
      since,
      summary: `${id}: the ${a.gate} approval asked for at ${a.requestedAt} is still undecided, past its deadline (escalate_after ${spec.approval.escalate_after})`,
      details: {
        gate: a.gate,
        workflowId: a.workflowId,
        runId: a.runId,
        requestedAt: a.requestedAt,
        waitedMs: waited,
        deadlineMs: durationMs(spec.approval.escalate_after),
      },
    });
  }

  // overdue-incident-report: a report an incident owes under the reporting clock, past due
  found.push(...(await incidentReportFindings(deps.store, spec, { now: ctx.now, governance: ctx.governance, platform: ctx.watchdog.platform })));
  // review-lapsed: the periodic review is overdue past its escalate_after (unreviewed since `since`)
  const reviews = reviewsOf(spec, trail, 0, ctx.now);
  const lapsed = reviews && reviewLapsedSince(reviews.standing, reviews.policy.escalate_after, ctx.now);
  if (reviews && lapsed)
    found.push({
      modelId: id,
      kind: 'review-lapsed',
      key: `review-${compactDay(reviews.standing.dueAt)}`,
      since: lapsed,
      summary: `${id}: ${describeStanding(reviews.standing)}, past its escalation (review.escalate_after ${reviews.policy.escalate_after})`,
      details: { dueAt: reviews.standing.dueAt, lastReviewAt: reviews.standing.lastReviewAt ?? null, unreviewedDays: reviews.standing.unreviewedDays },
    });

  // unknown-person: the owner or an approver is not in the directory
  if (ctx.directory) {
    const roles = new Map<string, string[]>();
    for (const [person, role] of [[spec.owner, 'owner'] as const, ...spec.approvers.map((a) => [a, 'approver'] as const)])
      roles.set(person, [...(roles.get(person) ?? []), role]);
    for (const [person, role] of roles) {
      if (ctx.directory.has(person)) continue;
      found.push({
        modelId: id,
        kind: 'unknown-person',
        key: personKey(person),
        since: ctx.now,
        summary: `${id}: ${role.join(' and ')} ${person} is not in the directory of current people`,
        details: { person, roles: role },
      });
    }
  }
  return found;
}
