/**
 * Routing (docs/channels.md "Routes", "Quiet hours", "Digests"): which named channels hear an
 * event for a model, whether a channel is quiet at an instant and when that quiet period ends,
 * and whether a channel is digested. Pure: the config and the instant are arguments.
 *
 * A model's own `notify.routes`, `notify.quiet_hours` and `notify.digest` each replace the
 * top-level one when given. The webhook and the worker's log are not channels here: they hear
 * every event, as before.
 */
import type { ChannelSpec, ModelSpec, RouteEvent, UpkeepConfig } from '../../domain/config.js';
import { durationMs } from '../../domain/duration.js';
import type { NotificationKind } from '../../domain/maintenance.js';

type NotifyConfig = UpkeepConfig['notify'];
export type RouteSpec = NotifyConfig['routes'][number];
export type QuietHours = NonNullable<NotifyConfig['quiet_hours']>;
export type DigestSpec = NonNullable<NotifyConfig['digest']>;

/** The routing that applies to one model: its own fields where it has them, else the top level's. */
export interface Routing {
  channels: Record<string, ChannelSpec>;
  routes: RouteSpec[];
  quiet_hours?: QuietHours;
  digest?: DigestSpec;
  /** Where each part came from (for `upkeep check`). */
  from: { routes: 'model' | 'top-level'; quiet_hours?: 'model' | 'top-level'; digest?: 'model' | 'top-level' };
}

export function routingFor(notify: NotifyConfig, model: Pick<ModelSpec, 'notify'> | undefined): Routing {
  const own = model?.notify;
  const quiet = own?.quiet_hours ?? notify.quiet_hours;
  const digest = own?.digest ?? notify.digest;
  return {
    channels: notify.channels,
    routes: own?.routes ?? notify.routes,
    ...(quiet ? { quiet_hours: quiet } : {}),
    ...(digest ? { digest } : {}),
    from: {
      routes: own?.routes ? 'model' : 'top-level',
      ...(quiet ? { quiet_hours: own?.quiet_hours ? 'model' : 'top-level' } : {}),
      ...(digest ? { digest: own?.digest ? 'model' : 'top-level' } : {}),
    },
  } as Routing;
}

/** The channels that hear an event of this kind, each once, in the order the routes name them. */
export function channelsFor(routing: Pick<Routing, 'routes'>, kind: NotificationKind | RouteEvent): string[] {
  const out: string[] = [];
  for (const r of routing.routes) {
    // A digest goes only where a route names it: a route for every event (a pager, say) does not get it.
    if (r.on ? !r.on.includes(kind) : kind === 'digest') continue;
    for (const c of r.channels) if (!out.includes(c)) out.push(c);
  }
  return out;
}

/** Whether a route asks for this kind of event (warning and recovered are sent only then). */
export function wanted(routing: Pick<Routing, 'routes'>, kind: NotificationKind | RouteEvent): boolean {
  return channelsFor(routing, kind).length > 0;
}

/** The channels a digest covers: those it names, else every channel except PagerDuty ones (their alerts deduplicate already). */
export function digestedChannels(routing: Pick<Routing, 'channels' | 'digest'>): string[] {
  if (!routing.digest) return [];
  return routing.digest.channels ?? Object.keys(routing.channels).filter((c) => routing.channels[c]!.type !== 'pagerduty');
}

/** The digest period of a channel in milliseconds, or undefined when the channel is not digested. */
export function digestPeriodMs(routing: Pick<Routing, 'channels' | 'digest'>, channel: string): number | undefined {
  return routing.digest && digestedChannels(routing).includes(channel) ? durationMs(routing.digest.every) : undefined;
}

const MINUTE = 60_000;
const DAY_MINUTES = 1440;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes since local midnight (with the seconds as a fraction) of an instant in a time zone. */
export function localMinutes(at: Date, timeZone: string): number {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  const parts = f.formatToParts(at);
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return n('hour') * 60 + n('minute') + (n('second') + (at.getTime() % 1000) / 1000) / 60;
}

const clockMinutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether local time in the quiet hours' zone is within [from, to) (a period may cross midnight). */
export function inQuietHours(q: Pick<QuietHours, 'from' | 'to' | 'timezone'>, at: Date): boolean {
  const from = clockMinutes(q.from);
  const to = clockMinutes(q.to);
  if (from === to) return false;
  const m = localMinutes(at, q.timezone);
  return from < to ? m >= from && m < to : m >= from || m < to;
}

/**
 * When the quiet period holding `at` ends: the first instant after it whose local time is no longer
 * within the quiet hours, to the minute (undefined when `at` is not quiet). Computed on the
 * local clock, so a period across a DST change is an hour shorter or longer in real time, and a
 * `to` inside a skipped hour ends the period when that hour is over.
 */
export function quietEnd(q: Pick<QuietHours, 'from' | 'to' | 'timezone'>, at: Date): Date | undefined {
  if (!inQuietHours(q, at)) return undefined;
  const now = localMinutes(at, q.timezone);
  const ahead = (((clockMinutes(q.to) - now) % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES;
  // The end as the local clock would reach it without a DST change, then checked minute by minute
  // around it: a change moves it by at most a few hours.
  const guess = at.getTime() + ahead * MINUTE;
  let t = Math.max(at.getTime(), guess - 3 * 60 * MINUTE);
  t = Math.ceil(t / MINUTE) * MINUTE;
  for (; t <= guess + 3 * 60 * MINUTE; t += MINUTE) if (t > at.getTime() && !inQuietHours(q, new Date(t))) return new Date(t);
  // Not found near the guess (cannot happen with real zones): walk the day.
  for (t = Math.ceil(at.getTime() / MINUTE) * MINUTE; t < at.getTime() + 2 * DAY_MINUTES * MINUTE; t += MINUTE)
    if (t > at.getTime() && !inQuietHours(q, new Date(t))) return new Date(t);
  return undefined;
}

/** How one channel treats an event at an instant: held until the quiet hours end, and/or digested every period. */
export interface ChannelPlan {
  channel: string;
  /** The quiet hours hold it until then (ISO); absent when the channel is not quiet now or is exempt. */
  quietUntil?: string;
  /** At most one message per period of this many milliseconds; absent when the channel is not digested. */
  digestMs?: number;
}

/** The plan of one channel at `at`: quiet unless listed in quiet_hours.except, digested when the digest covers it. */
export function channelPlan(routing: Pick<Routing, 'channels' | 'digest' | 'quiet_hours'>, channel: string, at: Date): ChannelPlan {
  const q = routing.quiet_hours;
  const end = q && !q.except.includes(channel) ? quietEnd(q, at) : undefined;
  const digestMs = digestPeriodMs(routing, channel);
  return { channel, ...(end ? { quietUntil: end.toISOString() } : {}), ...(digestMs !== undefined ? { digestMs } : {}) };
}

/** One line per route for `upkeep check`, e.g. "pager ← degraded, failing, recovered (quiet 22:00–07:00 Europe/Berlin, except pager)". */
export function describeRouting(routing: Routing): string[] {
  if (routing.routes.length === 0) return [];
  const digested = digestedChannels(routing);
  const lines = routing.routes.map((r) => {
    const names = r.channels.map((c) => `${c} (${routing.channels[c]?.type ?? '?'}${digested.includes(c) ? `, digest every ${routing.digest!.every}` : ''})`);
    return `${names.join(', ')} ← ${r.on ? r.on.join(', ') : 'every event'}`;
  });
  const q = routing.quiet_hours;
  if (q) lines.push(`quiet ${q.from}–${q.to} ${q.timezone}${q.except.length ? `, except ${q.except.join(', ')}` : ''} (${routing.from.quiet_hours})`);
  return lines.map((l, i) => (i === 0 ? `${l}${routing.from.routes === 'model' ? ' (the model’s own routes)' : ''}` : l));
}
