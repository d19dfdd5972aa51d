/**
 * Routed notifications (docs/channels.md): handed to each channel's outbox workflow, planned
 * (quiet hours, digest) and delivered one channel per activity, so a failing channel's retries
 * never send another's message again.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityDeps } from './deps.js';
import { CHANNEL_EVENT_SIGNAL, type ChannelOutboxInput, type OutboxPlan } from '../domain/channel-outbox.js';
import type { NotificationEvent, StagedNotification } from '../domain/maintenance.js';
import { deliverStaged, outboxPlan, routeNotification, verdictEvents, type DeliveryRecord } from '../engine/audit/routing.js';
import { sendToChannel } from '../engine/notify/channels/index.js';

/** The worker's own client: signalWithStart the channel's outbox on this activity's task queue. */
async function workerOutbox(workflowId: string, input: ChannelOutboxInput, ref: StagedNotification): Promise<void> {
  const ctx = Context.current();
  await ctx.client.workflow.signalWithStart('channelOutbox', {
    workflowId,
    taskQueue: ctx.info.taskQueue,
    args: [input],
    signal: CHANNEL_EVENT_SIGNAL,
    signalArgs: [ref],
  });
}

export function createChannelActivities(deps: Pick<ActivityDeps, 'store' | 'loadConfig' | 'attempt' | 'fetch' | 'configDir' | 'channelSender' | 'toOutbox'>) {
  // The one call site of the channel transports (engine/notify/channels/index.ts); tests inject a fake.
  const send = deps.channelSender ?? sendToChannel;
  return {
    /** Hands the event to the outbox of each channel its model's routes name for it; returns those channels. */
    async routeNotification(input: { event: NotificationEvent }): Promise<{ channels: string[] }> {
      const channels = await routeNotification(deps.store, await deps.loadConfig(), input.event, deps.toOutbox ?? workerOutbox);
      return { channels };
    },

    /** What a channel's outbox does now: hold until the quiet hours end, wait for its digest period, or deliver. */
    async planChannel(input: { modelId: string; channel: string; at: string }): Promise<OutboxPlan> {
      return outboxPlan(await deps.loadConfig(), input.modelId, input.channel, new Date(input.at));
    },

    /** One message (a digest when several) to one channel, recorded; a retryable failure carries its facts. */
    async deliverChannel(input: { modelId: string; channel: string; refs: StagedNotification[] }): Promise<DeliveryRecord | null> {
      const ports = { store: deps.store, send, options: { configDir: deps.configDir ?? process.cwd(), ...(deps.fetch ? { fetch: deps.fetch } : {}) } };
      const r = await deliverStaged(ports, await deps.loadConfig(), input, deps.attempt?.() ?? 1);
      if (r.outcome === 'done') return r.delivery ?? null;
      const retryable = r.outcome === 'failed';
      throw ApplicationFailure.create({
        message: r.message,
        type: retryable ? 'ChannelError' : 'ChannelRefused',
        nonRetryable: !retryable,
        details: [r.facts],
      });
    },

    /** The warning / recovered events an evaluation's verdict adds where the model's routes want them. */
    async verdictEvents(input: { modelId: string; verdict: string; windowEnd: string; workflowId: string }) {
      return verdictEvents(deps.store, await deps.loadConfig(), input);
    },
  };
}
