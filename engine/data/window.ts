/**
 * The data window of an evaluation: the `days` whole days before the scheduled time, as calendar
 * dates in the schedule's time zone, one file per day from the model's URI template.
 */
import { sqlKind } from '../../domain/sql.js';
import type { RangeFile } from '../open-regular.js';
import type { DataFormat } from './table.js';

export interface WindowDay {
  date: string; // YYYY-MM-DD
  uri: string;
}

export interface DataWindow {
  /** First day (inclusive) and last day (inclusive), YYYY-MM-DD. */
  firstDay: string;
  lastDay: string;
  /** The scheduled time the window ends at (ISO 8601). */
  end: string;
  timezone: string;
  days: WindowDay[];
}

function localDate(instant: Date, timeZone: string): { y: number; m: number; d: number } {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(instant);
  } catch {
    throw new Error(`unknown time zone ${timeZone}`);
  }
  const get = (type: string): number => Number(parts.find((p) => p.type === type)!.value);
  return { y: get('year'), m: get('month'), d: get('day') };
}

function iso(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** The calendar date (YYYY-MM-DD) an instant falls on in a time zone. */
export function localDay(instant: Date, timeZone: string): string {
  const { y, m, d } = localDate(instant, timeZone);
  return iso(y, m, d);
}

/** The calendar date after `date` (YYYY-MM-DD). */
export function nextDay(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  return iso(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate());
}

export function fillTemplate(template: string, date: string): string {
  const [yyyy, mm, dd] = date.split('-') as [string, string, string];
  return template.replaceAll('{date}', date).replaceAll('{yyyy}', yyyy).replaceAll('{mm}', mm).replaceAll('{dd}', dd);
}

export function isDatedTemplate(template: string): boolean {
  return /\{(date|yyyy|mm|dd)\}/.test(template);
}

/** How far the time zone's clock is ahead of UTC at an instant, in milliseconds. */
function zoneOffsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(instant));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)!.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - (instant - (instant % 1000));
}

/** The instant a calendar date's clock reads `00:00` in a time zone (the first instant of the day on a day that skips midnight). */
function localMidnight(date: string, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d);
  // Twice: the offset at the guess may differ from the offset at midnight (a change of clocks between).
  let t = wall - zoneOffsetMs(wall, timeZone);
  t = wall - zoneOffsetMs(t, timeZone);
  return new Date(t);
}

/**
 * The bounds a query reads for one day of a window (docs/sql-sources.md): [that day's 00:00,
 * the next day's 00:00) on the schedule's clock, as instants; 23 or 25 hours on a change of clocks.
 */
export function dayBounds(date: string, timeZone: string): { start: Date; end: Date } {
  return { start: localMidnight(date, timeZone), end: localMidnight(nextDay(date), timeZone) };
}

/**
 * `skipDays` leaves out the most recent days (a training window ends where its holdout begins).
 */
export function dataWindow(opts: { template: string; end: Date; days: number; timezone: string; skipDays?: number }): DataWindow {
  const skip = opts.skipDays ?? 0;
  if (Number.isNaN(opts.end.getTime())) throw new Error('window end is not a valid time');
  const { y, m, d } = localDate(opts.end, opts.timezone);
  const days: WindowDay[] = [];
  // A query is read day by day like a dated template (each day's uri is the database's).
  if (isDatedTemplate(opts.template) || sqlKind(opts.template)) {
    for (let back = opts.days + skip; back >= skip + 1; back--) {
      const day = new Date(Date.UTC(y, m - 1, d - back));
      const date = iso(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate());
      days.push({ date, uri: fillTemplate(opts.template, date) });
    }
  } else {
    if (skip > 0) throw new Error('the data URI has no {date}, so a training window cannot be kept apart from the holdout');
    // An undated source is one file that always holds the current window.
    const prev = new Date(Date.UTC(y, m - 1, d - 1));
    days.push({ date: iso(prev.getUTCFullYear(), prev.getUTCMonth() + 1, prev.getUTCDate()), uri: opts.template });
  }
  return { firstDay: days[0]!.date, lastDay: days[days.length - 1]!.date, end: opts.end.toISOString(), timezone: opts.timezone, days };
}

/** One file of a window, read whole or by range. */
export interface WindowFile {
  /** Short name used in messages and reports (e.g. 2026-11-20.csv). */
  name: string;
  format: DataFormat;
  load(): Promise<Uint8Array>;
  /** Reads by range (Parquet: the footer, then a row group at a time) instead of loading the whole file. */
  open?(): Promise<RangeFile>;
  /** Rows the file (or its range) holds, when known (a snapshot's count): the window's arrays are then sized once. */
  rows?: number;
  /** Only these row groups of a Parquet file (an evaluation shard's range); all by default. */
  rowGroups?: { start: number; end: number };
}
