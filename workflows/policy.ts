/**
 * Pure decisions, run inside workflow code. Same inputs, same verdict: no clocks, no I/O.
 */
import { compareGaps, type FairnessGapChange } from '../domain/fairness.js';
import {
  coverageShort,
  describeCoverage,
  type CandidateInfo,
  type Comparison,
  type ComparisonRow,
  type ComparisonSide,
  type LastRetrainRequest,
} from '../domain/maintenance.js';
import { failedGateNames, judgeGates } from '../domain/gates.js';
import { importanceText, raisesDriftWarning, rankByImportance } from '../domain/importance.js';
import { lowerIsBetter } from '../domain/metrics.js';
import { sqlKind } from '../domain/sql.js';
import type { EvaluationFailure, EvaluationSummary, ResolvedModel, SnapshotRef, TrendSummary, Verdict, VerdictStatus } from '../domain/evaluation.js';

export interface VerdictInput {
  model: { primaryMetric: string; thresholds: ResolvedModel['spec']['thresholds']; baseline: Record<string, number>; minRows: number };
  snapshot: Pick<SnapshotRef, 'rows' | 'files' | 'missing' | 'firstDay' | 'lastDay' | 'hint'>;
  evaluation?: Pick<
    EvaluationSummary,
    | 'rows'
    | 'metrics'
    | 'undefinedMetrics'
    | 'droppedRows'
    | 'rowsRead'
    | 'drift'
    | 'quality'
    | 'slices'
    | 'confidence'
    | 'gated'
    | 'labels'
    | 'estimated'
    | 'multivariate'
    | 'rollingReference'
  >;
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
    // Summaries with importances (engine/evaluation/importance/): drifted columns most important first,
    // and those below the model's importance floor raise no warning. Older summaries: unchanged.
    const importance = drift.importance;
    const weighed = (columns: string[]): string[] => rankByImportance(columns, importance).filter((c) => raisesDriftWarning(c, importance));
    const describe = (name: string): string => {
      const c = drift.columns[name]!;
      const why = importanceText(name, importance);
      return `${name} (${c.test} ${c.score === null ? '—' : fmt(c.score)}${why ? `; ${why}` : ''})`;
    };
    const alarm = drift.alarm && importance ? { ...drift.alarm, columns: weighed(drift.alarm.columns) } : drift.alarm;
    if (alarm) {
      // The family of tests corrected for multiple comparisons decides; each column's own result stays in the report.
      if (alarm.columns.length > 0) {
        const dataset = drift.dataset_drift ? `; dataset drift: ${drift.drifted_columns.length} of ${Object.keys(drift.columns).length} columns` : '';
        out.push(
          `drift in ${alarm.columns.map(describe).join(', ')} (significant after Benjamini-Hochberg at ${alarm.level} over ${alarm.tested} tests${dataset})`,
        );
      }
      if (alarm.label && drift.label) out.push(`label drift (${drift.label.test} ${fmt(drift.label.score ?? 0)})`);
      if (alarm.prediction && drift.prediction) out.push(`prediction drift (${drift.prediction.test} ${fmt(drift.prediction.score ?? 0)})`);
    } else {
      const drifted = importance ? weighed(drift.drifted_columns) : drift.drifted_columns;
      if (drift.dataset_drift && drifted.length > 0) {
        out.push(`dataset drift: ${drift.drifted_columns.length} of ${Object.keys(drift.columns).length} columns drifted: ${drifted.map(describe).join(', ')}`);
      } else if (drifted.length > 0) {
        out.push(`drift in ${drifted.map(describe).join(', ')} (below the dataset share ${drift.drift_share})`);
      }
      if (drift.label?.drifted) out.push(`label drift (${drift.label.test} ${fmt(drift.label.score ?? 0)})`);
      if (drift.prediction?.drifted) out.push(`prediction drift (${drift.prediction.test} ${fmt(drift.prediction.score ?? 0)})`);
    }
  }
  for (const issue of evaluation?.quality?.issues ?? []) if (issue.severity === 'warning') out.push(`quality: ${issue.message}`);
  out.push(...multivariateConditions(evaluation?.multivariate));
  return out;
}

/** Drift of the inputs taken together: a warning naming the columns that tell the window from the reference. */
function multivariateConditions(m: EvaluationSummary['multivariate']): string[] {
  if (!m) return [];
  const out: string[] = [];
  const d = m.domainClassifier;
  const top =
    d && d.features.length > 0
      ? `; the columns that separate them most: ${d.features
          .slice(0, 3)
          .map((f) => f.column)
          .join(', ')}`
      : '';
  const r = m.reconstruction;
  if (r?.alert) {
    out.push(
      `multivariate drift: reconstruction error ${fmt(r.error)} is outside the reference's range [${fmt(r.lower)}, ${fmt(r.upper)}]${d?.alert ? '' : top}`,
    );
  }
  if (d?.alert) {
    out.push(`multivariate drift: a classifier tells the window from the reference (cross-validated AUC ${fmt(d.auc)}, above ${fmt(d.threshold)})${top}`);
  }
  return out;
}

/** The estimate judged instead of the realized metric: too few labelled rows, and an estimate of the primary metric. */
function estimatedBasis(evaluation: VerdictInput['evaluation'], metric: string, minRows: number): { value: number; text: string } | undefined {
  const est = evaluation?.estimated;
  const m = est?.metrics[metric];
  if (!evaluation || !est || !m || m.value === null || evaluation.rows >= minRows) return undefined;
  const band = m.lower !== null && m.upper !== null ? `, band [${fmt(m.lower)}, ${fmt(m.upper)}]` : '';
  const text = `judged on the estimate (${m.method.toUpperCase()} on ${est.rows} scored rows${band}): ${evaluation.rows} labelled rows, fewer than min_rows ${minRows}`;
  return { value: m.value, text };
}

/** A one-shot evaluation of given files (upkeep evaluate --data) has no window: its files are named. */
function givenFiles(files: readonly { sourceUri?: string }[]): string {
  const names = files.map((f) => (f.sourceUri ?? '').slice((f.sourceUri ?? '').lastIndexOf('/') + 1));
  if (names.length <= 1) return names[0] || 'the files given';
  return `${names.length} files (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''})`;
}

export function decideVerdict(input: VerdictInput): Verdict {
  const { model, snapshot, evaluation, failure } = input;
  const window = snapshot.firstDay ? `window ${snapshot.firstDay}..${snapshot.lastDay}` : givenFiles(snapshot.files);
  const notes: string[] = [];
  // A window read by a query has days without rows, not missing files (its entries name the database).
  const queried = [...snapshot.missing, ...snapshot.files].some((f) => f.sourceUri !== undefined && sqlKind(f.sourceUri) !== undefined);
  if (snapshot.missing.length > 0) {
    const days = snapshot.missing.map((m) => m.date).join(', ');
    const of = `${snapshot.missing.length} of ${snapshot.missing.length + snapshot.files.length}`;
    notes.push(queried ? `${of} days of ${window} without rows from the query: ${days}` : `${of} files missing from ${window}: ${days}`);
  }
  if (evaluation && evaluation.droppedRows > 0) {
    notes.push(`${evaluation.droppedRows} of ${evaluation.rowsRead} rows dropped for missing or non-finite values`);
  }
  // Too few days for a rolling reference: the metrics still decide, and the verdict says what was not checked.
  if (evaluation?.rollingReference?.why) notes.push(evaluation.rollingReference.why);

  if (failure) return { status: 'failing', reasons: [`${failure.type}: ${failure.message}`, ...notes] };
  const quality = evaluation?.quality;
  if (quality?.schemaBreak) {
    return { status: 'failing', reasons: [...quality.issues.filter((i) => i.severity === 'break').map((i) => `schema: ${i.message}`), ...notes] };
  }
  if (snapshot.files.length === 0) {
    const none = queried ? `no rows from the query in ${window}` : `no data files in ${window}`;
    return { status: 'insufficient-data', reasons: [`${none}${snapshot.hint ? `: ${snapshot.hint}` : ''}`, ...notes] };
  }
  const metric = model.primaryMetric;
  // Too few labels, but an estimate on every scored row: judged on the estimate, with the same thresholds.
  const estimate = estimatedBasis(evaluation, metric, model.minRows);
  if (!estimate) {
    if (!evaluation || evaluation.rows === 0) {
      return { status: 'insufficient-data', reasons: [`no labelled rows in ${window}`, ...notes] };
    }
    if (evaluation.rows < model.minRows) {
      return { status: 'insufficient-data', reasons: [`${evaluation.rows} labelled rows in ${window}, fewer than min_rows ${model.minRows}`, ...notes] };
    }
  }
  const value = estimate ? estimate.value : evaluation!.metrics[metric];
  if (value === null || value === undefined) {
    const why = evaluation!.undefinedMetrics[metric] ?? 'not computed';
    return { status: 'insufficient-data', reasons: [`${metric} is undefined on this window: ${why}`, ...notes] };
  }
  const judged = judgeMetric(model, evaluation!, metric, value, !!estimate);
  const basis = estimate ? ({ basis: 'estimated' } as const) : evaluation!.estimated ? ({ basis: 'realized' } as const) : {};
  const est = evaluation!.estimated;
  // An estimate whose assumption failed is reported, never trusted on its own: its breaches are warnings.
  const unreliable = estimate && est && !est.reliability.reliable;
  const caveat = unreliable
    ? [
        `the estimate is unreliable${est.reliability.why ? `: ${est.reliability.why}` : ''}${est.reliability.referenceError !== null ? ` (${est.method === 'cbpe' ? 'calibration error' : 'relative error of the loss model'} on the reference ${fmt(est.reliability.referenceError)})` : ''}`,
      ]
    : [];
  // Declared business metrics and fairness gaps: judged like the primary metric, each failing gate named.
  const gates = judgeGates(evaluation!.gated ?? []);
  const gateText = (status: string): string[] => gates.filter((g) => g.status === status).map((g) => g.text);
  const failedGates = unreliable ? [] : failedGateNames(gates);
  const named = failedGates.length > 0 ? { failedGates } : {};
  const failures = unreliable ? [] : [...judged.failures, ...gateText('failed')];
  const conditions = [
    ...caveat,
    ...(unreliable ? [...judged.failures, ...gateText('failed')] : []),
    ...judged.uncertain,
    ...gateText('uncertain'),
    ...trendConditions(input.trend),
    ...currentConditions(evaluation),
  ];
  const how = estimate ? [estimate.text] : [];
  const passes = [...judged.passes, ...gateText('passed'), ...gateText('not-judged')];
  if (failures.length > 0) return { status: 'degraded', reasons: [...failures, ...how, ...conditions, ...notes], ...basis, ...named };
  if (conditions.length > 0) return { status: 'warning', reasons: [...conditions, ...passes, ...how, ...notes], ...basis };
  return { status: 'healthy', reasons: [...passes, ...how, ...notes], ...basis };
}

/**
 * The primary metric (realized, or estimated: `estimated` then names it in every reason) against
 * the thresholds, the baseline and the slices: what passed, what failed, and breaches the
 * confidence interval cannot confirm.
 */
function judgeMetric(
  model: VerdictInput['model'],
  evaluation: NonNullable<VerdictInput['evaluation']>,
  metric: string,
  value: number,
  estimated: boolean,
): { failures: string[]; passes: string[]; uncertain: string[] } {
  const name = estimated ? `estimated ${metric}` : metric;

  const lower = lowerIsBetter(metric);
  const failures: string[] = [];
  const passes: string[] = [];
  /** Breaches that the confidence interval cannot confirm: warnings, not degraded. */
  const uncertain: string[] = [];
  // The estimate's band is in its name; the interval is the realized metric's.
  const ci = !estimated && evaluation.confidence && evaluation.confidence.metric === metric ? evaluation.confidence : undefined;
  const level = ci ? `${Math.round(ci.confidence * 100)}%` : '';
  const { min, max, max_drop: maxDrop } = model.thresholds;
  if (!lower && min !== undefined) {
    const text = `${name} ${fmt(value)} is ${value < min ? 'below' : 'at or above'} the minimum ${fmt(min)}`;
    if (value >= min) passes.push(text);
    else if (ci?.high != null && ci.high >= min) uncertain.push(`${text}, but its ${level} interval [${fmt(ci.low!)}, ${fmt(ci.high)}] still contains it`);
    else failures.push(text);
  }
  if (lower && max !== undefined) {
    const text = `${name} ${fmt(value)} is ${value > max ? 'above' : 'at or below'} the maximum ${fmt(max)}`;
    if (value <= max) passes.push(text);
    else if (ci?.low != null && ci.low <= max) uncertain.push(`${text}, but its ${level} interval [${fmt(ci.low)}, ${fmt(ci.high!)}] still contains it`);
    else failures.push(text);
  }
  const baseline = model.baseline[metric];
  if (maxDrop !== undefined && baseline !== undefined) {
    const worsening = lower ? value - baseline : baseline - value;
    const word = lower ? 'rise' : 'drop';
    if (worsening <= 0) {
      passes.push(`${name} ${fmt(value)} is no worse than the baseline ${fmt(baseline)}`);
    } else {
      const text = `${name} ${word} of ${fmt(worsening)} from the baseline ${fmt(baseline)} is ${worsening > maxDrop ? 'more than' : 'within'} the allowed ${fmt(maxDrop)}`;
      const drop = ci?.drop;
      if (worsening <= maxDrop) passes.push(text);
      else if (drop?.low != null && drop.low <= maxDrop)
        uncertain.push(`${text}, but the ${level} interval of the ${word} [${fmt(drop.low)}, ${fmt(drop.high!)}] still contains the allowed ${fmt(maxDrop)}`);
      else failures.push(text);
    }
  }
  // Slices are judged on labelled rows: not when the estimate decides.
  const slices = estimated ? undefined : evaluation.slices;
  if (slices?.max_drop !== undefined) {
    for (const s of slices.worst) {
      if (!s.small && s.worse_by !== null && s.worse_by > slices.max_drop) {
        failures.push(
          `slice ${s.column}=${s.value} (${s.rows} rows): ${metric} ${fmt(s.score!)} is ${fmt(s.worse_by)} worse than the whole window's ${fmt(value)}, more than the allowed ${fmt(slices.max_drop)}`,
        );
      }
    }
  }
  // Every threshold checked above said something: passed, breached, or breached but not
  // confirmed by the interval. Only when none applied is there nothing to say about the metric.
  if (passes.length + uncertain.length + failures.length === 0) {
    passes.push(
      maxDrop !== undefined && baseline === undefined
        ? `${name} ${fmt(value)}: thresholds.max_drop has no baseline value of ${metric} to measure from`
        : `${name} ${fmt(value)}: no threshold is configured`,
    );
  }
  return { failures, passes, uncertain };
}

// ───────────────────────────── maintenance decisions ─────────────────────────────

const SEVERITY: Record<VerdictStatus, number> = { healthy: 0, 'insufficient-data': 0, warning: 1, degraded: 2, failing: 3 };

/** `retrain.on: degraded` asks on degraded or failing verdicts, `failing` only on failing ones. */
export function shouldRetrain(status: VerdictStatus, on: 'degraded' | 'failing' | 'never'): boolean {
  if (on === 'never') return false;
  return SEVERITY[status] >= SEVERITY[on];
}

/**
 * Whether an evaluation asks for a retrain: the verdict is severe enough, the evaluated version is
 * still the champion as of the latest request, and that request closed longer than `cooldownMs`
 * ago (a rejection is not asked again five minutes later).
 */
export function retrainRequest(input: {
  status: VerdictStatus;
  on: 'degraded' | 'failing' | 'never';
  evaluatedVersion: string | undefined;
  last: LastRetrainRequest | null;
  cooldownMs: number;
  now: number;
}): { ask: boolean; why: string } {
  if (!shouldRetrain(input.status, input.on)) return { ask: false, why: `retrain.on is ${input.on}` };
  const last = input.last;
  if (last && input.evaluatedVersion && last.champion && last.champion !== input.evaluatedVersion) {
    return { ask: false, why: `version ${input.evaluatedVersion} is no longer the champion (${last.champion} since the last request)` };
  }
  if (last && input.now - Date.parse(last.at) < input.cooldownMs) {
    return { ask: false, why: `the last retrain request closed ${last.outcome} at ${last.at}, within the cooldown` };
  }
  return { ask: true, why: '' };
}

export interface CompareInput {
  metric: string;
  minImprovement: number;
  holdout: Comparison['holdout'];
  champion: { version: string; summary: Pick<EvaluationSummary, 'metrics' | 'confidence' | 'undefinedMetrics' | 'fairness'> };
  challenger: { version: string; summary: Pick<EvaluationSummary, 'metrics' | 'confidence' | 'undefinedMetrics' | 'fairness'> };
  /**
   * The model's own absolute thresholds: a challenger that still fails them is not recommended.
   * Absent in requests recorded before the check (they replay as they ran).
   */
  thresholds?: { min?: number | undefined; max?: number | undefined };
  /** What was trained and on how much: below `training.minCoverage` it is not recommended. */
  candidate?: CandidateInfo;
}

/** Why `value` fails the absolute threshold, or undefined when it passes (or none is set). */
export function thresholdFailure(metric: string, value: number, t: { min?: number | undefined; max?: number | undefined }): string | undefined {
  if (lowerIsBetter(metric)) return t.max !== undefined && value > t.max ? `${metric} ${fmt(value)} is above the maximum ${fmt(t.max)}` : undefined;
  return t.min !== undefined && value < t.min ? `${metric} ${fmt(value)} is below the minimum ${fmt(t.min)}` : undefined;
}

function side(s: CompareInput['champion'], metric: string): ComparisonSide {
  const c = s.summary.confidence?.metric === metric ? s.summary.confidence : undefined;
  return { version: s.version, value: s.summary.metrics[metric] ?? null, low: c?.low ?? null, high: c?.high ?? null, metrics: s.summary.metrics };
}

/**
 * Champion vs challenger on the same holdout. The challenger is recommended only when its primary
 * metric is better than the champion's by more than `minImprovement`; every shared metric is
 * tabulated with the side it favours.
 */
export function compareOnHoldout(input: CompareInput): Comparison {
  const { metric } = input;
  const higherIsBetter = !lowerIsBetter(metric);
  const champion = side(input.champion, metric);
  const challenger = side(input.challenger, metric);
  const names = Object.keys(input.champion.summary.metrics).filter((m) => m in input.challenger.summary.metrics);
  const rows: ComparisonRow[] = [metric, ...names.filter((m) => m !== metric)].map((m) => {
    const a = input.champion.summary.metrics[m] ?? null;
    const b = input.challenger.summary.metrics[m] ?? null;
    if (a === null || b === null) return { metric: m, champion: a, challenger: b, delta: null, better: null };
    const up = !lowerIsBetter(m);
    const better = a === b ? 'same' : b > a === up ? 'challenger' : 'champion';
    return { metric: m, champion: a, challenger: b, delta: b - a, better };
  });
  let recommended = false;
  let better = false;
  let reason: string;
  const concerns: string[] = [];
  let stillFails: string | undefined;
  const training = input.candidate?.training;
  // Said whenever the candidate trained on less than asked, recommended or not.
  const coverageNote = training && coverageShort(training) ? `; ${describeCoverage(training)}` : '';
  if (champion.value === null || challenger.value === null) {
    const who = challenger.value === null ? input.challenger : input.champion;
    const why = who.summary.undefinedMetrics[metric];
    reason = `${metric} is undefined on the holdout for ${who === input.challenger ? 'challenger' : 'champion'} ${who.version}${why ? ` (${why})` : ''}: not recommended${coverageNote}`;
  } else {
    const gain = higherIsBetter ? challenger.value - champion.value : champion.value - challenger.value;
    better = gain > input.minImprovement;
    const overlap =
      champion.low !== null &&
      challenger.low !== null &&
      champion.high !== null &&
      challenger.high !== null &&
      !(challenger.low > champion.high || champion.low > challenger.high);
    const ci =
      champion.low === null || challenger.low === null ? '' : overlap ? '; the confidence intervals overlap' : '; the confidence intervals do not overlap';
    if (input.thresholds) {
      const fails = thresholdFailure(metric, challenger.value, input.thresholds);
      if (fails) {
        stillFails = fails;
        concerns.push(`it still fails the model's threshold: ${fails}`);
      }
    }
    if (training && training.share < training.minCoverage) {
      concerns.push(
        `it trained on ${training.daysWithData} of the ${training.daysAsked} days asked (${Math.round(training.share * 100)}%), below retrain.min_coverage ${Math.round(training.minCoverage * 100)}%`,
      );
    }
    recommended = better && concerns.length === 0;
    const head = `challenger ${challenger.version} ${metric} ${fmt(challenger.value)} vs champion ${fmt(champion.value)} (${gain >= 0 ? '+' : ''}${fmt(gain)} better${ci})`;
    reason = recommended
      ? `${head}: recommended${coverageNote}`
      : better
        ? `${head}, but not recommended: ${concerns.join('; ')}${coverageNote}`
        : `challenger ${challenger.version} ${metric} ${fmt(challenger.value)} is not better than champion ${champion.version} ${fmt(champion.value)} by more than ${input.minImprovement}${ci}: not recommended${stillFails ? `; it also still fails the model's threshold: ${stillFails}` : ''}${coverageNote}`;
  }
  return {
    metric,
    higherIsBetter,
    holdout: input.holdout,
    champion,
    challenger,
    rows,
    recommended,
    reason,
    better,
    ...(concerns.length ? { concerns } : {}),
    ...(stillFails ? { stillFails } : {}),
    ...(input.candidate ? { candidate: input.candidate } : {}),
    ...fairnessChanges(input),
  };
}

/** The fairness gaps of both sides on the holdout, when the model declares fairness (older summaries have none). */
function fairnessChanges(input: CompareInput): { fairness?: FairnessGapChange[] } {
  const gaps = compareGaps(input.champion.summary.fairness, input.challenger.summary.fairness);
  return gaps.length > 0 ? { fairness: gaps } : {};
}

/** The rows an estimate covers, for its alert: every scored row, some of which may have their labels (too few to judge on). */
export function estimatedRowsText(rows: number | undefined, unlabelled: number | undefined): string {
  if (rows === undefined || unlabelled === undefined || unlabelled === rows) return `${unlabelled ?? 'all'} rows without labels`;
  return `${rows} rows, ${unlabelled} of them without labels yet`;
}
