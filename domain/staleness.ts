/**
 * How late a model's evaluations are: the interval of its schedule (a fixed `every`, or the
 * longest gap between two firings of its cron expression) and the rule that turns the age of the
 * last evaluation that looked at the model into fresh, late or stale (stale: older than twice the
 * interval, the watchdog's "nobody is watching").
 */
import { parseCron } from './cron.js';
import { durationMs } from './duration.js';
import type { VerdictStatus } from './evaluation.js';

export type Staleness = 'fresh' | 'late' | 'stale' | 'never';

/** Verdicts of an evaluation that looked at the model; a failing or insufficient-data window did not. */
export const LOOKED_AT: readonly VerdictStatus[] = ['healthy', 'warning', 'degraded'];

const MINUTE_MS = 60_000;
const DAY_MINUTES = 1440;
/** Days walked to find a cron's longest gap: eight years, the leap-year cycle of any day pattern (29 February). */
const CRON_SPAN_DAYS = 8 * 366;

const cronGaps = new Map<string, number>();

/**
 * The longest time between two firings of a cron expression, in UTC (a time zone's daylight
 * saving hour is ignored). Both day fields must match, as in Temporal's schedules.
 */
export function cronIntervalMs(expr: string): number {
  const known = cronGaps.get(expr);
  if (known !== undefined) return known;
  const c = parseCron(expr);
  const times = [...c.hour].sort((a, b) => a - b).flatMap((h) => [...c.minute].sort((a, b) => a - b).map((m) => h * 60 + m));
  let longest = 0;
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i]! - times[i - 1]!);
  const start = Date.UTC(2024, 0, 1);
  let previousDay: number | undefined;
  for (let day = 0; day < CRON_SPAN_DAYS; day++) {
    const d = new Date(start + day * 86_400_000);
    if (!c.month.has(d.getUTCMonth() + 1) || !c.dayOfMonth.has(d.getUTCDate()) || !c.dayOfWeek.has(d.getUTCDay())) continue;
    if (previousDay !== undefined) longest = Math.max(longest, (day - previousDay) * DAY_MINUTES + times[0]! - times.at(-1)!);
    previousDay = day;
  }
  const ms = Math.max(longest, 1) * MINUTE_MS;
  cronGaps.set(expr, ms);
  return ms;
}

/** The interval of a model's schedule: `every`, or the longest gap of its cron expression. */
export function scheduleIntervalMs(schedule: { every?: string | undefined; cron?: string | undefined }): number {
  if (schedule.every) return durationMs(schedule.every);
  if (schedule.cron) return cronIntervalMs(schedule.cron);
  throw new Error('a schedule needs every or cron');
}

/**
 * Fresh while the last evaluation is at most one interval old, plus the schedule's jitter and a
 * tenth of the interval (the run's own time); stale when older than twice the interval; late
 * between the two. `never` when nothing was evaluated.
 */
export function staleness(ageMs: number | undefined, intervalMs: number, jitterMs = 0): Staleness {
  if (ageMs === undefined) return 'never';
  if (ageMs > 2 * intervalMs) return 'stale';
  if (ageMs > intervalMs + jitterMs + intervalMs / 10) return 'late';
  return 'fresh';
}
