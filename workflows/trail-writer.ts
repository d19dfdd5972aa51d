/**
 * What the maintenance workflows share: the audit trail and notifications, sent as
 * activities the workflow does not wait for (a slow webhook never holds up a decision) and joined
 * before the workflow ends.
 */
import { ActivityFailure, ApplicationFailure, ParentClosePolicy, patched, proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { STEP } from './activity-options.js';
import type { AuditEntry, NotificationEvent, NotificationKind } from '../domain/maintenance.js';

const { recordLedger } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumInterval: '1 minute', maximumAttempts: 20 },
});

// Webhooks are retried with backoff (about 4 minutes of attempts); evaluations use a short budget
// (4 attempts, 1 to 4 s apart) so a dead webhook never delays the schedule. Past its budget, a
// notification is handed to its own workflow (deliverNotification), which retries for about an hour.
const notifyActivities = {
  patient: proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 8 },
  }).notify,
  short: proxyActivities<Activities>({
    startToCloseTimeout: '10 seconds',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '4 seconds', maximumAttempts: 4 },
  }).notify,
};

const { updateModelCard, stageNotification, routeNotification } = proxyActivities<Activities>(STEP);

export function createTrailWriter(modelId: string, opts: { notifyRetries?: 'patient' | 'short' } = {}) {
  const notify = notifyActivities[opts.notifyRetries ?? 'patient'];
  const pending: Promise<unknown>[] = [];
  let seq = 0;
  const info = workflowInfo();
  /**
   * Hands an undelivered notification to deliverNotification; a refusal (4xx) is not retried. The
   * event is staged in the store and the child is given its reference only: deliverNotification
   * refuses an event passed in by whoever starts it (runs recorded before started it with the event).
   */
  const handOff = async (event: NotificationEvent, n: number, err: unknown): Promise<void> => {
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable) return;
    if (!patched('notify-handoff')) return;
    const arg = patched('notify-staged') ? await stageNotification({ event }).catch(() => undefined) : event;
    if (!arg) return;
    await startChild('deliverNotification', {
      workflowId: `${info.workflowId}-notify-${info.runId}-${n}`,
      args: [arg],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    }).catch(() => undefined);
  };
  let notices = 0;
  const now = (): string => new Date(Date.now()).toISOString();
  // Entries reach the model's audit chain in the order the workflow recorded them: each waits for
  // the one before (the workflow itself does not wait). Runs recorded before sent them all at once.
  let previous: Promise<unknown> = Promise.resolve();
  /** Appends to the model's audit trail (written once even if the activity runs twice). */
  // `once` names an entry that is the same whichever run records it (its id and time come from
  // what it is about, not from the run): a second run's entry is the first one, written once.
  const record = (
    kind: AuditEntry['kind'],
    summary: string,
    extra: Partial<Pick<AuditEntry, 'actor' | 'comment' | 'details'>> = {},
    once?: { id: string; at: string },
  ): void => {
    // The history event the entry came from: the workflow task that recorded it.
    const event = workflowInfo().historyLength;
    const entry: AuditEntry = {
      id: once?.id ?? `${info.runId}-${String(++seq).padStart(4, '0')}`,
      modelId,
      at: once?.at ?? now(),
      kind,
      summary,
      workflowId: info.workflowId,
      runId: info.runId,
      event,
      ...extra,
    };
    const send = () => recordLedger({ entries: [entry] }).catch(() => undefined);
    previous = patched('audit-chain-in-order') ? previous.then(send) : send();
    pending.push(previous);
  };
  return {
    now,
    record,
    notify(kind: NotificationKind, to: string[], title: string, text: string, details?: Record<string, unknown>): void {
      const event: NotificationEvent = {
        kind,
        modelId,
        to,
        title,
        text,
        at: now(),
        workflowId: info.workflowId,
        runId: info.runId,
        event: workflowInfo().historyLength,
        ...(details ? { details } : {}),
      };
      const n = ++notices;
      pending.push(notify(event).catch((err: unknown) => handOff(event, n, err)));
      // The named channels its routes give it (docs/channels.md): each channel's own outbox workflow
      // delivers it, so neither the webhook's retries nor another channel's send it twice.
      if (patched('notify-routes')) pending.push(routeNotification({ event }).catch(() => undefined));
    },
    /**
     * Waits for the log and notifications sent so far, then regenerates the model card. The card
     * is documentation: if it cannot be written (e.g. its git repository is broken) the failure
     * is logged and the workflow goes on.
     */
    async close(reason: string): Promise<void> {
      await Promise.allSettled(pending.splice(0));
      try {
        await updateModelCard({ modelId, reason });
      } catch (err) {
        const message = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
        record('failure', `model card not updated: ${message}`);
        await Promise.allSettled(pending.splice(0));
      }
    },
    async flush(): Promise<void> {
      await Promise.allSettled(pending.splice(0));
    },
  };
}

export type TrailWriter = ReturnType<typeof createTrailWriter>;
