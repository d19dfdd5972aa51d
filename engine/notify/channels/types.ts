/**
 * A channel: one named destination for notifications besides the webhook and the log (PagerDuty,
 * email, Slack; docs/channels.md). A sender makes exactly one delivery attempt; the activity that
 * calls it owns retries, so it says through ChannelError.retryable whether another could succeed.
 */
import type { ChannelSpec } from '../../../domain/config.js';
import type { NotificationEvent } from '../../../domain/maintenance.js';

export type ChannelType = ChannelSpec['type'];

/** What one delivery carries: one event, or a digest of several events of one model gathered over a period. */
export interface ChannelMessage {
  /** The event (for a digest: the latest one gathered). */
  event: NotificationEvent;
  /** For a digest: every event gathered, oldest first (including `event`). */
  digest?: NotificationEvent[];
}

/** A delivery the receiver accepted. */
export interface ChannelDelivery {
  channel: string;
  type: ChannelType;
  /** HTTP status (PagerDuty, Slack) or SMTP reply code (email). */
  status?: number;
  /** The receiver's id: PagerDuty's dedup_key, the SMTP message id, a Slack request id. */
  responseId?: string;
  /** PagerDuty: trigger or resolve. */
  action?: 'trigger' | 'resolve';
}

/** A failed delivery. `retryable`: a later attempt may succeed (network, timeout, 408, 429, 5xx, SMTP 4xx). Messages name the channel and the host, never a secret. */
export class ChannelError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ChannelError';
  }
}

export interface ChannelOptions {
  /** The config's folder: secret files (routing_key_file, password_file, webhook_file) are relative to it. */
  configDir: string;
  /** Injectable for tests; defaults to globalThis.fetch. */
  fetch?: typeof fetch;
  /** Time allowed for one attempt, default 10,000 ms. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Delivers one message to one channel (one attempt). */
export type ChannelSender = (name: string, spec: ChannelSpec, message: ChannelMessage, opts: ChannelOptions) => Promise<ChannelDelivery>;
