/**
 * How late a model's evaluations are: the interval of its schedule (a fixed `every`, or the
 * longest gap between two firings of its cron expression) and the rule that turns the age of the
 * last evaluation that looked at the model into fresh, late or stale (stale: older than twice the
 * interval, the watchdog's "nobody is watching").
 */
import { longestDayGap, parseCron } from './cron.js';
import { durationMs } from './duration.js';
import type { VerdictStatus } from './evaluation.js';

export type Staleness = 'fresh' | 'late' | 'stale' | 'never';

/** Verdicts of an evaluation that looked at the model; a failing or insufficient-data window did not. */
export const LOOKED_AT: readonly VerdictStatus[] = ['healthy', 'warning', 'degraded'];

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

const cronGaps = new Map<string, number>();

/**
 * The longest gap between two consecutive firings of a cron expression, on the wall clock (a
 * daylight-saving change moves it by an hour at most). The longest, not the usual one: `0 6 * * 1-5`
 * has a 3-day gap over the weekend, and a model evaluated on weekdays is not stale on Monday.
 * Both day fields must match, as in Temporal's schedules. A cron that never fires is an error.
 */
export function cronIntervalMs(expr: string): number {
  const known = cronGaps.get(expr);
  if (known !== undefined) return known;
  const c = parseCron(expr);
  const minutes = [...c.hour].sort((a, b) => a - b).flatMap((h) => [...c.minute].sort((a, b) => a - b).map((m) => h * 60 + m));
  if (minutes.length === 0) throw new Error(`cron ${JSON.stringify(expr)} never fires`);
  let gap = 0;
  for (let i = 1; i < minutes.length; i++) gap = Math.max(gap, (minutes[i]! - minutes[i - 1]!) * MINUTE_MS);
  // Between days: from a matching day's last time to the next matching day's first, over one
  // whole calendar cycle (the days repeat with it) and across its end.
  const days = longestDayGap(c);
  if (days === undefined) throw new Error(`cron ${JSON.stringify(expr)} never fires`);
  gap = Math.max(gap, days * DAY_MS + (minutes[0]! - minutes.at(-1)!) * MINUTE_MS);
  cronGaps.set(expr, gap);
  return gap;
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

/** The registry's champion as staleness sees it: only evaluations of this version, since it took over, count. */
export interface ChampionEra {
  version: string;
  /** When it became champion. */
  since: string;
  change: 'initial' | 'promotion' | 'rollback';
}

/**
 * Whether an evaluation's audit entry looked at the current champion: a verdict in LOOKED_AT,
 * recorded since the champion took over, of its version (an entry that names no version, from
 * before versions were recorded: by its time alone). Without a champion (nothing promoted: the
 * config's artifact runs) every evaluation that looked at the model counts. The same rule for
 * `upkeep status` and the watchdog: after a promotion the model is not fresh until the new
 * champion has been evaluated.
 */
export function lookedAtChampion(
  entry: { at: string; details?: Record<string, unknown> | undefined },
  champion?: Pick<ChampionEra, 'version' | 'since'>,
): boolean {
  const verdict = entry.details?.verdict;
  if (typeof verdict !== 'string' || !LOOKED_AT.includes(verdict as VerdictStatus)) return false;
  if (!champion) return true;
  if (Date.parse(entry.at) < Date.parse(champion.since)) return false;
  const version = entry.details?.version;
  return typeof version !== 'string' || version === champion.version;
}

/** How a champion came to be, in words: "promoted", "restored by a rollback", "made champion". */
export function championChange(change: ChampionEra['change']): string {
  return change === 'promotion' ? 'promoted' : change === 'rollback' ? 'restored by a rollback' : 'made champion';
}
