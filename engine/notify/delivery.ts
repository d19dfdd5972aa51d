/** How a notification was delivered, and the audit entry that records it. */
import { createHash } from 'node:crypto';
import type { AuditEntry, NotificationEvent } from '../../domain/maintenance.js';
import type { ChannelDelivery, ChannelMessage, ChannelType } from './channels/types.js';

/**
 * How a notification went out, as its audit entry records it (details.delivery). `workerClock` is
 * the worker's clock when the receiver answered (or the line was logged), not the workflow's time
 * (the entry's `at`); `attempt` is the activity's attempt number (Temporal's count, from 1).
 */
export interface DeliveryRecord {
  /** `webhook`, `log`, or the name of a channel under notify.channels (docs/channels.md). */
  channel: string;
  /** A named channel's type (pagerduty, email, slack). */
  type?: ChannelType;
  /** delivered: the receiver accepted it; logged: no webhook, the worker's log was the only channel; refused: it answered 4xx / SMTP 5xx (not retried); gave-up: every attempt failed. */
  outcome: 'delivered' | 'logged' | 'refused' | 'gave-up';
  status?: number;
  /** The receiver's id for the request (a header such as X-Request-Id, or a JSON body's `id`). */
  responseId?: string;
  workerClock: string;
  attempt: number;
  /** Why it was not delivered (host and status only, never the URL). */
  error?: string;
  /** PagerDuty: trigger or resolve. */
  action?: 'trigger' | 'resolve';
  /** A digest: how many events the one message gathered. */
  events?: number;
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

const short = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 24);

/**
 * The audit entry of one delivery to a named channel (docs/audit.md): its id is derived from the
 * channel and the message's events, so a retried activity records it once, and the same event
 * delivered to two channels makes two entries. `at` is the latest event's time.
 */
export function channelEntry(channel: string, type: ChannelType, message: ChannelMessage, delivery?: DeliveryRecord): AuditEntry {
  const events = message.digest ?? [message.event];
  const e = message.event;
  const id = `notified-${short(JSON.stringify([channel, ...events]))}`;
  const what = events.length > 1 ? `digest of ${events.length} events (${[...new Set(events.map((x) => x.kind))].join(', ')})` : e.kind;
  const how = !delivery
    ? ''
    : delivery.outcome === 'delivered'
      ? ` (${type}${delivery.action ? ` ${delivery.action}` : ''}${delivery.status !== undefined ? ` ${delivery.status}` : ''}${delivery.responseId ? `, id ${delivery.responseId}` : ''}, attempt ${delivery.attempt})`
      : ` — NOT delivered: ${delivery.error ?? `${type} ${delivery.status}`}`;
  return {
    id,
    modelId: e.modelId,
    at: e.at,
    kind: 'notified',
    summary: `${what} ${delivery?.outcome === 'refused' ? 'refused by' : 'sent to'} channel ${channel}: ${e.title}${how}`,
    ...(e.workflowId ? { workflowId: e.workflowId } : {}),
    ...(e.runId ? { runId: e.runId } : {}),
    ...(e.event !== undefined ? { event: e.event } : {}),
    details: {
      notification: e.kind,
      to: e.to,
      title: e.title,
      channel,
      ...(events.length > 1 ? { digest: events.map((x) => ({ kind: x.kind, title: x.title, at: x.at })) } : {}),
      ...(delivery ? { delivery } : {}),
    },
  };
}

/** The delivery record of an accepted channel delivery. */
export function channelDelivered(d: ChannelDelivery, attempt: number, events: number): DeliveryRecord {
  return {
    channel: d.channel,
    type: d.type,
    outcome: 'delivered',
    ...(d.status !== undefined ? { status: d.status } : {}),
    ...(d.responseId !== undefined ? { responseId: d.responseId } : {}),
    ...(d.action ? { action: d.action } : {}),
    workerClock: new Date().toISOString(),
    attempt,
    ...(events > 1 ? { events } : {}),
  };
}
