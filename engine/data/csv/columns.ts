/** Output columns of the CSV reader, typed by what their cells turn out to hold. */
import type { Column } from '../table.js';

export const STATE_UNKNOWN = 0;
export const STATE_NUMBER = 1;
export const STATE_BOOLEAN = 2;
export const STATE_STRING = 3;

export class ColumnBuilder {
  state = STATE_UNKNOWN;
  allInt = true;
  values: Float64Array;
  nulls: Uint8Array | undefined;
  strings: (string | null)[] | undefined;
  /** Row at which the column turned out to be a string column (earlier rows need a second pass). */
  demotedAt = -1;

  constructor(
    readonly name: string,
    capacity: number,
  ) {
    this.values = new Float64Array(capacity);
  }

  grow(capacity: number): void {
    const values = new Float64Array(capacity);
    values.set(this.values);
    this.values = values;
    if (this.nulls) {
      const nulls = new Uint8Array(capacity);
      nulls.set(this.nulls);
      this.nulls = nulls;
    }
  }

  setMissing(row: number): void {
    this.values[row] = NaN;
    (this.nulls ??= new Uint8Array(this.values.length))[row] = 1;
  }

  demote(row: number): void {
    this.state = STATE_STRING;
    this.demotedAt = row;
    this.strings = new Array<string | null>(row);
  }

  finish(rowCount: number): Column {
    const nulls = this.nulls && rowCount > 0 ? this.nulls.slice(0, rowCount) : undefined;
    switch (this.state) {
      case STATE_STRING:
        return { kind: 'string', values: this.strings! };
      case STATE_BOOLEAN: {
        const out = new Uint8Array(rowCount);
        const v = this.values;
        for (let i = 0; i < rowCount; i++) out[i] = v[i] === 1 ? 1 : 0;
        return nulls ? { kind: 'boolean', values: out, nulls } : { kind: 'boolean', values: out };
      }
      default: {
        const values = this.values.length === rowCount ? this.values : this.values.slice(0, rowCount);
        const sourceType = this.state === STATE_NUMBER && this.allInt ? 'int' : 'float';
        return nulls ? { kind: 'number', sourceType, values, nulls } : { kind: 'number', sourceType, values };
      }
    }
  }
}

export function decodeField(buf: Buffer, start: number, end: number, escaped: boolean): string {
  const text = buf.toString('utf8', start, end);
  return escaped ? text.replaceAll('""', '"') : text;
}
