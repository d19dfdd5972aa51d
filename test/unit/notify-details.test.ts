import assert from 'node:assert/strict';

import type { EvaluationSummary } from '../../domain/evaluation.js';
import { verdictNotificationDetails } from '../../domain/notify-details.js';
import { eventFacts, factRows, fmt } from '../../engine/notify/channels/facts.js';
import { degradedEvent } from '../helpers/channel-events.js';

type Evaluation = Pick<EvaluationSummary, 'rows' | 'metrics' | 'confidence' | 'estimated' | 'drift'>;

const column = (test: string, score: number, threshold: number, drifted: boolean) => ({
  kind: 'numeric' as const,
  test,
  threshold,
  score,
  drifted,
  reference_rows: 1000,
  current_rows: 900,
});

const evaluation: Evaluation = {
  rows: 900,
  metrics: { roc_auc: 0.7123, accuracy: 0.8 },
  confidence: { metric: 'roc_auc', value: 0.7123, low: 0.6811, high: 0.7402, confidence: 0.95, resamples: 0, seed: 0, method: 'delong' },
  drift: {
    columns: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`c${i}`, column(i % 2 ? 'ks' : 'psi', i % 2 ? 0.001 : 0.3, i % 2 ? 0.05 : 0.1, true)])),
    dataset_drift: true,
    share_drifted: 1,
    drift_share: 0.5,
    drifted_columns: Array.from({ length: 12 }, (_, i) => `c${i}`),
  },
};

describe('verdict notification details', () => {
  it('carry the numbers the channels show: realized metric with its interval, threshold, rows, the first drifted columns and their count', () => {
    const details = verdictNotificationDetails({
      verdict: { status: 'degraded', basis: 'realized' },
      metric: 'roc_auc',
      thresholds: { min: 0.75 },
      evaluation,
      report: 'file:///r.md',
    });
    const f = eventFacts(degradedEvent({ details }));
    assert.deepEqual(factRows(f), [
      ['Verdict', 'degraded'],
      ['Metric', 'roc_auc 0.7123 [0.6811, 0.7402]'],
      ['Threshold', '0.75'],
      ['Rows', '900'],
      ['Drifted columns', '12'],
    ]);
    assert.equal(f.drifted?.length, 8);
    assert.deepEqual(f.drifted?.[1], { column: 'c1', score: 0.001, threshold: 0.05, test: 'ks' });
    assert.equal(f.report, 'file:///r.md');
  });

  it('an estimated verdict shows the estimate, its interval and the rows it covers; recovered names the verdict before', () => {
    const estimated: Evaluation = {
      ...evaluation,
      drift: undefined,
      estimated: {
        method: 'cbpe',
        rows: 5000,
        metrics: { roc_auc: { value: 0.69, lower: 0.66, upper: 0.72, method: 'cbpe' } },
        reliability: { reliable: true, referenceError: 0.01 },
        blindSpot: '',
      },
    } as Evaluation;
    const details = verdictNotificationDetails({
      verdict: { status: 'failing', basis: 'estimated' },
      metric: 'roc_auc',
      thresholds: { min: 0.75 },
      evaluation: estimated,
    });
    assert.deepEqual(factRows(eventFacts(degradedEvent({ kind: 'failing', details }))).slice(0, 4), [
      ['Verdict', 'failing (estimated)'],
      ['Metric', 'roc_auc 0.69 [0.66, 0.72]'],
      ['Threshold', '0.75'],
      ['Rows', '5,000'],
    ]);
    const healthy = verdictNotificationDetails({
      verdict: { status: 'healthy' },
      previous: 'degraded',
      metric: 'rmse',
      thresholds: { max: 3 },
      evaluation: { rows: 10, metrics: { rmse: 2.5 } },
    });
    assert.deepEqual(healthy, { verdict: 'healthy', previous: 'degraded', metric: 'rmse', value: 2.5, threshold: 3, rows: 10 });
  });
});

describe('numbers in messages', () => {
  it('keep what matters: grouped integers, 4 decimals below 1, tiny p-values in exponent form, never 0 for a non-zero', () => {
    assert.deepEqual([12345, 0.71234567, 0.1 + 0.2, 3.14159, 123.456, 0.001, 0.00012, 3e-8, -1.5e-12, 0].map(fmt), [
      '12,345',
      '0.7123',
      '0.3',
      '3.142',
      '123.5',
      '0.001',
      '1.2e-4',
      '3e-8',
      '-1.5e-12',
      '0',
    ]);
  });
});
