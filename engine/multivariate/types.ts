/**
 * Rows as the multivariate methods take them: a row-major matrix of numbers, one column per input
 * column. Categorical inputs arrive as codes (`categorical[j]` true); NaN marks a missing value.
 */
export interface RowMatrix {
  columns: string[];
  rows: number;
  /** rows × columns.length, row-major. */
  values: Float64Array;
  /** Per column: its values are category codes, not quantities. */
  categorical?: boolean[];
}
