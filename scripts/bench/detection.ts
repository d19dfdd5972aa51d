/**
 * Time to detection with late labels (run by scripts/bench.ts; `--detection-only`: that alone).
 *
 * Real data (test/fixtures/data/detection/, made by scripts/fixtures/make_detection_fixture.py
 * from the US Census employment table that ships with NannyML 0.13.1, a real model's scores):
 * 80 daily windows of 300 rows; from day 40 every row is a person aged 55 to 69, whom the model
 * ranks worse (roc_auc about 0.79 against 0.90). Labels come 30 days late. The model's threshold:
 * roc_auc at least 0.85.
 *
 * Each day is simulated as the scheduled run does it: the day's window is evaluated (no labels
 * yet), and the window whose labels matured that day (30 days back) is evaluated again with its
 * labels. Realized metrics come from the engine's metrics (engine/evaluation/metrics), estimates
 * from CBPE fitted on the reference (engine/estimation/cbpe.ts), verdicts from the workflows'
 * decideVerdict. Printed: the days from the shift to the first alert with labels only, and with
 * estimation, beside each other, and the alerts before the shift (false alarms) of each.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PROJECT_DIR } from '../../workers/paths.js';
import { binaryMetrics } from '../../engine/evaluation/metrics/binary.js';
import { estimateCbpe, fitCbpe, type ClassScores } from '../../engine/estimation/cbpe.js';
import { decideVerdict } from '../../workflows/policy.js';
import type { EstimationSummary } from '../../domain/estimation.js';
import type { EvaluationSummary, SnapshotRef } from '../../domain/evaluation.js';
import { figure } from './figure.js';

const DIR = path.join(PROJECT_DIR, 'test', 'fixtures', 'data', 'detection');
const SHIFT_DAY = 40;
const DELAY_DAYS = 30;
const MIN_AUC = 0.85;
const MIN_ROWS = 200;
const METRIC = 'roc_auc';

interface Rows {
  y: Int32Array;
  pred: Int32Array;
  p: Float64Array;
}

function readCsv(file: string): { header: string[]; rows: number[][] } {
  const [head, ...lines] = readFileSync(path.join(DIR, file), 'utf8').trimEnd().split('\n');
  return { header: head!.split(','), rows: lines.map((l) => l.split(',').map(Number)) };
}

function toRows(rows: number[][], cols: { y: number; pred: number; p: number }): Rows {
  return {
    y: Int32Array.from(rows, (r) => r[cols.y]!),
    pred: Int32Array.from(rows, (r) => r[cols.pred]!),
    p: Float64Array.from(rows, (r) => r[cols.p]!),
  };
}

function scores(r: Rows): ClassScores {
  const proba = new Float64Array(r.p.length * 2);
  r.p.forEach((p, i) => {
    proba[2 * i] = 1 - p;
    proba[2 * i + 1] = p;
  });
  return { task: 'binary', classes: ['0', '1'], positive: 1, rows: r.p.length, proba, yPred: r.pred };
}

const SNAPSHOT = (day: number): SnapshotRef => {
  const date = new Date(Date.UTC(2026, 0, 1 + day)).toISOString().slice(0, 10);
  return {
    uri: '',
    sha256: '',
    firstDay: date,
    lastDay: date,
    windowEnd: `${date}T23:59:59.000Z`,
    rows: 300,
    files: [{ date, sourceUri: '', uri: '', sha256: '', bytes: 0, rows: 300 }],
    missing: [],
  };
};
const MODEL = { primaryMetric: METRIC, thresholds: { metric: METRIC, min: MIN_AUC }, baseline: {}, minRows: MIN_ROWS };

function summary(r: Rows, labelled: boolean, estimated: EstimationSummary | undefined): EvaluationSummary {
  const n = r.p.length;
  const realized = labelled ? binaryMetrics({ yTrue: r.y, yPred: r.pred, proba: scores(r).proba, nClasses: 2, positive: 1 }) : undefined;
  return {
    rows: labelled ? n : 0,
    rowsRead: n,
    droppedRows: 0,
    invalid: [],
    metrics: realized ? { ...realized.metrics } : { [METRIC]: null },
    undefinedMetrics: realized ? realized.reasons : { [METRIC]: 'no labelled rows yet' },
    metricWarnings: {},
    warnings: [],
    labels: labelled ? { labelled: n, unlabelled: 0 } : { labelled: 0, unlabelled: n, delay: `${DELAY_DAYS}d` },
    ...(estimated ? { estimated } : {}),
    durationMs: 0,
  };
}

const alerts = (status: string): boolean => status === 'degraded' || status === 'failing';

const t0 = performance.now();
const ref = readCsv('reference.csv');
const reference = toRows(ref.rows, { y: ref.header.indexOf('y'), pred: ref.header.indexOf('pred'), p: ref.header.indexOf('p') });
const stream = readCsv('stream.csv');
const col = (name: string) => stream.header.indexOf(name);
const days: Rows[] = [];
const byDay = new Map<number, number[][]>();
for (const r of stream.rows) byDay.set(r[col('day')]!, [...(byDay.get(r[col('day')]!) ?? []), r]);
for (const [d, rows] of byDay) days[d] = toRows(rows, { y: col('y'), pred: col('pred'), p: col('p') });

// CBPE fitted on the reference; unavailable on a build without it (said, not hidden).
let estimator: ((r: Rows) => EstimationSummary) | string;
try {
  const state = fitCbpe({ ...scores(reference), yTrue: reference.y }, { metrics: [METRIC, 'accuracy'], chunkSize: 300 });
  estimator = (r: Rows) => estimateCbpe(state, scores(r));
  estimator(days[0]!);
} catch (err) {
  estimator = `CBPE unavailable: ${(err as Error).message}`;
}

interface Run {
  firstAlert: number | null;
  falseAlarms: number;
  estimatedVerdicts: number;
}
function simulate(withEstimation: boolean): Run {
  const run: Run = { firstAlert: null, falseAlarms: 0, estimatedVerdicts: 0 };
  const alertOn = (day: number) => {
    if (day < SHIFT_DAY) run.falseAlarms++;
    else if (run.firstAlert === null) run.firstAlert = day;
  };
  for (let day = 0; day < days.length; day++) {
    // The day's window: no labels yet.
    const est = withEstimation && typeof estimator === 'function' ? estimator(days[day]!) : undefined;
    const now = decideVerdict({ model: MODEL, snapshot: SNAPSHOT(day), evaluation: summary(days[day]!, false, est) });
    if (now.basis === 'estimated') run.estimatedVerdicts++;
    if (alerts(now.status)) alertOn(day);
    // The window whose labels matured today, evaluated again: realized metrics.
    const matured = day - DELAY_DAYS;
    if (matured >= 0) {
      const again = decideVerdict({ model: MODEL, snapshot: SNAPSHOT(matured), evaluation: summary(days[matured]!, true, undefined) });
      // An alert about a window before the shift is a false alarm whenever it rings.
      if (alerts(again.status)) alertOn(matured < SHIFT_DAY ? -1 : day);
    }
  }
  return run;
}

const labelsOnly = simulate(false);
const estimated = simulate(true);
const ms = performance.now() - t0;
const shown = (r: Run): string => (r.firstAlert === null ? 'no alert' : `${r.firstAlert - SHIFT_DAY} days`);

console.log(
  `== time to detection: real data (US Census employment, NannyML's copy), ${days.length} daily windows of 300 rows, shift on day ${SHIFT_DAY}, labels ${DELAY_DAYS} days late, roc_auc ≥ ${MIN_AUC} ==`,
);
console.log(`  labels only              ${shown(labelsOnly).padStart(9)}   (false alarms before the shift: ${labelsOnly.falseAlarms})`);
if (typeof estimator === 'string') console.log(`  with estimation          not measured   (${estimator})`);
else {
  console.log(
    `  with estimation (CBPE)   ${shown(estimated).padStart(9)}   (false alarms before the shift: ${estimated.falseAlarms}; ${estimated.estimatedVerdicts} of ${days.length} windows judged on the estimate)`,
  );
  if (estimated.estimatedVerdicts === 0) console.log('  (the verdict on this build does not judge a window on its estimate: no estimated alert can ring)');
  else if (estimated.firstAlert !== null)
    figure(
      'time to detection with estimation',
      estimated.firstAlert - SHIFT_DAY,
      { below: DELAY_DAYS },
      { unit: ' days', digits: 0, of: 'after the shift', note: `labels only: ${shown(labelsOnly)}` },
    );
}
console.log(`  (${ms.toFixed(0)} ms: reading, fitting and ${2 * days.length} simulated days)`);
