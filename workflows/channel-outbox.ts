/**
 * channelOutbox: one per model and named channel (`upkeep-channel/<model>/<channel>`), started or
 * fed by signalWithStart from the routeNotification activity with the reference of a staged
 * notification. It delivers that channel's notifications in order (a PagerDuty trigger before its
 * resolve), each message by its own deliverChannel activity (retried by Temporal; another channel's
 * outbox is never affected), holds them with a durable timer through the channel's quiet hours, and
 * on a digested channel sends at most one message per period: the first at once, what arrives
 * within the period gathered into one digest at its end. The plan (quiet until, digest period) is
 * read from the config by an activity each time, so config edits apply.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  continueAsNew,
  defineSignal,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { CHANNEL_EVENT_SIGNAL, type ChannelOutboxInput } from '../domain/channel-outbox.js';
import type { StagedNotification } from '../domain/maintenance.js';
import { STEP } from './activity-options.js';
import { UpkeepModelId } from './definitions.js';
import { createTrailWriter } from './trail-writer.js';

export const channelEventSignal = defineSignal<[StagedNotification]>(CHANNEL_EVENT_SIGNAL);

const { planChannel } = proxyActivities<Activities>(STEP);

// About an hour of attempts, like deliverNotification's; a refusal (4xx, SMTP 5xx) is not retried.
const { deliverChannel } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    maximumAttempts: 20,
    nonRetryableErrorTypes: ['ChannelRefused', 'InvalidRequest', 'InvalidData', 'InvalidConfig'],
  },
});

/** Messages sent by one run before it continues as new (keeps the history short). */
const SENDS_PER_RUN = 200;

const isRef = (v: unknown): v is StagedNotification =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as StagedNotification).modelId === 'string' &&
  /^[0-9a-f]{64}$/.test(String((v as StagedNotification).sha256));

export async function channelOutbox(input: ChannelOutboxInput): Promise<{ sent: number }> {
  const { modelId, channel } = input;
  upsertSearchAttributes([{ key: UpkeepModelId, value: modelId }]);
  const queue: StagedNotification[] = [...(input.pending ?? [])];
  const seen = new Set(queue.map((r) => r.sha256));
  // Only references to this model's staged notifications; each once (the activity that routes may run twice).
  setHandler(channelEventSignal, (ref) => {
    if (!isRef(ref) || ref.modelId !== modelId || seen.has(ref.sha256)) return;
    seen.add(ref.sha256);
    queue.push({ modelId: ref.modelId, sha256: ref.sha256 });
  });
  const trail = createTrailWriter(modelId);
  let lastSent = input.lastSent ? Date.parse(input.lastSent) : undefined;
  let digestMs: number | undefined;
  let sent = 0;
  for (;;) {
    if (queue.length === 0) {
      // A digested channel stays for the rest of its period after a message, gathering what comes.
      const left = digestMs !== undefined && lastSent !== undefined ? lastSent + digestMs - Date.now() : 0;
      if (left <= 0 || !(await condition(() => queue.length > 0, left))) break;
    }
    const plan = await planChannel({ modelId, channel, at: new Date(Date.now()).toISOString() });
    if (plan.gone) {
      trail.record('failure', `${queue.length} notification(s) for channel ${channel} not delivered: ${plan.gone}`, {
        details: { channel, notifications: queue.splice(0).map((r) => r.sha256) },
      });
      break;
    }
    if (plan.quietUntil && Date.parse(plan.quietUntil) > Date.now()) {
      await sleep(Date.parse(plan.quietUntil) - Date.now());
      continue;
    }
    digestMs = plan.digestMs;
    if (digestMs !== undefined && lastSent !== undefined && Date.now() < lastSent + digestMs) {
      await sleep(lastSent + digestMs - Date.now());
      continue;
    }
    const batch = queue.splice(0);
    for (const refs of digestMs !== undefined ? [batch] : batch.map((r) => [r])) {
      try {
        await deliverChannel({ modelId, channel, refs });
      } catch (err) {
        const why = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
        const facts =
          err instanceof ActivityFailure && err.cause instanceof ApplicationFailure
            ? (err.cause.details?.[0] as Record<string, unknown> | undefined)
            : undefined;
        const delivery = {
          channel,
          ...(facts && typeof facts === 'object' ? facts : {}),
          outcome: facts?.outcome === 'refused' ? 'refused' : 'gave-up',
          error: why,
        };
        // A refusal is recorded by the activity itself; giving up is recorded here, once per message.
        if (delivery.outcome === 'gave-up')
          trail.record('failure', `notification not delivered to channel ${channel}: ${why}`, {
            details: { channel, notifications: refs.map((r) => r.sha256), delivery },
          });
      }
    }
    lastSent = Date.now();
    sent += 1;
    if (sent >= SENDS_PER_RUN) {
      await trail.flush();
      await continueAsNew<typeof channelOutbox>({ modelId, channel, lastSent: new Date(lastSent).toISOString(), pending: queue.splice(0) });
    }
  }
  await trail.flush();
  return { sent };
}
