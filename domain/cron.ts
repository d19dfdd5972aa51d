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

/**
 * Whether some calendar day within `years` years of `from` matches the day fields (minutes and
 * hours always match some time of a matching day). Temporal's schedules require both day fields
 * to match (`0 0 13 * 5` is Friday the 13th, not every Friday and every 13th).
 */
export function cronHasNextRun(c: CronFields, from = new Date(Date.UTC(2024, 0, 1)), years = 8): boolean {
  const start = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
  for (let day = 0; day < years * 366; day++) {
    const d = new Date(start + day * 86_400_000);
    if (!c.month.has(d.getUTCMonth() + 1)) continue;
    const domOk = c.dayOfMonth.has(d.getUTCDate());
    const dowOk = c.dayOfWeek.has(d.getUTCDay());
    if (domOk && dowOk) return true;
  }
  return false;
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
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
