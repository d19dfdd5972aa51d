/**
 * Pure decisions, run inside workflow code. Same inputs, same verdict: no clocks, no I/O.
 */
import type { EvaluationFailure, EvaluationSummary, ResolvedModel, SnapshotRef, TrendSummary, Verdict } from './definitions.js';

export const LOWER_IS_BETTER: ReadonlySet<string> = new Set(['log_loss', 'brier', 'mae', 'rmse', 'mape']);

export interface VerdictInput {
  model: { primaryMetric: string; thresholds: ResolvedModel['spec']['thresholds']; baseline: Record<string, number>; minRows: number };
  snapshot: Pick<SnapshotRef, 'rows' | 'files' | 'missing' | 'firstDay' | 'lastDay'>;
  evaluation?: Pick<EvaluationSummary, 'rows' | 'metrics' | 'undefinedMetrics' | 'droppedRows' | 'rowsRead' | 'drift' | 'quality' | 'slices' | 'confidence'>;
  trend?: TrendSummary;
  failure?: EvaluationFailure;
}

const fmt = (v: number): string => (Math.abs(v) >= 1000 || v === 0 ? String(Number(v.toFixed(4))) : Number(v.toPrecision(4)).toString());

function trendConditions(trend: TrendSummary | undefined): string[] {
  return trend?.declining && trend.message ? [`slow decline: ${trend.message}`] : [];
}

/** Drift and data-quality findings that deserve the owner's attention (a warning, not a verdict on the metric). */
function currentConditions(evaluation: VerdictInput['evaluation']): string[] {
  const out: string[] = [];
  const drift = evaluation?.drift;
  if (drift) {
    const describe = (name: string): string => {
      const c = drift.columns[name]!;
      return `${name} (${c.test} ${c.score === null ? '—' : fmt(c.score)})`;
    };
    if (drift.dataset_drift) {
      out.push(`dataset drift: ${drift.drifted_columns.length} of ${Object.keys(drift.columns).length} columns drifted: ${drift.drifted_columns.map(describe).join(', ')}`);
    } else if (drift.drifted_columns.length > 0) {
      out.push(`drift in ${drift.drifted_columns.map(describe).join(', ')} (below the dataset share ${drift.drift_share})`);
    }
    if (drift.label?.drifted) out.push(`label drift (${drift.label.test} ${fmt(drift.label.score ?? 0)})`);
    if (drift.prediction?.drifted) out.push(`prediction drift (${drift.prediction.test} ${fmt(drift.prediction.score ?? 0)})`);
  }
  for (const issue of evaluation?.quality?.issues ?? []) if (issue.severity === 'warning') out.push(`quality: ${issue.message}`);
  return out;
}

export function decideVerdict(input: VerdictInput): Verdict {
  const { model, snapshot, evaluation, failure } = input;
  const window = `${snapshot.firstDay}..${snapshot.lastDay}`;
  const notes: string[] = [];
  if (snapshot.missing.length > 0) {
    notes.push(`${snapshot.missing.length} of ${snapshot.missing.length + snapshot.files.length} files missing from window ${window}: ${snapshot.missing.map((m) => m.date).join(', ')}`);
  }
  if (evaluation && evaluation.droppedRows > 0) {
    notes.push(`${evaluation.droppedRows} of ${evaluation.rowsRead} rows dropped for missing or non-finite values`);
  }

  if (failure) return { status: 'failing', reasons: [`${failure.type}: ${failure.message}`, ...notes] };
  const quality = evaluation?.quality;
  if (quality?.schemaBreak) {
    return { status: 'failing', reasons: [...quality.issues.filter((i) => i.severity === 'break').map((i) => `schema: ${i.message}`), ...notes] };
  }
  if (snapshot.files.length === 0) {
    return { status: 'insufficient-data', reasons: [`no data files in window ${window}`, ...notes] };
  }
  if (!evaluation || evaluation.rows === 0) {
    return { status: 'insufficient-data', reasons: [`no labelled rows in window ${window}`, ...notes] };
  }
  if (evaluation.rows < model.minRows) {
    return { status: 'insufficient-data', reasons: [`${evaluation.rows} labelled rows in window ${window}, fewer than min_rows ${model.minRows}`, ...notes] };
  }

  const metric = model.primaryMetric;
  const value = evaluation.metrics[metric];
  if (value === null || value === undefined) {
    const why = evaluation.undefinedMetrics[metric] ?? 'not computed';
    return { status: 'insufficient-data', reasons: [`${metric} is undefined on this window: ${why}`, ...notes] };
  }

  const lower = LOWER_IS_BETTER.has(metric);
  const failures: string[] = [];
  const passes: string[] = [];
  /** Breaches that the confidence interval cannot confirm: warnings, not degraded. */
  const uncertain: string[] = [];
  const ci = evaluation.confidence && evaluation.confidence.metric === metric ? evaluation.confidence : undefined;
  const level = ci ? `${Math.round(ci.confidence * 100)}%` : '';
  const { min, max, max_drop: maxDrop } = model.thresholds;
  if (!lower && min !== undefined) {
    const text = `${metric} ${fmt(value)} is ${value < min ? 'below' : 'at or above'} the minimum ${fmt(min)}`;
    if (value >= min) passes.push(text);
    else if (ci?.high != null && ci.high >= min) uncertain.push(`${text}, but its ${level} interval [${fmt(ci.low!)}, ${fmt(ci.high)}] still contains it`);
    else failures.push(text);
  }
  if (lower && max !== undefined) {
    const text = `${metric} ${fmt(value)} is ${value > max ? 'above' : 'at or below'} the maximum ${fmt(max)}`;
    if (value <= max) passes.push(text);
    else if (ci?.low != null && ci.low <= max) uncertain.push(`${text}, but its ${level} interval [${fmt(ci.low)}, ${fmt(ci.high!)}] still contains it`);
    else failures.push(text);
  }
  const baseline = model.baseline[metric];
  if (maxDrop !== undefined && baseline !== undefined) {
    const worsening = lower ? value - baseline : baseline - value;
    const word = lower ? 'rise' : 'drop';
    if (worsening <= 0) {
      passes.push(`${metric} ${fmt(value)} is no worse than the baseline ${fmt(baseline)}`);
    } else {
      const text = `${metric} ${word} of ${fmt(worsening)} from the baseline ${fmt(baseline)} is ${worsening > maxDrop ? 'more than' : 'within'} the allowed ${fmt(maxDrop)}`;
      const drop = ci?.drop;
      if (worsening <= maxDrop) passes.push(text);
      else if (drop?.low != null && drop.low <= maxDrop) uncertain.push(`${text}, but the ${level} interval of the ${word} [${fmt(drop.low)}, ${fmt(drop.high!)}] still contains the allowed ${fmt(maxDrop)}`);
      else failures.push(text);
    }
  }
  const slices = evaluation.slices;
  if (slices?.max_drop !== undefined) {
    for (const s of slices.worst) {
      if (!s.small && s.worse_by !== null && s.worse_by > slices.max_drop) {
        failures.push(`slice ${s.column}=${s.value} (${s.rows} rows): ${metric} ${fmt(s.score!)} is ${fmt(s.worse_by)} worse than the whole window's ${fmt(value)}, more than the allowed ${fmt(slices.max_drop)}`);
      }
    }
  }
  const conditions = [...uncertain, ...trendConditions(input.trend), ...currentConditions(evaluation)];
  if (failures.length > 0) return { status: 'degraded', reasons: [...failures, ...conditions, ...notes] };
  if (passes.length === 0) passes.push(`${metric} ${fmt(value)}: no threshold is configured`);
  if (conditions.length > 0) return { status: 'warning', reasons: [...conditions, ...passes, ...notes] };
  return { status: 'healthy', reasons: [...passes, ...notes] };
}
