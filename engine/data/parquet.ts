/**
 * Parquet → columnar Table (no row objects). Flat columns are decoded straight from the page
 * bytes where the type and encoding allow (parquet/chunk.ts), the rest by hyparquet
 * (parquet/fallback.ts). Type mapping and decoder notes: docs/data-formats.md.
 */
import type { FileMetaData, RowGroup } from 'hyparquet';
import { resolveLimits, type ReadLimits } from '../../domain/limits.js';
import { DataReadError } from './errors.js';
import { checkChunkPages, checkParquetFooter, dictionaryBudget, type DictionaryBudget } from './limits.js';
import { directType, decodeChunk } from './parquet/chunk.js';
import { Unsupported, wrapCorrupted } from './parquet/errors.js';
import { readWithHyparquet } from './parquet/fallback.js';
import { checkDictionaryIndices } from './parquet/indices.js';
import { checkMagic, readFooter } from './parquet/footer.js';
import { mapParquetType, type Mapping } from './parquet/mapping.js';
import type { DirectColumn } from './parquet/page.js';
import { BooleanSink, NumberSink, StringSink } from './parquet/sinks.js';
import type { Column, Table } from './table.js';

export { mapParquetType };

export interface ParquetReadOptions {
  source: string;
  /** Projection: only these columns are read and decoded (missing names are simply absent). */
  columns?: string[];
  /**
   * Use the direct page decoder where it applies (default true). false routes every column
   * through hyparquet; only useful to cross-check the two decoders.
   */
  directDecode?: boolean;
  /** Only the row groups [start, end): one shard of a large file. Rows are numbered from the first. */
  rowGroups?: { start: number; end: number };
  /** Caps checked against the footer and page headers before anything is allocated. */
  limits?: ReadLimits;
  /** The bytes are one row group read by range (parquet/ranges.ts): its metadata, and the whole file's size. */
  rowGroupFile?: { metadata: FileMetaData; fileBytes: number };
}

export async function readParquet(bytes: Uint8Array, opts: ParquetReadOptions): Promise<Table> {
  const { source } = opts;
  checkMagic(bytes, source);

  const { metadata, schema, selected, firstRow, rowCount } = readFooter(bytes, source, opts.rowGroups, opts.rowGroupFile?.metadata);

  const topLevel = new Map(schema.children.map((child) => [child.element.name, child]));
  const names = opts.columns ? [...new Set(opts.columns)].filter((name) => topLevel.has(name)) : [...topLevel.keys()];
  const sizeOnDisk = opts.rowGroupFile?.fileBytes ?? bytes.length;
  const limits = opts.limits ?? resolveLimits();
  checkParquetFooter(metadata, names, sizeOnDisk, source, limits);
  const sinks = new Map<string, NumberSink | BooleanSink | StringSink>();
  const direct = new Map<string, DirectColumn>();
  for (const name of names) {
    const node = topLevel.get(name)!;
    const explicit = opts.columns !== undefined;
    let mapping: Mapping;
    if (node.children.length > 0 || node.element.repetition_type === 'REPEATED') {
      mapping = { kind: 'unsupported', reason: 'nested (struct, list or map) columns are not supported' };
    } else {
      mapping = mapParquetType(node.element);
    }
    let sink: NumberSink | BooleanSink | StringSink;
    switch (mapping.kind) {
      case 'number':
        sink = new NumberSink(name, rowCount, source, mapping.sourceType);
        break;
      case 'boolean':
        sink = new BooleanSink(name, rowCount, source);
        break;
      case 'string':
        sink = new StringSink(name, rowCount, source);
        break;
      case 'unsupported':
        if (explicit) throw new DataReadError(mapping.reason, { source, column: name });
        continue;
    }
    sinks.set(name, sink);
    const type = opts.directDecode === false ? undefined : directType(node.element, mapping);
    if (type) direct.set(name, { sink, type, optional: node.element.repetition_type !== 'REQUIRED' });
  }

  const columns = new Map<string, Column>();
  const fileColumns = [...topLevel.keys()];
  const first = firstRow > 0 ? { firstRow } : {};
  if (sinks.size === 0) return { source, rowCount, columns, fileColumns, ...first };

  // 1. direct page decoding
  if (direct.size > 0) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const fileBytes = bytes;
    let groupStart = 0;
    for (const rowGroup of selected) {
      const groupRows = Number(rowGroup.num_rows);
      if (!Number.isSafeInteger(groupRows) || groupRows < 0 || groupStart + groupRows > rowCount) {
        throw new DataReadError(`corrupted Parquet footer (row group of ${rowGroup.num_rows} rows)`, { source });
      }
      for (const chunk of rowGroup.columns) {
        const meta = chunk.meta_data;
        if (!meta || chunk.file_path || meta.path_in_schema.length !== 1) continue;
        const col = direct.get(meta.path_in_schema[0]!);
        if (!col) continue;
        try {
          decodeChunk(fileBytes, view, meta, col, groupStart, groupRows);
        } catch (err) {
          if (!(err instanceof Unsupported)) throw wrapCorrupted(err, source, col.sink.name);
          direct.delete(col.sink.name); // decoded again below, by hyparquet
          col.sink.reset();
        }
      }
      groupStart += groupRows;
    }
  }

  // 2. everything else: hyparquet's column-chunk callback
  const generic = [...sinks.keys()].filter((name) => !direct.has(name));
  if (generic.length > 0) {
    const optional = new Set(generic.filter((name) => topLevel.get(name)!.element.repetition_type === 'OPTIONAL'));
    checkPagesOf(bytes, selected, new Set(generic), source, dictionaryBudget(metadata, names.length, sizeOnDisk, limits), optional);
    await readWithHyparquet(bytes, metadata, firstRow, rowCount, generic, sinks, source);
  }

  for (const [name, sink] of sinks) {
    if (sink.received !== rowCount) {
      throw new DataReadError(`corrupted Parquet data: decoded ${sink.received} values, expected ${rowCount}`, {
        source,
        column: name,
      });
    }
    columns.set(name, sink.finish());
  }
  return { source, rowCount, columns, fileColumns, ...first };
}

/** hyparquet sizes its buffers from the page headers: check them first. */
function checkPagesOf(
  bytes: Uint8Array,
  groups: RowGroup[],
  columns: Set<string>,
  source: string,
  dictionaries: DictionaryBudget,
  optional: Set<string>,
): void {
  for (const group of groups) {
    for (const chunk of group.columns) {
      const meta = chunk.meta_data;
      if (!meta || !columns.has(meta.path_in_schema[0]!)) continue;
      try {
        checkChunkPages(bytes, meta, Number(group.num_rows), source, dictionaries);
        // hyparquet reads an index beyond the dictionary as undefined (0 in a typed array)
        if (meta.path_in_schema.length === 1) checkDictionaryIndices(bytes, meta, optional.has(meta.path_in_schema[0]!));
      } catch (err) {
        throw wrapCorrupted(err, source, meta.path_in_schema[0]!);
      }
    }
  }
}
