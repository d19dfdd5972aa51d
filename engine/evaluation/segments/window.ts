/**
 * The segment search on a window's labelled rows (called when the evaluation finishes): the loss
 * per row, the captured columns coded, the search, then the primary metric on each reported segment.
 */
import type { ModelSpec } from '../../../domain/config.js';
import type { EvaluationSummary } from '../../../domain/evaluation.js';
import type { SegmentBaseline, SegmentSearchReport } from '../../../domain/segments.js';
import type { Collected } from '../evaluator.js';
import { metricsOf } from '../collected-metrics.js';
import { subset } from '../subset.js';
import { codeColumn, segmentLabel } from './columns.js';
import { excessLoss, lossAndTested, lossKind, rowLoss } from './loss.js';
import { segmentPlan, type SegmentPlan } from './plan.js';
import type { PreparedModel } from '../model.js';
import type { ReferenceProfile } from '../../drift/profile.js';
import { members, searchSegments, segmentBaseline, type CodedColumn } from './search.js';
import type { Gap } from './stats.js';
import { Mulberry32 } from '../../math/random.js';
import { SEARCH_ROWS, type Codes, type SearchRows } from './sample.js';

export interface WindowSearchOptions {
  spec: ModelSpec;
  plan: SegmentPlan;
  nClasses: number;
  positiveIndex?: number;
  /** The primary metric on the whole labelled window. */
  overall: number | null;
  /** The report's confidence for the difference's interval. */
  confidence: number;
  /** The reference's gaps (its profile's `segments`), when it has them. */
  baseline?: SegmentBaseline;
  /** The window's search rows are not needed afterwards: their codes are recoded in place. */
  consume?: boolean;
}

/** Below this many rows a reference's segment gap is not kept (its variance would not be worth much). */
export const BASELINE_MIN_ROWS = 30;

/** The coded search columns of the sampled rows (those the plan names and the rows carry). */
export function codedColumns(rows: SearchRows, plan: SegmentPlan, minRows: number, inPlace = false): CodedColumn[] {
  return plan.columns.filter((name) => rows.columns[name]).map((name) => codeColumn(name, rows.columns[name]!, minRows, plan.bins[name], inPlace));
}

/** Metrics computed apart from the rest (deferProbability): left out of a segment's metrics unless one is the metric. */
const PROBABILITY_ONLY = new Set(['brier', 'log_loss']);

/** The seed of the second sample, when a window's rows were not known before it was read (every labelled row kept). */
const SAMPLE_SEED = 0x5e9;

/** `m` of the rows 0 … n − 1, ascending, drawn without replacement by selection sampling (each subset of m equally likely). */
export function sampleRows(n: number, m: number, seed: number): Int32Array {
  const rng = new Mulberry32(seed);
  const out = new Int32Array(m);
  // Row i is taken with probability (rows still to take) / (rows left): u·(n − i) < m − t, u = nextU32 / 2^32.
  for (let i = 0, t = 0; t < m; i++) if (rng.nextU32() * (n - i) < (m - t) * 4294967296) out[t++] = i;
  return out;
}

/** Some of `rows` (`idx`, ascending). */
function someRows(rows: SearchRows, idx: Int32Array): SearchRows {
  const pick = <T extends Codes | Int32Array>(a: T): T => {
    const out = new (a.constructor as new (n: number) => T)(idx.length);
    for (let i = 0; i < idx.length; i++) out[i] = a[idx[i]!]!;
    return out;
  };
  const columns = Object.fromEntries(Object.entries(rows.columns).map(([k, c]) => [k, { codes: pick(c.codes), values: c.values }]));
  return { rows: idx.length, position: pick(rows.position), columns };
}

/**
 * The searched rows of a window: the sample its evaluation kept (segments/sample.ts), cut to
 * `maxRows` by a seeded sample when every labelled row was kept (the window's size was not known
 * before it was read). Their labels and outputs come from the window's scored rows.
 */
export function searchedRows(window: Collected, maxRows: number): SearchRows | undefined {
  const rows = window.search;
  if (!rows) return undefined;
  const labelled = window.rows - (window.unlabelled ?? 0);
  return rows.rows > maxRows && rows.rows === labelled ? someRows(rows, sampleRows(rows.rows, maxRows, SAMPLE_SEED)) : rows;
}

/** `window`: every scored row of the window (labelled or not), with the rows its evaluation kept for the search (`search`). */
export function searchWindow(window: Collected, o: WindowSearchOptions, maxRows = SEARCH_ROWS): SegmentSearchReport | undefined {
  const s = o.spec.segments;
  const labelled = window.rows - (window.unlabelled ?? 0);
  if (!s.search || labelled < 2 * s.min_rows) return undefined;
  const picked = searchedRows(window, maxRows);
  if (!picked || picked.rows < 2 * s.min_rows) return undefined;
  const n = picked.rows;
  const metric = o.spec.thresholds.metric;
  const loss = lossKind(window.task, metric);
  const columns = codedColumns(picked, o.plan, s.min_rows, o.consume && picked === window.search);
  // Each searched row's loss read where the row is among the window's (no copy of their outputs).
  const { losses, tested } = lossAndTested(window, loss, picked.position);
  const meanOf = (x: Float64Array): number => {
    let sum = 0;
    for (let i = 0; i < x.length; i++) sum += x[i]!;
    return sum / x.length;
  };
  // The losses are not kept: a reported segment's are read again from its rows.
  const overallLoss = meanOf(losses);
  const statistic = loss === 'absolute_error' || loss === 'squared_error' ? 'loss' : 'excess_loss';
  // A baseline of another loss (the primary metric changed since the profile) is not comparable.
  const gaps = o.baseline && o.baseline.loss === loss && o.baseline.statistic === statistic ? o.baseline.gaps : undefined;
  const lookup = gaps
    ? (key: string): Gap | undefined => {
        const g = Object.hasOwn(gaps, key) ? gaps[key] : undefined;
        // A gap the reference measured on fewer rows than a window's segment needs is no baseline:
        // its variance, from a few dozen rows of a skewed loss, is too often too small, and a cell
        // that did not change was reported as grown (a 5,000-row reference's 33-row cell against a
        // 400,000-row window). Such a segment is tested on its own gap, as one the reference lacks.
        return g && g[0] >= s.min_rows ? { diff: g[1], variance: g[2] } : undefined;
      }
    : undefined;
  const found = searchSegments(
    tested,
    columns,
    {
      minRows: s.min_rows,
      maxSegments: s.max_segments,
      pairs: s.pairs,
      alpha: s.alpha,
      confidence: o.confidence,
      report: s.report,
      // The tested values are used by nothing else (the losses, when they are those, are summed above).
      shiftInPlace: true,
    },
    lookup,
  );
  return {
    loss,
    metric,
    overall: o.overall,
    overallLoss,
    statistic,
    rows: n,
    ...(n < labelled ? { sampledFrom: labelled } : {}),
    columns: columns.map((col) => col.name),
    ...(o.plan.skipped.length > 0 ? { skipped: o.plan.skipped } : {}),
    tested: found.tested,
    againstReference: found.againstReference,
    correction: 'holm',
    alpha: s.alpha,
    confidence: o.confidence,
    significant: found.significant,
    worst: found.worst.map((f) => {
      const idx = members(columns, f.key);
      // The segment's rows gathered from the window; brier and log loss computed only when one is the metric.
      const at = new Int32Array(idx.length);
      for (let i = 0; i < idx.length; i++) at[i] = picked.position[idx[i]!]!;
      const segLoss = meanOf(rowLoss(window, loss, at));
      const rows = subset(window, at, window.proba ? window.proba.length / window.rows : 0);
      const score = metricsOf(rows, o.nClasses, o.positiveIndex, !PROBABILITY_ONLY.has(metric)).metrics[metric] ?? null;
      return {
        where: f.where,
        label: segmentLabel(f.where),
        rows: f.rows,
        metric: score,
        loss: segLoss,
        restLoss: (overallLoss * n - segLoss * idx.length) / (n - idx.length),
        diff: { value: f.diff, low: f.low, high: f.high },
        z: Number.isFinite(f.z) ? f.z : null,
        ...(f.referenceGap !== undefined ? { referenceGap: f.referenceGap } : {}),
        p: f.p,
        pAdjusted: f.pAdjusted,
      };
    }),
  };
}

export { capturedColumns, segmentPlan } from './plan.js';

/** The options of a window's search, but for its `overall` metric (`consume`: its rows are not needed after it). */
export function searchOptions(
  spec: ModelSpec,
  prepared: PreparedModel,
  profile: ReferenceProfile | undefined,
  consume: boolean,
): Omit<WindowSearchOptions, 'overall'> {
  return {
    consume,
    spec,
    plan: segmentPlan(spec, profile),
    ...(profile?.segments ? { baseline: profile.segments } : {}),
    nClasses: prepared.classes?.length ?? 0,
    ...(prepared.positiveIndex !== undefined ? { positiveIndex: prepared.positiveIndex } : {}),
    confidence: spec.monitor.significance.confidence,
  };
}

/** The search on an evaluated window's labelled rows, with the plan the rows were kept by: its report in `summary.segments` (finishEvaluation). */
export function searchEvaluated(
  summary: EvaluationSummary,
  spec: ModelSpec,
  prepared: PreparedModel,
  c: Collected,
  profile?: ReferenceProfile,
  consume = false,
): void {
  const report = searchWindow(c, { ...searchOptions(spec, prepared, profile, consume), overall: summary.metrics[spec.thresholds.metric] ?? null });
  if (report) summary.segments = report;
}

/** The gaps of every candidate segment on a reference's labelled rows (`c`: its scored rows, with those kept for the search), to store in its profile. */
export function baselineOf(spec: ModelSpec, c: Collected, plan: SegmentPlan): SegmentBaseline | undefined {
  const s = spec.segments;
  const picked = s.search ? searchedRows(c, SEARCH_ROWS) : undefined;
  if (!picked || picked.rows < 2 * BASELINE_MIN_ROWS) return undefined;
  const loss = lossKind(c.task, spec.thresholds.metric);
  const losses = rowLoss(c, loss, picked.position);
  const tested = excessLoss(c, loss, losses, picked.position);
  const columns = codedColumns(picked, plan, BASELINE_MIN_ROWS);
  // A larger budget than a window's: categories with fewer rows take some of it, and every segment a window tests should be there.
  const found = segmentBaseline(tested, columns, { minRows: BASELINE_MIN_ROWS, maxSegments: 4 * s.max_segments, pairs: s.pairs });
  const gaps: SegmentBaseline['gaps'] = {};
  for (const [key, g] of Object.entries(found)) gaps[key] = [g.n, g.diff, g.variance];
  return { loss, statistic: tested === losses ? 'loss' : 'excess_loss', gaps };
}
