/**
 * Row counts for snapshot manifests without decoding the data: Parquet from its footer, CSV by
 * counting record breaks outside quotes, JSONL by counting non-blank lines.
 */
import { parquetMetadata } from 'hyparquet';
import type { DataFormat } from './table.js';

export function formatOf(uri: string, declared?: DataFormat): DataFormat | undefined {
  if (declared) return declared;
  const path = uri.split('?')[0]!.toLowerCase();
  if (path.endsWith('.csv')) return 'csv';
  if (path.endsWith('.jsonl') || path.endsWith('.ndjson')) return 'jsonl';
  if (path.endsWith('.parquet') || path.endsWith('.pq')) return 'parquet';
  return undefined;
}

/** Rows of a CSV (records after the header) or JSON Lines text fed in pieces, as countRows counts them. */
export class TextRowCounter {
  private lines = 0;
  private lineHasContent = false;
  private inQuotes = false;

  constructor(private readonly format: 'csv' | 'jsonl') {}

  update(bytes: Uint8Array): void {
    const csv = this.format === 'csv';
    let { lines, lineHasContent, inQuotes } = this;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (csv && b === 34) inQuotes = !inQuotes;
      if (b === 10 && !inQuotes) {
        if (lineHasContent) lines++;
        lineHasContent = false;
      } else if (b !== 13 && b !== 32 && b !== 9) {
        lineHasContent = true;
      }
    }
    Object.assign(this, { lines, lineHasContent, inQuotes });
  }

  rows(): number {
    const lines = this.lines + (this.lineHasContent ? 1 : 0);
    return this.format === 'csv' ? Math.max(0, lines - 1) : lines;
  }
}

export function countRows(bytes: Uint8Array, format: DataFormat): number {
  if (format === 'parquet') {
    return Number(parquetMetadata(bytes).num_rows);
  }
  const counter = new TextRowCounter(format);
  counter.update(bytes);
  return counter.rows();
}
