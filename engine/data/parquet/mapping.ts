/** Parquet types → table column kinds (the table in docs/data-formats.md). */
import type { ParquetParsers, SchemaElement } from 'hyparquet';

export type Mapping = { kind: 'number'; sourceType: 'int' | 'float' } | { kind: 'boolean' } | { kind: 'string' } | { kind: 'unsupported'; reason: string };

const utf8 = new TextDecoder();

function isoFromMillis(ms: number): string {
  return new Date(ms).toISOString();
}

/** Parsers applied by hyparquet while decoding: temporal values become strings directly. */
export const PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (millis: bigint) => isoFromMillis(Number(millis)),
  timestampFromMicroseconds: (micros: bigint) => isoFromMillis(Number(micros / 1000n)),
  timestampFromNanoseconds: (nanos: bigint) => isoFromMillis(Number(nanos / 1000000n)),
  dateFromDays: (days: number) => isoFromMillis(days * 86400000).slice(0, 10),
  jsonFromBytes: (bytes: Uint8Array) => (bytes ? utf8.decode(bytes) : bytes),
};

export function mapParquetType(el: SchemaElement): Mapping {
  const ct = el.converted_type;
  const lt = el.logical_type?.type;
  if (lt === 'VARIANT' || lt === 'GEOMETRY' || lt === 'GEOGRAPHY' || lt === 'BSON' || ct === 'BSON') {
    return { kind: 'unsupported', reason: `${lt ?? ct} values are not supported` };
  }
  if (lt === 'INTERVAL' || ct === 'INTERVAL') return { kind: 'unsupported', reason: 'INTERVAL values are not supported' };
  if (ct === 'DECIMAL' || lt === 'DECIMAL') return { kind: 'number', sourceType: 'float' };
  if (ct === 'DATE' || lt === 'DATE') return { kind: 'string' };
  if (lt === 'TIMESTAMP' || ct === 'TIMESTAMP_MILLIS' || ct === 'TIMESTAMP_MICROS' || el.type === 'INT96') {
    return { kind: 'string' };
  }
  if (lt === 'UUID') return { kind: 'string' };
  if (lt === 'FLOAT16') return { kind: 'number', sourceType: 'float' };
  switch (el.type) {
    case 'BOOLEAN':
      return { kind: 'boolean' };
    case 'INT32':
    case 'INT64':
      return { kind: 'number', sourceType: 'int' };
    case 'FLOAT':
    case 'DOUBLE':
      return { kind: 'number', sourceType: 'float' };
    case 'BYTE_ARRAY':
      return { kind: 'string' };
    case 'FIXED_LEN_BYTE_ARRAY':
      return { kind: 'unsupported', reason: 'binary FIXED_LEN_BYTE_ARRAY values are not supported' };
    default:
      return { kind: 'unsupported', reason: `physical type ${String(el.type)} is not supported` };
  }
}
