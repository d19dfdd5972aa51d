/**
 * Columnar in-memory table: the shape every reader (CSV, JSONL, Parquet) produces.
 * Columns are typed arrays, never row objects, so a million rows stay cheap.
 */

/** Numeric column. Missing values (null/empty) are flagged in `nulls` and stored as NaN in `values`. */
export interface NumberColumn {
  kind: 'number';
  /** 'int' when every source value was an integer type (Parquet INT32/INT64, CSV/JSON integers). */
  sourceType: 'int' | 'float';
  values: Float64Array;
  /** 1 where the source value was null/missing; undefined when the column has no nulls. */
  nulls?: Uint8Array;
}

/** String (categorical) column; null for missing values. */
export interface StringColumn {
  kind: 'string';
  values: (string | null)[];
}

/** Boolean column: 1 true, 0 false; missing flagged in `nulls`. */
export interface BooleanColumn {
  kind: 'boolean';
  values: Uint8Array;
  nulls?: Uint8Array;
}

export type Column = NumberColumn | StringColumn | BooleanColumn;

export interface Table {
  /** Where the rows came from (a URI or path), used in error messages. */
  source: string;
  rowCount: number;
  columns: Map<string, Column>;
  /** Every column the file has, projected or not (for messages about missing columns). */
  fileColumns?: string[];
  /** Rows of the file before this table's first (a row group or a chunk read apart), for messages. */
  firstRow?: number;
}

export type DataFormat = 'csv' | 'jsonl' | 'parquet';
