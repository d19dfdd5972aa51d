/**
 * Incidents (docs/incidents.md): a model's degradations as records with a start, an end and a
 * clock, derived purely from its audit trail. An incident is opened by the first degraded or
 * failing window and closed by the first healthy window after it (a warning or insufficient data
 * neither opens nor closes one); one is open at a time. Windows are taken in data order (their
 * end), the latest run of a window standing for it, as "who was watching?" counts bad verdicts.
 * The same trail always gives the same incidents.
 */
import type { AuditEntry } from '../../domain/maintenance.js';
import { reportLine, reportsDue, type FiledReport, type ReportClock, type ReportDue } from '../../domain/incident-clock.js';

export type IncidentEventKind =
  | 'bad-window'
  | 'notified'
  | 'approval-requested'
  | 'reminder'
  | 'escalation'
  | 'decision'
  | 'expired'
  | 'retrain-requested'
  | 'rollback-requested'
  | 'trained'
  | 'compared'
  | 'not-recommended'
  | 'promoted'
  | 'rolled-back'
  | 'healthy-window'
  | 'note'
  | 'report';

export interface IncidentEvent {
  at: string;
  kind: IncidentEventKind;
  summary: string;
  actor?: string;
  /** The audit entry it comes from. */
  entry: string;
}

export interface IncidentWindow {
  windowEnd: string;
  verdict: string;
  /** When the evaluation was recorded. */
  at: string;
  entry: string;
  runId?: string;
  workflowId?: string;
  /** The evaluation entry's history event (the workflow task that decided it). */
  event?: number;
  summary: string;
}

export interface Incident {
  /** `inc-<first bad window's end, compact>`: the same window gives the same id. */
  id: string;
  modelId: string;
  state: 'open' | 'closed';
  /** The worst verdict seen while open: failing outranks degraded. */
  severity: 'degraded' | 'failing';
  firstBad: IncidentWindow;
  /** Bad windows while open (the first included). */
  badWindows: number;
  /** The first bad window's evaluation entry time: when upkeep knew. */
  detectedAt: string;
  /** Notifications of the first bad window, by channel (webhook, log, or a named channel). */
  told: { at: string; channel: string; to: string[]; outcome?: string; entry: string }[];
  firstHealthy?: IncidentWindow;
  closedAt?: string;
  /**
   * Milliseconds. detect: first bad window's data end → its first notification; decide: detected →
   * first decision; recover: detected → closed. Absent while it has not happened.
   */
  times: { detectMs?: number; decideMs?: number; recoverMs?: number };
  /** Everything the trail holds about it, oldest first. */
  timeline: IncidentEvent[];
  /** Owners' post-incident notes. */
  notes: { at: string; actor: string; text: string; signed: boolean; signer?: string; entry: string }[];
  /** Reports filed on it (`upkeep incidents report`), oldest first. */
  reports: FiledReport[];
  /** With a reporting clock: the reports it owes, their due dates and which filed report met each. */
  due?: ReportDue[];
}

const BAD = new Set(['degraded', 'failing']);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** The incident id of the window that opened it. */
export const incidentId = (windowEnd: string): string => `inc-${windowEnd.replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '')}`;
/** The ids of the entries that record an incident opening and closing: one per incident, whichever run records it. */
export const incidentOpenedId = (id: string): string => `incident-opened-${id}`;
export const incidentClosedId = (id: string): string => `incident-closed-${id}`;

/** Maintenance entries that become an open incident's timeline. */
const FOLLOWED: ReadonlySet<string> = new Set([
  'approval-requested',
  'reminder',
  'escalation',
  'decision',
  'expired',
  'retrain-requested',
  'rollback-requested',
  'trained',
  'compared',
  'not-recommended',
  'promoted',
  'rolled-back',
]);

/** The channel a notified entry went through, as "who was watching?" names it. */
function channelOf(e: AuditEntry): string {
  const d = (e.details?.delivery ?? {}) as Record<string, unknown>;
  if (typeof e.details?.channel === 'string') return e.details.channel;
  if (typeof d.channel === 'string') return d.channel;
  return e.details?.webhook === 'sent' || e.details?.webhook === 'refused' ? 'webhook' : 'log';
}

const windowOf = (e: AuditEntry, windowEnd: string, verdict: string): IncidentWindow => ({
  windowEnd,
  verdict,
  at: e.at,
  entry: e.id,
  summary: e.summary,
  ...(e.runId ? { runId: e.runId } : {}),
  ...(e.workflowId ? { workflowId: e.workflowId } : {}),
  ...(e.event !== undefined ? { event: e.event } : {}),
});

/**
 * The model's incidents, oldest first. `entries` is its trail in any order (sorted here by time,
 * then id); every time is between two recorded instants, so no clock is read.
 */
export function deriveIncidents(modelId: string, entries: readonly AuditEntry[], clock?: ReportClock): Incident[] {
  const sorted = [...entries].filter((e) => e.modelId === modelId).sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
  // The latest run of each window (a re-run, or a re-evaluation of matured labels, replaces it).
  const windows = new Map<number, { windowEnd: string; verdict: string; entry: AuditEntry }>();
  for (const e of sorted) {
    if (e.kind !== 'evaluation') continue;
    const verdict = str(e.details?.verdict);
    const windowEnd = str(e.details?.windowEnd);
    if (!verdict || !windowEnd || !Number.isFinite(Date.parse(windowEnd))) continue;
    windows.set(Date.parse(windowEnd), { windowEnd, verdict, entry: e });
  }
  const incidents: Incident[] = [];
  let open: Incident | undefined;
  for (const [, w] of [...windows.entries()].sort((a, b) => a[0] - b[0])) {
    if (BAD.has(w.verdict)) {
      if (!open) {
        open = {
          id: incidentId(w.windowEnd),
          modelId,
          state: 'open',
          severity: w.verdict === 'failing' ? 'failing' : 'degraded',
          firstBad: windowOf(w.entry, w.windowEnd, w.verdict),
          badWindows: 1,
          detectedAt: w.entry.at,
          told: [],
          times: {},
          timeline: [],
          notes: [],
          reports: [],
        };
        incidents.push(open);
      } else {
        open.badWindows++;
        if (w.verdict === 'failing') open.severity = 'failing';
      }
      open.timeline.push({ at: w.entry.at, kind: 'bad-window', summary: w.entry.summary, entry: w.entry.id });
    } else if (w.verdict === 'healthy' && open) {
      open.state = 'closed';
      open.firstHealthy = windowOf(w.entry, w.windowEnd, w.verdict);
      // A backfilled healthy window evaluated before the incident was detected closes it at detection.
      open.closedAt = w.entry.at < open.detectedAt ? open.detectedAt : w.entry.at;
      open.timeline.push({ at: open.closedAt, kind: 'healthy-window', summary: w.entry.summary, entry: w.entry.id });
      open = undefined;
    }
  }
  // What happened while each was open: notifications, requests, decisions, retrains, promotions.
  const byId = new Map(incidents.map((i) => [i.id, i]));
  for (const e of sorted) {
    if (e.kind === 'incident-note') {
      const inc = byId.get(str(e.details?.incident) ?? '');
      if (!inc) continue;
      const signer = str(e.details?.signer);
      inc.notes.push({
        at: e.at,
        actor: e.actor ?? '?',
        text: str(e.details?.text) ?? e.comment ?? '',
        signed: e.details?.signed === true,
        ...(signer ? { signer } : {}),
        entry: e.id,
      });
      inc.timeline.push({ at: e.at, kind: 'note', summary: e.summary, entry: e.id, ...(e.actor ? { actor: e.actor } : {}) });
      continue;
    }
    if (e.kind === 'incident-report') {
      const inc = byId.get(str(e.details?.incident) ?? '');
      const kind = e.details?.report;
      if (!inc || (kind !== 'initial' && kind !== 'final')) continue;
      inc.reports.push({ kind, at: e.at, by: e.actor ?? '?', signed: e.details?.signed === true, entry: e.id });
      inc.timeline.push({ at: e.at, kind: 'report', summary: e.summary, entry: e.id, ...(e.actor ? { actor: e.actor } : {}) });
      continue;
    }
    if (e.kind !== 'notified' && !FOLLOWED.has(e.kind)) continue;
    for (const inc of incidents) {
      const ofFirst = e.runId !== undefined && e.runId === inc.firstBad.runId;
      const during = e.at >= inc.detectedAt && (inc.closedAt === undefined || e.at <= inc.closedAt);
      if (!ofFirst && !during) continue;
      if (e.kind === 'notified') {
        const channel = channelOf(e);
        const outcome = str((e.details?.delivery as Record<string, unknown> | undefined)?.outcome);
        if (ofFirst) inc.told.push({ at: e.at, channel, to: strings(e.details?.to), ...(outcome ? { outcome } : {}), entry: e.id });
      }
      inc.timeline.push({ at: e.at, kind: e.kind as IncidentEventKind, summary: e.summary, entry: e.id, ...(e.actor ? { actor: e.actor } : {}) });
      break;
    }
  }
  for (const inc of incidents) {
    inc.timeline.sort((a, b) => a.at.localeCompare(b.at) || a.entry.localeCompare(b.entry));
    const detected = Date.parse(inc.detectedAt);
    // Told: a notification that was not refused nor given up on.
    const alert = inc.told.filter((t) => t.outcome !== 'refused' && t.outcome !== 'gave-up').map((t) => Date.parse(t.at));
    if (alert.length > 0) inc.times.detectMs = Math.max(0, Math.min(...alert) - Date.parse(inc.firstBad.windowEnd));
    const decision = inc.timeline.find((t) => t.kind === 'decision');
    if (decision) inc.times.decideMs = Math.max(0, Date.parse(decision.at) - detected);
    if (inc.closedAt) inc.times.recoverMs = Math.max(0, Date.parse(inc.closedAt) - detected);
    if (clock) {
      const due = reportsDue(inc.severity, inc.detectedAt, clock, inc.reports);
      if (due.length) inc.due = due;
    }
  }
  return incidents;
}

/** A duration for people: minutes, hours or days. */
export function durationText(ms: number | undefined): string {
  if (ms === undefined) return '—';
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 172_800_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} days`;
}

const short = (iso: string): string => iso.replace(/:\d\d(\.\d+)?Z$/, 'Z').replace('T', ' ');

/** One incident as plain text for a terminal (recorded strings made one-line and control-free by the caller); `now` tells what is overdue. */
export function renderIncident(i: Incident, now?: string): string {
  const lines = [
    `${i.modelId} ${i.id}: ${i.state === 'open' ? 'OPEN' : 'closed'}, ${i.severity} (${i.badWindows} bad window${i.badWindows === 1 ? '' : 's'})`,
    `  first bad window: ending ${short(i.firstBad.windowEnd)}, ${i.firstBad.verdict}; detected ${short(i.detectedAt)}`,
    `  told:             ${i.told.length ? i.told.map((t) => `${t.channel} ${short(t.at)}${t.outcome === 'refused' || t.outcome === 'gave-up' ? ` (NOT delivered: ${t.outcome})` : ''}${t.to.length ? ` → ${t.to.join(', ')}` : ''}`).join('; ') : 'nobody (no notification of the first bad window is recorded)'}`,
    i.firstHealthy
      ? `  closed:           ${short(i.closedAt!)} by the healthy window ending ${short(i.firstHealthy.windowEnd)}`
      : '  closed:           not yet (no healthy window since)',
    `  time to detect ${durationText(i.times.detectMs)} · to decide ${durationText(i.times.decideMs)} · to recover ${durationText(i.times.recoverMs)}`,
    ...(i.due ?? []).map((r) => `  ${reportLine(r, now)}`),
    '  timeline:',
    ...i.timeline.map((t) => `    ${short(t.at)}  ${t.kind.padEnd(18)} ${t.summary}`),
  ];
  for (const n of i.notes) lines.push(`  note by ${n.actor} (${short(n.at)}, ${n.signed ? `signed by ${n.signer ?? n.actor}` : 'unsigned'}): ${n.text}`);
  return lines.join('\n');
}
