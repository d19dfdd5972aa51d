/**
 * The captured per-row values (Collected.segments: codes into interned strings) coded for the
 * search: a binned column's codes are its bins (interned as "0", "1", …), a category's are its
 * most frequent values with enough rows; anything else is `conditions.length` (in no segment of the column).
 */
import type { SegmentCondition } from '../../../domain/segments.js';
import type { CodedColumn } from './search.js';
import type { Codes } from './sample.js';

/** At most this many values of a category are searched (the most frequent). */
export const MAX_VALUES = 20;
export const MISSING = '(missing)';

/** A number as people read it in a label, to six significant digits. */
export function shortNumber(x: number): string {
  return String(Number(x.toPrecision(6)));
}

export function conditionLabel(c: SegmentCondition): string {
  if ('value' in c) return `${c.column} = ${JSON.stringify(c.value)}`;
  if (c.missing) return `${c.column} is missing`;
  if (c.low === undefined) return `${c.column} < ${shortNumber(c.high!)}`;
  if (c.high === undefined) return `${c.column} ≥ ${shortNumber(c.low)}`;
  return `${c.column} in [${shortNumber(c.low)}, ${shortNumber(c.high)})`;
}

export function segmentLabel(where: SegmentCondition[]): string {
  return where.map(conditionLabel).join(' and ');
}

/** Codes one captured column; `edges` when it was binned; `inPlace`: byte codes are overwritten rather than copied. */
export function codeColumn(
  name: string,
  captured: { codes: Codes | Int32Array; values: string[] },
  minRows: number,
  edges?: number[],
  inPlace = false,
): CodedColumn {
  const { codes, values } = captured;
  const remap = new Int32Array(values.length).fill(-1);
  const conditions: SegmentCondition[] = [];
  if (edges) {
    // One condition per bin (and missing), in bin order: segments of no rows are simply never tested.
    for (let j = 0; j <= edges.length; j++) {
      conditions.push({ column: name, ...(j > 0 ? { low: edges[j - 1]! } : {}), ...(j < edges.length ? { high: edges[j]! } : {}) });
    }
    values.forEach((v, code) => {
      if (v === MISSING) {
        remap[code] = conditions.length;
        conditions.push({ column: name, missing: true });
      } else remap[code] = Number(v);
    });
  } else {
    const counts = new Float64Array(values.length);
    for (let i = 0; i < codes.length; i++) counts[codes[i]!]!++;
    const top = [...counts.keys()]
      .filter((c) => counts[c]! >= minRows)
      .sort((a, b) => counts[b]! - counts[a]! || a - b)
      .slice(0, MAX_VALUES);
    for (const code of top) {
      remap[code] = conditions.length;
      conditions.push(values[code] === MISSING ? { column: name, missing: true } : { column: name, value: values[code]! });
    }
  }
  // At most MAX_VALUES + 1 or bins + 2 conditions: a byte a row, the rows in none of them coded conditions.length.
  const none = conditions.length;
  for (let c = 0; c < remap.length; c++) if (remap[c]! < 0) remap[c] = none;
  if (inPlace && codes instanceof Uint8Array && remap.every((c, i) => c === i)) return { name, codes, conditions };
  const out = inPlace && codes instanceof Uint8Array ? codes : new Uint8Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = remap[codes[i]!]!;
  return { name, codes: out, conditions };
}
