/**
 * Stored reports of made-up evaluations for the pictures' tests: daily windows of a model with
 * intervals, estimates, two versions, verdicts of every kind and drift in some columns.
 */
import type { EvaluationReport } from '../../engine/evaluation/report.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import { championHistoryKey, reportKeys } from '../../engine/store/keys.js';

export const V1 = '1'.repeat(64);
export const V2 = '2'.repeat(64);
const DAY = 86_400_000;

export interface MadeUp {
  day: number;
  value: number | null;
  low?: number;
  high?: number;
  estimate?: { value: number; lower: number; upper: number };
  verdict: string;
  sha: string;
  /** Column → [score, drifted, counted after the correction]; absent: not in this window. */
  drift?: Record<string, [number | null, boolean | null, boolean]>;
}

export function madeUpReport(modelId: string, start: string, m: MadeUp): EvaluationReport {
  const day = new Date(Date.parse(`${start}T00:00:00Z`) + m.day * DAY).toISOString().slice(0, 10);
  const end = new Date(Date.parse(`${day}T06:00:00Z`) + DAY).toISOString();
  const columns = Object.fromEntries(
    Object.entries(m.drift ?? {}).map(([name, [score, drifted]]) => [
      name,
      {
        kind: 'numeric',
        test: 'ks',
        threshold: 0.05,
        score,
        drifted,
        reference_rows: 500,
        current_rows: 500,
        // The histogram a picture draws: the window shifted to the right where the column drifted.
        distribution: {
          kind: 'histogram',
          edges: [0, 1, 2, 3, 4, 5],
          reference: [50, 150, 200, 75, 25],
          current: drifted ? [10, 40, 120, 180, 150] : [55, 145, 195, 80, 25],
          binning: 'test',
        },
      },
    ]),
  );
  return {
    schema: 'upkeep.evaluation-report/v1',
    modelId,
    owner: 'o',
    task: 'binary',
    verdict: { status: m.verdict, reasons: [`${m.verdict} (made up)`], ...(m.estimate && m.value === null ? { basis: 'estimated' } : {}) },
    window: { firstDay: day, lastDay: day, end, timezone: 'UTC' },
    model: { artifactUri: 'x', sha256: m.sha, bytes: 1 },
    rows: 900,
    metrics: { roc_auc: m.value },
    ...(m.low !== undefined && m.value !== null
      ? { confidence: { metric: 'roc_auc', value: m.value, low: m.low, high: m.high!, confidence: 0.95, resamples: 0, seed: 1, method: 'delong' } }
      : {}),
    ...(m.estimate ? { evaluation: { estimated: { metrics: { roc_auc: { ...m.estimate, method: 'cbpe' } } } } } : {}),
    workflow: { workflowId: 'w', runId: `run-${m.day}`, startedAt: end },
    ...(m.drift
      ? {
          drift: {
            columns,
            dataset_drift: false,
            share_drifted: 0,
            drift_share: 0.5,
            drifted_columns: Object.entries(m.drift)
              .filter(([, d]) => d[1])
              .map(([n]) => n),
            alarm: {
              method: 'benjamini-hochberg',
              level: 0.05,
              tested: Object.keys(m.drift).length,
              p_values: Object.fromEntries(Object.entries(m.drift).map(([n, d]) => [n, d[0]])),
              columns: Object.entries(m.drift)
                .filter(([, d]) => d[2])
                .map(([n]) => n),
              label: false,
              prediction: false,
              raised: Object.values(m.drift).some((d) => d[2]),
            },
          },
        }
      : {}),
  } as unknown as EvaluationReport;
}

/**
 * Forty daily windows from 2026-10-01: v1, then v2 promoted on day 20, rolled back
 * to v1 on day 32; the last three windows estimated (labels not known yet); x1 drifting from day
 * 30, x2 with single findings, x7 new on day 30, x6 not tested.
 */
export function fortyWindows(): MadeUp[] {
  const out: MadeUp[] = [];
  for (let day = 0; day < 40; day++) {
    const sha = day >= 20 && day < 32 ? V2 : V1;
    const base = sha === V2 ? 0.8 - (day - 20) * 0.004 : 0.78 - Math.max(0, day - 28) * 0.006;
    const estimated = day >= 37;
    const verdict = base < 0.72 ? 'degraded' : base < 0.75 ? 'warning' : 'healthy';
    const drift: MadeUp['drift'] = {
      x1: day >= 30 ? [0.0001, true, true] : [0.3, false, false],
      x2: day % 9 === 4 ? [0.03, true, false] : [0.5, false, false],
      x3: [0.4, false, false],
      x4: [0.6, false, false],
      x5: [0.2, false, false],
      x6: [null, null, false],
      ...(day >= 30 ? { x7: [0.7, false, false] as [number, boolean, boolean] } : {}),
    };
    out.push(
      estimated
        ? { day, value: null, estimate: { value: base, lower: base - 0.03, upper: base + 0.03 }, verdict, sha, drift }
        : { day, value: base, low: base - 0.02, high: base + 0.02, verdict, sha, drift },
    );
  }
  return out;
}

export async function storeReports(store: ArtifactStore, reports: EvaluationReport[]): Promise<void> {
  for (const r of reports) await store.put(reportKeys(r.modelId, r.window.end, r.workflow!.runId).json, JSON.stringify(r));
}

/** The champion history of fortyWindows: v1, promoted v2 on day 20, rolled back to v1 on day 32. */
export async function storeChampionChanges(store: ArtifactStore, modelId: string): Promise<void> {
  const entry = (generation: number, version: string, sha256: string, since: string, change: string, previous: string | null) =>
    store.put(championHistoryKey(modelId, generation), JSON.stringify({ modelId, version, sha256, generation, since, change, previous, approvals: [] }));
  await entry(1, 'v1', V1, '2026-09-30T10:00:00.000Z', 'initial', null);
  await entry(2, 'v2', V2, '2026-10-21T10:00:00.000Z', 'promotion', 'v1');
  await entry(3, 'v1', V1, '2026-11-02T10:00:00.000Z', 'rollback', 'v2');
}
