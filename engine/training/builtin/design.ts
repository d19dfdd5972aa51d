/** The design matrix: standardised numeric columns, then one one-hot block per categorical column. */
import type { BuiltinFeatures, BuiltinModel } from './types.js';

export interface Design {
  /** Row-major n × d. */
  x: Float64Array;
  n: number;
  d: number;
}

export function buildDesign(model: Pick<BuiltinModel, 'mean' | 'scale' | 'categorical'>, features: BuiltinFeatures, n: number): Design {
  const p = model.mean.length;
  const widths = model.categorical.map((c) => c.categories.length);
  const d = p + widths.reduce((a, b) => a + b, 0);
  const x = new Float64Array(n * d);
  // Row by row: the matrix is written in order (a column at a time strides over all of it).
  const cols = features.numeric;
  const mean = Float64Array.from(model.mean);
  const scale = Float64Array.from(model.scale);
  for (let i = 0, at = 0; i < n; i++, at += d) {
    for (let j = 0; j < p; j++) x[at + j] = (cols[j]![i]! - mean[j]!) / scale[j]!;
  }
  let offset = p;
  model.categorical.forEach((c, k) => {
    const index = new Map(c.categories.map((v, i) => [v, i]));
    const values = features.categorical![k]!.values;
    for (let i = 0; i < n; i++) {
      const at = index.get(values[i]!);
      if (at !== undefined) x[i * d + offset + at] = 1;
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
