/**
 * What only the server knows about the fleet: each model's schedule (state, note, next run) and
 * its running maintenance requests with the gate they wait at. A server that does not answer
 * makes all of it unknown, never an error.
 */
import { ScheduleNotFoundError, type Client, type Connection, type ScheduleSummary } from '@temporalio/client';
import { evaluateScheduleId } from '../../workflows/definitions.js';
import { SCHEDULE_PREFIX } from '../../workers/schedules.js';
import { mapLimit } from '../../engine/util.js';
import { runningRequests } from '../client/requests.js';
import type { FleetStatus, MaintenanceActivity, PendingApproval, ScheduleStatus } from './types.js';

/** How long the server may take to answer the first call before the store alone answers. */
export const PROBE_TIMEOUT_MS = 5_000;
const CONCURRENCY = 16;

/** A model as the server sees it; an absent field could not be read. */
export interface ServerModelState {
  schedule?: ScheduleStatus;
  approvals?: PendingApproval[];
  maintenance?: MaintenanceActivity[];
  /** Requests whose status query failed (one line each). */
  failed?: string[];
}

export interface ServerState {
  reachable: boolean;
  info: FleetStatus['server'];
  models: Map<string, ServerModelState>;
}

const firstLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

function scheduleStatus(scheduleId: string, s: Pick<ScheduleSummary, 'state' | 'info'> | undefined): ScheduleStatus {
  if (!s) return { scheduleId, state: 'missing' };
  const next = s.info.nextActionTimes[0];
  const last = s.info.recentActions.at(-1);
  return {
    scheduleId,
    state: s.state.paused ? 'paused' : 'active',
    ...(s.state.note ? { note: s.state.note } : {}),
    ...(next && !s.state.paused ? { nextRun: next.toISOString() } : {}),
    ...(last ? { lastRun: last.scheduledAt.toISOString() } : {}),
  };
}

/** The schedules of `models`: one listing, then a describe for each one not listed yet (listing lags). */
async function schedules(client: Client, models: string[]): Promise<Map<string, ScheduleStatus>> {
  const listed = new Map<string, ScheduleSummary>();
  for await (const s of client.schedule.list()) if (s.scheduleId.startsWith(SCHEDULE_PREFIX)) listed.set(s.scheduleId, s);
  const out = new Map<string, ScheduleStatus>();
  await mapLimit(models, CONCURRENCY, async (id) => {
    const scheduleId = evaluateScheduleId(id);
    let s: Pick<ScheduleSummary, 'state' | 'info'> | undefined = listed.get(scheduleId);
    s ??= await client.schedule
      .getHandle(scheduleId)
      .describe()
      .catch((err: unknown) => {
        if (err instanceof ScheduleNotFoundError) return undefined;
        throw err;
      });
    out.set(id, scheduleStatus(scheduleId, s));
  });
  return out;
}

export async function serverState(client: Client | undefined, o: { taskQueue: string; now: Date; models: string[] }): Promise<ServerState> {
  const models = new Map<string, ServerModelState>();
  if (!client)
    return { reachable: false, info: { reachable: false, note: 'no Temporal server: schedules, next runs and pending approvals are unknown' }, models };
  const address = 'options' in client.connection ? (client.connection as Connection).options.address : undefined;
  const namespace = client.options.namespace;
  try {
    await client.withDeadline(Date.now() + PROBE_TIMEOUT_MS, () => client.connection.workflowService.getSystemInfo({}));
  } catch (err) {
    return {
      reachable: false,
      info: {
        reachable: false,
        ...(address ? { address } : {}),
        namespace,
        note: `Temporal at ${address ?? 'its address'} did not answer (${firstLine(err)}): schedules, next runs and pending approvals are unknown`,
      },
      models,
    };
  }
  // A listing the server refuses (permissions, a namespace set up by hand) leaves its fields unknown.
  const notes: string[] = [];
  const [scheduleOf, requests] = await Promise.all([
    schedules(client, o.models).catch((err: unknown) => {
      notes.push(`schedules unavailable: ${firstLine(err)}`);
      return undefined;
    }),
    runningRequests(client, { models: new Set(o.models), taskQueue: o.taskQueue, concurrency: CONCURRENCY }).catch((err: unknown) => {
      notes.push(`maintenance requests unavailable: ${firstLine(err)}`);
      return undefined;
    }),
  ]);
  for (const id of o.models) {
    const schedule = scheduleOf?.get(id);
    models.set(id, { ...(schedule ? { schedule } : {}), ...(requests ? { approvals: [], maintenance: [] } : {}) });
  }
  const now = o.now.getTime();
  for (const { workflowId, runId, status } of requests?.found ?? []) {
    const m = models.get(status.modelId);
    if (!m) continue;
    m.maintenance?.push({ kind: status.kind, stage: status.stage, since: status.since, workflowId });
    const g = status.gate;
    if (g?.state !== 'waiting') continue;
    m.approvals?.push({
      kind: status.kind,
      gate: g.gate,
      workflowId,
      runId,
      since: g.openedAt,
      waitingMs: Math.max(0, now - Date.parse(g.openedAt)),
      expiresAt: g.expiresAt,
      overdue: Date.parse(g.expiresAt) < now,
      approvers: g.approvers,
      reminders: g.reminders,
      escalated: g.escalated,
    });
  }
  for (const f of requests?.unanswered ?? []) {
    const m = models.get(f.modelId);
    if (m) (m.failed ??= []).push(`${f.workflowId}: status unavailable: ${f.message}`);
  }
  return {
    reachable: true,
    info: { reachable: true, ...(address ? { address } : {}), namespace, ...(notes.length ? { note: notes.join('; ') } : {}) },
    models,
  };
}
