/** The channels notifications go to, and the events routes carry (docs/channels.md); part of `notify:` in upkeep.yaml. */
import * as z from 'zod';
import { isKnownTimeZone } from './cron.js';
import { positiveDuration } from './duration-schema.js';

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

/** A time zone name as the schedules take it (IANA, e.g. Europe/Berlin). */
const timeZone = z.string().superRefine((tz, ctx) => {
  if (!isKnownTimeZone(tz))
    ctx.addIssue({ code: 'custom', message: `unknown time zone ${JSON.stringify(tz)} (expected an IANA name such as UTC or Europe/Berlin)` });
});

/** A clock time of day, HH:MM (24 h). */
const clockTime = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'expected a time of day as HH:MM (24 h), e.g. 22:00');

/** Which channels hear which events. */
const routeSpec = z.strictObject({
  channels: z.array(z.string().min(1)).min(1),
  /** The events this route carries; default every event. */
  on: z.array(z.enum(ROUTE_EVENTS)).min(1).optional(),
});

/** Notifications held during these hours and delivered when they end (except on the listed channels, e.g. the pager). */
const quietHours = z.strictObject({
  from: clockTime,
  to: clockTime,
  timezone: timeZone.default('UTC'),
  /** Channels that are never held (default none). */
  except: z.array(z.string().min(1)).default([]),
});

/** A channel hears at most one message per model per period: the rest are gathered into one digest. */
const digestSpec = z.strictObject({
  every: positiveDuration,
  /** Channels digested (default every channel except pagerduty ones, whose alerts are deduplicated already). */
  channels: z.array(z.string().min(1)).optional(),
});

/** A model's own routing (overrides the top-level routes, quiet hours and digest when given). */
export const modelNotifySpec = z.strictObject({
  routes: z.array(routeSpec).optional(),
  quiet_hours: quietHours.optional(),
  digest: digestSpec.optional(),
});

/** `notify:` in upkeep.yaml: the webhook, the named channels and where each event goes. */
export const notifySettings = z
  .strictObject({
    /** JSON POST (with a Slack-compatible `text`) for every notification; always logged as well. */
    webhook: z.url({ protocol: /^https?$/ }).optional(),
    /** Named channels (docs/channels.md): PagerDuty, email, Slack. */
    channels: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'expected a channel name of lowercase letters, digits, _ or -'), channelSpec).default({}),
    /** Which channels hear which events, for every model without its own notify.routes; default none (the webhook and log hear everything). */
    routes: z.array(routeSpec).default([]),
    quiet_hours: quietHours.optional(),
    digest: digestSpec.optional(),
  })
  .default({ channels: {}, routes: [] });
