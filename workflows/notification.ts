/**
 * deliverNotification: one notification that its workflow could not deliver within its own retry
 * budget (the webhook is down), retried here for about an hour. Started detached, so the workflow
 * that sent it goes on (or ends) meanwhile. If it is still not delivered, the audit trail says so.
 *
 * Anyone who may start workflows in the namespace can start this one, so it takes no event from
 * its caller: only the reference of a notification an upkeep workflow staged in the store
 * (`stageNotification`), read back and checked against its hash by an activity. A made-up event is
 * refused before anything is sent or recorded. Runs started before (given the event itself)
 * replay as they ran.
 */
import { ActivityFailure, ApplicationFailure, log, patched, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { NotificationEvent, StagedNotification } from '../domain/maintenance.js';
import { STEP } from './activity-options.js';
import { UpkeepModelId } from './definitions.js';
import { createTrailWriter } from './trail-writer.js';

const { notify } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 20 },
});

const { stagedNotification } = proxyActivities<Activities>({ ...STEP, retry: { ...STEP.retry, nonRetryableErrorTypes: ['InvalidRequest', 'InvalidData'] } });

const isStaged = (v: unknown): v is StagedNotification =>
  typeof v === 'object' && v !== null && !('kind' in v) && typeof (v as StagedNotification).sha256 === 'string';

export async function deliverNotification(input: StagedNotification | NotificationEvent): Promise<'delivered' | 'given-up'> {
  let event: NotificationEvent;
  let staged: StagedNotification | undefined;
  if (patched('notify-staged')) {
    if (!isStaged(input)) {
      log.warn('deliverNotification refused an event passed in by its caller: it delivers only notifications staged by an upkeep workflow');
      throw ApplicationFailure.create({
        type: 'Unauthenticated',
        nonRetryable: true,
        message:
          'deliverNotification delivers only a notification an upkeep workflow staged in the store ({ modelId, sha256 }); an event passed in by whoever starts it is refused',
      });
    }
    event = await stagedNotification(input);
    staged = input;
  } else event = input as NotificationEvent;
  upsertSearchAttributes([{ key: UpkeepModelId, value: event.modelId }]);
  try {
    await notify(event);
    return 'delivered';
  } catch (err) {
    const why = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
    const trail = createTrailWriter(event.modelId);
    // The last attempt's facts (status, worker clock, attempt), as the notify activity reported them.
    const last =
      err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? (err.cause.details?.[0] as Record<string, unknown> | undefined) : undefined;
    const delivery = {
      channel: 'webhook',
      ...(last && typeof last === 'object' ? last : {}),
      outcome: last?.outcome === 'refused' ? 'refused' : 'gave-up',
      error: why,
    };
    // One give-up per staged notification, however many runs are started with its reference: the
    // entry's id and time come from the staged notification, so a second run's is the first's
    // (write-once). Runs recorded before named it after their own run.
    const once = staged && patched('notify-giveup-once') ? { id: `undelivered-${staged.sha256.slice(0, 24)}`, at: event.at } : undefined;
    trail.record(
      'failure',
      `${event.kind} notification "${event.title}" was not delivered: ${why}`,
      { details: { kind: event.kind, to: event.to, at: event.at, notification: event.kind, title: event.title, delivery } },
      once,
    );
    await trail.flush();
    return 'given-up';
  }
}
