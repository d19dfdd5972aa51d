/**
 * watchdog: looks at the whole fleet for models nobody is watching (stale evaluations, schedules
 * paused too long, approvals past their deadline, failures in a row, people who left), on its own
 * schedule; an owner who left the directory gets a handover request to the platform contacts. One activity inspects the fleet and keeps each finding once in the store; this
 * workflow tells the people of each new finding, logs new and resolved ones in the model's
 * audit trail and regenerates the cards of the models whose findings changed.
 */
import { ParentClosePolicy, patched, proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { findingAdvice } from '../domain/watchdog-rules.js';
import { STEP } from './activity-options.js';
import { evaluateScheduleId, handoverWorkflowId } from './definitions.js';
import { createTrailWriter, type TrailWriter } from './trail-writer.js';

// Heartbeats every few models; a fleet of hundreds takes a minute or two.
const { watchdogInspect } = proxyActivities<Activities>({ ...STEP, startToCloseTimeout: '30 minutes' });
const { stageDeparture } = proxyActivities<Activities>(STEP);

export interface WatchdogResult {
  /** Open findings after this run. */
  open: number;
  /** Reported for the first time by this run: `<model>/<key>`. */
  opened: string[];
  resolved: string[];
  /** Checks not made, and why. */
  skipped: string[];
}

export async function watchdog(): Promise<WatchdogResult> {
  const info = workflowInfo();
  const at = new Date(Date.now()).toISOString();
  const r = await watchdogInspect({ at, workflowId: info.workflowId, runId: info.runId, evaluateSchedulePrefix: evaluateScheduleId('') });
  const trailWriters = new Map<string, TrailWriter>();
  const trail = (modelId: string): TrailWriter => {
    let j = trailWriters.get(modelId);
    if (!j) trailWriters.set(modelId, (j = createTrailWriter(modelId)));
    return j;
  };
  for (const f of r.opened) {
    const j = trail(f.modelId);
    const facts = { kind: f.kind, key: f.key, since: f.since };
    j.notify(
      'watchdog',
      f.notified,
      `Watchdog: ${f.summary}`,
      `${findingAdvice(f.kind, f.modelId)}\nFound by ${info.workflowId} at ${at}; you are told once, until it is resolved.`,
      facts,
    );
    j.record('watchdog', `found: ${f.summary}`, { details: { state: 'open', ...facts, notified: f.notified } });
  }
  // An owner who left the directory: a handover request to the platform contacts (docs/governance.md#handover).
  // Runs recorded before did not open them.
  if (patched('handover-departures')) {
    for (const f of r.opened) {
      const person = f.details?.person;
      const roles = f.details?.roles;
      if (f.kind !== 'unknown-person' || typeof person !== 'string' || !Array.isArray(roles) || !roles.includes('owner')) continue;
      const staged = await stageDeparture({ modelId: f.modelId, person, by: info.workflowId, at }).catch(() => null);
      // Already one open for the model: that one stands.
      if (staged)
        await startChild('handoverModel', { workflowId: handoverWorkflowId(f.modelId), args: [staged], parentClosePolicy: ParentClosePolicy.ABANDON }).catch(
          () => undefined,
        );
    }
  }
  // A model that left the config has no log to write to, nor a card.
  const inConfig = new Set(r.changedModels);
  for (const f of r.resolved) {
    if (inConfig.has(f.modelId))
      trail(f.modelId).record('watchdog', `resolved: ${f.summary}`, {
        details: { state: 'resolved', kind: f.kind, key: f.key, since: f.since, firstReportedAt: f.firstReportedAt },
      });
  }
  await Promise.all(r.changedModels.map((m) => trail(m).close('watchdog findings changed')));
  return { open: r.open, opened: r.opened.map((f) => `${f.modelId}/${f.key}`), resolved: r.resolved.map((f) => `${f.modelId}/${f.key}`), skipped: r.skipped };
}
