/**
 * deliverNotification: one notification that its workflow could not deliver within its own retry
 * budget (the webhook is down), retried here for about an hour. Started detached, so the workflow
 * that sent it goes on (or ends) meanwhile. If it is still not delivered, the maintenance log says so.
 */
import { ActivityFailure, ApplicationFailure, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { NotificationEvent } from '../domain/maintenance.js';
import { UpkeepModelId } from './definitions.js';
import { createJournal } from './maintenance.js';

const { notify } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 20 },
});

export async function deliverNotification(event: NotificationEvent): Promise<'delivered' | 'given-up'> {
  upsertSearchAttributes([{ key: UpkeepModelId, value: event.modelId }]);
  try {
    await notify(event);
    return 'delivered';
  } catch (err) {
    const why = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
    const journal = createJournal(event.modelId);
    // The last attempt's facts (status, worker clock, attempt), as the notify activity reported them.
    const last = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? (err.cause.details?.[0] as Record<string, unknown> | undefined) : undefined;
    const delivery = { channel: 'webhook', ...(last && typeof last === 'object' ? last : {}), outcome: last?.outcome === 'refused' ? 'refused' : 'gave-up', error: why };
    journal.record('failure', `${event.kind} notification "${event.title}" was not delivered: ${why}`, { details: { kind: event.kind, to: event.to, at: event.at, notification: event.kind, title: event.title, delivery } });
    await journal.flush();
    return 'given-up';
  }
}
