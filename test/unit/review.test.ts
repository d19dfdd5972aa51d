/**
 * Periodic reviews without a server (docs/governance.md#periodic-reviews): the answers read from a
 * signed comment, the standing and lapse of a review, the config's checks (a cadence longer than the
 * risk tier allows, a reviewer who is not a decider), the evidence counted from the trail, and the
 * watchdog's review-lapsed finding.
 */
import assert from 'node:assert/strict';
import { loadConfig } from '../../engine/config/load.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { appendEntry } from '../../engine/audit/chain.js';
import { countEvidence, reviewsDue } from '../../engine/audit/reviews.js';
import { createWatchdogActivities } from '../../activities/watchdog.js';
import { fleetStatus } from '../../cli/status/fleet.js';
import { renderModelDetail, tableRows } from '../../cli/status/table.js';
import { fleetPage, inboxPage } from '../../cli/web/pages.js';
import { statusText } from '../../cli/commands/maintenance-actions.js';
import type { AuditEntry, GateStatus, MaintenanceStatus } from '../../domain/maintenance.js';
import {
  answersProblem,
  describeStanding,
  parseAnswers,
  reviewLapsedSince,
  reviewPolicy,
  reviewStanding,
  DEFAULT_REVIEW_QUESTIONS,
} from '../../domain/review.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

const D = 86_400_000;
const NOW = '2026-11-20T08:00:00.000Z';
const ago = (days: number): string => new Date(Date.parse(NOW) - days * D).toISOString();

describe('periodic reviews: the rules', function () {
  it('reads one answer per numbered line, continuation lines included, and names the questions left unanswered', function () {
    const q = ['a?', 'b?', 'c?'];
    assert.deepEqual(parseAnswers(q, '1. yes\n2) by email and\n   by SMS\n9. ignored\n3: no'), ['yes', 'by email and by SMS', 'no']);
    assert.deepEqual(parseAnswers(q, 'all fine'), [undefined, undefined, undefined]);
    assert.equal(
      answersProblem(q, '1. yes\n3. no'),
      'a review attests by answering each question on a numbered line of the comment ("1. …"); unanswered: 2 of 3',
    );
    assert.equal(answersProblem(q, '1. yes\n2. -\n3. no'), undefined);
    assert.match(answersProblem(q, undefined)!, /unanswered: 1, 2, 3 of 3/);
  });

  it("counts the clock from the last review, else from the trail's first entry, and lapses past the escalation", function () {
    const never = reviewStanding({ bornAt: ago(120), every: '90d', now: NOW });
    assert.equal(never.overdue, true);
    assert.equal(never.unreviewedDays, 120);
    assert.equal(never.dueAt, ago(30));
    assert.equal(describeStanding(never), 'unreviewed for 120 days (review due 2026-10-21)');
    assert.equal(reviewLapsedSince(never, '14d', NOW), ago(16));
    assert.equal(reviewLapsedSince(never, '31d', NOW), undefined);
    const fresh = reviewStanding({ lastReviewAt: ago(10), bornAt: ago(400), every: '90d', now: NOW });
    assert.equal(fresh.overdue, false);
    assert.equal(describeStanding(fresh), 'reviewed 2026-11-10; next review due 2027-02-08');
    assert.deepEqual(reviewPolicy({}, '180d'), {
      every: '180d',
      questions: [...DEFAULT_REVIEW_QUESTIONS],
      reviewers: [],
      reminder_every: '7d',
      escalate_after: '14d',
      expire_after: '30d',
    });
    assert.equal(reviewPolicy(undefined, '180d'), undefined);
  });

  it('counts the evidence since the last review from the trail: verdicts, drift, incidents, decisions, promotions, findings', function () {
    const e = (at: string, kind: AuditEntry['kind'], details?: Record<string, unknown>): AuditEntry => ({
      id: at + kind,
      modelId: 'm',
      at,
      kind,
      summary: kind,
      ...(details ? { details } : {}),
    });
    const s = countEvidence(
      [
        e(ago(100), 'evaluation', { verdict: 'failing' }), // before the period
        e(ago(50), 'evaluation', { verdict: 'degraded', reasons: ['dataset drift: 3 of 5 columns drifted'] }),
        e(ago(40), 'evaluation', { verdict: 'healthy', reasons: [] }),
        e(ago(50), 'incident-opened'),
        e(ago(40), 'incident-closed'),
        e(ago(45), 'decision'),
        e(ago(44), 'promoted'),
        e(ago(30), 'watchdog', { state: 'open' }),
        e(ago(29), 'watchdog', { state: 'resolved' }),
      ],
      ago(90),
      NOW,
    );
    assert.deepEqual(s, {
      since: ago(90),
      until: NOW,
      evaluations: { degraded: 1, healthy: 1 },
      drift: 1,
      incidentsOpened: 1,
      incidentsClosed: 1,
      decisions: 1,
      promotions: 1,
      rollbacks: 0,
      watchdogFindings: 1,
    });
  });
});

describe('periodic reviews: the config and the watchdog', function () {
  let ws: Workspace | undefined;
  afterEach(() => ws?.remove());

  const withReview = (review: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    ws = createWorkspace('churn', { owner: 'owner@x.org', approvers: ['lead@x.org'], risk_tier: 'high', approval: { escalate_after: '2d' }, review, ...extra });
    return ws;
  };

  it('refuses a cadence longer than the risk tier allows and a reviewer who may not decide, naming the model and field', async function () {
    withReview({ every: '120d' }, { approvers: ['lead@x.org', 'val@x.org'] });
    await assert.rejects(
      loadConfig(ws!.configPath),
      (e: Error) =>
        /churn/.test(e.message) && /review\.every 120d is longer than its high risk tier allows \(governance\.tiers\.high\.review_every 90d\)/.test(e.message),
    );
    ws!.remove();
    withReview({ reviewers: ['stranger@x.org'] }, { risk_tier: 'low' });
    await assert.rejects(loadConfig(ws!.configPath), (e: Error) => /review\.reviewers: stranger@x\.org is neither the owner nor an approver/.test(e.message));
  });

  it('finds a review overdue past its escalation (review-lapsed) and only then; the sweep sees it due', async function () {
    withReview({ every: '90d', escalate_after: '14d' }, { risk_tier: 'low' });
    const config = await loadConfig(ws!.configPath);
    const store = createFileStore(config.store);
    await appendEntry(store, { id: 'born', modelId: 'churn', at: ago(120), kind: 'schedule', summary: 'created' });
    assert.deepEqual(await reviewsDue(store, config, NOW), [{ modelId: 'churn', dueAt: ago(30) }]);
    // `upkeep status` (table and detail) and the fleet page say so, without a server.
    const status = await fleetStatus({ config, store, taskQueue: 'upkeep', now: new Date(NOW) });
    assert.deepEqual(status.models[0]!.review, {
      standing: 'unreviewed for 120 days (review due 2026-10-21)',
      overdue: true,
      dueAt: ago(30),
      lastReviewAt: null,
      unreviewedDays: 120,
    });
    assert.match(tableRows(status)[0]!.at(-1)!, /unreviewed 120d/);
    assert.match(
      renderModelDetail(status.models[0]!, status),
      /review:\s+unreviewed for 120 days \(review due 2026-10-21\) \(attest with: upkeep approve churn --gate review\)/,
    );
    assert.match(
      String(fleetPage({ user: 'dana@example.com', csrf: 'x' }, status)),
      /<p class="review" data-overdue="true"><span class="badge warn">review<\/span> unreviewed for 120 days/,
    );
    const activities = createWatchdogActivities({ store, loadConfig: async () => ({ ...config, name: 'upkeep.yaml' }) });
    const run = (runId: string, at: string) =>
      activities.watchdogInspect({ at, workflowId: 'upkeep-watchdog', runId, evaluateSchedulePrefix: 'upkeep-evaluate-' });
    // Due 30 days ago, lapsed 16 days ago.
    const r = await run('r1', NOW);
    const lapsed = r.opened.find((f) => f.kind === 'review-lapsed')!;
    assert.equal(lapsed.since, ago(16));
    assert.equal(lapsed.summary, 'churn: unreviewed for 120 days (review due 2026-10-21), past its escalation (review.escalate_after 14d)');
    // Attested since: resolved.
    await appendEntry(store, {
      id: 'rev',
      modelId: 'churn',
      at: ago(1),
      kind: 'reviewed',
      summary: 'attested',
      actor: 'owner@x.org',
      details: { outcome: 'fit', answers: [] },
    });
    const again = await run('r2', new Date(Date.parse(NOW) + 1000).toISOString());
    assert.deepEqual(
      again.resolved.filter((f) => f.kind === 'review-lapsed').map((f) => f.key),
      [lapsed.key],
    );
    assert.deepEqual(await reviewsDue(store, config, NOW), []);
  });
});

// The config's parse of a review section keeps unknown keys out (strict), as every section does.
describe('periodic reviews: the schema', function () {
  let ws: Workspace | undefined;
  afterEach(() => ws?.remove());
  it('names an unknown key of review:', async function () {
    ws = createWorkspace('churn', { owner: 'owner@x.org', review: { every: '90d', cadence: 'weekly' } });
    await assert.rejects(loadConfig(ws.configPath), (e: Error) => /models\[0\]\.review|review/.test(e.message) && /cadence/.test(e.message));
  });
});

describe('periodic reviews: where people decide', function () {
  const gate: GateStatus = {
    gate: 'review',
    state: 'waiting',
    openedAt: NOW,
    expiresAt: ago(-30),
    approvers: ['owner@x.org'],
    notified: [],
    reminders: 0,
    escalated: false,
    questions: ['Still used for <offers>?', 'Sent by email?'],
    evidence: { uri: 'file:///s/e.json', sha256: 'b'.repeat(64) },
    candidate: 'a11ce0000001',
  };
  const status: MaintenanceStatus = {
    modelId: 'churn',
    kind: 'review',
    stage: 'awaiting-review',
    since: NOW,
    evidence: [{ source: 'manual', at: NOW, reason: 'periodic review: unreviewed for 120 days', requestedBy: 'the review schedule' }],
    gates: [gate],
    gate,
  };

  it('lists the questions in `upkeep approvals list` and asks for numbered answers in the web inbox (escaped)', function () {
    const text = statusText(status, 'upkeep-review-churn');
    assert.match(text, /questions: {3}1\. Still used for <offers>\?\n {15}2\. Sent by email\?/);
    const page = String(inboxPage({ user: 'owner@x.org', csrf: 'x' }, [{ workflowId: 'upkeep-review-churn', status }], []));
    assert.match(page, /<ol class="questions"><li>Still used for &lt;offers&gt;\?<\/li><li>Sent by email\?<\/li><\/ol>/);
    assert.match(page, /<textarea name="comment" maxlength="2000" rows="3" required><\/textarea>/);
    assert.match(page, /Attest review/);
  });
});
