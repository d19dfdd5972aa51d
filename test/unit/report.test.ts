import assert from 'node:assert/strict';
import type { AuditEntry } from '../../domain/maintenance.js';
import { fleetReport, modelReport, renderReportHtml, renderReportMarkdown } from '../../engine/audit/report.js';

const H = 3_600_000;
const T0 = Date.parse('2026-03-02T00:00:00Z');
const at = (h: number): string => new Date(T0 + h * H).toISOString();
let n = 0;
const entry = (modelId: string, h: number, kind: string, details: Record<string, unknown> = {}, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  id: `e${++n}`,
  modelId,
  at: at(h),
  kind: kind as AuditEntry['kind'],
  summary: kind,
  details,
  ...extra,
});

/** A week (hours 0..168) of churn: degraded, asked, approved after 5 h, retrained, promoted, healthy again; and fraud healthy. */
const churn: AuditEntry[] = [
  entry('churn', -24, 'evaluation', { verdict: 'healthy' }), // before the period: not counted
  entry('churn', 10, 'evaluation', { verdict: 'degraded' }),
  entry('churn', 10, 'notified', { notification: 'degraded', channel: 'slack', delivery: { channel: 'slack', outcome: 'delivered' } }),
  entry('churn', 10, 'notified', { notification: 'degraded', webhook: 'none' }),
  entry('churn', 10, 'notified', { notification: 'degraded', channel: 'pager', delivery: { channel: 'pager', outcome: 'refused' } }),
  entry('churn', 11, 'incident-opened', { incident: 'i1' }),
  entry('churn', 11, 'retrain-requested'),
  entry('churn', 11, 'approval-requested', { gate: 'retrain', openedAt: at(11) }),
  entry('churn', 16, 'decision', { gate: 'retrain', decision: 'approve', openedAt: at(11), at: at(16) }),
  entry('churn', 17, 'trained'),
  entry('churn', 17, 'approval-requested', { gate: 'promote', openedAt: at(17) }),
  entry('churn', 18, 'decision', { gate: 'promote', decision: 'approve', openedAt: at(17), at: at(18) }),
  entry('churn', 18, 'promoted', { from: 'v1', to: 'v2' }),
  entry('churn', 34, 'evaluation', { verdict: 'healthy' }),
  entry('churn', 34, 'incident-closed', { incident: 'i1', timeToDetectMs: 2 * H, timeToDecideMs: 5 * H, timeToRecoverMs: 23 * H }),
  entry('churn', 34, 'evaluation', { windowEnd: at(34) }, { summary: 'no retrain requested: healthy' }), // a note, not a verdict
  entry('churn', 200, 'evaluation', { verdict: 'failing' }), // after the period: not counted, not the state at the end
];
const fraud: AuditEntry[] = [
  entry('fraud', 5, 'evaluation', { verdict: 'healthy' }),
  entry('fraud', 50, 'evaluation', { verdict: 'warning' }),
  entry('fraud', 60, 'approval-requested', { gate: 'rollback', openedAt: at(60) }),
  entry('fraud', 62, 'decision', { gate: 'rollback', decision: 'reject', openedAt: at(60), at: at(62) }),
  entry('fraud', 70, 'expired', { gate: 'retrain' }),
];
const period = { since: at(0), until: at(168) };

describe('upkeep report: figures from a hand-built audit trail', () => {
  it("counts one model's period: verdicts, decisions and their latency, retrains, channels, incidents", () => {
    const r = modelReport('churn', churn, period);
    assert.equal(r.evaluations, 2);
    assert.deepEqual(r.verdicts, { degraded: 1, healthy: 1 });
    assert.equal(r.verdictAtEnd, 'healthy');
    assert.equal(r.healthyAtEnd, true);
    assert.equal(r.approvalsRequested, 2);
    assert.deepEqual(r.decisions, { approved: 2, rejected: 0, expired: 0, latency: { count: 2, medianMs: 3 * H, maxMs: 5 * H } });
    assert.equal(r.retrainsRequested, 1);
    assert.equal(r.trained, 1);
    assert.equal(r.promotions, 1);
    assert.deepEqual(r.notifications, { slack: 1, log: 1 });
    assert.equal(r.notDelivered, 1);
    assert.equal(r.incidents.opened, 1);
    assert.equal(r.incidents.closed, 1);
    assert.equal(r.incidents.timeToDetect.medianMs, 2 * H);
    assert.equal(r.incidents.timeToDecide.medianMs, 5 * H);
    assert.equal(r.incidents.timeToRecover.medianMs, 23 * H);
  });

  it('takes the state at the end from the latest verdict before it, even one before the period', () => {
    assert.equal(modelReport('churn', churn, { since: at(100), until: at(168) }).verdictAtEnd, 'healthy');
    assert.equal(modelReport('churn', churn, { since: at(100), until: at(168) }).evaluations, 0);
    assert.equal(modelReport('churn', churn, { since: at(0), until: at(20) }).healthyAtEnd, false);
    assert.equal(modelReport('churn', churn, { since: at(0), until: at(300) }).verdictAtEnd, 'failing');
  });

  it('totals the fleet, with decision latency pooled over every decision', () => {
    const r = fleetReport(
      [
        { modelId: 'fraud', entries: fraud },
        { modelId: 'churn', entries: churn },
      ],
      period,
    );
    assert.deepEqual(
      r.models.map((m) => m.modelId),
      ['churn', 'fraud'],
    );
    assert.equal(r.total.models, 2);
    assert.equal(r.total.healthyAtEnd, 2);
    assert.equal(r.total.evaluations, 4);
    assert.deepEqual(r.total.verdicts, { degraded: 1, healthy: 2, warning: 1 });
    assert.deepEqual(r.total.decisions, { approved: 2, rejected: 1, expired: 1, latency: { count: 3, medianMs: 2 * H, maxMs: 5 * H } });
    assert.equal(r.total.incidents.timeToRecover.medianMs, 23 * H);
    // The same trail gives the same report.
    assert.deepEqual(
      fleetReport([{ modelId: 'churn', entries: [...churn].reverse() }], period).models,
      fleetReport([{ modelId: 'churn', entries: churn }], period).models,
    );
  });

  it('renders the numbers and a table in Markdown and HTML, escaping what the trail holds', () => {
    const r = fleetReport([{ modelId: 'churn', entries: churn }], period);
    const md = renderReportMarkdown(r);
    assert.match(md, /^- 1 of 1 model healthy at the end of the period/m);
    assert.match(md, /2 decisions taken \(2 approved, 0 rejected, 0 expired undecided\) of 2 requests; request → decision median 3\.0 h, longest 5\.0 h/);
    assert.match(md, /\| churn \| healthy \| 2 \| 1 degraded, 1 healthy \|/);
    const html = renderReportHtml(fleetReport([{ modelId: 'churn', entries: [entry('churn', 1, 'evaluation', { verdict: '<b>x' })] }], period));
    assert.match(html, /&#60;b&#62;x/);
    assert.doesNotMatch(html, /<b>x/);
  });
});
