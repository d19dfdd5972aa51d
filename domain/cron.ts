/**
 * Cron expressions as the config writes them (5 fields: minute hour day-of-month month
 * day-of-week, or @hourly/@daily/@weekly/@monthly/@yearly), checked at load so a typo or a
 * schedule that never fires is refused with a message instead of failing later.
 */

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** First value a name stands for (months start at 1). */
  nameBase?: number;
}

const FIELDS: FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAYS, nameBase: 0 },
];

export interface CronFields {
  minute: Set<number>;
  hour: Set<number>;
  dayOfMonth: Set<number>;
  month: Set<number>;
  dayOfWeek: Set<number>;
}

function value(text: string, f: FieldSpec): number {
  const named = f.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + f.nameBase!;
  if (!/^\d+$/.test(text)) throw new Error(`${f.name}: ${JSON.stringify(text)} is not a number`);
  const n = Number(text);
  if (n < f.min || n > f.max) throw new Error(`${f.name}: ${n} is outside ${f.min}-${f.max}`);
  return n;
}

function field(text: string, f: FieldSpec): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined || range === '' || range === undefined) throw new Error(`${f.name}: ${JSON.stringify(part)} is malformed`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) throw new Error(`${f.name}: step ${JSON.stringify(stepText)} must be a whole number ≥ 1`);
      step = Number(stepText);
    }
    let lo: number;
    let hi: number;
    if (range === '*') {
      lo = f.min;
      hi = f.max;
    } else if (range.includes('-')) {
      const [a, b, more] = range.split('-');
      if (more !== undefined || !a || !b) throw new Error(`${f.name}: ${JSON.stringify(range)} is malformed`);
      lo = value(a, f);
      hi = value(b, f);
      if (lo > hi) throw new Error(`${f.name}: range ${range} runs backwards`);
    } else {
      lo = value(range, f);
      hi = stepText !== undefined ? f.max : lo;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/** Parses a cron expression; throws an Error whose message names the field at fault. */
export function parseCron(expr: string): CronFields {
  const text = MACROS[expr.trim().toLowerCase()] ?? expr.trim();
  if (text.startsWith('@')) throw new Error(`unknown cron macro ${JSON.stringify(expr)}`);
  const parts = text.split(/\s+/);
  if (parts.length !== 5) throw new Error(`expected 5 fields (minute hour day-of-month month day-of-week), found ${parts.length}`);
  const [mi, h, dom, mo, dow] = parts.map((p, i) => field(p, FIELDS[i]!)) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  if (dow.has(7)) dow.add(0); // 7 is Sunday too
  return {
    minute: mi,
    hour: h,
    dayOfMonth: dom,
    month: mo,
    dayOfWeek: dow,
  };
}

const DAY_MS = 86_400_000;
/**
 * The Gregorian calendar repeats every 400 years: 146,097 days, a whole number of weeks, so the
 * same dates fall on the same weekdays again. A pair (date, weekday) that occurs at all occurs
 * within one cycle, and the days a cron expression fires on repeat with it.
 */
export const CALENDAR_CYCLE_YEARS = 400;
export const CALENDAR_CYCLE_DAYS = 146_097;

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The days (UTC midnight, in milliseconds) whose month, day of month and day of week match the
 * expression, in order, over one whole calendar cycle from 1 January of `fromYear`. Both day fields
 * must match, as in Temporal's schedules (`0 0 13 * 5` is Friday the 13th, not every Friday and
 * every 13th). Walks only the matching months and days of month, with the weekday by arithmetic.
 */
export function* cronDays(c: CronFields, fromYear = 2000): Generator<number> {
  const months = [...c.month].sort((a, b) => a - b);
  const days = [...c.dayOfMonth].sort((a, b) => a - b);
  for (let y = fromYear; y < fromYear + CALENDAR_CYCLE_YEARS; y++) {
    for (const m of months) {
      const length = m === 2 && isLeap(y) ? 29 : MONTH_DAYS[m - 1]!;
      const first = Date.UTC(y, m - 1, 1);
      for (const d of days) {
        if (d > length) break;
        const t = first + (d - 1) * DAY_MS;
        // 1 January 1970 was a Thursday (4)
        if (c.dayOfWeek.has((((Math.floor(t / DAY_MS) + 4) % 7) + 7) % 7)) yield t;
      }
    }
  }
}

const CUMULATIVE_DAYS = MONTH_DAYS.reduce<number[]>((acc, d, i) => [...acc, acc[i]! + d], [0]);

/** The matching days of a year (offsets from 1 January, in order), given its length and the weekday of 1 January. */
function yearMatches(c: CronFields, leap: boolean, jan1: number): number[] {
  const out: number[] = [];
  const months = [...c.month].sort((a, b) => a - b);
  const days = [...c.dayOfMonth].sort((a, b) => a - b);
  for (const m of months) {
    const length = m === 2 && leap ? 29 : MONTH_DAYS[m - 1]!;
    const before = CUMULATIVE_DAYS[m - 1]! + (leap && m > 2 ? 1 : 0);
    for (const d of days) {
      if (d > length) break;
      const offset = before + d - 1;
      if (c.dayOfWeek.has((jan1 + offset) % 7)) out.push(offset);
    }
  }
  return out;
}

/**
 * The longest run of days from one matching day to the next (1 for every day), over the whole
 * calendar cycle and across its end; undefined when no day matches. Exact and fast: a year's
 * matching days depend only on its length and the weekday of its 1 January (14 kinds of year), so
 * each kind is worked out once and the 400 years are walked a year at a time.
 */
export function longestDayGap(c: CronFields): number | undefined {
  const kinds = new Map<number, { days: number[]; inner: number }>();
  let jan1 = (Math.floor(Date.UTC(2000, 0, 1) / DAY_MS) + 4) % 7;
  let gap = 0;
  let leading: number | undefined; // days from the cycle's start to its first matching day
  let sinceLast = 0; // days from the last matching day to the end of the years walked
  let walked = 0;
  for (let y = 2000; y < 2000 + CALENDAR_CYCLE_YEARS; y++) {
    const leap = isLeap(y);
    const key = (leap ? 7 : 0) + jan1;
    let kind = kinds.get(key);
    if (!kind) {
      const days = yearMatches(c, leap, jan1);
      let inner = 0;
      for (let i = 1; i < days.length; i++) inner = Math.max(inner, days[i]! - days[i - 1]!);
      kind = { days, inner };
      kinds.set(key, kind);
    }
    const length = leap ? 366 : 365;
    if (kind.days.length > 0) {
      if (leading === undefined) leading = walked + kind.days[0]!;
      else gap = Math.max(gap, sinceLast + kind.days[0]!);
      gap = Math.max(gap, kind.inner);
      sinceLast = length - kind.days.at(-1)!;
    } else if (leading !== undefined) sinceLast += length;
    walked += length;
    jan1 = (jan1 + length) % 7;
  }
  if (leading === undefined) return undefined;
  // Across the cycle's end: from its last matching day to the next cycle's first.
  return Math.max(gap, sinceLast + leading);
}

/**
 * Whether some calendar day matches the day fields (minutes and hours always match some time of a
 * matching day). Exact: one calendar cycle holds every date and weekday pair there is (29 February
 * falls on a Monday in 2044, 28 years after 2016).
 */
export function cronHasNextRun(c: CronFields): boolean {
  return !cronDays(c).next().done;
}

/** Undefined when the expression is fine, else why not (one line). */
export function cronProblem(expr: string): string | undefined {
  let c: CronFields;
  try {
    c = parseCron(expr);
  } catch (err) {
    return `malformed cron ${JSON.stringify(expr)}: ${(err as Error).message}`;
  }
  if (!cronHasNextRun(c)) return `cron ${JSON.stringify(expr)} never fires (no calendar day matches its day and month fields)`;
  return undefined;
}

/** Whether the runtime knows the IANA time zone. */
export function isKnownTimeZone(tz: string): boolean {
  // The default needs no look-up: the first Intl.DateTimeFormat loads the time zone data, a tenth
  // of `upkeep evaluate`'s start-up.
  if (tz === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
