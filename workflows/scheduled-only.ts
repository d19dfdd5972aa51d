/**
 * A fleet-wide workflow that writes to the audit trail runs only when its own Schedule started it
 * (docs/governance.md#who-can-start-what). The TemporalScheduledById search attribute must name the
 * schedule, and, because whoever starts a workflow by hand may set that attribute too, the
 * schedule's own record of its recent actions must name this run (an activity asks the server).
 * Anything else is refused before a notification is sent or an entry written.
 */
import { ApplicationFailure, log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { STEP } from './activity-options.js';
import { TemporalScheduledById } from './definitions.js';

const { startedBySchedule } = proxyActivities<Activities>({ ...STEP, startToCloseTimeout: '1 minute' });

export async function requireSchedule(what: string, scheduleId: string): Promise<void> {
  const info = workflowInfo();
  const by = info.typedSearchAttributes.get(TemporalScheduledById);
  const ok = by === scheduleId && (await startedBySchedule({ scheduleId, workflowId: info.workflowId, runId: info.runId }));
  if (ok) return;
  const message = `${what} runs only when its schedule ${scheduleId} starts it (upkeep schedules trigger ${scheduleId}); this run${
    by === undefined
      ? ' was started by hand'
      : by === scheduleId
        ? " is not in the schedule's record of the runs it started"
        : ` names another schedule (${by})`
  }: refused, nothing sent or recorded`;
  log.warn(message);
  throw ApplicationFailure.create({ type: 'Unauthenticated', nonRetryable: true, message });
}
