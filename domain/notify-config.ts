/** The channels notifications go to, and the events routes carry (docs/channels.md); part of `notify:` in upkeep.yaml. */
import * as z from 'zod';

/** What a route can be about: every notification kind, plus a warning verdict and a model healthy again after an alert. */
export const ROUTE_EVENTS = [
  'degraded',
  'failing',
  'warning',
  'recovered',
  'approval-requested',
  'reminder',
  'escalation',
  'expired',
  'decision',
  'not-recommended',
  'promoted',
  'rolled-back',
  'failure',
  'watchdog',
  /** The weekly maintenance digest (docs/governance.md#the-weekly-digest): sent only where a route names it. */
  'digest',
] as const;
export type RouteEvent = (typeof ROUTE_EVENTS)[number];

/** A named destination for notifications (docs/channels.md). Secrets are read from files, never written in the config. */
export const channelSpec = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('pagerduty'),
      /** A file holding the Events API v2 integration (routing) key, relative to the config. */
      routing_key_file: z.string().min(1),
      /** The Events API v2 endpoint; default https://events.pagerduty.com/v2/enqueue (a stand-in in tests). */
      url: z.url({ protocol: /^https?$/ }).optional(),
    }),
    z.strictObject({
      type: z.literal('email'),
      /** smtp://host:port (STARTTLS when offered) or smtps://host:port (TLS from the start). No credentials in it. */
      smtp: z.string().regex(/^smtps?:\/\/[^/@:\s]+(:[0-9]{1,5})?\/?$/, 'expected smtp://host:port or smtps://host:port, without user or password'),
      from: z.string().min(3),
      /** Addresses always written to, besides the people the notification is for who look like addresses. */
      to: z.array(z.string().min(3)).default([]),
      user: z.string().min(1).optional(),
      /** A file holding the SMTP password, relative to the config. */
      password_file: z.string().min(1).optional(),
    }),
    z.strictObject({
      type: z.literal('slack'),
      /** A file holding the Slack incoming-webhook URL (the URL is the secret), relative to the config. */
      webhook_file: z.string().min(1),
    }),
  ],
  { error: 'expected a channel with type pagerduty, email or slack' },
);
export type ChannelSpec = z.infer<typeof channelSpec>;
