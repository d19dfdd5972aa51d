/**
 * `models[].metrics`: business metrics a model declares beyond the catalogue, each with its own
 * optional gate (docs/statistics/business-metrics.md#declaring-and-gating). The schema, the checks
 * that need the rest of the model (task, classes, positive label) and the words the report, the
 * model card and `upkeep check` use for them. Pure: no I/O.
 */
import * as z from 'zod';
import type { GateSpec } from './gates.js';

/** A name the verdict can quote: letters, digits and _ . @ - (at most 64). */
const metricName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/, 'expected a name of letters, digits, "_", ".", "@" or "-" (at most 64), starting with a letter or digit');

const gateSpec = z
  .strictObject({
    /** Fails below this (metrics where higher is better). */
    min: z.number().optional(),
    /** Fails above this (a cost: lower is better). */
    max: z.number().optional(),
    /** Fails when worse than `baseline` by more than this. */
    max_drop: z.number().nonnegative().optional(),
  })
  .refine((g) => g.min !== undefined || g.max !== undefined || g.max_drop !== undefined, { message: 'give at least one of min, max or max_drop' });

/** Rows are the actual class, columns the predicted class, both keyed by the class label as the model names it. */
const matrix = z.record(z.string().min(1).max(200), z.record(z.string().min(1).max(200), z.number()));

const common = {
  name: metricName,
  gate: gateSpec.optional(),
  /** What max_drop is measured from (e.g. the value on the validation data). */
  baseline: z.number().optional(),
};

const matrixFields = {
  matrix,
  /** row: the average over the labelled rows (comparable across windows); window: the window's total. */
  per: z.enum(['row', 'window']).default('row'),
};

export const THRESHOLD_METRICS = ['precision', 'recall', 'f1', 'accuracy'] as const;

export const declaredMetricSpec = z.discriminatedUnion(
  'kind',
  [
    /** Σ matrix[actual][predicted] × rows: lower is better. */
    z.strictObject({ ...common, kind: z.literal('cost_matrix'), ...matrixFields }),
    /** The same sum with gains as entries: higher is better. */
    z.strictObject({ ...common, kind: z.literal('value_matrix'), ...matrixFields }),
    /** Binary: the highest recall among the thresholds whose precision is at least `precision`. */
    z.strictObject({ ...common, kind: z.literal('recall_at_precision'), precision: z.number().gt(0).max(1) }),
    /** Binary: the highest precision among the thresholds whose recall is at least `recall`. */
    z.strictObject({ ...common, kind: z.literal('precision_at_recall'), recall: z.number().gt(0).max(1) }),
    /** Binary: a catalogue metric with rows predicted positive where P(positive) ≥ threshold. */
    z.strictObject({ ...common, kind: z.literal('at_threshold'), metric: z.enum(THRESHOLD_METRICS), threshold: z.number().min(0).max(1) }),
    /** Regression: the share of rows with |y − ŷ| ≤ within (relative: ≤ within·|y|). */
    z.strictObject({ ...common, kind: z.literal('error_band'), within: z.number().nonnegative(), relative: z.boolean().default(false) }),
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? `expected kind: cost_matrix, value_matrix, recall_at_precision, precision_at_recall, at_threshold or error_band${issue.input && typeof issue.input === 'object' && 'kind' in issue.input ? `, not ${JSON.stringify((issue.input as { kind: unknown }).kind)}` : ''}`
        : undefined,
  },
);

export const declaredMetricsSpec = z.array(declaredMetricSpec).max(50).default([]);

export type DeclaredMetric = z.infer<typeof declaredMetricSpec>;
export type MatrixMetric = Extract<DeclaredMetric, { kind: 'cost_matrix' | 'value_matrix' }>;

/** The tasks each kind applies to. */
const KIND_TASKS: Record<DeclaredMetric['kind'], readonly string[]> = {
  cost_matrix: ['binary', 'multiclass'],
  value_matrix: ['binary', 'multiclass'],
  recall_at_precision: ['binary'],
  precision_at_recall: ['binary'],
  at_threshold: ['binary'],
  error_band: ['regression'],
};

export function isMatrixMetric(d: DeclaredMetric): d is MatrixMetric {
  return d.kind === 'cost_matrix' || d.kind === 'value_matrix';
}

/** Only a cost is better when lower. */
export function declaredLowerIsBetter(d: DeclaredMetric): boolean {
  return d.kind === 'cost_matrix';
}

/** Rates (every kind but the matrices) lie in [0, 1]. */
export function declaredIsRate(d: DeclaredMetric): boolean {
  return !isMatrixMetric(d);
}

/** The model as the checks need it: the rest of the spec is not looked at. */
interface ModelFacts {
  task: string;
  classes?: readonly (string | number)[] | undefined;
  label: { positive?: string | number | boolean | undefined };
  metrics: readonly DeclaredMetric[];
}

type Issue = { path: (string | number)[]; message: string };

function matrixIssues(d: MatrixMetric, m: ModelFacts): Issue[] {
  const out: Issue[] = [];
  const rows = Object.keys(d.matrix);
  const at = (...p: (string | number)[]): (string | number)[] => ['matrix', ...p];
  if (rows.length < 2) return [{ path: at(), message: `${d.name}: a matrix needs at least 2 classes (rows = actual class), got ${rows.length}` }];
  if (m.task === 'binary' && rows.length !== 2) out.push({ path: at(), message: `${d.name}: a binary model's matrix is 2 × 2, got ${rows.length} rows` });
  const want = new Set(rows);
  for (const r of rows) {
    const cols = Object.keys(d.matrix[r]!);
    const missing = rows.filter((c) => !cols.includes(c));
    const extra = cols.filter((c) => !want.has(c));
    if (missing.length > 0 || extra.length > 0) {
      const parts = [
        missing.length > 0 ? `no column for ${missing.map((c) => JSON.stringify(c)).join(', ')}` : '',
        extra.length > 0 ? `columns ${extra.map((c) => JSON.stringify(c)).join(', ')} that are not rows` : '',
      ];
      out.push({
        path: at(r),
        message: `${d.name}: the matrix is not square: row ${JSON.stringify(r)} has ${parts.filter(Boolean).join(' and ')} (rows = actual class, columns = predicted, the same classes)`,
      });
    }
  }
  if (m.classes) {
    const known = m.classes.map(String);
    for (const r of rows)
      if (!known.includes(r)) out.push({ path: at(r), message: `${d.name}: class ${JSON.stringify(r)} is not one of the model's classes ${known.join(', ')}` });
    for (const c of known) if (!want.has(c)) out.push({ path: at(), message: `${d.name}: the matrix has no row for the model's class ${JSON.stringify(c)}` });
  }
  if (m.task === 'binary' && m.label.positive !== undefined && !want.has(String(m.label.positive))) {
    out.push({ path: at(), message: `${d.name}: the matrix has no row for the positive class ${JSON.stringify(String(m.label.positive))}` });
  }
  return out;
}

/** Everything wrong with the declared metrics given the rest of the model; paths start at `metrics`. */
export function declaredMetricIssues(m: ModelFacts): Issue[] {
  const out: Issue[] = [];
  const seen = new Set<string>();
  m.metrics.forEach((d, i) => {
    const push = (path: (string | number)[], message: string): void => void out.push({ path: ['metrics', i, ...path], message });
    if (seen.has(d.name)) push(['name'], `duplicate metric name ${d.name}`);
    seen.add(d.name);
    const tasks = KIND_TASKS[d.kind];
    if (!tasks.includes(m.task)) {
      push(['kind'], `${d.name}: ${d.kind} applies to ${tasks.join(' and ')} models, not a ${m.task} model`);
      return;
    }
    if (isMatrixMetric(d)) for (const issue of matrixIssues(d, m)) push(issue.path, issue.message);
    const lower = declaredLowerIsBetter(d);
    const gate = d.gate ?? {};
    if (lower && gate.min !== undefined) push(['gate', 'min'], `${d.name} is a cost (lower is better): use gate.max`);
    if (!lower && gate.max !== undefined) push(['gate', 'max'], `${d.name} is better when higher: use gate.min`);
    if (declaredIsRate(d)) {
      for (const key of ['min', 'max', 'max_drop'] as const) {
        const v = gate[key];
        if (v !== undefined && !(v >= 0 && v <= 1)) push(['gate', key], `${d.name} is a rate: expected a number between 0 and 1`);
      }
      if (d.baseline !== undefined && !(d.baseline >= 0 && d.baseline <= 1)) push(['baseline'], `${d.name} is a rate: expected a number between 0 and 1`);
    }
    if (gate.max_drop !== undefined && d.baseline === undefined) push(['baseline'], `${d.name}: gate.max_drop needs a baseline to measure from`);
  });
  return out;
}

/**
 * The model's classes (as it names them) against a matrix's: a class the model does not have, or a
 * class of the model the matrix leaves out. null when they agree.
 */
export function matrixClassProblem(modelId: string, index: number, d: MatrixMetric, classes: readonly string[]): string | null {
  const rows = Object.keys(d.matrix);
  const unknown = rows.filter((r) => !classes.includes(r));
  const at = `model ${modelId}: metrics[${index}] (${d.name})`;
  const list =
    classes
      .slice(0, 20)
      .map((c) => JSON.stringify(c))
      .join(', ') + (classes.length > 20 ? ', …' : '');
  if (unknown.length > 0) {
    const names = unknown.map((c) => JSON.stringify(c)).join(', ');
    return `${at}: the matrix names ${unknown.length === 1 ? `class ${names}, which the model does not have` : `classes ${names}, which the model does not have`} (its classes: ${list})`;
  }
  const left = classes.filter((c) => !rows.includes(c));
  if (left.length > 0) return `${at}: the matrix has no row for the model's class ${left.map((c) => JSON.stringify(c)).join(', ')} (its classes: ${list})`;
  return null;
}

/** The first mismatch between the declared matrices and the model's classes, or null. */
export function declaredClassProblem(spec: { id: string; metrics: readonly DeclaredMetric[] }, classes: readonly string[] | undefined): string | null {
  if (!classes) return null;
  for (const [i, d] of spec.metrics.entries()) {
    if (!isMatrixMetric(d)) continue;
    const problem = matrixClassProblem(spec.id, i, d, classes);
    if (problem) return problem;
  }
  return null;
}

/** What the metric is, in words: "cost matrix over 2 classes, per row", "recall at precision ≥ 0.9". */
export function describeDeclared(d: DeclaredMetric): string {
  switch (d.kind) {
    case 'cost_matrix':
    case 'value_matrix':
      return `${d.kind === 'cost_matrix' ? 'cost' : 'value'} matrix over ${Object.keys(d.matrix).length} classes, ${d.per === 'row' ? 'average per row' : 'window total'}`;
    case 'recall_at_precision':
      return `recall at precision ≥ ${d.precision}`;
    case 'precision_at_recall':
      return `precision at recall ≥ ${d.recall}`;
    case 'at_threshold':
      return `${d.metric} at threshold ${d.threshold}`;
    case 'error_band':
      return `share of rows with |error| ≤ ${d.within}${d.relative ? '·|y|' : ''}`;
  }
}

/** The gate in words ("max 12; max_drop 2 from the baseline 9.5"), or "no gate". */
export function describeGate(gate: GateSpec | undefined, baseline: number | undefined): string {
  if (!gate) return baseline === undefined ? 'no gate' : `no gate (baseline ${baseline})`;
  const parts = [
    gate.min !== undefined ? `min ${gate.min}` : '',
    gate.max !== undefined ? `max ${gate.max}` : '',
    gate.max_drop !== undefined ? `max_drop ${gate.max_drop} from the baseline ${baseline ?? '—'}` : '',
  ].filter(Boolean);
  return parts.join(', ');
}

/** One line per declared metric: what `upkeep check` prints and the model card lists. */
export function declaredMetricLines(metrics: readonly DeclaredMetric[]): string[] {
  return metrics.map(
    (d) => `${d.name}: ${describeDeclared(d)}, ${declaredLowerIsBetter(d) ? 'lower' : 'higher'} is better; ${describeGate(d.gate, d.baseline)}`,
  );
}
