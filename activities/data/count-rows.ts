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

export function countRows(bytes: Uint8Array, format: DataFormat): number {
  if (format === 'parquet') {
    return Number(parquetMetadata(bytes).num_rows);
  }
  const NL = 10;
  const CR = 13;
  const QUOTE = 34;
  let lines = 0;
  let lineHasContent = false;
  let inQuotes = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (format === 'csv' && b === QUOTE) inQuotes = !inQuotes;
    if (b === NL && !inQuotes) {
      if (lineHasContent) lines++;
      lineHasContent = false;
    } else if (b !== CR && b !== 32 && b !== 9) {
      lineHasContent = true;
    }
  }
  if (lineHasContent) lines++;
  return format === 'csv' ? Math.max(0, lines - 1) : lines;
}
