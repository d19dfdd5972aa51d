/**
 * The channel transports (docs/channels.md): `sendToChannel` delivers one message to one named
 * channel in one attempt, by the channel's type. The caller (the delivery activity) owns retries,
 * guided by ChannelError.retryable, and records each delivery in the audit trail.
 */
import { emailSettings, sendEmail } from './email.js';
import type { SendOptions } from './options.js';
import { pagerDutyUrl, readRoutingKey, sendPagerDuty } from './pagerduty.js';
import { readSecretFile } from './secret.js';
import { sendSlack, webhookUrl } from './slack.js';
import { ChannelError, type ChannelDelivery, type ChannelMessage, type ChannelSender } from './types.js';
import type { ChannelSpec } from '../../../domain/config.js';

export { ChannelError, type ChannelDelivery, type ChannelMessage, type ChannelOptions, type ChannelSender } from './types.js';
export type { SendOptions } from './options.js';
export { dedupKey, pagerDutyEvent } from './pagerduty.js';
export { slackMessage } from './slack.js';
export { emailContent } from './email.js';

/** Delivers one message to one channel (one attempt); throws ChannelError when it was not accepted. */
export const sendToChannel = ((name: string, spec: ChannelSpec, message: ChannelMessage, opts: SendOptions): Promise<ChannelDelivery> => {
  switch (spec.type) {
    case 'pagerduty':
      return sendPagerDuty(name, spec, message, opts);
    case 'email':
      return sendEmail(name, spec, message, opts);
    case 'slack':
      return sendSlack(name, spec, message, opts);
  }
}) satisfies ChannelSender;

/**
 * What keeps a channel from delivering that can be known without sending (for `upkeep check`):
 * its secret file (present, only its owner may read it, the right shape), its URL or server, its
 * addresses. Undefined when nothing is wrong; else one line naming the channel and the field.
 */
export async function checkChannel(name: string, spec: ChannelSpec, configDir: string): Promise<string | undefined> {
  try {
    switch (spec.type) {
      case 'pagerduty':
        pagerDutyUrl(name, spec);
        await readRoutingKey(name, spec, configDir);
        break;
      case 'email':
        await emailSettings(name, spec, configDir);
        break;
      case 'slack':
        webhookUrl(name, await readSecretFile(name, 'webhook_file', spec.webhook_file, configDir));
        break;
    }
    return undefined;
  } catch (err) {
    if (err instanceof ChannelError) return err.message;
    throw err;
  }
}
