/**
 * The audit trail's activities: entries appended to a model's chain, notifications staged,
 * delivered and recorded, and the living model card regenerated. Every write is idempotent:
 * entries are write-once under a stable id, the card is regenerated whole.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityDeps } from './deps.js';
import type { AuditEntry, NotificationEvent, StagedNotification } from '../domain/maintenance.js';
import { sendAndRecord } from '../engine/audit/notification.js';
import { recordEntries } from '../engine/audit/record-entries.js';
import { recordIncidentTransitions } from '../engine/audit/incident-entries.js';
import { updateModelCard } from '../engine/cards/update.js';
import { readStagedNotification, stageNotification } from '../engine/notify/staged.js';

export function createTrailActivities(deps: Pick<ActivityDeps, 'store' | 'loadConfig' | 'log' | 'fetch' | 'attempt'>) {
  const log = deps.log ?? ((line: string) => console.log(line));
  return {
    /**
     * Appends entries to the audit trail; an entry already written is left as it is. The activity
     * keeps its first name, recordLedger: recorded workflow histories call it by that name.
     */
    async recordLedger(input: { entries: AuditEntry[] }): Promise<void> {
      await recordEntries(deps.store, input.entries, log);
      // The incident an evaluation opened or closed is stated right after its entry (docs/incidents.md),
      // in this same activity, so an evaluation adds no history events for it; safe to run twice.
      const runs = new Map(input.entries.filter((e) => e.kind === 'evaluation' && e.runId).map((e) => [`${e.modelId}\n${e.runId}`, e]));
      for (const e of runs.values()) await recordIncidentTransitions(deps.store, { modelId: e.modelId, runId: e.runId! });
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
     * Logs the notification, POSTs it to the configured webhook (one attempt; Temporal retries) and
     * records how it went. A refusal (4xx) fails for good; a retryable failure carries the
     * delivery facts in its details (deliverNotification records them when it gives up).
     */
    async notify(event: NotificationEvent): Promise<{ webhook: 'sent' | 'none' }> {
      const config = await deps.loadConfig();
      const ports = { store: deps.store, webhook: config.notify.webhook, log, ...(deps.fetch ? { fetch: deps.fetch } : {}) };
      const r = await sendAndRecord(ports, event, deps.attempt?.() ?? 1);
      if (r.outcome === 'done') return { webhook: r.webhook };
      const retryable = r.outcome === 'failed';
      throw ApplicationFailure.create({
        message: r.message,
        type: retryable ? 'WebhookError' : 'WebhookRefused',
        nonRetryable: !retryable,
        ...(r.facts ? { details: [r.facts] } : {}),
      });
    },

    /** Regenerates the model's card (Markdown and JSON) from the config, registry, reports and trail. */
    async updateModelCard(input: { modelId: string; reason: string }): Promise<{ markdownUri: string; jsonUri: string }> {
      return updateModelCard(deps.store, await deps.loadConfig(), input);
    },
  };
}
