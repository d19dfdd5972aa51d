/**
 * A notification sent and recorded in the model's audit trail: logged, POSTed to the configured
 * webhook (one attempt; the caller retries), then how it went (channel, HTTP status, the
 * receiver's response id, the worker's clock and the attempt) appended as an entry. The same
 * event is recorded once, and one already recorded is not sent again.
 */
import type { AuditEntry, NotificationEvent } from '../../domain/maintenance.js';
import { notifiedEntry, type DeliveryRecord } from '../notify/delivery.js';
import { createNotifier, WebhookError, type NotifierOptions } from '../notify/notify.js';
import { auditEntryKey } from '../store/keys.js';
import type { ArtifactStore } from '../store/store.js';
import { appendEntry } from './chain.js';

/**
 * How a notification went: `sent`/`none` (webhook accepted, or none configured: logged); `refused`
 * (final: recorded, not to be retried); `failed` (retryable: not recorded, the facts go to
 * whoever gives up on it).
 */
export type NotificationOutcome =
  | { outcome: 'done'; webhook: 'sent' | 'none' }
  | { outcome: 'refused'; message: string; facts?: DeliveryRecord }
  | { outcome: 'failed'; message: string; facts: DeliveryRecord };

export type NotificationPorts = { store: ArtifactStore } & NotifierOptions;

/** Sends the event (unless it was recorded already) and records how it went; `attempt` is recorded with it. */
export async function sendAndRecord(ports: NotificationPorts, event: NotificationEvent, attempt: number): Promise<NotificationOutcome> {
  const { store, ...notifierOptions } = ports;
  // Recorded already (an attempt that died after sending and recording it): not sent twice.
  const recorded = await store.tryGet(auditEntryKey(notifiedEntry(event)));
  if (recorded) {
    const entry = JSON.parse(new TextDecoder().decode(recorded)) as AuditEntry;
    await appendEntry(store, entry); // linked, if that attempt died before it was
    const facts = entry.details?.delivery as DeliveryRecord | undefined;
    if (entry.details?.webhook === 'refused') return { outcome: 'refused', message: facts?.error ?? entry.summary, ...(facts ? { facts } : {}) };
    return { outcome: 'done', webhook: entry.details?.webhook === 'sent' ? 'sent' : 'none' };
  }
  try {
    const d = await createNotifier(notifierOptions).send(event);
    const delivery: DeliveryRecord =
      d.webhook === 'sent'
        ? {
            channel: 'webhook',
            outcome: 'delivered',
            ...(d.status !== undefined ? { status: d.status } : {}),
            ...(d.responseId !== undefined ? { responseId: d.responseId } : {}),
            workerClock: new Date().toISOString(),
            attempt,
          }
        : { channel: 'log', outcome: 'logged', workerClock: new Date().toISOString(), attempt };
    // Who was told, how, and when: in the model's audit chain (the same event is recorded once).
    await appendEntry(store, notifiedEntry(event, delivery));
    return { outcome: 'done', webhook: d.webhook };
  } catch (err) {
    if (!(err instanceof WebhookError)) throw err;
    const facts: DeliveryRecord = {
      channel: 'webhook',
      outcome: err.retryable ? 'gave-up' : 'refused',
      ...(err.status !== undefined ? { status: err.status } : {}),
      workerClock: new Date().toISOString(),
      attempt,
      error: err.message,
    };
    if (err.retryable) return { outcome: 'failed', message: err.message, facts };
    // Final: a refusal is recorded now, and is neither retried nor handed on.
    await appendEntry(store, notifiedEntry(event, facts));
    return { outcome: 'refused', message: err.message, facts };
  }
}
