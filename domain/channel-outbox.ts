/**
 * The per-model-per-channel outbox (workflows/channel-outbox.ts): one workflow per model and named
 * channel delivers that channel's notifications in order, holds them through quiet hours and
 * gathers them into digests. Notifications reach it as signals carrying a staged reference only.
 */
import type { StagedNotification } from './maintenance.js';

/** The signal a routed notification reaches its channel's outbox with (started by signalWithStart). */
export const CHANNEL_EVENT_SIGNAL = 'channelEvent';

/** One outbox per model and channel (channel names hold no "/", model ids neither). */
export const channelOutboxId = (modelId: string, channel: string): string => `upkeep-channel/${modelId}/${channel}`;

export interface ChannelOutboxInput {
  modelId: string;
  channel: string;
  /** Carried over by continue-as-new: when the channel last got a message (ISO), and what waits. */
  lastSent?: string;
  pending?: StagedNotification[];
}

/** What the outbox must do now for its channel (engine/notify/route.ts channelPlan, read from the config when asked). */
export interface OutboxPlan {
  /** The channel is no longer declared, or no route of the model names it any more: nothing is delivered. */
  gone?: string;
  quietUntil?: string;
  digestMs?: number;
}
