/**
 * Pure decisions, run inside workflow code. Same inputs, same verdict: no clocks, no I/O.
 */
import type { EvaluationFailure, EvaluationSummary, ResolvedModel, SnapshotRef, Verdict } from './definitions.js';

const LOWER_IS_BETTER = new Set(['log_loss', 'brier', 'mae', 'rmse', 'mape']);

export interface VerdictInput {
  model: { primaryMetric: string; thresholds: ResolvedModel['spec']['thresholds']; baseline: Record<string, number>; minRows: number };
  snapshot: Pick<SnapshotRef, 'rows' | 'files' | 'missing' | 'firstDay' | 'lastDay'>;
  evaluation?: Pick<EvaluationSummary, 'rows' | 'metrics' | 'undefinedMetrics' | 'droppedRows' | 'rowsRead'>;
  failure?: EvaluationFailure;
}

const fmt = (v: number): string => (Math.abs(v) >= 1000 || v === 0 ? String(Number(v.toFixed(4))) : Number(v.toPrecision(4)).toString());

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
  const { min, max, max_drop: maxDrop } = model.thresholds;
  if (!lower && min !== undefined) {
    (value < min ? failures : passes).push(`${metric} ${fmt(value)} is ${value < min ? 'below' : 'at or above'} the minimum ${fmt(min)}`);
  }
  if (lower && max !== undefined) {
    (value > max ? failures : passes).push(`${metric} ${fmt(value)} is ${value > max ? 'above' : 'at or below'} the maximum ${fmt(max)}`);
  }
  const baseline = model.baseline[metric];
  if (maxDrop !== undefined && baseline !== undefined) {
    const worsening = lower ? value - baseline : baseline - value;
    const word = lower ? 'rise' : 'drop';
    if (worsening <= 0) {
      passes.push(`${metric} ${fmt(value)} is no worse than the baseline ${fmt(baseline)}`);
    } else {
      (worsening > maxDrop ? failures : passes).push(
        `${metric} ${word} of ${fmt(worsening)} from the baseline ${fmt(baseline)} is ${worsening > maxDrop ? 'more than' : 'within'} the allowed ${fmt(maxDrop)}`,
      );
    }
  }
  if (failures.length > 0) return { status: 'degraded', reasons: [...failures, ...notes] };
  if (passes.length === 0) passes.push(`${metric} ${fmt(value)}: no threshold is configured`);
  return { status: 'healthy', reasons: [...passes, ...notes] };
}
