/**
 * What the maintenance workflows share: the maintenance log (ledger) and notifications, sent as
 * activities the workflow does not wait for (a slow webhook never holds up a decision) and joined
 * before the workflow ends.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { STEP } from './activity-options.js';
import type { LedgerEntry, NotificationEvent, NotificationKind } from './definitions.js';

const { recordLedger } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumInterval: '1 minute', maximumAttempts: 20 },
});

// Webhooks are retried with backoff for about ten minutes, then given up (the log line stays).
const { notify } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 8 },
});

const { updateModelCard } = proxyActivities<Activities>(STEP);

export function createJournal(modelId: string) {
  const pending: Promise<unknown>[] = [];
  let seq = 0;
  const info = workflowInfo();
  const now = (): string => new Date(Date.now()).toISOString();
  return {
    now,
    /** Appends to the model's maintenance log (written once even if the activity runs twice). */
    record(kind: LedgerEntry['kind'], summary: string, extra: Partial<Pick<LedgerEntry, 'actor' | 'comment' | 'details'>> = {}): void {
      const entry: LedgerEntry = { id: `${info.runId}-${String(++seq).padStart(4, '0')}`, modelId, at: now(), kind, summary, workflowId: info.workflowId, runId: info.runId, ...extra };
      pending.push(recordLedger({ entries: [entry] }).catch(() => undefined));
    },
    notify(kind: NotificationKind, to: string[], title: string, text: string, details?: Record<string, unknown>): void {
      const event: NotificationEvent = { kind, modelId, to, title, text, at: now(), workflowId: info.workflowId, ...(details ? { details } : {}) };
      pending.push(notify(event).catch(() => undefined));
    },
    /** Waits for the log and notifications sent so far, then regenerates the model card. */
    async close(reason: string): Promise<void> {
      await Promise.allSettled(pending.splice(0));
      await updateModelCard({ modelId, reason });
    },
    async flush(): Promise<void> {
      await Promise.allSettled(pending.splice(0));
    },
  };
}

export type Journal = ReturnType<typeof createJournal>;
