/**
 * Drift ranked by what it costs: each model input's permutation importance, measured on the
 * reference's row sample through the model, and the estimated effect of a drifted column on the
 * primary metric (docs/statistics/drift.md, "Drift ranked by importance"). The shapes travel in the
 * evaluation summary (DriftReport.importance); the rules here are pure and run in workflow code.
 */
import { lowerIsBetter } from './metrics.js';

/** One input column's importance and, when it drifted, the effect its drift is estimated to have. */
export interface ColumnImportance {
  /**
   * Mean drop of the primary metric over the repeats when the column's values are permuted among
   * the reference sample's rows (in the metric's units; a rise for a lower-is-better metric). ~0: unused.
   */
  importance: number;
  /** Population standard deviation of the drop across the repeats (scikit-learn's importances_std). */
  std: number;
  /**
   * Drifted columns only: the estimated drop of the primary metric when this column alone moves to
   * the window's distribution (rank-preserving transport of the reference sample's values; see the
   * docs for what it assumes). Null with `effect_note` when it could not be estimated.
   */
  effect?: number | null;
  effect_std?: number;
  effect_note?: string;
  /** The importance is below the model's `monitor.drift.importance_floor`: its drift does not raise the warning. */
  below_floor?: boolean;
}

export interface DriftImportance {
  method: 'permutation';
  /** The primary metric whose drop is measured. */
  metric: string;
  /** Its value on the reference sample, unpermuted. */
  baseline: number;
  /** Labelled reference sample rows used; repeats and seed of the permutations. */
  rows: number;
  repeats: number;
  seed: number;
  /** The model version (artifact sha256) the importances were measured on. */
  model_sha256: string;
  /** Per model input column (columns that are not model inputs have none: the model does not see them). */
  columns: Record<string, ColumnImportance>;
  /** The drifted columns, most important first (columns without an importance last, in drift order). */
  ranked: string[];
  /** `monitor.drift.importance_floor` when set: drift in columns below it does not raise the warning. */
  floor?: number;
  /** The stored importances (content-addressed by model and reference). */
  stored?: { uri: string; sha256: string };
}

/** `columns` ordered most important first; those without an importance keep their order, after. */
export function rankByImportance(columns: readonly string[], importance: Pick<DriftImportance, 'columns'> | undefined): string[] {
  if (!importance) return [...columns];
  const of = (c: string): number | undefined => (Object.hasOwn(importance.columns, c) ? importance.columns[c]!.importance : undefined);
  return columns
    .map((c, i) => ({ c, i, v: of(c) }))
    .sort((a, b) => {
      if (a.v === undefined || b.v === undefined) return a.v === undefined ? (b.v === undefined ? a.i - b.i : 1) : -1;
      return b.v - a.v || a.i - b.i;
    })
    .map((x) => x.c);
}

/**
 * Whether drift in `column` may raise the verdict's drift warning: always without an importance
 * floor (or an importance for the column, e.g. a watched column the model does not take).
 */
export function raisesDriftWarning(column: string, importance: Pick<DriftImportance, 'columns' | 'floor'> | undefined): boolean {
  if (!importance || !importance.floor || !Object.hasOwn(importance.columns, column)) return true;
  return importance.columns[column]!.importance >= importance.floor;
}

/** A number for a person: at most 4 significant digits. */
function short(v: number): string {
  return Math.abs(v) >= 1000 || v === 0 ? String(Number(v.toFixed(4))) : Number(v.toPrecision(4)).toString();
}

/** "importance 0.031 ± 0.004" (and the estimated effect) for a column, or '' without one. */
export function importanceText(column: string, importance: Pick<DriftImportance, 'columns' | 'metric'> | undefined): string {
  if (!importance || !Object.hasOwn(importance.columns, column)) return '';
  const c = importance.columns[column]!;
  // The effect is a loss (positive: worse); said as the change of the metric itself.
  const change = c.effect === undefined || c.effect === null ? undefined : lowerIsBetter(importance.metric) ? c.effect : -c.effect;
  const effect = change === undefined ? '' : `, estimated effect on ${importance.metric} ${change > 0 ? '+' : ''}${short(change)}`;
  return `importance ${short(c.importance)} ± ${short(c.std)}${effect}${c.below_floor ? ', below the importance floor' : ''}`;
}

/**
 * Column names in the order a drift report shows them: with importances, the drifted columns most
 * important first, then the others in `names`' order; without, `names` as given.
 */
export function driftDisplayOrder(
  names: readonly string[],
  drift: { drifted_columns: readonly string[]; importance?: Pick<DriftImportance, 'columns'> },
): string[] {
  if (!drift.importance) return [...names];
  const present = new Set(names);
  const first = rankByImportance(
    drift.drifted_columns.filter((c) => present.has(c)),
    drift.importance,
  );
  const seen = new Set(first);
  return [...first, ...names.filter((n) => !seen.has(n))];
}

/** A short cell for a table: "0.0452 ± 0.008" (and "below floor"), or '' without an importance. */
export function importanceCell(column: string, importance: Pick<DriftImportance, 'columns'> | undefined): string {
  if (!importance || !Object.hasOwn(importance.columns, column)) return '';
  const c = importance.columns[column]!;
  return `${short(c.importance)} ± ${short(c.std)}${c.below_floor ? ' (below floor)' : ''}`;
}

/** A short cell for the estimated effect of a drifted column on the metric ('' when none). */
export function effectCell(column: string, importance: Pick<DriftImportance, 'columns' | 'metric'> | undefined): string {
  if (!importance || !Object.hasOwn(importance.columns, column)) return '';
  const c = importance.columns[column]!;
  if (c.effect === undefined) return '';
  if (c.effect === null) return '—';
  const change = lowerIsBetter(importance.metric) ? c.effect : -c.effect;
  return `${change > 0 ? '+' : ''}${short(change)}`;
}

/** One sentence on how the importances were measured, and the floor (plain text: the caller escapes it). */
export function importanceSummary(imp: DriftImportance): string {
  const floor = imp.floor ? ` Importance floor ${short(imp.floor)}: drift in a column below it is listed but raises no warning.` : '';
  return (
    `Drifted columns ranked by their importance to the model: the drop of ${imp.metric} (${short(imp.baseline)} unpermuted) when the column is permuted, ` +
    `${imp.repeats} permutations of ${imp.rows} labelled reference rows; effect: the estimated change of ${imp.metric} when that column alone moves to this window's distribution.${floor}`
  );
}
