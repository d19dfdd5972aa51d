/**
 * Schema and data-quality checks of a current window against the reference profile: missing,
 * unexpected and retyped columns, new categories, null-rate increases, values out of the
 * reference range, constant columns. Pure. What each finding means and when it is a break:
 * docs/statistics/drift.md, "Schema and data-quality checks".
 */
import type { Column, Table } from '../data/table.js';
import type { ColumnType, QualityIssue, QualityReport } from '../../domain/reports.js';
import { countColumnCategories } from './categories.js';
import { expectedOutOfRange, newCategoryChance, outOfRangeTail } from './chance.js';
import { allMissingChance, constantChance, countOf, misfits, nullRiseChance, profileValues, typeChance } from './quality-chance.js';
import { recognisedColumns } from './recognise.js';
import type { CategoricalColumnProfile, ColumnProfile, NumericColumnProfile, ReferenceProfile, SourceType } from './profile-schema.js';

export interface QualityOptions {
  /** Model inputs and the label: their absence or kind change is a schema break. */
  requiredColumns: string[];
  /** Largest tolerated absolute increase of a null rate (default 0.1). */
  nullRateIncrease?: number;
  /** Largest tolerated share of values outside the reference [min, max] (default 0.01). */
  outOfRangeShare?: number;
  /**
   * Chance of an out-of-range warning on unchanged data, for all numeric columns together
   * (default 0.01): a column warns only when its count outside the range has a chance below
   * outOfRangeAlpha / (numeric columns checked) of happening with no change.
   */
  outOfRangeAlpha?: number;
  /** Smallest share of current rows carrying new categories that can warn (default 0.01). */
  newCategoryShare?: number;
  /**
   * Chance of a new-category warning on unchanged data, for all categorical columns together
   * (default 0.01, Bonferroni over the columns checked).
   */
  newCategoryAlpha?: number;
  /**
   * Chance of a null-rate warning on unchanged data, for all columns together (default 0.01): a
   * rise warns only when it is above nullRateIncrease AND Fisher's exact test puts it below
   * nullRateAlpha / (columns checked).
   */
  nullRateAlpha?: number;
  /** Chance of a constant-column warning on unchanged data, for all columns together (default 0.01, Bonferroni). */
  constantAlpha?: number;
  /** Chance of a type-change warning on unchanged data, for all columns together (default 0.01, Bonferroni). */
  typeChangeAlpha?: number;
  /**
   * Date, time and identifier columns: checked for presence and null rate only, never for type,
   * categories, range or constancy (default: those the reference profile recognised).
   */
  recognised?: string[];
  /** Columns the current data has even when `current` holds no summary of them (e.g. recognised ones not sketched). */
  fileColumns?: string[];
}

export const DEFAULT_NULL_RATE_INCREASE = 0.1;
export const DEFAULT_OUT_OF_RANGE_SHARE = 0.01;
export const DEFAULT_OUT_OF_RANGE_ALPHA = 0.01;
export const DEFAULT_NEW_CATEGORY_SHARE = 0.01;
export const DEFAULT_NEW_CATEGORY_ALPHA = 0.01;
export const DEFAULT_NULL_RATE_ALPHA = 0.01;
export const DEFAULT_CONSTANT_ALPHA = 0.01;
export const DEFAULT_TYPE_CHANGE_ALPHA = 0.01;
/** At most this many new categories are listed per column. */
export const MAX_LISTED_CATEGORIES = 20;

export type { ColumnType, QualityIssue, QualityReport };

/** What the checks need to know about one current column. */
interface CurrentSummary {
  sourceType: SourceType;
  /** At least one non-missing value (a type to compare). */
  hasValues: boolean;
  rows: number;
  nullRate: number;
  /** Non-missing (for numbers: finite) values. */
  count: number;
  /** Of those, how many a column of type `t` could not hold. */
  misfits: (t: SourceType) => number;
  /** ≤ 1 distinct non-missing value: that value (null when none). */
  constant: { value: number | string | null } | null;
  /** Category counts comparable with a categorical reference. */
  categories?: Map<string, number>;
  range?: { below: number; above: number; count: number; estimated: boolean };
}

function family(t: SourceType): 'numeric' | 'categorical' {
  return t === 'int' || t === 'float' ? 'numeric' : 'categorical';
}

function rate(part: number, rows: number): number {
  return rows === 0 ? 0 : part / rows;
}

/** One pass over a number column checked against a numeric reference. */
function summarizeNumericColumn(values: Float64Array, flags: Uint8Array | undefined, sourceType: 'int' | 'float', ref: NumericColumnProfile): CurrentSummary {
  const n = values.length;
  const lo = ref.min ?? -Infinity;
  const hi = ref.max ?? Infinity;
  let nulls = 0;
  let nonFinite = 0;
  let count = 0;
  let below = 0;
  let above = 0;
  let first = NaN;
  let several = false;
  let fractional = 0;
  for (let i = 0; i < n; i++) {
    if (flags !== undefined && flags[i] === 1) {
      nulls++;
      continue;
    }
    const v = values[i]!;
    if (v - v !== 0) {
      nonFinite++;
      continue;
    }
    if (v < lo) below++;
    else if (v > hi) above++;
    if (v !== Math.trunc(v)) fractional++;
    if (count === 0) first = v;
    else if (v !== first) several = true;
    count++;
  }
  return {
    sourceType,
    hasValues: count + nonFinite > 0,
    rows: n,
    nullRate: rate(nulls + nonFinite, n),
    count,
    misfits: (t) => (t === 'int' ? fractional : t === 'boolean' ? count : 0),
    constant: several ? null : { value: count === 0 ? null : first === 0 ? 0 : first },
    range: { below, above, count, estimated: false },
  };
}

function summarizeCategories(counts: Map<string, number>, missing: number, rows: number, sourceType: SourceType): CurrentSummary {
  let constant: CurrentSummary['constant'] = null;
  if (counts.size === 0) constant = { value: null };
  else if (counts.size === 1) constant = { value: counts.keys().next().value! };
  let count = 0;
  for (const c of counts.values()) count += c;
  return {
    sourceType,
    hasValues: counts.size > 0,
    rows,
    nullRate: rate(missing, rows),
    count,
    misfits: (t) => misfits(counts, t),
    constant,
    categories: counts,
  };
}

function summarizeColumn(column: Column, ref: ColumnProfile): CurrentSummary {
  if (column.kind === 'number' && ref.kind === 'numeric') return summarizeNumericColumn(column.values, column.nulls, column.sourceType, ref);
  const { counts, missing } = countColumnCategories(column);
  // Counted as the profile counts categories (in a number column NaN is missing).
  return summarizeCategories(counts, missing, column.values.length, column.kind === 'number' ? column.sourceType : column.kind);
}

function numericRangeFromProfile(cur: NumericColumnProfile, ref: NumericColumnProfile): CurrentSummary['range'] {
  const count = cur.count;
  if (count === 0 || ref.min === null || ref.max === null || cur.min === null || cur.max === null) {
    return { below: 0, above: 0, count, estimated: false };
  }
  if (cur.min >= ref.min && cur.max <= ref.max) return { below: 0, above: 0, count, estimated: false };
  let below = 0;
  let above = 0;
  if (cur.counts !== undefined) {
    for (const [k, c] of Object.entries(cur.counts)) {
      const v = Number(k);
      if (v < ref.min) below += c;
      else if (v > ref.max) above += c;
    }
    return { below, above, count, estimated: false };
  }
  const values = cur.sample.values;
  for (const v of values) {
    if (v < ref.min) below++;
    else if (v > ref.max) above++;
  }
  if (cur.sample.exact || values.length === 0) return { below, above, count, estimated: false };
  const scale = count / values.length;
  return { below: Math.round(below * scale), above: Math.round(above * scale), count, estimated: true };
}

function summarizeProfile(cur: ColumnProfile, ref: ColumnProfile | undefined): CurrentSummary {
  if (cur.kind === 'categorical') {
    const rows = cur.count + cur.nulls;
    const counts = new Map(Object.entries(cur.counts));
    let constant: CurrentSummary['constant'] = null;
    if (cur.uniques === 0) constant = { value: null };
    else if (cur.uniques === 1) constant = { value: counts.keys().next().value ?? null };
    return {
      sourceType: cur.sourceType,
      hasValues: cur.count > 0,
      rows,
      nullRate: cur.nullRate,
      count: cur.count,
      misfits: (t) => misfits(counts, t),
      constant,
      categories: counts,
    };
  }
  const rows = cur.count + cur.nulls + cur.nonFinite;
  const summary: CurrentSummary = {
    sourceType: cur.sourceType,
    hasValues: cur.count + cur.nonFinite > 0,
    rows,
    nullRate: cur.nullRate,
    count: cur.count,
    misfits: (t) => misfits(profileValues(cur), t),
    constant: cur.uniques === 0 ? { value: null } : cur.uniques === 1 ? { value: cur.min } : null,
  };
  if (ref?.kind === 'numeric') summary.range = numericRangeFromProfile(cur, ref);
  if (cur.counts !== undefined) summary.categories = new Map(Object.entries(cur.counts));
  return summary;
}

function isTable(x: Table | Record<string, ColumnProfile>): x is Table {
  return (x as Table).columns instanceof Map && typeof (x as Table).rowCount === 'number';
}

function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

// ------------------------------------------------------------------------------------------------
// Formatting

/** 0.031 → '3.1%'; a small non-zero share keeps one significant digit ('0.004%'), one just under 1 is not shown as 100%. */
export function formatPercent(share: number): string {
  if (share === 0) return '0%';
  const pct = share * 100;
  if (pct < 0.1) return `${Number(pct.toPrecision(1))}%`;
  if (pct > 99.9 && pct < 100) {
    // Never round an incomplete share up to 100%.
    for (let d = 2; d < 8; d++) if (Number(pct.toFixed(d)) < 100) return `${Number(pct.toFixed(d))}%`;
  }
  return `${pct.toFixed(1)}%`;
}

function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

function formatCategory(c: string): string {
  return c === '' ? '""' : c;
}

function describeType(t: ColumnType): string {
  return `${t.kind} (${t.sourceType})`;
}

// ------------------------------------------------------------------------------------------------
// The check

export function checkQuality(reference: ReferenceProfile, current: Table | Record<string, ColumnProfile>, opts: QualityOptions): QualityReport {
  const nullRateIncrease = opts.nullRateIncrease ?? DEFAULT_NULL_RATE_INCREASE;
  const outOfRangeShare = opts.outOfRangeShare ?? DEFAULT_OUT_OF_RANGE_SHARE;
  if (!(nullRateIncrease >= 0 && nullRateIncrease <= 1)) throw new RangeError(`nullRateIncrease must be in [0, 1], got ${nullRateIncrease}`);
  if (!(outOfRangeShare >= 0 && outOfRangeShare <= 1)) throw new RangeError(`outOfRangeShare must be in [0, 1], got ${outOfRangeShare}`);
  const outOfRangeAlpha = opts.outOfRangeAlpha ?? DEFAULT_OUT_OF_RANGE_ALPHA;
  if (!(outOfRangeAlpha > 0 && outOfRangeAlpha < 1)) throw new RangeError(`outOfRangeAlpha must be in (0, 1), got ${outOfRangeAlpha}`);
  const newCategoryShare = opts.newCategoryShare ?? DEFAULT_NEW_CATEGORY_SHARE;
  const newCategoryAlpha = opts.newCategoryAlpha ?? DEFAULT_NEW_CATEGORY_ALPHA;
  if (!(newCategoryShare >= 0 && newCategoryShare <= 1)) throw new RangeError(`newCategoryShare must be in [0, 1], got ${newCategoryShare}`);
  if (!(newCategoryAlpha > 0 && newCategoryAlpha < 1)) throw new RangeError(`newCategoryAlpha must be in (0, 1), got ${newCategoryAlpha}`);
  const alphas = { nullRateAlpha: DEFAULT_NULL_RATE_ALPHA, constantAlpha: DEFAULT_CONSTANT_ALPHA, typeChangeAlpha: DEFAULT_TYPE_CHANGE_ALPHA };
  for (const key of Object.keys(alphas) as (keyof typeof alphas)[]) {
    const a = opts[key] ?? alphas[key];
    if (!(a > 0 && a < 1)) throw new RangeError(`${key} must be in (0, 1), got ${a}`);
    alphas[key] = a;
  }
  const required = new Set(opts.requiredColumns);
  const refColumns = reference.columns;
  const recognised = new Set(opts.recognised ?? recognisedColumns(reference).map((r) => r.column));
  const refNames = Object.keys(refColumns);
  /** Columns whose values are compared with the reference's (recognised date, time and id columns are not). */
  const compared = refNames.filter((name) => !recognised.has(name));

  // Present columns, and a summary for each one that has data.
  let present: string[];
  const summaries = new Map<string, CurrentSummary>();
  let rows: number;
  if (isTable(current)) {
    present = [...new Set([...(current.fileColumns ?? []), ...current.columns.keys()])];
    rows = current.rowCount;
    for (const [name, column] of current.columns) {
      const ref = own(refColumns, name);
      if (ref !== undefined) summaries.set(name, summarizeColumn(column, ref));
    }
  } else {
    present = Object.keys(current);
    rows = 0;
    for (const name of present) {
      const s = summarizeProfile(current[name]!, own(refColumns, name));
      rows = Math.max(rows, s.rows);
      summaries.set(name, s);
    }
  }
  for (const name of opts.fileColumns ?? []) if (!present.includes(name)) present.push(name);
  const presentSet = new Set(present);

  const report: QualityReport = {
    schemaBreak: false,
    rows,
    missingColumns: [],
    unexpectedColumns: [],
    typeChanges: [],
    newCategories: [],
    nullRateIncreases: [],
    outOfRange: [],
    constantColumns: [],
    issues: [],
  };
  const breaks: QualityIssue[] = [];
  const warnings: QualityIssue[] = [];
  const infos: QualityIssue[] = [];
  const warn = (column: string, message: string) => warnings.push({ severity: 'warning', column, message: `column ${column}: ${message}` });
  const fail = (column: string, message: string) => breaks.push({ severity: 'break', column, message: `column ${column}: ${message}` });

  // Missing columns: the reference's, then required ones the reference does not have.
  const expected = [...refNames, ...[...required].filter((c) => !Object.hasOwn(refColumns, c))];
  for (const name of expected) {
    if (presentSet.has(name)) continue;
    const isRequired = required.has(name);
    report.missingColumns.push({ column: name, required: isRequired });
    if (isRequired) fail(name, 'required column is missing from the current data');
    else warn(name, 'missing from the current data (it is in the reference profile)');
  }
  for (const name of required) {
    if (!Object.hasOwn(refColumns, name) && presentSet.has(name)) warn(name, 'required but not in the reference profile, so it is not checked');
  }

  // Type changes: a warning only when the window's type is more than chance explains (a window
  // whose values all happen to be integral reads as int), or a break for a required column.
  const typed = compared.flatMap((name) => {
    const ref = refColumns[name]!;
    const cur = summaries.get(name);
    if (cur === undefined || !cur.hasValues) return [];
    const refHasValues = ref.count > 0 || (ref.kind === 'numeric' && ref.nonFinite > 0);
    return refHasValues ? [{ name, ref, cur }] : [];
  });
  const kindChanged = new Set<string>();
  for (const { name, ref, cur } of typed) {
    if (cur.sourceType === ref.sourceType) continue;
    const changed = family(ref.sourceType) !== family(cur.sourceType);
    const isRequired = required.has(name);
    const refType: ColumnType = { kind: ref.kind, sourceType: ref.sourceType };
    const curType: ColumnType = { kind: changed ? family(cur.sourceType) : ref.kind, sourceType: cur.sourceType };
    const pValue = typeChance(ref.count, misfits(profileValues(ref), cur.sourceType), cur.count, cur.misfits(ref.sourceType));
    const breaking = changed && isRequired;
    const alarm = breaking || pValue < alphas.typeChangeAlpha / typed.length;
    report.typeChanges.push({ column: name, reference: refType, current: curType, required: isRequired, kindChanged: changed, breaking, pValue, alarm });
    if (changed) kindChanged.add(name);
    const message = `type changed from ${describeType(refType)} to ${describeType(curType)} (p = ${formatNumber(pValue)} by chance)`;
    if (breaking) fail(name, message);
    else if (alarm) warn(name, message);
    else infos.push({ severity: 'info', column: name, message: `column ${name}: ${message}` });
  }

  // New categories: listed whenever there are any, a warning only when more rows carry them than
  // chance explains (Good–Turing, Bonferroni over the categorical columns) and above the share.
  const categorical = compared.flatMap((name) => {
    const ref = refColumns[name]!;
    const cur = summaries.get(name);
    if (ref.kind !== 'categorical' || cur?.categories === undefined || kindChanged.has(name)) return [];
    if (ref.otherCount !== undefined && ref.otherCount > 0) return [];
    return [{ name, ref, cur, categories: cur.categories }];
  });
  for (const { name, ref, cur, categories: counts } of categorical) {
    const found = newCategoriesOf(ref, counts);
    if (found.length === 0) continue;
    const carrying = found.reduce((s, [, c]) => s + c, 0);
    const shareOfRows = rate(carrying, cur.rows);
    const seen = Object.values(ref.counts);
    const refRows = seen.reduce((s, c) => s + c, 0);
    const { expected, pValue } = newCategoryChance(refRows, seen.filter((c) => c === 1).length, cur.rows, carrying);
    const alarm = shareOfRows > newCategoryShare && pValue < newCategoryAlpha / categorical.length;
    const categories = found.slice(0, MAX_LISTED_CATEGORIES).map(([k]) => k);
    report.newCategories.push({ column: name, categories, count: found.length, rows: carrying, shareOfRows, expected, pValue, alarm });
    const shown = categories.slice(0, 5).map(formatCategory).join(', ') + (found.length > 5 ? ', …' : '');
    const message = `${found.length} new ${found.length === 1 ? 'category' : 'categories'} (${shown}) in ${formatPercent(shareOfRows)} of rows (${formatNumber(expected)} rows expected by chance, p = ${formatNumber(pValue)})`;
    if (alarm) warn(name, message);
    else infos.push({ severity: 'info', column: name, message: `column ${name}: ${message}` });
  }

  // Null-rate increases: above the tolerated increase AND beyond chance (Fisher's exact test on
  // the pooled nulls, Bonferroni over the columns checked).
  const nullable = refNames.filter((name) => (summaries.get(name)?.rows ?? 0) > 0);
  for (const name of nullable) {
    const ref = refColumns[name]!;
    const cur = summaries.get(name)!;
    if (!(cur.nullRate - ref.nullRate > nullRateIncrease)) continue;
    const refNulls = ref.nulls + (ref.kind === 'numeric' ? ref.nonFinite : 0);
    const curNulls = Math.round(cur.nullRate * cur.rows);
    const pValue = nullRiseChance(ref.count + refNulls, refNulls, cur.rows, curNulls);
    const alarm = pValue < alphas.nullRateAlpha / nullable.length;
    const expected = cur.rows * ref.nullRate;
    report.nullRateIncreases.push({ column: name, reference: ref.nullRate, current: cur.nullRate, expected, pValue, alarm });
    const message = `null rate rose from ${formatPercent(ref.nullRate)} to ${formatPercent(cur.nullRate)} (${formatNumber(expected)} null rows expected by chance, p = ${formatNumber(pValue)})`;
    if (alarm) warn(name, message);
    else infos.push({ severity: 'info', column: name, message: `column ${name}: ${message}` });
  }

  // Values outside the reference range: listed whenever there are any, a warning only when more
  // than chance explains (exact null tail, Bonferroni over the numeric columns) and above the share.
  const ranged = compared.flatMap((name) => {
    const ref = refColumns[name]!;
    const range = summaries.get(name)?.range;
    if (ref.kind !== 'numeric' || range === undefined || ref.min === null || ref.max === null || range.count === 0 || kindChanged.has(name)) return [];
    return [{ name, ref, range, min: ref.min, max: ref.max }];
  });
  for (const { name, ref, range, min, max } of ranged) {
    const outside = range.below + range.above;
    if (outside === 0) continue;
    const share = outside / range.count;
    const pValue = outOfRangeTail(ref.count, range.count, outside);
    const alarm = share > outOfRangeShare && pValue < outOfRangeAlpha / ranged.length;
    const expected = expectedOutOfRange(ref.count, range.count);
    report.outOfRange.push({ column: name, below: range.below, above: range.above, share, min, max, estimated: range.estimated, expected, pValue, alarm });
    const approx = range.estimated ? 'about ' : '';
    const message = `${approx}${formatPercent(share)} of values outside the reference range [${formatNumber(min)}, ${formatNumber(max)}] (${approx}${range.below} below, ${range.above} above; ${formatNumber(expected)} expected by chance, p = ${formatNumber(pValue)})`;
    if (alarm) warn(name, message);
    else infos.push({ severity: 'info', column: name, message: `column ${name}: ${message}` });
  }

  // Constant columns: a warning only when a window this size is less often constant (or all
  // missing) by chance than constantAlpha / (columns checked).
  const constantCandidates = compared.filter((name) => refColumns[name]!.uniques > 1 && (summaries.get(name)?.rows ?? 0) > 0);
  for (const name of constantCandidates) {
    const ref = refColumns[name]!;
    const cur = summaries.get(name)!;
    if (cur.constant === null) continue;
    const value = cur.constant.value;
    let pValue: number;
    if (value === null) {
      const refMissing = ref.nulls + (ref.kind === 'numeric' ? ref.nonFinite : 0);
      pValue = allMissingChance(ref.count + refMissing, ref.count, cur.rows);
    } else {
      const values = profileValues(ref);
      pValue = constantChance(
        values.map(([, c]) => c),
        ref.count,
        countOf(values, value),
        cur.count,
      );
    }
    const alarm = pValue < alphas.constantAlpha / constantCandidates.length;
    report.constantColumns.push({ column: name, value, referenceUniques: ref.uniques, pValue, alarm });
    const what =
      value === null
        ? 'has no usable value in the current data'
        : `is constant in the current data (every value is ${typeof value === 'number' ? formatNumber(value) : JSON.stringify(value)})`;
    const message = `${what} while the reference had ${ref.uniques} distinct values (p = ${formatNumber(pValue)} by chance)`;
    if (alarm) warn(name, message);
    else infos.push({ severity: 'info', column: name, message: `column ${name}: ${message}` });
  }

  // Unexpected columns.
  for (const name of present) {
    // A recognised column the reference lacks (a row key declared as data.key, a logged output) is expected.
    if (Object.hasOwn(refColumns, name) || required.has(name) || recognised.has(name)) continue;
    report.unexpectedColumns.push(name);
    warn(name, 'not in the reference profile (unexpected column)');
  }

  report.schemaBreak = breaks.length > 0;
  report.issues = [...breaks, ...warnings, ...infos];
  return report;
}

/** Current categories the reference never saw, most frequent first (ties in code-unit order). */
function newCategoriesOf(ref: CategoricalColumnProfile, counts: Map<string, number>): [string, number][] {
  const found: [string, number][] = [];
  for (const [k, c] of counts) if (c > 0 && !Object.hasOwn(ref.counts, k)) found.push([k, c]);
  return found.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
