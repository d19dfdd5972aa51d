/**
 * The data window of an evaluation: the `days` whole days before the scheduled time, as calendar
 * dates in the schedule's time zone, one file per day from the model's URI template.
 */
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

export function fillTemplate(template: string, date: string): string {
  const [yyyy, mm, dd] = date.split('-') as [string, string, string];
  return template.replaceAll('{date}', date).replaceAll('{yyyy}', yyyy).replaceAll('{mm}', mm).replaceAll('{dd}', dd);
}

export function isDatedTemplate(template: string): boolean {
  return /\{(date|yyyy|mm|dd)\}/.test(template);
}

/**
 * `skipDays` leaves out the most recent days (a training window ends where its holdout begins).
 */
export function dataWindow(opts: { template: string; end: Date; days: number; timezone: string; skipDays?: number }): DataWindow {
  const skip = opts.skipDays ?? 0;
  if (Number.isNaN(opts.end.getTime())) throw new Error('window end is not a valid time');
  const { y, m, d } = localDate(opts.end, opts.timezone);
  const days: WindowDay[] = [];
  if (isDatedTemplate(opts.template)) {
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
