/**
 * Routing at work (docs/channels.md): a notification handed to the outbox of each channel its
 * routes name, what an outbox must do for its channel now (quiet hours, digest), a staged message
 * delivered to one channel and recorded, and which verdict events (warning, recovered) a model's
 * routes want after an evaluation.
 */
import type { ChannelOutboxInput, OutboxPlan } from '../../domain/channel-outbox.js';
import { channelOutboxId } from '../../domain/channel-outbox.js';
import type { UpkeepConfig } from '../../domain/config.js';
import type { AuditEntry, NotificationEvent, StagedNotification } from '../../domain/maintenance.js';
import { UpkeepError } from '../errors.js';
import type { ChannelMessage } from '../notify/channels/types.js';
import type { DeliveryRecord } from '../notify/delivery.js';
import { channelPlan, channelsFor, routingFor, wanted, type Routing } from '../notify/route.js';
import { readStagedNotification, stageNotification } from '../notify/staged.js';
import { auditEntriesPrefix } from '../store/keys.js';
import type { ArtifactStore } from '../store/store.js';
import { deliverToChannel, type ChannelPorts } from './channel-delivery.js';

type Config = Pick<UpkeepConfig, 'notify' | 'models'>;

const routingOf = (config: Config, modelId: string): Routing =>
  routingFor(
    config.notify,
    config.models.find((m) => m.id === modelId),
  );

/** Whether the model's routes carry a warning and a recovered event (the evaluation asks verdictEvents only then). */
export function verdictRoutes(config: Config, modelId: string): { warning: boolean; recovered: boolean } {
  const routing = routingOf(config, modelId);
  return { warning: wanted(routing, 'warning'), recovered: wanted(routing, 'recovered') };
}

/** Stages the event and hands its reference to the outbox of every channel that hears it; returns those channels. */
export async function routeNotification(
  store: ArtifactStore,
  config: Config,
  event: NotificationEvent,
  toOutbox: (workflowId: string, input: ChannelOutboxInput, ref: StagedNotification) => Promise<void>,
): Promise<string[]> {
  const channels = channelsFor(routingOf(config, event.modelId), event.kind).filter((c) => c in config.notify.channels);
  if (channels.length === 0) return [];
  const ref = await stageNotification(store, event);
  for (const channel of channels) await toOutbox(channelOutboxId(event.modelId, channel), { modelId: event.modelId, channel }, ref);
  return channels;
}

/** What a channel's outbox does at `at`: held until the quiet hours end, digested, or nothing (the channel left the config). */
export function outboxPlan(config: Config, modelId: string, channel: string, at: Date): OutboxPlan {
  if (!(channel in config.notify.channels)) return { gone: `channel ${channel} is no longer declared under notify.channels` };
  const { quietUntil, digestMs } = channelPlan(routingOf(config, modelId), channel, at);
  return { ...(quietUntil ? { quietUntil } : {}), ...(digestMs !== undefined ? { digestMs } : {}) };
}

/** The staged notifications delivered to one channel as one message (a digest when several), and recorded. */
export async function deliverStaged(
  ports: Omit<ChannelPorts, 'store'> & { store: ArtifactStore },
  config: Config,
  input: { modelId: string; channel: string; refs: StagedNotification[] },
  attempt: number,
): ReturnType<typeof deliverToChannel> {
  const spec = config.notify.channels[input.channel];
  if (!spec) throw new UpkeepError('InvalidConfig', `model ${input.modelId}: channel ${input.channel} is no longer declared under notify.channels`);
  const events: NotificationEvent[] = [];
  // A reference no upkeep workflow staged (signalled by someone else) is left out, not the whole digest.
  const refused: string[] = [];
  for (const ref of input.refs) {
    try {
      events.push(await readStagedNotification(ports.store, ref));
    } catch (err) {
      if (!(err instanceof UpkeepError) || (err.type !== 'InvalidRequest' && err.type !== 'InvalidData')) throw err;
      refused.push(err.message);
    }
  }
  if (events.length === 0)
    throw new UpkeepError('InvalidRequest', `model ${input.modelId}: nothing to deliver to channel ${input.channel}${refused.length ? `: ${refused[0]}` : ''}`);
  const message: ChannelMessage = { event: events.at(-1)!, ...(events.length > 1 ? { digest: events } : {}) };
  return deliverToChannel(ports, input.channel, spec, message, attempt);
}

export type { DeliveryRecord };

/** Verdicts that say whether a model is healthy; warning and insufficient-data neither raise nor clear an alert. */
const ALERTING = new Set(['degraded', 'failing']);

/**
 * The events an evaluation's verdict adds where the model's routes want them: `warning` for a
 * warning window, `recovered` for a healthy one whose latest earlier verdict (warning and
 * insufficient-data skipped) was degraded or failing.
 */
export async function verdictEvents(
  store: ArtifactStore,
  config: Config,
  input: { modelId: string; verdict: string; windowEnd: string; workflowId: string },
): Promise<{ warning?: true; recovered?: { previous: 'degraded' | 'failing'; windowEnd?: string } }> {
  const routing = routingOf(config, input.modelId);
  if (input.verdict === 'warning') return wanted(routing, 'warning') ? { warning: true } : {};
  if (input.verdict !== 'healthy' || !wanted(routing, 'recovered')) return {};
  const keys = (await store.list(auditEntriesPrefix(input.modelId, 'evaluations'))).sort().reverse();
  let best: AuditEntry | undefined;
  // Newest first by time recorded; the latest earlier window wins (a backfill may be recorded late).
  for (const key of keys.slice(0, 50)) {
    const bytes = await store.tryGet(key);
    if (!bytes) continue;
    const e = JSON.parse(new TextDecoder().decode(bytes)) as AuditEntry;
    const d = e.details ?? {};
    if (e.workflowId === input.workflowId || typeof d.verdict !== 'string' || typeof d.windowEnd !== 'string' || d.windowEnd >= input.windowEnd) continue;
    if (d.verdict !== 'healthy' && !ALERTING.has(d.verdict)) continue;
    if (!best || (d.windowEnd as string) > (best.details!.windowEnd as string)) best = e;
  }
  const previous = best?.details?.verdict;
  return previous === 'degraded' || previous === 'failing' ? { recovered: { previous, windowEnd: best!.details!.windowEnd as string } } : {};
}
