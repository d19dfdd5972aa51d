/** The design matrix: standardised numeric columns, then one one-hot block per categorical column. */
import type { BuiltinFeatures, BuiltinModel } from './types.js';

export interface Design {
  /**
   * Column-major n × d: column j is x[j·n .. (j+1)·n). A column at a time is what the passes over
   * the rows read (the margins X·w and the gradient Xᵀ·r, a block of rows at a time), and what
   * building it writes, each in order.
   */
  x: Float64Array;
  n: number;
  d: number;
}

/** Column j of the design (a view, not a copy). */
export function designColumn(ds: Design, j: number): Float64Array {
  return ds.x.subarray(j * ds.n, (j + 1) * ds.n);
}

/**
 * Builds the design once: (value - mean) / scale per numeric column (StandardScaler's arithmetic)
 * and the one-hot blocks. `shared`: on a SharedArrayBuffer, for the objective's helper thread.
 */
export function buildDesign(
  model: Pick<BuiltinModel, 'mean' | 'scale' | 'categorical'>,
  features: BuiltinFeatures,
  n: number,
  opts: { shared?: boolean } = {},
): Design {
  const p = model.mean.length;
  const widths = model.categorical.map((c) => c.categories.length);
  const d = p + widths.reduce((a, b) => a + b, 0);
  const bytes = n * d * Float64Array.BYTES_PER_ELEMENT;
  const x = new Float64Array(opts.shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  features.numeric.forEach((col, j) => {
    const m = model.mean[j]!;
    const s = model.scale[j]!;
    const at = j * n;
    for (let i = 0; i < n; i++) x[at + i] = (col[i]! - m) / s;
  });
  let offset = p;
  model.categorical.forEach((c, k) => {
    const index = new Map(c.categories.map((v, i) => [v, i]));
    const values = features.categorical![k]!.values;
    for (let i = 0; i < n; i++) {
      const at = index.get(values[i]!);
      if (at !== undefined) x[(offset + at) * n + i] = 1;
    }
    offset += widths[k]!;
  });
  return { x, n, d };
}

export function rowCount(features: BuiltinFeatures): number {
  if (features.numeric.length > 0) return features.numeric[0]!.length;
  const c = features.categorical?.[0];
  return c ? c.values.length : 0;
}
