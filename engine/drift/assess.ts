/**
 * Drift of the current window against a reference, column by column, in the report's shape:
 * `columns.<name>` with every statistic that applies, the deciding `test` and `drifted`; then
 * `dataset_drift` and `share_drifted`. Both sides are sketches (sorted values or counts), so the
 * reference may come from a stored profile or from a whole reference data file.
 */
import type { MonitorSpec } from '../../domain/config.js';
import type { DriftColumnReport, DriftDistribution, DriftReport, RecognisedColumn } from '../../domain/reports.js';
import type { ColumnSketch } from './sketch.js';
import { columnDrift, datasetDrift, type ColumnDriftInput } from './column.js';
import type { DriftOverride } from './methods/index.js';
import { categoricalDistribution, numericDistribution } from './distribution.js';
import { alarmLevel, alarmPValue, driftAlarm, type AlarmMember } from './alarm.js';

export type { DriftColumnReport, DriftReport };

function countsMap(s: Extract<ColumnSketch, { kind: 'categorical' }>): Map<string, number> {
  return new Map(s.categories.map((c, i) => [c, s.counts[i]!]));
}

/** One column; the kinds must agree (a changed type is a quality issue, not drift). */
export function driftOfColumn(reference: ColumnSketch, current: ColumnSketch, override?: DriftOverride): DriftColumnReport | undefined {
  if (reference.kind !== current.kind) return undefined;
  let input: ColumnDriftInput;
  let extra: Pick<DriftColumnReport, 'new_categories' | 'share_rows_new_category'> = {};
  let distribution: DriftDistribution | undefined;
  if (reference.kind === 'numeric' && current.kind === 'numeric') {
    const integer =
      reference.sourceType === 'int' && current.sourceType === 'int' && reference.nulls + reference.nonFinite + current.nulls + current.nonFinite === 0;
    input = {
      kind: 'numeric',
      reference: { sorted: reference.sorted, dropped: reference.nulls + reference.nonFinite },
      current: { sorted: current.sorted, dropped: current.nulls + current.nonFinite },
      integer,
    };
  } else {
    const ref = countsMap(reference as Extract<ColumnSketch, { kind: 'categorical' }>);
    const cur = current as Extract<ColumnSketch, { kind: 'categorical' }>;
    input = {
      kind: 'categorical',
      reference: ref,
      current: countsMap(cur),
      referenceMissing: (reference as { missing: number }).missing,
      currentMissing: cur.missing,
    };
    const fresh = cur.categories.map((c, i) => [c, cur.counts[i]!] as const).filter(([c]) => !ref.has(c));
    const present = cur.counts.reduce((n, c) => n + c, 0);
    extra = {
      new_categories: fresh.sort((a, b) => b[1] - a[1]).map(([c]) => c),
      share_rows_new_category: present > 0 ? fresh.reduce((n, [, c]) => n + c, 0) / present : 0,
    };
    distribution = categoricalDistribution(reference as Extract<ColumnSketch, { kind: 'categorical' }>, cur);
  }
  const r = columnDrift(input, override);
  if (reference.kind === 'numeric' && current.kind === 'numeric')
    distribution = numericDistribution(reference, current, input.kind === 'numeric' && input.integer === true, r.bins);
  const reasons = Object.keys(r.reasons).length > 0 ? (r.reasons as Record<string, string>) : undefined;
  return {
    kind: r.kind,
    test: r.test,
    threshold: r.threshold,
    score: r.score,
    drifted: r.drifted,
    reference_rows: r.referenceRows,
    current_rows: current.kind === 'numeric' && current.compacted ? current.compacted.count : r.currentRows,
    ...(current.kind === 'numeric' && current.compacted ? { current_sketch: { points: current.sorted.length, max_cdf_error: current.compacted.error } } : {}),
    ...r.statistics,
    ...extra,
    ...(reasons ? { reasons } : {}),
    ...(distribution ? { distribution } : {}),
  };
}

export function assessDrift(opts: {
  reference: Record<string, ColumnSketch>;
  current: Record<string, ColumnSketch>;
  /** Feature and watched columns, in report order. */
  columns: string[];
  settings: MonitorSpec['drift'];
  label?: { reference: ColumnSketch; current: ColumnSketch };
  prediction?: { reference: ColumnSketch; current: ColumnSketch };
  /** Date, time and identifier columns (not in `columns`): reported as what they are. */
  recognised?: RecognisedColumn[];
}): DriftReport {
  const columns: Record<string, DriftColumnReport> = {};
  const members: AlarmMember[] = [];
  const overrideFor = (name: string): DriftOverride | undefined => opts.settings.columns[name] ?? opts.settings.default;
  for (const name of opts.columns) {
    const ref = opts.reference[name];
    const cur = opts.current[name];
    if (!ref || !cur) continue;
    const d = driftOfColumn(ref, cur, overrideFor(name));
    if (d) {
      columns[name] = d;
      members.push({ name, report: d, pValue: alarmPValue(ref, cur, d) });
    }
  }
  const decided = Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, { drifted: v.drifted }]));
  const dataset = datasetDrift(decided as never, opts.settings.share);
  const report: DriftReport = {
    columns,
    dataset_drift: dataset.drifted,
    share_drifted: dataset.shareOfDriftedColumns,
    drift_share: opts.settings.share,
    drifted_columns: Object.entries(columns)
      .filter(([, c]) => c.drifted)
      .map(([k]) => k),
  };
  const extra: { label?: AlarmMember; prediction?: AlarmMember } = {};
  for (const key of ['label', 'prediction'] as const) {
    const sides = opts[key];
    if (!sides) continue;
    const d = driftOfColumn(sides.reference, sides.current);
    report[key] = d;
    if (d) extra[key] = { name: `(${key})`, report: d, pValue: alarmPValue(sides.reference, sides.current, d) };
  }
  report.alarm = driftAlarm(members, alarmLevel(opts.settings.default), extra);
  if (opts.recognised && opts.recognised.length > 0) report.recognised = opts.recognised;
  return report;
}
