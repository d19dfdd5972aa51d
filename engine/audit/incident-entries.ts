/**
 * The incident-opened / incident-closed entries an evaluation records when it sees the transition
 * (docs/incidents.md): the incidents are derived from the trail as it stands after the evaluation's
 * own entry, and an entry is written for each one this run opened or closed. Ids and times come from
 * the windows, so a retried activity (or a second run of the same window) records each once.
 */
import type { AuditEntry } from '../../domain/maintenance.js';
import type { ArtifactStore } from '../store/store.js';
import { appendEntry, readChain } from './chain.js';
import { deriveIncidents, durationText, incidentClosedId, incidentOpenedId, type Incident } from './incidents.js';

export interface IncidentTransitions {
  opened?: string;
  closed?: string;
}

/** The entry stating that `i` opened (its first bad window's evaluation). */
export function openedEntry(i: Incident): AuditEntry {
  return {
    id: incidentOpenedId(i.id),
    modelId: i.modelId,
    at: i.detectedAt,
    kind: 'incident-opened',
    summary: `incident ${i.id} opened: ${i.firstBad.verdict} window ending ${i.firstBad.windowEnd}`,
    ...(i.firstBad.workflowId ? { workflowId: i.firstBad.workflowId } : {}),
    ...(i.firstBad.runId ? { runId: i.firstBad.runId } : {}),
    ...(i.firstBad.event !== undefined ? { event: i.firstBad.event } : {}),
    details: { incident: i.id, windowEnd: i.firstBad.windowEnd, verdict: i.firstBad.verdict, evaluation: i.firstBad.entry },
  };
}

/** The entry stating that `i` closed (its first healthy window's evaluation), with the times kept. */
export function closedEntry(i: Incident): AuditEntry {
  const h = i.firstHealthy!;
  return {
    id: incidentClosedId(i.id),
    modelId: i.modelId,
    at: i.closedAt!,
    kind: 'incident-closed',
    summary: `incident ${i.id} closed: healthy window ending ${h.windowEnd} after ${i.badWindows} bad window${i.badWindows === 1 ? '' : 's'} (${i.severity}); detect ${durationText(i.times.detectMs)}, decide ${durationText(i.times.decideMs)}, recover ${durationText(i.times.recoverMs)}`,
    ...(h.workflowId ? { workflowId: h.workflowId } : {}),
    ...(h.runId ? { runId: h.runId } : {}),
    ...(h.event !== undefined ? { event: h.event } : {}),
    details: {
      incident: i.id,
      windowEnd: h.windowEnd,
      opened: i.firstBad.windowEnd,
      severity: i.severity,
      badWindows: i.badWindows,
      evaluation: h.entry,
      times: i.times,
      told: [...new Set(i.told.map((t) => t.channel))],
    },
  };
}

/** Records the incident this run's evaluation opened or closed, if any. */
export async function recordIncidentTransitions(store: ArtifactStore, input: { modelId: string; runId: string }): Promise<IncidentTransitions> {
  const incidents = deriveIncidents(
    input.modelId,
    (await readChain(store, input.modelId)).map((c) => c.entry),
  );
  const out: IncidentTransitions = {};
  for (const i of incidents) {
    if (i.firstBad.runId === input.runId) {
      await appendEntry(store, openedEntry(i));
      out.opened = i.id;
    }
    if (i.firstHealthy?.runId === input.runId) {
      // An incident closed before its opening was recorded (an older run, or a failed activity): both are stated.
      await appendEntry(store, openedEntry(i));
      await appendEntry(store, closedEntry(i));
      out.closed = i.id;
    }
  }
  return out;
}
