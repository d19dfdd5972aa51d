/**
 * Concatenation of reference tables read from several files into one table.
 */
import { UpkeepError } from '../errors.js';
import type { BooleanColumn, Column, NumberColumn, StringColumn, Table } from '../data/table.js';

function hasAnyValue(column: Column): boolean {
  const n = column.values.length;
  if (column.kind === 'string') {
    for (let i = 0; i < n; i++) if (column.values[i] !== null) return true;
    return false;
  }
  const flags = column.nulls;
  if (flags === undefined) return n > 0;
  for (let i = 0; i < n; i++) if (flags[i] !== 1) return true;
  return false;
}

/**
 * Concatenates the rows of several tables. A column absent from a table is missing in its rows; a
 * column with no value at all in a table takes any type. Number columns are 'int' only when every
 * table's is; boolean and string columns mix as strings ('true' / 'false'); number and text do not.
 */
export function concatTables(tables: readonly Table[]): Table {
  const rowCount = tables.reduce((s, t) => s + t.rowCount, 0);
  const names: string[] = [];
  const seen = new Set<string>();
  for (const t of tables) {
    for (const name of t.columns.keys()) {
      if (!seen.has(name)) {
        seen.add(name);
        names.push(name);
      }
    }
  }
  const columns = new Map<string, Column>();
  for (const name of names) {
    const parts = tables.map((t) => t.columns.get(name));
    const typed = parts.filter((p): p is Column => p !== undefined && hasAnyValue(p));
    const kinds = new Set(typed.map((p) => p.kind));
    if (kinds.has('number') && kinds.size > 1) {
      const where = tables.map((t, i) => `${t.source}: ${parts[i]?.kind ?? 'absent'}`).join(', ');
      throw new UpkeepError('SchemaMismatch', `column ${JSON.stringify(name)} has different types in the reference tables (${where})`);
    }
    if (kinds.size === 0 || kinds.has('number')) {
      const values = new Float64Array(rowCount).fill(NaN);
      const nulls = new Uint8Array(rowCount);
      let anyNull = false;
      let int = true;
      let offset = 0;
      tables.forEach((t, i) => {
        const p = parts[i];
        if (p !== undefined && p.kind === 'number' && typed.includes(p)) {
          values.set(p.values, offset);
          if (p.sourceType !== 'int') int = false;
          if (p.nulls) {
            nulls.set(p.nulls, offset);
            anyNull = true;
          }
        } else if (t.rowCount > 0) {
          nulls.fill(1, offset, offset + t.rowCount);
          anyNull = true;
        }
        offset += t.rowCount;
      });
      const col: NumberColumn = { kind: 'number', sourceType: typed.length > 0 && int ? 'int' : 'float', values };
      if (anyNull) col.nulls = nulls;
      columns.set(name, col);
    } else if (kinds.size === 1 && kinds.has('boolean')) {
      const values = new Uint8Array(rowCount);
      const nulls = new Uint8Array(rowCount);
      let anyNull = false;
      let offset = 0;
      tables.forEach((t, i) => {
        const p = parts[i];
        if (p !== undefined && p.kind === 'boolean' && typed.includes(p)) {
          values.set(p.values, offset);
          if (p.nulls) {
            nulls.set(p.nulls, offset);
            anyNull = true;
          }
        } else if (t.rowCount > 0) {
          nulls.fill(1, offset, offset + t.rowCount);
          anyNull = true;
        }
        offset += t.rowCount;
      });
      const col: BooleanColumn = { kind: 'boolean', values };
      if (anyNull) col.nulls = nulls;
      columns.set(name, col);
    } else {
      const values: (string | null)[] = new Array<string | null>(rowCount).fill(null);
      let offset = 0;
      tables.forEach((t, i) => {
        const p = parts[i];
        if (p !== undefined && typed.includes(p)) {
          if (p.kind === 'string') {
            for (let r = 0; r < t.rowCount; r++) values[offset + r] = p.values[r] ?? null;
          } else if (p.kind === 'boolean') {
            for (let r = 0; r < t.rowCount; r++) values[offset + r] = p.nulls?.[r] === 1 ? null : p.values[r] === 1 ? 'true' : 'false';
          }
        }
        offset += t.rowCount;
      });
      const col: StringColumn = { kind: 'string', values };
      columns.set(name, col);
    }
  }
  return { source: tables.map((t) => t.source).join(', '), rowCount, columns };
}
