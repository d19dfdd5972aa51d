/**
 * Late labels (docs/late-labels.md): which evaluated windows are waiting for their labels, when
 * they mature, and how far the first estimate was from what the labels then showed. Pure: no I/O,
 * no clock (the workflow passes its own time).
 */
import { DURATION_PATTERN, durationMs } from './duration.js';
import type { EstimatedMetric } from './estimation.js';
import type { AuditEntry } from './maintenance.js';

/** An estimate as an evaluation's audit entry keeps it: the value and its band. */
export interface RecordedEstimate {
  value: number | null;
  lower: number | null;
  upper: number | null;
}

/** An evaluated window that had unlabelled rows, as its (latest) evaluation entry recorded it. */
export interface PendingLabels {
  /** The evaluation entry's id: the re-evaluation references it and is named after it. */
  entry: string;
  /** The report of that evaluation. */
  report: string | null;
  windowEnd: string;
  /** The version evaluated, as the entry names it. */
  version: string | null;
  verdict: string | null;
  basis: 'realized' | 'estimated' | null;
  labelled: number;
  unlabelled: number;
  estimated: Record<string, RecordedEstimate>;
}

/** How far the first estimate of a metric was from the realized value its window's labels gave. */
export interface EstimateError {
  estimated: number;
  lower: number | null;
  upper: number | null;
  realized: number;
  /** realized − estimated. */
  error: number;
  /** Whether the realized value fell inside the estimate's band (null: the estimate had no band). */
  inBand: boolean | null;
}

/** The re-evaluation's id: one per first evaluation, whichever run records it (its idempotency key). */
export const maturedEntryId = (firstEntry: string): string => `matured-${firstEntry}`;

/** When a window's labels were due (its end + the delay): the re-evaluation entry's time, the same whichever run records it. */
export function maturedAt(windowEnd: string, delay: string | undefined): string | undefined {
  const end = Date.parse(windowEnd);
  return delay && DURATION_PATTERN.test(delay) && Number.isFinite(end) ? new Date(end + durationMs(delay)).toISOString() : undefined;
}

/** The estimates an evaluation entry keeps: value and band per metric (the method is in the report). */
export function recordedEstimates(metrics: Record<string, EstimatedMetric> | undefined): Record<string, RecordedEstimate> {
  const out: Record<string, RecordedEstimate> = {};
  for (const [name, m] of Object.entries(metrics ?? {})) out[name] = { value: m.value, lower: m.lower, upper: m.upper };
  return out;
}

/** Per estimated metric with both values known: the realized value beside the estimate, and the error. */
export function estimateErrors(estimated: Record<string, RecordedEstimate>, realized: Record<string, number | null>): Record<string, EstimateError> {
  const out: Record<string, EstimateError> = {};
  for (const [name, e] of Object.entries(estimated)) {
    const r = realized[name];
    if (typeof e.value !== 'number' || typeof r !== 'number' || !Number.isFinite(r) || !Number.isFinite(e.value)) continue;
    const banded = typeof e.lower === 'number' && typeof e.upper === 'number';
    out[name] = {
      estimated: e.value,
      lower: e.lower,
      upper: e.upper,
      realized: r,
      error: r - e.value,
      inBand: banded ? r >= e.lower! && r <= e.upper! : null,
    };
  }
  return out;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
/** A window end as one instant, however it was written (with or without milliseconds): null when not a time. */
const instant = (v: unknown): string | null => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? new Date(Date.parse(v)).toISOString() : null);

/**
 * The windows still waiting for their labels, oldest first: per window end, the latest evaluation
 * entry, when it had unlabelled rows and no re-evaluation references any evaluation of that window.
 * A window whose latest evaluation found every row labelled (a re-run after the labels came) waits
 * for nothing. `entries` in the order they were recorded (oldest first).
 */
export function pendingLabelWindows(entries: readonly AuditEntry[]): PendingLabels[] {
  const latest = new Map<string, AuditEntry>();
  const matured = new Set<string>();
  const maturedWindows = new Set<string>();
  for (const e of entries) {
    if (e.kind !== 'evaluation' || !e.details) continue;
    const d = e.details;
    const windowEnd = instant(d.windowEnd);
    if (!windowEnd || !str(d.verdict)) continue; // not an evaluation's verdict (e.g. "no retrain requested")
    const ref = d.matured as { entry?: unknown } | undefined;
    if (ref && typeof ref === 'object') {
      if (typeof ref.entry === 'string') matured.add(ref.entry);
      maturedWindows.add(windowEnd);
      continue;
    }
    latest.set(windowEnd, e);
  }
  const out: PendingLabels[] = [];
  for (const [windowEnd, e] of latest) {
    if (matured.has(e.id) || maturedWindows.has(windowEnd)) continue;
    const d = e.details!;
    const labels = d.labels as { labelled?: unknown; unlabelled?: unknown } | undefined;
    const unlabelled = num(labels?.unlabelled);
    if (unlabelled === null || unlabelled <= 0) continue;
    const estimated: Record<string, RecordedEstimate> = {};
    for (const [name, m] of Object.entries((d.estimated as Record<string, Partial<RecordedEstimate>> | undefined) ?? {})) {
      if (m && typeof m === 'object') estimated[name] = { value: num(m.value), lower: num(m.lower), upper: num(m.upper) };
    }
    const basis = str(d.basis);
    out.push({
      entry: e.id,
      report: str(d.report),
      windowEnd: str(d.windowEnd)!,
      version: str(d.version),
      verdict: str(d.verdict),
      basis: basis === 'estimated' || basis === 'realized' ? basis : null,
      labelled: num(labels?.labelled) ?? 0,
      unlabelled,
      estimated,
    });
  }
  return out.sort((a, b) => Date.parse(a.windowEnd) - Date.parse(b.windowEnd) || a.windowEnd.localeCompare(b.windowEnd));
}

/** The windows whose labels should have arrived by `now` (window end + delay), oldest first, at most `limit`. */
export function maturedWindows(pending: readonly PendingLabels[], delayMs: number, now: number, limit: number): PendingLabels[] {
  return pending.filter((p) => Date.parse(p.windowEnd) + delayMs <= now).slice(0, limit);
}

/**
 * A window's point in the metric's trend: the realized value where the labels give one (enough
 * labelled rows, `minRows`), the estimate otherwise, marked as such; none when neither is known.
 */
export function trendPoint(
  evaluation:
    { metrics: Record<string, number | null>; labels?: { labelled: number }; estimated?: { metrics: Record<string, { value: number | null }> } } | undefined,
  metric: string,
  minRows: number,
): { value: number; estimated: boolean } | undefined {
  const realized = evaluation?.metrics[metric];
  const estimate = evaluation?.estimated?.metrics[metric]?.value;
  const fewLabels = evaluation?.labels !== undefined && evaluation.labels.labelled < minRows;
  const hasEstimate = typeof estimate === 'number' && Number.isFinite(estimate);
  if (typeof realized === 'number' && Number.isFinite(realized) && !(fewLabels && hasEstimate)) return { value: realized, estimated: false };
  if (hasEstimate) return { value: estimate, estimated: true };
  return undefined;
}

/** One evaluation of a window, as a chart, a card or a page reads it from its report. */
export interface WindowEvaluation {
  /** The days it covered (`firstDay..lastDay`), or its end: evaluations of the same key are one window. */
  key: string;
  windowEnd: string;
  /** When it ran (ISO 8601): the latest evaluation of a window decides it; unknown: later in the input. */
  ranAt?: string;
  verdict: string;
  basis?: 'realized' | 'estimated';
  /** The primary metric on the labelled rows (null: undefined, e.g. no labels). */
  realized: number | null;
  /** The primary metric's estimate, when the evaluation made one. */
  estimate?: RecordedEstimate;
}

/** A window as people see it once its labels may have come: the estimate stays beside the realized value. */
export interface EstimatedVsRealized {
  key: string;
  windowEnd: string;
  /** The latest evaluation's verdict and what it was judged on. */
  verdict: string;
  basis: 'realized' | 'estimated';
  /** The first estimate made for the window (before its labels came). */
  estimate: RecordedEstimate | null;
  /** The realized value, once an evaluation judged the window on its labels. */
  realized: number | null;
  /** What to show: the realized value when known, else the estimate. */
  value: number | null;
  /** realized − estimated and whether it fell in the band, when both are known. */
  error: { error: number; inBand: boolean | null } | null;
}

/**
 * Per window, in the order of their window ends: the first estimate, and the realized value of the
 * latest evaluation judged on labels (a window evaluated again when its labels matured). Windows
 * that never had an estimate are included (estimate null).
 */
export function estimatedVsRealized(evaluations: readonly WindowEvaluation[]): EstimatedVsRealized[] {
  const byKey = new Map<string, WindowEvaluation[]>();
  for (const e of evaluations) byKey.set(e.key, [...(byKey.get(e.key) ?? []), e]);
  const out: EstimatedVsRealized[] = [];
  for (const [key, list] of byKey) {
    // Stable: an evaluation without a run time keeps its place in the input.
    const runs = list
      .map((e, i) => ({ e, i }))
      .sort((a, b) => (a.e.ranAt && b.e.ranAt ? Date.parse(a.e.ranAt) - Date.parse(b.e.ranAt) : 0) || a.i - b.i)
      .map((x) => x.e);
    const latest = runs.at(-1)!;
    const first = runs.find((e) => typeof e.estimate?.value === 'number')?.estimate ?? null;
    const basis = latest.basis === 'estimated' ? 'estimated' : 'realized';
    const realized = basis === 'realized' ? latest.realized : null;
    const error = first && realized !== null ? (estimateErrors({ m: first }, { m: realized }).m ?? null) : null;
    out.push({
      key,
      windowEnd: latest.windowEnd,
      verdict: latest.verdict,
      basis,
      estimate: first,
      realized,
      value: realized ?? (basis === 'estimated' ? (latest.estimate?.value ?? first?.value ?? null) : null),
      error: error ? { error: error.error, inBand: error.inBand } : null,
    });
  }
  return out.sort((a, b) => Date.parse(a.windowEnd) - Date.parse(b.windowEnd));
}
