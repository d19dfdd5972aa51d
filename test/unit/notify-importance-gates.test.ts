/**
 * Issue 24 in the channel messages: drifted columns listed most important first with their
 * importance (and "below the importance floor"), and the verdict's failed gates named, from the
 * evaluation summary (domain/notify-details.ts) through each channel's renderer.
 */
import assert from 'node:assert/strict';

import type { EvaluationSummary } from '../../domain/evaluation.js';
import type { DriftImportance } from '../../domain/importance.js';
import { verdictNotificationDetails } from '../../domain/notify-details.js';
import { emailContent } from '../../engine/notify/channels/email.js';
import { eventFacts, factRows } from '../../engine/notify/channels/facts.js';
import { pagerDutyEvent } from '../../engine/notify/channels/pagerduty.js';
import { slackMessage } from '../../engine/notify/channels/slack.js';
import { webhookPayload } from '../../engine/notify/notify.js';
import { degradedEvent, ROUTING_KEY } from '../helpers/channel-events.js';

type Evaluation = Pick<EvaluationSummary, 'rows' | 'metrics' | 'confidence' | 'estimated' | 'drift'>;

const column = (score: number) => ({ kind: 'numeric' as const, test: 'psi', threshold: 0.2, score, drifted: true, reference_rows: 1000, current_rows: 900 });

const importance: DriftImportance = {
  method: 'permutation',
  metric: 'roc_auc',
  baseline: 0.81,
  rows: 2000,
  repeats: 5,
  seed: 7,
  model_sha256: 'a'.repeat(64),
  columns: {
    age: { importance: 0.0012, std: 0.0004, below_floor: true },
    income: { importance: 0.0452, std: 0.008 },
    tenure: { importance: 0.0113, std: 0.002 },
  },
  ranked: ['income', 'tenure', 'age'],
  floor: 0.005,
};

const evaluation: Evaluation = {
  rows: 900,
  metrics: { roc_auc: 0.7123 },
  drift: {
    // In drift order (alphabetical here), not importance order; `region` is watched but not a model input.
    columns: { age: column(0.5), income: column(0.31), region: column(0.25), tenure: column(0.22) },
    dataset_drift: true,
    share_drifted: 1,
    drift_share: 0.5,
    drifted_columns: ['age', 'income', 'region', 'tenure'],
    importance,
  },
};

const details = verdictNotificationDetails({
  verdict: { status: 'degraded', basis: 'realized', failedGates: ['fraud_cost', 'demographic_parity_difference[sex]'] },
  metric: 'roc_auc',
  thresholds: { min: 0.75 },
  evaluation,
});
const event = degradedEvent({ details });

describe('notifications: drift by importance and failed gates', () => {
  it('the details list drifted columns most important first with their importance, those without one last, and the failed gates', () => {
    const drifted = details.drifted as { column: string; importance?: number; below_floor?: boolean }[];
    assert.deepEqual(
      drifted.map((c) => [c.column, c.importance, c.below_floor]),
      [
        ['income', 0.0452, undefined],
        ['tenure', 0.0113, undefined],
        ['age', 0.0012, true],
        ['region', undefined, undefined],
      ],
    );
    assert.deepEqual(details.failed_gates, ['fraud_cost', 'demographic_parity_difference[sex]']);
    // Without importances and failed gates: the drift order, and no failed_gates key.
    const plain = verdictNotificationDetails({
      verdict: { status: 'degraded' },
      metric: 'roc_auc',
      thresholds: { min: 0.75 },
      evaluation: { ...evaluation, drift: { ...evaluation.drift!, importance: undefined } },
    });
    assert.deepEqual(
      (plain.drifted as { column: string }[]).map((c) => c.column),
      ['age', 'income', 'region', 'tenure'],
    );
    assert.equal('failed_gates' in plain, false);
  });

  it('the facts name the failed gates right after the verdict', () => {
    assert.deepEqual(factRows(eventFacts(event)).slice(0, 2), [
      ['Verdict', 'degraded'],
      ['Failed gates', 'fraud_cost, demographic_parity_difference[sex]'],
    ]);
    const many = eventFacts(degradedEvent({ details: { verdict: 'degraded', failed_gates: Array.from({ length: 15 }, (_, i) => `g${i}`) } }));
    assert.equal(factRows(many)[1]![1], 'g0, g1, g2, g3, g4, g5, g6, g7, g8, g9, g10, g11 and 3 more');
  });

  it('Slack: the failed gates as a field, the drifted columns ranked with their importance', () => {
    const blocks = slackMessage({ event }).blocks as { type: string; text?: { text: string }; fields?: { text: string }[] }[];
    const fields = blocks.find((b) => b.fields)!.fields!.map((f) => f.text);
    assert.equal(fields[1], 'Failed gates\nfraud_cost, demographic_parity_difference[sex]');
    const drift = blocks.find((b) => b.text?.text.startsWith('Drifted columns'))!.text!.text;
    assert.equal(
      drift,
      [
        'Drifted columns (most important first)',
        '• income psi 0.31 (threshold 0.2), importance 0.0452',
        '• tenure psi 0.22 (threshold 0.2), importance 0.0113',
        '• age psi 0.5 (threshold 0.2), importance 0.0012, below the importance floor',
        '• region psi 0.25 (threshold 0.2)',
      ].join('\n'),
    );
  });

  it('email: the text and the HTML name the failed gates and rank the columns; hostile names are escaped in the HTML', () => {
    const { text, html } = emailContent({ event });
    assert.match(text, /Failed gates: fraud_cost, demographic_parity_difference\[sex\]\n/);
    assert.match(
      text,
      /Drifted columns \(most important first\):\n {2}- income psi 0\.31 \(threshold 0\.2\), importance 0\.0452\n {2}- tenure .*\n {2}- age psi 0\.5 \(threshold 0\.2\), importance 0\.0012, below the importance floor\n {2}- region /,
    );
    assert.match(html, /<th align="right" [^>]*>Importance<\/th>/);
    assert.match(html, /<td align="right" [^>]*>0\.0012, below the importance floor<\/td>/);
    assert.ok(html.indexOf('>income<') < html.indexOf('>tenure<') && html.indexOf('>tenure<') < html.indexOf('>age<'));
    const hostile = emailContent({ event: degradedEvent({ details: { verdict: 'degraded', failed_gates: ['<img src=x onerror=alert(1)>'] } }) }).html;
    assert.equal(hostile.includes('<img'), false);
    assert.match(hostile, /&#60;img src=x onerror=alert\(1\)&#62;/);
  });

  it('PagerDuty: failed_gates in custom_details and the drifted lines ranked with their importance', () => {
    const cd = pagerDutyEvent(ROUTING_KEY, { event }).payload!.custom_details!;
    assert.deepEqual(cd.failed_gates, ['fraud_cost', 'demographic_parity_difference[sex]']);
    assert.deepEqual(cd.drifted, [
      'income psi 0.31 (threshold 0.2), importance 0.0452',
      'tenure psi 0.22 (threshold 0.2), importance 0.0113',
      'age psi 0.5 (threshold 0.2), importance 0.0012, below the importance floor',
      'region psi 0.25 (threshold 0.2)',
    ]);
  });

  it('webhook: the payload carries the ranked columns with their importance and the failed gates', () => {
    const p = webhookPayload(event);
    assert.deepEqual(p.details?.failed_gates, ['fraud_cost', 'demographic_parity_difference[sex]']);
    assert.deepEqual(
      (p.details?.drifted as { column: string }[]).map((c) => c.column),
      ['income', 'tenure', 'age', 'region'],
    );
  });
});
