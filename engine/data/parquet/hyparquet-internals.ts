/**
 * The one place that reaches into hyparquet's internals: its Thrift page-header parser, which the
 * public API does not export. hyparquet is pinned (package.json) because of this import;
 * test/unit/parquet-internals.test.ts fails on an upgrade that moves or reshapes it.
 */
import type { DataReader, PageHeader } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';

export type { DataReader, PageHeader };

/** Reads one page header at `reader.offset` and leaves the offset at the start of the page data. */
export const readPageHeader: (reader: DataReader) => PageHeader = parquetHeader;
