/**
 * The metric catalogue: every metric upkeep computes, the tasks it applies to, which direction is
 * better and the range of its values. The only place that knows "lower is better".
 */
export const TASKS = ['binary', 'multiclass', 'regression'] as const;
export type Task = (typeof TASKS)[number];

export interface MetricInfo {
  name: string;
  tasks: readonly Task[];
  /** Which values are better. */
  direction: 'higher' | 'lower';
  /** Closed range of the values; null where unbounded. */
  range: readonly [min: number | null, max: number | null];
}

const UNIT = [0, 1] as const;
const NON_NEGATIVE = [0, null] as const;

/** In report order within each task. */
export const METRIC_CATALOGUE = [
  { name: 'accuracy', tasks: ['binary', 'multiclass'], direction: 'higher', range: UNIT },
  { name: 'balanced_accuracy', tasks: ['binary', 'multiclass'], direction: 'higher', range: UNIT },
  { name: 'precision', tasks: ['binary'], direction: 'higher', range: UNIT },
  { name: 'recall', tasks: ['binary'], direction: 'higher', range: UNIT },
  { name: 'f1', tasks: ['binary'], direction: 'higher', range: UNIT },
  { name: 'f1_macro', tasks: ['multiclass'], direction: 'higher', range: UNIT },
  { name: 'f1_weighted', tasks: ['multiclass'], direction: 'higher', range: UNIT },
  { name: 'precision_macro', tasks: ['multiclass'], direction: 'higher', range: UNIT },
  { name: 'recall_macro', tasks: ['multiclass'], direction: 'higher', range: UNIT },
  { name: 'roc_auc', tasks: ['binary'], direction: 'higher', range: UNIT },
  { name: 'roc_auc_ovr_macro', tasks: ['multiclass'], direction: 'higher', range: UNIT },
  { name: 'average_precision', tasks: ['binary'], direction: 'higher', range: UNIT },
  { name: 'log_loss', tasks: ['binary', 'multiclass'], direction: 'lower', range: NON_NEGATIVE },
  { name: 'brier', tasks: ['binary'], direction: 'lower', range: UNIT },
  { name: 'mae', tasks: ['regression'], direction: 'lower', range: NON_NEGATIVE },
  { name: 'rmse', tasks: ['regression'], direction: 'lower', range: NON_NEGATIVE },
  { name: 'r2', tasks: ['regression'], direction: 'higher', range: [null, 1] },
  { name: 'mape', tasks: ['regression'], direction: 'lower', range: NON_NEGATIVE },
] as const satisfies readonly MetricInfo[];

type Entry = (typeof METRIC_CATALOGUE)[number];
/** Names of the metrics of one task, as a type. */
export type MetricNameOf<T extends Task> = Entry extends infer E
  ? E extends { name: infer N; tasks: readonly (infer U)[] }
    ? T extends U
      ? N
      : never
    : never
  : never;

function namesOf<T extends Task>(task: T): readonly MetricNameOf<T>[] {
  return METRIC_CATALOGUE.filter((m) => (m.tasks as readonly Task[]).includes(task)).map((m) => m.name as MetricNameOf<T>);
}

export const BINARY_METRICS = namesOf('binary');
export const MULTICLASS_METRICS = namesOf('multiclass');
export const REGRESSION_METRICS = namesOf('regression');

/** Metrics per task, in report order. */
export const METRICS: { readonly [T in Task]: readonly MetricNameOf<T>[] } = {
  binary: BINARY_METRICS,
  multiclass: MULTICLASS_METRICS,
  regression: REGRESSION_METRICS,
};

const BY_NAME: ReadonlyMap<string, MetricInfo> = new Map(METRIC_CATALOGUE.map((m) => [m.name, m]));

/** True for error metrics (log_loss, brier, mae, rmse, mape); false for scores and unknown names. */
export function lowerIsBetter(metric: string): boolean {
  return BY_NAME.get(metric)?.direction === 'lower';
}

/** True when every value of the metric lies in [0, 1]. */
export function inUnitInterval(metric: string): boolean {
  const r = BY_NAME.get(metric)?.range;
  return r !== undefined && r[0] === 0 && r[1] === 1;
}

/** The metric's range as numbers (−∞ / +∞ where unbounded): where an interval is clipped. */
export function metricRange(metric: string): [number, number] {
  const r = BY_NAME.get(metric)?.range;
  if (!r) throw new RangeError(`unknown metric ${metric}`);
  return [r[0] ?? -Infinity, r[1] ?? Infinity];
}
