/**
 * The rows of reported weak segments, for relabelling: a CSV of `segment` and the row's key
 * (data.key) or, without one, its file and row number (1-based, data rows only). Every row of the
 * files that meets a segment's conditions is listed, labelled or not.
 */
import type { Column, Table } from '../../data/table.js';
import type { SegmentCondition, WeakSegment } from '../../../domain/segments.js';
import { UpkeepError } from '../../errors.js';
import { MISSING } from './columns.js';

/** The value of a row as the evaluator keeps it for the search ("(missing)" when there is none). */
function valueOf(col: Column | undefined, r: number): string | number {
  if (!col) return MISSING;
  if (col.kind === 'string') return col.values[r] ?? MISSING;
  if (col.nulls?.[r]) return MISSING;
  if (col.kind === 'boolean') return String(col.values[r] === 1);
  const x = col.values[r]!;
  return x !== x ? MISSING : x;
}

function meets(c: SegmentCondition, v: string | number): boolean {
  if ('value' in c) return String(v) === c.value;
  if (c.missing) return v === MISSING;
  if (typeof v !== 'number') return false;
  return (c.low === undefined || v >= c.low) && (c.high === undefined || v < c.high);
}

/** A CSV field: quoted, quotes doubled; a leading = + - @ is defused for spreadsheets. */
function field(s: string): string {
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function segmentRowsCsv(o: { modelId: string; tables: { name: string; table: Table }[]; segments: WeakSegment[]; key?: string }): {
  csv: string;
  rows: number;
} {
  const lines = [o.key ? 'segment,key' : 'segment,file,row'];
  for (const { name, table } of o.tables) {
    for (const s of o.segments)
      for (const c of s.where) {
        if (!table.columns.has(c.column))
          throw new UpkeepError('SchemaMismatch', `model ${o.modelId}: file ${name} has no column ${c.column} (segment ${s.label})`);
      }
    const keyCol = o.key ? table.columns.get(o.key) : undefined;
    if (o.key && !keyCol) throw new UpkeepError('SchemaMismatch', `model ${o.modelId}: file ${name} has no key column ${o.key} (data.key)`);
    const cols = o.segments.map((s) => s.where.map((c) => [c, table.columns.get(c.column)] as const));
    for (let r = 0; r < table.rowCount; r++) {
      cols.forEach((conds, i) => {
        if (!conds.every(([c, col]) => meets(c, valueOf(col, r)))) return;
        const id = keyCol ? [field(String(valueOf(keyCol, r)))] : [field(name), String((table.firstRow ?? 0) + r + 1)];
        lines.push([field(o.segments[i]!.label), ...id].join(','));
      });
    }
  }
  return { csv: `${lines.join('\n')}\n`, rows: lines.length - 1 };
}
