/** Input validation and per-label confusion counts shared by the classification metrics. */
import type { ClassificationInput } from './types.js';

export function validateClassification(input: ClassificationInput): void {
  const { yTrue, yPred, proba, nClasses: k } = input;
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`nClasses must be an integer >= 2, got ${k}`);
  if (yTrue.length !== yPred.length) {
    throw new RangeError(`yTrue has ${yTrue.length} rows but yPred has ${yPred.length}`);
  }
  if (proba.length !== yTrue.length * k) {
    throw new RangeError(`proba has ${proba.length} values, expected rows × nClasses = ${yTrue.length} × ${k}`);
  }
  for (let i = 0; i < yTrue.length; i++) {
    if ((yTrue[i] as number) < 0) throw new RangeError(`yTrue[${i}] = ${yTrue[i]} is negative`);
    const p = yPred[i] as number;
    if (p < 0 || p >= k) throw new RangeError(`yPred[${i}] = ${p} is outside the model's classes 0..${k - 1}`);
  }
}

export function className(index: number, names: readonly string[] | undefined): string {
  const name = names?.[index];
  return name === undefined ? `class ${index}` : `"${name}" (index ${index})`;
}

export function classList(indices: readonly number[], names: readonly string[] | undefined): string {
  const shown = indices.slice(0, 10).map((i) => className(i, names));
  return indices.length > 10 ? `${shown.join(', ')} and ${indices.length - 10} more` : shown.join(', ');
}

/** Per-label confusion counts over the sorted union of labels present in yTrue and yPred. */
export interface LabelCounts {
  /** Sorted label indices present in yTrue ∪ yPred. */
  labels: number[];
  tp: number[];
  trueCount: number[];
  predCount: number[];
  /** Labels in yTrue that are >= nClasses (unknown to the model), sorted. */
  unknownTrue: number[];
  /** Number of distinct labels in yTrue. */
  distinctTrue: number;
}

export function countLabels(yTrue: Int32Array, yPred: Int32Array, k: number): LabelCounts {
  const n = yTrue.length;
  const tp = new Float64Array(k);
  const tc = new Float64Array(k);
  const pc = new Float64Array(k);
  // Labels >= k only come from yTrue and are never predicted (yPred < k), so they only need a
  // true count; tp and pred count are 0.
  let extra: Map<number, number> | undefined;
  for (let i = 0; i < n; i++) {
    const t = yTrue[i] as number;
    const p = yPred[i] as number;
    pc[p] = (pc[p] as number) + 1;
    if (t < k) {
      tc[t] = (tc[t] as number) + 1;
      if (t === p) tp[t] = (tp[t] as number) + 1;
    } else {
      extra ??= new Map();
      extra.set(t, (extra.get(t) ?? 0) + 1);
    }
  }
  const out: LabelCounts = { labels: [], tp: [], trueCount: [], predCount: [], unknownTrue: [], distinctTrue: 0 };
  for (let c = 0; c < k; c++) {
    const t = tc[c] as number;
    const p = pc[c] as number;
    if (t > 0) out.distinctTrue++;
    if (t + p === 0) continue;
    out.labels.push(c);
    out.tp.push(tp[c] as number);
    out.trueCount.push(t);
    out.predCount.push(p);
  }
  if (extra) {
    for (const label of [...extra.keys()].sort((a, b) => a - b)) {
      out.labels.push(label);
      out.tp.push(0);
      out.trueCount.push(extra.get(label) as number);
      out.predCount.push(0);
      out.unknownTrue.push(label);
      out.distinctTrue++;
    }
  }
  return out;
}

/** Counts by their (validated) arrays, let go with them: the metrics, the label counts and the interval of one window share one pass. */
const counted = new WeakMap<Int32Array, { yPred: Int32Array; k: number; counts: LabelCounts }>();

/**
 * validateClassification, then countLabels; the counts are kept for the arrays they were taken
 * from (which must not change afterwards), so that the rest of a window's finishing step asks
 * knownLabelCounts instead of counting every row again.
 */
export function validatedLabelCounts(input: ClassificationInput): LabelCounts {
  const { yTrue, yPred, nClasses: k } = input;
  const known = knownLabelCounts(yTrue, yPred, k);
  if (known) return known;
  validateClassification(input);
  const counts = countLabels(yTrue, yPred, k);
  counted.set(yTrue, { yPred, k, counts });
  return counts;
}

/** The counts validatedLabelCounts took of these arrays, if it did (the rows are then valid: true labels ≥ 0, predictions among the k classes). */
export function knownLabelCounts(yTrue: Int32Array, yPred: Int32Array, k: number): LabelCounts | undefined {
  const known = counted.get(yTrue);
  return known && known.yPred === yPred && known.k === k ? known.counts : undefined;
}
