/** How a notification was delivered, and the audit entry that records it. */
import { createHash } from 'node:crypto';
import type { AuditEntry, NotificationEvent } from '../../domain/maintenance.js';

/**
 * How a notification went out, as its audit entry records it (details.delivery). `workerClock` is
 * the worker's clock when the receiver answered (or the line was logged), not the workflow's time
 * (the entry's `at`); `attempt` is the activity's attempt number (Temporal's count, from 1).
 */
export interface DeliveryRecord {
  channel: 'webhook' | 'log';
  /** delivered: the webhook answered 2xx; logged: no webhook, the worker's log was the only channel; refused: it answered 4xx (not retried); gave-up: every attempt failed. */
  outcome: 'delivered' | 'logged' | 'refused' | 'gave-up';
  status?: number;
  /** The receiver's id for the request (a header such as X-Request-Id, or a JSON body's `id`). */
  responseId?: string;
  workerClock: string;
  attempt: number;
  /** Why it was not delivered (host and status only, never the URL). */
  error?: string;
}

/** The audit entry of a notification; its id is derived from the event, so a retry records it once. */
export function notifiedEntry(event: NotificationEvent, delivery?: DeliveryRecord): AuditEntry {
  const id = `notified-${createHash('sha256').update(JSON.stringify(event)).digest('hex').slice(0, 24)}`;
  const how = !delivery
    ? ''
    : delivery.outcome === 'logged'
      ? ' (worker log only: no webhook configured)'
      : delivery.outcome === 'delivered'
        ? ` (webhook HTTP ${delivery.status}${delivery.responseId ? `, id ${delivery.responseId}` : ''}, attempt ${delivery.attempt})`
        : ` — NOT delivered: ${delivery.error ?? `webhook HTTP ${delivery.status}`}`;
  const webhook = delivery?.outcome === 'delivered' ? 'sent' : delivery?.outcome === 'refused' ? 'refused' : 'none';
  return {
    id,
    modelId: event.modelId,
    at: event.at,
    kind: 'notified',
    summary: `${event.kind} ${delivery?.outcome === 'refused' ? 'for' : 'sent to'} ${event.to.join(', ')}: ${event.title}${how}`,
    ...(event.workflowId ? { workflowId: event.workflowId } : {}),
    ...(event.runId ? { runId: event.runId } : {}),
    ...(event.event !== undefined ? { event: event.event } : {}),
    details: { notification: event.kind, to: event.to, title: event.title, webhook, ...(delivery ? { delivery } : {}) },
  };
}
