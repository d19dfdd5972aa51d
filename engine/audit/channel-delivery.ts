/**
 * One message delivered to one named channel and recorded in the model's audit trail: one
 * attempt (the activity that calls this owns retries), then one `notified` entry for that channel.
 * A message already recorded for the channel is not sent again (an attempt that died after
 * sending); another channel's delivery is never repeated by this one's retries.
 */
import type { ChannelSpec } from '../../domain/config.js';
import type { AuditEntry } from '../../domain/maintenance.js';
import { ChannelError, type ChannelMessage, type ChannelOptions, type ChannelSender } from '../notify/channels/types.js';
import { channelDelivered, channelEntry, type DeliveryRecord } from '../notify/delivery.js';
import { auditEntryKey } from '../store/keys.js';
import type { ArtifactStore } from '../store/store.js';
import { appendEntry } from './chain.js';

export type ChannelOutcome =
  | { outcome: 'done'; delivery?: DeliveryRecord }
  | { outcome: 'refused'; message: string; facts: DeliveryRecord }
  | { outcome: 'failed'; message: string; facts: DeliveryRecord };

export interface ChannelPorts {
  store: ArtifactStore;
  send: ChannelSender;
  options: ChannelOptions;
}

export async function deliverToChannel(
  ports: ChannelPorts,
  channel: string,
  spec: ChannelSpec,
  message: ChannelMessage,
  attempt: number,
): Promise<ChannelOutcome> {
  const recorded = await ports.store.tryGet(auditEntryKey(channelEntry(channel, spec.type, message)));
  if (recorded) {
    const entry = JSON.parse(new TextDecoder().decode(recorded)) as AuditEntry;
    await appendEntry(ports.store, entry); // linked, if that attempt died before it was
    const facts = entry.details?.delivery as DeliveryRecord | undefined;
    if (facts?.outcome === 'refused') return { outcome: 'refused', message: facts.error ?? entry.summary, facts };
    return { outcome: 'done', ...(facts ? { delivery: facts } : {}) };
  }
  const events = message.digest?.length ?? 1;
  try {
    const d = await ports.send(channel, spec, message, ports.options);
    const delivery = channelDelivered({ ...d, channel, type: spec.type }, attempt, events);
    await appendEntry(ports.store, channelEntry(channel, spec.type, message, delivery));
    return { outcome: 'done', delivery };
  } catch (err) {
    if (!(err instanceof ChannelError)) throw err;
    const facts: DeliveryRecord = {
      channel,
      type: spec.type,
      outcome: err.retryable ? 'gave-up' : 'refused',
      ...(err.status !== undefined ? { status: err.status } : {}),
      workerClock: new Date().toISOString(),
      attempt,
      error: err.message,
      ...(events > 1 ? { events } : {}),
    };
    if (err.retryable) return { outcome: 'failed', message: err.message, facts };
    await appendEntry(ports.store, channelEntry(channel, spec.type, message, facts));
    return { outcome: 'refused', message: err.message, facts };
  }
}
