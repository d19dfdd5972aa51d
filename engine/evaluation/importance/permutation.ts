/**
 * Permutation importance (Breiman 2001; scikit-learn's sklearn.inspection.permutation_importance):
 * each column's values are permuted among the rows, the model scored again, and the drop of the
 * metric from the unpermuted score is the column's importance, over `repeats` permutations.
 *
 * The permutations are scikit-learn's with random_state=seed, drawn the same way: a seed for every
 * column is RandomState(seed).randint(2^31); each column then starts a RandomState of that seed,
 * shuffles one index array in place once per repeat and applies it to the column as permuted so far
 * (X[:, j] = X[idx, j]). With the same model and rows the scores are scikit-learn's, which the
 * goldens check (scripts/fixtures/importance_golden.py).
 */
import { Mt19937 } from '../../math/mt19937.js';

/** Rows × columns, row-major. */
export interface Matrix {
  columns: string[];
  rows: number;
  values: Float64Array;
}

/** The metric of the model on `values` (same shape as the matrix); null when it is undefined. */
export type Scorer = (values: Float64Array) => Promise<number | null>;

export interface PermutationResult {
  /** The metric on the rows as they are. */
  baseline: number;
  /** Per column (in matrix order): the drop of the metric in each repeat (a rise when lower is better). */
  drops: Record<string, number[]>;
}

/** The per-column seed scikit-learn derives from random_state=seed: RandomState(seed).randint(2**31). */
export function columnSeed(seed: number): number {
  return new Mt19937(seed).interval(2 ** 31 - 1);
}

/** Mean and population standard deviation (numpy's defaults, as importances_mean and importances_std). */
export function meanStd(values: readonly number[]): { mean: number; std: number } {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN };
  let s = 0;
  for (const v of values) s += v;
  const mean = s / n;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  return { mean, std: Math.sqrt(ss / n) };
}

/**
 * The permutation importances of `columns` (all of the matrix's when absent). `lowerIsBetter`: the
 * metric is an error (a rise is the loss). Throws when the metric is undefined on the rows.
 */
export async function permutationImportance(
  m: Matrix,
  score: Scorer,
  opts: { repeats: number; seed: number; lowerIsBetter: boolean; columns?: readonly string[]; onColumn?: () => void },
): Promise<PermutationResult> {
  const baseline = await score(m.values);
  if (baseline === null) throw new Error('the metric is undefined on the reference sample');
  const k = m.columns.length;
  const n = m.rows;
  const seed = columnSeed(opts.seed);
  const drops: Record<string, number[]> = {};
  const work = new Float64Array(m.values);
  const column = new Float64Array(n);
  const next = new Float64Array(n);
  for (let j = 0; j < k; j++) {
    const name = m.columns[j]!;
    if (opts.columns && !opts.columns.includes(name)) continue;
    const rng = new Mt19937(seed);
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      idx[i] = i;
      column[i] = m.values[i * k + j]!;
    }
    const out: number[] = [];
    for (let r = 0; r < opts.repeats; r++) {
      rng.shuffle(idx);
      for (let i = 0; i < n; i++) next[i] = column[idx[i]!]!;
      column.set(next);
      for (let i = 0; i < n; i++) work[i * k + j] = column[i]!;
      const s = await score(work);
      if (s === null) throw new Error(`the metric is undefined once column ${name} is permuted`);
      out.push(opts.lowerIsBetter ? s - baseline : baseline - s);
    }
    // The column back as it was, for the next one.
    for (let i = 0; i < n; i++) work[i * k + j] = m.values[i * k + j]!;
    drops[name] = out;
    opts.onColumn?.();
  }
  return { baseline, drops };
}
