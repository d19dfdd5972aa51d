/**
 * The audit trail's activities: entries appended to a model's chain, notifications staged,
 * delivered and recorded, and the living model card regenerated. Every write is idempotent:
 * entries are write-once under a stable id, the card is regenerated whole.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityDeps } from './deps.js';
import type { AuditEntry, NotificationEvent, StagedNotification } from '../domain/maintenance.js';
import { appendEntry } from '../engine/audit/chain.js';
import { updateModelCard } from '../engine/cards/update.js';
import { notifiedEntry, type DeliveryRecord } from '../engine/notify/delivery.js';
import { createNotifier, verdictLine, WebhookError } from '../engine/notify/notify.js';
import { readStagedNotification, stageNotification } from '../engine/notify/staged.js';
import { auditEntryKey } from '../engine/store/keys.js';

const decode = (b: Uint8Array): string => new TextDecoder().decode(b);

export function createTrailActivities(deps: Pick<ActivityDeps, 'store' | 'loadConfig' | 'log' | 'fetch' | 'attempt'>) {
  return {
    /**
     * Appends entries to the audit trail; an entry already written is left as it is. The
     * activity keeps its first name, recordLedger: recorded workflow histories call it by that name.
     */
    async recordLedger(input: { entries: AuditEntry[] }): Promise<void> {
      for (const e of input.entries) {
        const put = await appendEntry(deps.store, e);
        // An evaluation's verdict is logged as it lands, once (a retry finds the entry written).
        const line = put.created ? verdictLine(e) : undefined;
        if (line) (deps.log ?? ((l: string) => console.log(l)))(line);
      }
    },

    /** Keeps a notification a workflow hands to deliverNotification in the store; returns its reference. */
    async stageNotification(input: { event: NotificationEvent }): Promise<StagedNotification> {
      return stageNotification(deps.store, input.event);
    },

    /** A staged notification, checked against its hash; refused (not retried) when there is none. */
    async stagedNotification(ref: StagedNotification): Promise<NotificationEvent> {
      return readStagedNotification(deps.store, ref);
    },

    /**
     * Logs the notification and POSTs it to the configured webhook (one attempt; Temporal retries),
     * then records how it went in the model's audit chain: channel, HTTP status, the receiver's
     * response id, the worker's clock and the attempt. A refusal (4xx) is recorded before it fails;
     * a retryable failure carries the same facts in the failure's details (deliverNotification
     * records them when it gives up).
     */
    async notify(event: NotificationEvent): Promise<{ webhook: 'sent' | 'none' }> {
      const config = await deps.loadConfig();
      const notifier = createNotifier({ webhook: config.notify.webhook, log: deps.log ?? ((line) => console.log(line)), ...(deps.fetch ? { fetch: deps.fetch } : {}) });
      const attempt = deps.attempt?.() ?? 1;
      const refused = (message: string, facts?: DeliveryRecord) => ApplicationFailure.create({ message, type: 'WebhookRefused', nonRetryable: true, ...(facts ? { details: [facts] } : {}) });
      // Recorded already (an attempt that died after sending and recording it): not sent twice.
      const recorded = await deps.store.tryGet(auditEntryKey(notifiedEntry(event)));
      if (recorded) {
        const entry = JSON.parse(decode(recorded)) as AuditEntry;
        await appendEntry(deps.store, entry); // linked, if that attempt died before it was
        const facts = entry.details?.delivery as DeliveryRecord | undefined;
        if (entry.details?.webhook === 'refused') throw refused(facts?.error ?? entry.summary, facts);
        return { webhook: entry.details?.webhook === 'sent' ? 'sent' : 'none' };
      }
      try {
        const d = await notifier.send(event);
        const delivery: DeliveryRecord =
          d.webhook === 'sent'
            ? { channel: 'webhook', outcome: 'delivered', ...(d.status !== undefined ? { status: d.status } : {}), ...(d.responseId !== undefined ? { responseId: d.responseId } : {}), workerClock: new Date().toISOString(), attempt }
            : { channel: 'log', outcome: 'logged', workerClock: new Date().toISOString(), attempt };
        // Who was told, how, and when: in the model's audit chain (the same event is recorded once).
        await appendEntry(deps.store, notifiedEntry(event, delivery));
        return { webhook: d.webhook };
      } catch (err) {
        if (!(err instanceof WebhookError)) throw err;
        const facts: DeliveryRecord = { channel: 'webhook', outcome: err.retryable ? 'gave-up' : 'refused', ...(err.status !== undefined ? { status: err.status } : {}), workerClock: new Date().toISOString(), attempt, error: err.message };
        if (!err.retryable) {
          // Final: a refusal is not retried, nor handed to deliverNotification.
          await appendEntry(deps.store, notifiedEntry(event, facts));
          throw refused(err.message, facts);
        }
        // Retried by Temporal; the facts of the last attempt reach the workflow that gives up.
        throw ApplicationFailure.create({ message: err.message, type: 'WebhookError', nonRetryable: false, details: [facts] });
      }
    },

    /** Regenerates the model's card (Markdown and JSON) from the config, registry, reports and log. */
    async updateModelCard(input: { modelId: string; reason: string }): Promise<{ markdownUri: string; jsonUri: string }> {
      return updateModelCard(deps.store, await deps.loadConfig(), input);
    },
  };
}
