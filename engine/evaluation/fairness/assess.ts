/**
 * Fairness across groups (docs/statistics/fairness.md): per group of each sensitive column and
 * intersection, the primary metric and (binary models) the selection rate and error rates; between
 * the groups that are large enough, the gaps fairlearn defines (demographic parity difference and
 * ratio, equalized odds difference) and the primary metric's gap, each with a percentile bootstrap
 * interval that resamples rows within each group (the groups' sizes stay fixed, as they were
 * observed). Pure and seeded: the same rows and seed give the same report.
 */
import type { FairnessSpec } from '../../../domain/fairness-config.js';
import type { FairnessFamily, FairnessGapValue, FairnessGroup, FairnessReport } from '../../../domain/fairness.js';
import { drawResample, Xoshiro128StarStar } from '../significance/random.js';
import { quantileLinear } from '../significance/quantile.js';
import { prepare, type BootstrapInput } from '../significance/resample-metrics.js';
import { analyticInterval } from '../significance/analytic.js';
import { binaryMetrics, multiclassMetrics, regressionMetrics } from '../metrics/index.js';
import { PROBABILITY_METRICS } from '../metrics/binary.js';
import { ANALYTIC_MIN_ROWS, ANALYTIC_MIN_SUPPORT, type IntervalChoice } from '../significance/interval.js';
import { familyGroups, type FamilyGroups, type GroupColumn } from './groups.js';
import { groupSortedScores, scoreOrder } from './score-order.js';
import { groupFigures as sweepGroups, plainBinaryLabels, sweepable, type BinaryWindow } from './binary-groups.js';
import { declaredGaps, type GroupDeclared } from './declared.js';

/** The window's labelled rows, as the bootstrap takes them (no settings). */
export type FairnessData = DistributiveOmit<BootstrapInput, 'metric' | 'resamples' | 'confidence' | 'seed' | 'baseline'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface FairnessOptions {
  metric: string;
  spec: FairnessSpec;
  /** Each group column's code per row (the window's segments). */
  columns: Record<string, GroupColumn>;
  resamples: number;
  confidence: number;
  seed: number;
  /** monitor.significance.method: `auto` draws large groups' figures from their closed-form standard errors. */
  method?: IntervalChoice;
  /** The declared business metrics, computed on each judged group's rows (declared.ts). */
  declared?: GroupDeclared;
}

function subset(d: FairnessData, idx: Int32Array, metric: string): BootstrapInput {
  const n = idx.length;
  if (d.task === 'regression') {
    const t = new Float64Array(n);
    const p = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      t[i] = d.yTrue[idx[i]!]!;
      p[i] = d.yPred[idx[i]!]!;
    }
    return { task: 'regression', metric, yTrue: t, yPred: p };
  }
  const k = d.nClasses;
  const t = new Int32Array(n);
  const p = new Int32Array(n);
  const pr = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const r = idx[i]!;
    t[i] = d.yTrue[r]!;
    p[i] = d.yPred[r]!;
    for (let j = 0, from = r * k, to = i * k; j < k; j++) pr[to + j] = d.proba[from + j]!;
  }
  const common = { metric, yTrue: t, yPred: p, proba: pr, nClasses: k };
  return d.task === 'binary' ? { task: 'binary', ...common, positive: d.positive } : { task: 'multiclass', ...common };
}

/** Rates of a binary group from the count of each row (w = 1 for the group itself); NaN where undefined. */
export function groupRates(truePos: Uint8Array, predPos: Uint8Array, w: Int32Array | null): { selection: number; tpr: number; fpr: number } {
  let tp = 0;
  let fn = 0;
  let fp = 0;
  let tn = 0;
  for (let i = 0; i < truePos.length; i++) {
    const c = w ? w[i]! : 1;
    if (c === 0) continue;
    if (truePos[i]) {
      if (predPos[i]) tp += c;
      else fn += c;
    } else if (predPos[i]) fp += c;
    else tn += c;
  }
  const n = tp + fn + fp + tn;
  return { selection: n > 0 ? (tp + fp) / n : NaN, tpr: tp + fn > 0 ? tp / (tp + fn) : NaN, fpr: fp + tn > 0 ? fp / (fp + tn) : NaN };
}

const orNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

/**
 * The metric on all of a group's rows (scikit-learn's definition, as the whole window's); a binary
 * group skips the probability metrics' passes (brier, log_loss) unless one of them is the metric.
 */
function valueOf(input: BootstrapInput): number | null {
  const m = input.metric as 'accuracy';
  if (input.task === 'regression') return regressionMetrics(input).metrics[input.metric as 'mae'] ?? null;
  if (input.task === 'binary') {
    const deferProbability = !(PROBABILITY_METRICS as readonly string[]).includes(input.metric);
    return binaryMetrics(input, { deferProbability }).metrics[m] ?? null;
  }
  return multiclassMetrics(input).metrics[m] ?? null;
}

/** Metrics read off the sorted scores: a group's come from the window's one sort (score-order.ts). */
const RANKING_METRICS = new Set(['roc_auc', 'average_precision']);

/** A standard normal draw (Box–Muller on two 32-bit outputs of the seeded generator). */
function gaussian(rng: Xoshiro128StarStar): number {
  const u = (rng.next() + 1) / 4294967297;
  const v = rng.next() / 4294967296;
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * A large group's figures and their standard errors, when the settings allow a closed form: the
 * metric's (significance/analytic.ts) and each rate's binomial one, each resting on at least
 * ANALYTIC_MIN_SUPPORT successes and failures. null: the group's rows are resampled instead.
 */
function closedForm(
  input: BootstrapInput,
  known: number | null,
  flags: { truePos: Uint8Array; predPos: Uint8Array } | null,
  o: FairnessOptions,
): { metric: number; metricSe: number; method: string; rates: { p: number; se: number }[] } | null {
  const choice = o.method ?? 'auto';
  const n = input.yTrue.length;
  if (choice === 'bootstrap' || (choice === 'auto' && n < ANALYTIC_MIN_ROWS)) return null;
  const a = analyticInterval(input, o.confidence, known);
  if (!a || (choice === 'auto' && a.support < ANALYTIC_MIN_SUPPORT)) return null;
  const rates: { p: number; se: number }[] = [];
  if (flags) {
    let tp = 0;
    let fn = 0;
    let fp = 0;
    let tn = 0;
    for (let i = 0; i < n; i++) {
      if (flags.truePos[i]) {
        if (flags.predPos[i]) tp++;
        else fn++;
      } else if (flags.predPos[i]) fp++;
      else tn++;
    }
    for (const [x, m] of [
      [tp + fp, n],
      [tp, tp + fn],
      [fp, fp + tn],
    ] as const) {
      if (Math.min(x, m - x) < ANALYTIC_MIN_SUPPORT) return null;
      const p = x / m;
      rates.push({ p, se: Math.sqrt((p * (1 - p)) / m) });
    }
  }
  return { metric: a.value, metricSe: a.se, method: a.method, rates };
}

/** max − min of the values at the judged groups (NaN when any is undefined), with the ends. */
function spread(values: Float64Array, judged: readonly number[]): { diff: number; ratio: number; hi: number; lo: number } {
  let hi = -1;
  let lo = -1;
  for (const g of judged) {
    const v = values[g]!;
    if (Number.isNaN(v)) return { diff: NaN, ratio: NaN, hi: -1, lo: -1 };
    if (hi < 0 || v > values[hi]!) hi = g;
    if (lo < 0 || v < values[lo]!) lo = g;
  }
  const max = values[hi]!;
  const min = values[lo]!;
  return { diff: max - min, ratio: max > 0 ? min / max : NaN, hi, lo };
}

interface GapStats {
  dpd: number;
  dpr: number;
  eod: number;
  gap: number;
}

function gapsOf(sel: Float64Array, tpr: Float64Array, fpr: Float64Array, metric: Float64Array, judged: readonly number[], binary: boolean): GapStats {
  const m = spread(metric, judged);
  if (!binary) return { dpd: NaN, dpr: NaN, eod: NaN, gap: m.diff };
  const s = spread(sel, judged);
  const t = spread(tpr, judged);
  const f = spread(fpr, judged);
  return { dpd: s.diff, dpr: s.ratio, eod: Math.max(t.diff, f.diff), gap: m.diff };
}

function percentile(samples: number[], confidence: number): { low: number | null; high: number | null } {
  const defined = Float64Array.from(samples.filter((v) => Number.isFinite(v))).sort();
  if (defined.length === 0) return { low: null, high: null };
  return { low: quantileLinear(defined, (1 - confidence) / 2), high: quantileLinear(defined, (1 + confidence) / 2) };
}

interface PerGroup {
  metric: Float64Array;
  sel: Float64Array;
  tpr: Float64Array;
  fpr: Float64Array;
  closed: (ReturnType<typeof closedForm> | undefined)[];
  prepared: ({ value: number | null; evaluate: (w: Int32Array) => number | null } | null)[];
  flags: ({ truePos: Uint8Array; predPos: Uint8Array } | null)[];
}

/** Each group's figures, and what its interval needs (a closed form, or the resampling evaluator). */
function groupFigures(data: FairnessData, groups: FamilyGroups, o: FairnessOptions, win: BinaryWindow | null): PerGroup {
  const G = groups.values.length;
  if (win && o.resamples === 0 && sweepable(win, o.metric)) {
    // No interval: one sweep over the window's rows, no group's rows copied.
    return { ...sweepGroups(win, o.metric, groups.slot, G), closed: [], prepared: [], flags: [] };
  }
  const inputs = groups.rows.map((idx) => subset(data, idx, o.metric));
  if (win?.so && RANKING_METRICS.has(o.metric)) {
    // Each group's sorted positives' and negatives' scores, filtered from the window's one sort.
    groupSortedScores(win.so, groups.slot, win.isPos, G).forEach((sorted, g) => {
      const input = inputs[g]!;
      if (input.task === 'binary') input.sortedScores = sorted;
    });
  }
  const flags = inputs.map((input) => {
    if (input.task !== 'binary') return null;
    const pos = input.positive;
    const n = input.yTrue.length;
    const truePos = new Uint8Array(n);
    const predPos = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      truePos[i] = input.yTrue[i] === pos ? 1 : 0;
      predPos[i] = input.yPred[i] === pos ? 1 : 0;
    }
    return { truePos, predPos };
  });
  // The metric alone per group (not the whole catalogue).
  const values = inputs.map((input) => valueOf(input));
  // Large groups: figures drawn from their closed-form standard errors; the others' rows are resampled.
  const closed = inputs.map((input, g) => (o.resamples > 0 ? closedForm(input, values[g]!, flags[g]!, o) : null));
  // Rows resampled: the bootstrap's evaluator; no intervals: the value alone.
  const prepared = inputs.map((input, g) => (closed[g] ? null : o.resamples > 0 ? prepare(input) : { value: values[g]!, evaluate: () => null }));
  const sel = new Float64Array(G).fill(NaN);
  const tpr = new Float64Array(G).fill(NaN);
  const fpr = new Float64Array(G).fill(NaN);
  const metric = Float64Array.from(prepared, (p, g) => closed[g]?.metric ?? p!.value ?? NaN);
  flags.forEach((f, g) => {
    if (!f) return;
    const r = groupRates(f.truePos, f.predPos, null);
    sel[g] = r.selection;
    tpr[g] = r.tpr;
    fpr[g] = r.fpr;
  });
  return { metric, sel, tpr, fpr, closed, prepared, flags };
}

function assessFamily(data: FairnessData, cols: string[], o: FairnessOptions, win: BinaryWindow | null, family: number): FairnessFamily {
  const binary = data.task === 'binary';
  const n = data.yTrue.length;
  const groups = familyGroups(
    cols.map((c) => o.columns[c]!),
    n,
  );
  const G = groups.values.length;
  const { metric, sel, tpr, fpr, closed, prepared, flags } = groupFigures(data, groups, o, win);
  const min = o.spec.min_group_rows;
  const judged = [...Array(G).keys()].filter((g) => groups.sizes[g]! >= min);
  const point = gapsOf(sel, tpr, fpr, metric, judged, binary);

  // The bootstrap: every group resampled within itself, in a fixed order, from one seeded stream per family.
  const B = o.resamples;
  const metricSamples = Array.from({ length: G }, () => new Float64Array(B));
  const gapSamples: GapStats[] = [];
  if (B > 0) {
    const rng = Xoshiro128StarStar.fromSeed(o.seed);
    const bs = new Float64Array(G);
    const bt = new Float64Array(G);
    const bf = new Float64Array(G);
    const bm = new Float64Array(G);
    const counts = groups.rows.map((idx, g) => new Int32Array(closed[g] ? 0 : idx.length));
    for (let b = 0; b < B; b++) {
      for (let g = 0; g < G; g++) {
        const c = closed[g];
        if (c) {
          bm[g] = c.metric + c.metricSe * gaussian(rng);
          metricSamples[g]![b] = bm[g]!;
          if (c.rates.length === 3) {
            bs[g] = c.rates[0]!.p + c.rates[0]!.se * gaussian(rng);
            bt[g] = c.rates[1]!.p + c.rates[1]!.se * gaussian(rng);
            bf[g] = c.rates[2]!.p + c.rates[2]!.se * gaussian(rng);
          }
          continue;
        }
        const w = counts[g]!;
        w.fill(0);
        drawResample(rng, w.length, w);
        bm[g] = prepared[g]!.evaluate(w) ?? NaN;
        metricSamples[g]![b] = bm[g]!;
        const f = flags[g];
        if (f) {
          const r = groupRates(f.truePos, f.predPos, w);
          bs[g] = r.selection;
          bt[g] = r.tpr;
          bf[g] = r.fpr;
        }
      }
      if (judged.length >= 2) gapSamples.push(gapsOf(bs, bt, bf, bm, judged, binary));
    }
  }

  const out: FairnessGroup[] = groups.values.map((value, g) => {
    const ci = B > 0 && !Number.isNaN(metric[g]!) ? percentile([...metricSamples[g]!], o.confidence) : undefined;
    return {
      value,
      rows: groups.sizes[g]!,
      small: groups.sizes[g]! < min,
      metric: orNull(metric[g]!),
      ...(ci ? { metricLow: ci.low, metricHigh: ci.high, interval: closed[g] ? `normal (${closed[g].method} standard error)` : 'bootstrap' } : {}),
      ...(binary ? { selectionRate: orNull(sel[g]!), truePositiveRate: orNull(tpr[g]!), falsePositiveRate: orNull(fpr[g]!) } : {}),
    };
  });
  const gap = (key: keyof GapStats, value: number, ends: [number, number] | null, undefinedWhy: string): FairnessGapValue => {
    if (judged.length < 2) {
      return { value: null, why: `fewer than two groups of ${cols.join(', ')} have at least ${min} rows (${judged.length} do)` };
    }
    if (!Number.isFinite(value)) return { value: null, why: undefinedWhy };
    const ci =
      B > 0
        ? percentile(
            gapSamples.map((s) => s[key]),
            o.confidence,
          )
        : undefined;
    return {
      value,
      ...(ci ? { low: ci.low, high: ci.high } : {}),
      ...(ends && ends[0] >= 0 ? { between: [groups.values[ends[0]]!, groups.values[ends[1]]!] as [string, string] } : {}),
    };
  };
  const m = spread(metric, judged);
  const gaps: FairnessFamily['gaps'] = {
    metric_gap: gap('gap', point.gap, [m.hi, m.lo], `${o.metric} is undefined in a group (${undefinedGroups(metric, judged, groups.values)})`),
  };
  if (binary) {
    const s = spread(sel, judged);
    const t = spread(tpr, judged);
    const f = spread(fpr, judged);
    gaps.demographic_parity_difference = gap('dpd', point.dpd, [s.hi, s.lo], 'the selection rate is undefined in a group');
    gaps.demographic_parity_ratio = gap('dpr', point.dpr, [s.lo, s.hi], 'no group has a positive prediction (the ratio is 0/0)');
    const byTpr = t.diff >= f.diff;
    gaps.equalized_odds_difference = gap(
      'eod',
      point.eod,
      byTpr ? [t.hi, t.lo] : [f.hi, f.lo],
      `a group has no ${Number.isNaN(t.diff) ? 'positive' : 'negative'} labels (its ${Number.isNaN(t.diff) ? 'true' : 'false'} positive rate is undefined: ${undefinedGroups(Number.isNaN(t.diff) ? tpr : fpr, judged, groups.values)})`,
    );
  }
  const tooFew = `fewer than two groups of ${cols.join(', ')} have at least ${min} rows (${judged.length} do)`;
  const declared = o.declared;
  if (declared) for (const g of judged) out[g]!.declared = declared.of(groups.rows[g]!, { family, group: g });
  return {
    name: cols.join(','),
    columns: cols,
    groups: out,
    omittedGroups: groups.omitted,
    gaps,
    ...(declared ? { declaredGaps: declaredGaps(declared.names, out, judged, tooFew) } : {}),
  };
}

function undefinedGroups(values: Float64Array, judged: readonly number[], names: readonly string[]): string {
  return judged
    .filter((g) => Number.isNaN(values[g]!))
    .map((g) => names[g])
    .slice(0, 5)
    .join(', ');
}

/** The fairness report of a window's labelled rows. */
export function assessFairness(data: FairnessData, o: FairnessOptions): FairnessReport {
  const families = [...o.spec.columns.map((c) => [c]), ...o.spec.intersections];
  const notDefined =
    data.task === 'binary'
      ? undefined
      : `selection rate, true and false positive rates, demographic parity and equalized odds are defined for binary models only; a ${data.task} model is compared on ${o.metric}`;
  let win: BinaryWindow | null = null;
  if (data.task === 'binary') {
    const { yTrue, yPred, positive, nClasses } = data;
    const n = yTrue.length;
    const isPos = new Uint8Array(n);
    for (let i = 0; i < n; i++) isPos[i] = yTrue[i] === positive ? 1 : 0;
    // The window's one sort by score, shared by every family's groups.
    const so = RANKING_METRICS.has(o.metric) ? scoreOrder(data.proba, nClasses, positive, n) : null;
    win = { yTrue, yPred, positive, nClasses, isPos, so, plainLabels: plainBinaryLabels(yTrue, yPred) };
  }
  return {
    metric: o.metric,
    min_group_rows: o.spec.min_group_rows,
    confidence: o.confidence,
    resamples: o.resamples,
    seed: o.seed,
    ...(notDefined ? { notDefined } : {}),
    ...(o.declared ? { declared: o.declared.names, ...(o.declared.omitted > 0 ? { omittedDeclared: o.declared.omitted } : {}) } : {}),
    families: families.map((cols, i) => assessFamily(data, cols, o, win, i)),
  };
}
