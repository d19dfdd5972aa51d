/**
 * The channel transports (docs/channels.md): `sendToChannel` delivers one message to one named
 * channel in one attempt, by the channel's type. The caller (the delivery activity) owns retries,
 * guided by ChannelError.retryable, and records each delivery in the audit trail.
 */
import { sendEmail } from './email.js';
import type { SendOptions } from './options.js';
import { sendPagerDuty } from './pagerduty.js';
import { sendSlack } from './slack.js';
import type { ChannelDelivery, ChannelMessage, ChannelSender } from './types.js';
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
