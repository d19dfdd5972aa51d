/**
 * Slow-decline detection over the history of a model's evaluation reports. Pure: no I/O, no clock.
 * Checked against scipy by test/unit/trend.test.ts with goldens from scripts/fixtures/golden_trend.py.
 *
 *   detectDecline(points: { windowEnd: string; value: number | null }[],
 *                 { metric, higherIsBetter, minPoints = 6, window = 12, alpha = 0.05 })
 *
 * A model can lose a little every week while every single window still passes its threshold; this
 * looks at the last `window` windows together.
 *
 * ## Which points
 *
 * Points are ordered by windowEnd (ISO 8601; a date or a date-time without an offset is UTC). Two
 * points with the same windowEnd instant are one window: the later one in the input wins (a re-run
 * of that window). The last `window` windows are taken; windows whose value is null or not finite
 * (the metric was undefined) are then dropped. With fewer than `minPoints` values left the answer
 * is "not declining", with a message that says so.
 *
 * ## Statistics
 *
 * Time t_i is windowEnd in days (ms since the epoch / 86,400,000), values y_i.
 *
 * - Theil–Sen slope (as scipy.stats.theilslopes(y, t)): the median of (y_j − y_i) / (t_j − t_i)
 *   over all pairs with t_j > t_i, in metric units per day; slopePerWeek = 7 × slopePerDay.
 * - Mann–Kendall trend test (Mann 1945, Kendall 1975; the common textbook form, e.g. Gilbert 1987
 *   §16.4, and pymannkendall.original_test), on the values in time order:
 *     S = Σ_{i<j} sgn(y_j − y_i)
 *     Var(S) = [n(n−1)(2n+5) − Σ_g t_g(t_g−1)(2t_g+5)] / 18, t_g = size of each group of equal y
 *     Z = (S − 1)/√Var(S) if S > 0, 0 if S = 0, (S + 1)/√Var(S) if S < 0 (continuity correction)
 *     p = 2·(1 − Φ(|Z|)) (two-sided, normal approximation); tau = S / (n(n−1)/2).
 *   Var(S) = 0 (every value equal) gives Z = 0, p = 1.
 *
 * Declining when p < alpha and both S and the Theil–Sen slope point in the bad direction (down for
 * a metric where higher is better, up for an error metric). `since` is the first windowEnd
 * (YYYY-MM-DD as written, or the UTC date) of the points the test used — the decline is measured
 * from there to the latest window — and the message reads e.g.
 * "roc_auc falling 0.004 per week since 2026-09-14" ("rising" for an error metric).
 */
import { normalSf } from '../math/special/normal.js';

/** An evaluation as the trend sees it: its window, the version it evaluated and when it ran. */
export interface EvaluationPoint extends TrendPoint {
  /** The days the window covered: evaluations of the same days are one window, whatever their end. */
  firstDay?: string;
  lastDay?: string;
  /** The model version evaluated (its artifact's sha256). */
  model?: string;
  /** When the evaluation ran (ISO 8601). */
  ranAt?: string;
  /** The value is an estimate (the window's labels were not known yet); a realized value replaces it once evaluated again. */
  estimated?: boolean;
}

/**
 * One point per window of one model version: the series a slope may be fitted to.
 *
 * A window is the days it covered (`firstDay..lastDay`; its end instant when the days are not
 * known): a window evaluated again (`upkeep start` triggers an evaluation of the days the last
 * scheduled run covered, a retried or re-run workflow, a backfill) has one point, its latest
 * evaluation (by `ranAt`; later in the input when either has none), at that evaluation's end. With
 * `model`, only that version's evaluations count: a slope is never fitted across a model change.
 * Ordered by window end.
 */
export function windowSeries<P extends EvaluationPoint>(points: readonly P[], opts: { model?: string } = {}): P[] {
  const byWindow = new Map<string, P>();
  for (const p of points) {
    if (opts.model !== undefined && p.model !== opts.model) continue;
    const key = p.firstDay && p.lastDay ? `${p.firstDay}..${p.lastDay}` : `@${parseInstant(p.windowEnd)}`;
    const seen = byWindow.get(key);
    if (seen?.ranAt && p.ranAt && Date.parse(seen.ranAt) > Date.parse(p.ranAt)) continue;
    byWindow.delete(key);
    byWindow.set(key, p);
  }
  return [...byWindow.values()].sort((a, b) => parseInstant(a.windowEnd) - parseInstant(b.windowEnd));
}

/**
 * One series per model version (`windowSeries` of each), merged in window order (then by version,
 * first seen first): what a chart or a "since the last window" arrow shows. A version's windows
 * are never mixed with another's, and a re-evaluated window is one point of its version.
 */
export function versionSeries<P extends EvaluationPoint>(points: readonly P[]): { version: string; points: P[] }[] {
  const versions = new Map<string, P[]>();
  for (const p of points) {
    const v = p.model ?? '';
    versions.set(v, [...(versions.get(v) ?? []), p]);
  }
  return [...versions].map(([version, ps]) => ({ version, points: windowSeries(ps) }));
}

export interface TrendPoint {
  /** End of the evaluation window, ISO 8601. */
  windowEnd: string;
  /** The metric on that window; null when it was undefined. */
  value: number | null;
}

export interface DeclineOptions {
  metric: string;
  higherIsBetter: boolean;
  /** Fewest valued windows needed to judge a trend (integer ≥ 3). Default 6. */
  minPoints?: number;
  /** How many of the latest windows to look at (integer ≥ minPoints). Default 12. */
  window?: number;
  /** Significance level of the Mann–Kendall test, in (0, 1). Default 0.05. */
  alpha?: number;
}

export interface DeclineResult {
  declining: boolean;
  /** Theil–Sen slope in metric units per day (0 with fewer than two points). */
  slopePerDay: number;
  slopePerWeek: number;
  /** First windowEnd (YYYY-MM-DD) of the points used; '' when there are none. */
  since: string;
  /** Two-sided Mann–Kendall p-value (1 with fewer than two points). */
  pValue: number;
  method: 'theil-sen + mann-kendall';
  /** Number of valued windows the test used. */
  points: number;
  /** The Mann–Kendall statistics behind pValue. */
  mannKendall: { s: number; variance: number; z: number; tau: number };
  message?: string;
}

const DAY_MS = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const HAS_OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;

/** Milliseconds since the epoch; dates and offset-less date-times are UTC. */
function parseInstant(windowEnd: string): number {
  const s = windowEnd.trim();
  const iso = DATE_ONLY.test(s) ? `${s}T00:00:00Z` : s.includes('T') && !HAS_OFFSET.test(s) ? `${s}Z` : s;
  const ms = Date.parse(iso);
  if (!/^\d{4}-\d{2}-\d{2}/.test(s) || Number.isNaN(ms)) {
    throw new RangeError(`windowEnd "${windowEnd}" is not an ISO 8601 date or date-time`);
  }
  return ms;
}

function dateOf(windowEnd: string, ms: number): string {
  const m = /^\d{4}-\d{2}-\d{2}/.exec(windowEnd.trim());
  return m ? m[0] : new Date(ms).toISOString().slice(0, 10);
}

/** np.median of a non-empty array. */
function median(values: number[]): number {
  const a = Float64Array.from(values).sort();
  const m = a.length;
  const h = m >> 1;
  return m % 2 === 1 ? a[h]! : (a[h - 1]! + a[h]!) / 2;
}

/** Theil–Sen slope: median pairwise slope over pairs with distinct times (as scipy.stats.theilslopes). */
export function theilSenSlope(t: readonly number[], y: readonly number[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < t.length; i++) {
    for (let j = 0; j < t.length; j++) {
      const dx = t[i]! - t[j]!;
      if (dx > 0) slopes.push((y[i]! - y[j]!) / dx);
    }
  }
  return slopes.length === 0 ? 0 : median(slopes);
}

/** Mann–Kendall test on values in time order (see the top of this file). */
export function mannKendall(y: readonly number[]): { s: number; variance: number; z: number; tau: number; pValue: number } {
  const n = y.length;
  let s = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) s += Math.sign(y[j]! - y[i]!);
  }
  const groups = new Map<number, number>();
  for (const v of y) groups.set(v, (groups.get(v) ?? 0) + 1);
  let tieTerm = 0;
  for (const t of groups.values()) tieTerm += t * (t - 1) * (2 * t + 5);
  const variance = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  let z = 0;
  if (variance > 0) {
    if (s > 0) z = (s - 1) / Math.sqrt(variance);
    else if (s < 0) z = (s + 1) / Math.sqrt(variance);
  }
  const pValue = variance > 0 ? Math.min(1, 2 * normalSf(Math.abs(z))) : 1;
  const pairs = (n * (n - 1)) / 2;
  return { s, variance, z, tau: pairs > 0 ? s / pairs : 0, pValue };
}

/** A rate with two significant digits, without trailing zeros: 0.0030 → "0.003". */
function formatRate(v: number): string {
  if (v === 0) return '0';
  return String(Number(Math.abs(v).toPrecision(2)));
}

function formatP(p: number): string {
  return p < 1e-4 ? p.toExponential(1) : String(Number(p.toPrecision(2)));
}

export function detectDecline(points: readonly TrendPoint[], opts: DeclineOptions): DeclineResult {
  const { metric, higherIsBetter } = opts;
  const minPoints = opts.minPoints ?? 6;
  const window = opts.window ?? 12;
  const alpha = opts.alpha ?? 0.05;
  if (!Number.isInteger(minPoints) || minPoints < 3) throw new RangeError(`minPoints must be an integer >= 3, got ${minPoints}`);
  if (!Number.isInteger(window) || window < minPoints) {
    throw new RangeError(`window must be an integer >= minPoints (${minPoints}), got ${window}`);
  }
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);

  // One entry per window instant (the later input wins), in time order; the last `window` of them.
  const byInstant = new Map<number, TrendPoint>();
  for (const p of points) byInstant.set(parseInstant(p.windowEnd), p);
  const windows = [...byInstant.entries()].sort((a, b) => a[0] - b[0]).slice(-window);
  const used = windows.filter(([, p]) => p.value !== null && Number.isFinite(p.value));
  const t = used.map(([ms]) => ms / DAY_MS);
  const y = used.map(([, p]) => p.value as number);
  const n = used.length;

  const first = used[0] ?? windows[0];
  const since = first ? dateOf(first[1].windowEnd, first[0]) : '';
  const slopePerDay = n >= 2 ? theilSenSlope(t, y) : 0;
  const mk = n >= 2 ? mannKendall(y) : { s: 0, variance: 0, z: 0, tau: 0, pValue: 1 };
  const base = {
    slopePerDay,
    slopePerWeek: slopePerDay * 7,
    since,
    pValue: mk.pValue,
    method: 'theil-sen + mann-kendall' as const,
    points: n,
    mannKendall: { s: mk.s, variance: mk.variance, z: mk.z, tau: mk.tau },
  };

  if (n < minPoints) {
    const have =
      n === 0
        ? windows.length === 0
          ? 'no window has'
          : `none of the last ${windows.length} windows has`
        : windows.length > n
          ? `only ${n} of the last ${windows.length} windows ${n === 1 ? 'has' : 'have'}`
          : `only ${n} ${n === 1 ? 'window has' : 'windows have'}`;
    return {
      ...base,
      declining: false,
      message: `${have} a ${metric} value; at least ${minPoints} are needed to judge a trend`,
    };
  }

  const badSign = higherIsBetter ? -1 : 1;
  const declining = mk.pValue < alpha && Math.sign(mk.s) === badSign && Math.sign(slopePerDay) === badSign;
  const rate = formatRate(base.slopePerWeek);
  if (declining) {
    return { ...base, declining, message: `${metric} ${higherIsBetter ? 'falling' : 'rising'} ${rate} per week since ${since}` };
  }
  const direction = slopePerDay > 0 ? 'rising' : slopePerDay < 0 ? 'falling' : 'flat';
  const trend = direction === 'flat' ? 'flat' : `${direction} ${rate} per week`;
  return {
    ...base,
    declining,
    message: `no significant decline in ${metric} over ${n} windows since ${since} ` + `(Theil–Sen: ${trend}; Mann–Kendall p = ${formatP(mk.pValue)})`,
  };
}
