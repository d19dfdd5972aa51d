/**
 * A reference profile as the drift tests' input: sorted samples and category counts, against a
 * current table column or a current profile. When the reference kept only its top categories,
 * current categories outside them and the reference's `otherCount` are compared as one category,
 * OTHER_CATEGORY.
 */
import { UpkeepError } from '../errors.js';
import type { Column } from '../data/table.js';
import { countColumnCategories, type CategoryCounts } from './categories.js';
import type { ColumnDriftInput } from './column.js';
import {
  OTHER_CATEGORY,
  type CategoricalColumnProfile,
  type ColumnProfile,
  type NumericColumnProfile,
  type NumericSample,
  type ReferenceProfile,
} from './profile-schema.js';
import type { NumericInput, SortedSample } from './sample.js';

const sortedCache = new WeakMap<NumericSample, SortedSample>();

/**
 * The reference side of a numeric drift test: the profile's sorted sample as the drift module's
 * SortedSample (one Float64Array per profile column, reused across calls so the drift module's
 * per-array caches apply). `dropped` counts the full reference's nulls and non-finite values.
 */
export function referenceSortedSample(col: NumericColumnProfile): SortedSample {
  let s = sortedCache.get(col.sample);
  if (!s) {
    s = { sorted: Float64Array.from(col.sample.values), dropped: col.nulls + col.nonFinite };
    sortedCache.set(col.sample, s);
  }
  return s;
}

/** The reference side of a categorical drift test; folded categories become OTHER_CATEGORY. */
export function referenceCategoryCounts(col: CategoricalColumnProfile): Map<string, number> {
  const m = new Map<string, number>(Object.entries(col.counts));
  if (col.otherCount !== undefined && col.otherCount > 0) m.set(OTHER_CATEGORY, col.otherCount);
  return m;
}

/** Categorical counts of a numeric profile that kept exact counts (keys String(value)), else undefined. */
function numericProfileCounts(col: NumericColumnProfile): Map<string, number> | undefined {
  return col.counts === undefined ? undefined : new Map(Object.entries(col.counts));
}

function hasNoMissing(column: Column): boolean {
  if (column.kind === 'string') return column.values.every((v) => v !== null);
  if (column.nulls === undefined) return true;
  for (let i = 0; i < column.nulls.length; i++) if (column.nulls[i] === 1) return false;
  return true;
}

/**
 * The drift module's input for one column: the reference profile column against a current table
 * column or a current profile column (profiled with the same `categorical` list). A numeric
 * reference needs numeric current values; a categorical reference takes any current column
 * (counted as the profile counts). Throws UpkeepError('SchemaMismatch') on a kind change.
 */
export function columnDriftInput(name: string, reference: ColumnProfile, current: Column | ColumnProfile): ColumnDriftInput {
  if (reference.kind === 'numeric') {
    let cur: NumericInput;
    let integer: boolean;
    if (isColumnProfile(current)) {
      if (current.kind !== 'numeric') throw kindMismatch(name, reference, current.kind);
      cur = referenceSortedSample(current);
      integer = current.sourceType === 'int' && current.nulls === 0;
    } else {
      if (current.kind !== 'number') throw kindMismatch(name, reference, current.kind);
      cur = current.values;
      integer = current.sourceType === 'int' && hasNoMissing(current);
    }
    return {
      kind: 'numeric',
      reference: referenceSortedSample(reference),
      current: cur,
      integer: integer && reference.sourceType === 'int' && reference.nulls === 0,
    };
  }
  let counts: Map<string, number>;
  let missing: number;
  if (isColumnProfile(current)) {
    if (current.kind === 'categorical') {
      counts = new Map(Object.entries(current.counts));
      if (current.otherCount) counts.set(OTHER_CATEGORY, current.otherCount);
      missing = current.nulls;
    } else {
      const c = numericProfileCounts(current);
      if (c === undefined) throw kindMismatch(name, reference, 'numeric');
      counts = c;
      missing = current.nulls + current.nonFinite;
    }
  } else {
    ({ counts, missing } = countColumnCategories(current));
  }
  const ref: CategoryCounts = referenceCategoryCounts(reference);
  if (reference.otherCount !== undefined && reference.otherCount > 0) counts = foldInto(counts, reference.counts);
  return { kind: 'categorical', reference: ref, current: counts, referenceMissing: reference.nulls, currentMissing: missing };
}

function foldInto(counts: Map<string, number>, kept: Record<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of counts) {
    const key = k !== OTHER_CATEGORY && Object.hasOwn(kept, k) ? k : OTHER_CATEGORY;
    out.set(key, (out.get(key) ?? 0) + v);
  }
  return out;
}

function isColumnProfile(x: Column | ColumnProfile): x is ColumnProfile {
  return x.kind === 'numeric' || x.kind === 'categorical';
}

function kindMismatch(name: string, reference: ColumnProfile, current: string): UpkeepError {
  return new UpkeepError(
    'SchemaMismatch',
    `column ${JSON.stringify(name)}: the reference is ${reference.kind} (${reference.sourceType}) but the current data is ${current}`,
  );
}

/** Number columns the reference treated as categorical (profile current data with these too). */
export function forcedCategorical(reference: ReferenceProfile): string[] {
  return Object.entries(reference.columns)
    .filter(([, c]) => c.kind === 'categorical' && (c.sourceType === 'int' || c.sourceType === 'float'))
    .map(([name]) => name);
}
