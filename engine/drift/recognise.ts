/**
 * Date, time and identifier columns: every new window of a daily feed has new dates, new
 * timestamps and new ids, so such a column "drifts", shows "new categories" and falls "out of
 * range" every time by construction. They are recognised once, on the reference (its rows in
 * order), recorded in the profile (`recognised`), and then neither drift-tested nor watched as
 * categories; a date or timestamp column can be the window's time column. Pure. Rules and what
 * overrides them: docs/statistics/drift.md, "Date, time and identifier columns".
 */
import type { RecognisedColumn } from '../../domain/reports.js';
import type { Column } from '../data/table.js';
import { profileColumn } from './profile-columns.js';
import type { ColumnProfile, ReferenceProfile } from './profile-schema.js';

export type { RecognisedColumn };
export type RecognisedKind = RecognisedColumn['kind'];

/** Fewer non-missing values than this are never recognised (too little to tell). */
export const MIN_RECOGNISED_VALUES = 20;
/** A text column is an identifier when at least this share of its values are distinct. */
export const IDENTIFIER_DISTINCT_SHARE = 0.9;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/;

function validDate(y: string, m: string, d: string): boolean {
  const month = Number(m);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(Number(y), month, 0)).getUTCDate();
}

/** 'date', 'timestamp' or undefined for one text value. */
function textTimeKind(v: string): 'date' | 'timestamp' | undefined {
  let m = ISO_DATE.exec(v);
  if (m) return validDate(m[1]!, m[2]!, m[3]!) ? 'date' : undefined;
  m = ISO_TIMESTAMP.exec(v);
  if (m && validDate(m[1]!, m[2]!, m[3]!) && Number(m[4]) < 24 && Number(m[5]) < 60 && (m[6] === undefined || Number(m[6]) < 61)) return 'timestamp';
  return undefined;
}

/** Unix time units and the seconds they hold: values that read as a time between 1980 and 2100. */
const EPOCH_UNITS: [string, number][] = [
  ['seconds', 1],
  ['milliseconds', 1e-3],
  ['microseconds', 1e-6],
  ['nanoseconds', 1e-9],
];
const EPOCH_FROM = Date.UTC(1980, 0, 1) / 1000;
const EPOCH_TO = Date.UTC(2100, 0, 1) / 1000;

function epochUnit(min: number, max: number): { unit: string; scale: number } | undefined {
  for (const [unit, scale] of EPOCH_UNITS) if (min * scale >= EPOCH_FROM && max * scale < EPOCH_TO) return { unit, scale };
  return undefined;
}

function isoDay(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

/**
 * Text values (distinct, with their counts; the kept ones when a profile folded the rarest):
 * dates or timestamps when every one of them is, else an identifier when at least 90% of the
 * `count` values are distinct.
 */
function recogniseText(column: string, distinct: [string, number][], count: number, uniques: number): RecognisedColumn | undefined {
  if (count < MIN_RECOGNISED_VALUES) return undefined;
  let stamps = 0;
  let first: string | undefined;
  let last: string | undefined;
  let time = distinct.length > 0;
  for (const [v, n] of distinct) {
    const kind = textTimeKind(v);
    if (kind === undefined) {
      time = false;
      break;
    }
    if (kind === 'timestamp') stamps += n;
    if (first === undefined || v < first) first = v;
    if (last === undefined || v > last) last = v;
  }
  if (time) {
    const kind = stamps > 0 ? 'timestamp' : 'date';
    return { column, kind, why: `every value is an ISO 8601 ${kind === 'date' ? 'date' : 'date and time'} (${first} … ${last})` };
  }
  if (uniques >= IDENTIFIER_DISTINCT_SHARE * count) {
    return { column, kind: 'identifier', why: `${uniques} of ${count} values are distinct: text that names rows, not a category` };
  }
  return undefined;
}

/**
 * What a reference column is, from its values in row order and its profile (built here when not
 * given): an ISO date or timestamp text column; a number column that rises with the rows and reads
 * as Unix time (1980–2100, in seconds, milliseconds, micro- or nanoseconds): a timestamp; an
 * integer column whose values are all distinct and either rise with the rows or fill at least half
 * of their range (row numbers, ids): an identifier; a text column with at least 90% distinct
 * values: an identifier. Undefined otherwise. One pass over a number column, nothing sorted: the
 * profile has the distinct count. A text column whose profile kept only its most frequent
 * categories is judged on those.
 */
export function recogniseColumn(name: string, column: Column, profile: ColumnProfile = profileColumn(column)): RecognisedColumn | undefined {
  if (column.kind === 'boolean') return undefined;
  if (profile.kind === 'categorical') return column.kind === 'string' ? recogniseProfileColumn(name, profile) : undefined;
  if (column.kind !== 'number' || profile.count < MIN_RECOGNISED_VALUES || profile.min === null || profile.max === null || profile.min === profile.max) {
    return undefined;
  }
  const { min, max, count } = profile;
  const { values, nulls } = column;
  let rising = true;
  let strictly = true;
  let prev = -Infinity;
  for (let i = 0; i < values.length && rising; i++) {
    if (nulls !== undefined && nulls[i] === 1) continue;
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < prev) rising = strictly = false;
    else if (v === prev) strictly = false;
    prev = v;
  }
  const epoch = epochUnit(min, max);
  if (rising && epoch) {
    return {
      column: name,
      kind: 'timestamp',
      why: `values rise with the rows and read as Unix time in ${epoch.unit} (${isoDay(min * epoch.scale)} … ${isoDay(max * epoch.scale)})`,
    };
  }
  if (column.sourceType !== 'int' || profile.uniques !== count) return undefined;
  const dense = max - min + 1 <= 2 * count;
  if (!strictly && !dense) return undefined;
  return {
    column: name,
    kind: 'identifier',
    why: `all ${count} integers are distinct and ${strictly ? 'rise with the rows' : `fill ${Math.round((100 * count) / (max - min + 1))}% of their range`}: row numbers or ids, not a measurement`,
  };
}

/**
 * The same from a stored column profile alone, as for profiles written before `recognised` was
 * recorded: only what the profile shows (text dates, timestamps and near-unique text); the row
 * order is gone, so numeric timestamps and ids are not guessed.
 */
export function recogniseProfileColumn(name: string, profile: ColumnProfile): RecognisedColumn | undefined {
  if (profile.kind !== 'categorical' || profile.sourceType !== 'string') return undefined;
  return recogniseText(name, Object.entries(profile.counts), profile.count, profile.uniques);
}

/**
 * The recognised columns of a reference profile: as recorded when it was built, else (an older
 * profile) recognised from what it holds. The label is never one.
 */
export function recognisedColumns(profile: ReferenceProfile): RecognisedColumn[] {
  if (profile.recognised !== undefined) return profile.recognised;
  return Object.entries(profile.columns).flatMap(([name, col]) => {
    if (name === profile.label?.column) return [];
    const r = recogniseProfileColumn(name, col);
    return r ? [r] : [];
  });
}

/** Date and timestamp columns of a reference: the candidates for a window's time column. */
export function detectTimeColumns(profile: ReferenceProfile): string[] {
  return recognisedColumns(profile)
    .filter((r) => r.kind === 'date' || r.kind === 'timestamp')
    .map((r) => r.column);
}
