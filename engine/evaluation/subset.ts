/**
 * Some rows of collected predictions (a slice, a fairness group, a weak segment): labels and outputs
 * of the rows `idx`, in that order. The probabilities keep their array type (float32 as the model
 * gave them), so a metric of the rows is the one the whole window would compute on them.
 */
import type { Collected } from './evaluator.js';

type Rows = Pick<Collected, 'task' | 'yTrueClass' | 'yPredClass' | 'proba' | 'yTrueValue' | 'yPredValue' | 'labels'>;

/** The rows `idx` of `c`, whose classifier outputs have `k` probabilities per row. */
export function subset(c: Rows, idx: Int32Array, k: number): Collected {
  const n = idx.length;
  const base = { task: c.task, rows: n, rowsRead: n, droppedRows: 0, invalid: [] };
  if (c.task === 'regression') {
    const t = new Float64Array(n);
    const p = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      t[i] = c.yTrueValue![idx[i]!]!;
      p[i] = c.yPredValue![idx[i]!]!;
    }
    return { ...base, yTrueValue: t, yPredValue: p };
  }
  const proba = c.proba!;
  const t = new Int32Array(n);
  const p = new Int32Array(n);
  const pr = proba instanceof Float32Array ? new Float32Array(n * k) : new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const r = idx[i]!;
    t[i] = c.yTrueClass![r]!;
    p[i] = c.yPredClass![r]!;
    for (let j = 0, from = r * k, to = i * k; j < k; j++) pr[to + j] = proba[from + j]!;
  }
  return { ...base, yTrueClass: t, yPredClass: p, proba: pr, ...(c.labels ? { labels: c.labels } : {}) };
}
