import assert from 'node:assert/strict';
import type { ChainedEntry } from '../../engine/audit/chain.js';
import { renderWhoWasWatching, whoWasWatching, type SpecInForce } from '../../engine/audit/watching.js';
import type { AuditEntry } from '../../domain/maintenance.js';

const M = 'churn';
const SPEC_A = 'a'.repeat(64);
const SPEC_B = 'b'.repeat(64);
const specs = new Map<string, SpecInForce>([
  [SPEC_A, { owner: 'alice@example.com', approvers: ['bob@example.com'], escalation: ['oncall@example.com'] }],
  [SPEC_B, { owner: 'carol@example.com', approvers: ['bob@example.com'], escalation: [] }],
]);

/** A scripted history of one model: a day per step. */
const steps: [string, Partial<AuditEntry>][] = [
  [
    '2026-11-01',
    { kind: 'schedule', actor: 'platform', summary: 'schedule created', details: { change: 'create', paused: false, config: { sha256: SPEC_A } } },
  ],
  [
    '2026-11-02',
    {
      kind: 'evaluation',
      summary: 'healthy',
      details: { verdict: 'healthy', reasons: ['ok'], config: { sha256: SPEC_A }, windowEnd: '2026-11-02T06:00:00.000Z' },
    },
  ],
  ['2026-11-03', { kind: 'evaluation', summary: 'degraded', details: { verdict: 'degraded', reasons: ['roc_auc fell'], config: { sha256: SPEC_A } } }],
  [
    '2026-11-03T00:01',
    {
      kind: 'notified',
      summary: 'degraded sent',
      details: { notification: 'degraded', to: ['alice@example.com', 'bob@example.com'], title: 'churn is degraded', webhook: 'sent' },
    },
  ],
  [
    '2026-11-03T00:02',
    {
      kind: 'approval-requested',
      workflowId: 'upkeep-retrain-churn',
      runId: 'r1',
      summary: 'asked',
      details: {
        gate: 'retrain',
        openedAt: '2026-11-03T00:02:00.000Z',
        approvers: ['alice@example.com', 'bob@example.com'],
        to: ['alice@example.com', 'bob@example.com'],
      },
    },
  ],
  ['2026-11-04', { kind: 'evaluation', summary: 'degraded again', details: { verdict: 'degraded', reasons: ['still'], config: { sha256: SPEC_B } } }],
  ['2026-11-05', { kind: 'watchdog', summary: 'nobody decided', details: { key: 'overdue-approval-r1', state: 'open' } }],
  [
    '2026-11-06',
    {
      kind: 'decision',
      workflowId: 'upkeep-retrain-churn',
      runId: 'r1',
      actor: 'bob@example.com',
      comment: 'go',
      summary: 'bob approved',
      details: { gate: 'retrain', decision: 'approve', signer: 'inbox' },
    },
  ],
  ['2026-11-07', { kind: 'watchdog', summary: 'resolved', details: { key: 'overdue-approval-r1', state: 'resolved' } }],
  ['2026-11-08', { kind: 'evaluation', summary: 'healthy', details: { verdict: 'healthy', reasons: [], config: { sha256: SPEC_B } } }],
  ['2026-11-09', { kind: 'schedule', actor: 'platform', summary: 'paused', details: { change: 'pause', paused: true, note: 'freeze' } }],
];
const chain: ChainedEntry[] = steps.map(([day, e], i) => ({
  seq: i + 1,
  uri: `file:///store/${i}`,
  entry: {
    id: `e${i}`,
    modelId: M,
    at: new Date(day.length === 10 ? `${day}T00:00:00Z` : `${day}:00Z`).toISOString(),
    kind: 'evaluation',
    summary: '',
    ...e,
  } as AuditEntry,
}));
const at = (t: string) => whoWasWatching(M, chain, new Date(t), specs);

describe('who was watching: the audit chain read at an instant', function () {
  it('knows nothing before the first entry', function () {
    const w = at('2026-10-31T00:00:00Z');
    assert.equal(w.inForce, null);
    assert.equal(w.lastEvaluation, null);
    assert.deepEqual(w.schedule, { state: 'unknown' });
    assert.match(renderWhoWasWatching(w), /owner: +unknown \(no entry before this time cites the model's spec in force\)/);
  });

  it('while a retrain request waits: the alert, the request, who was told, the owner then', function () {
    const w = at('2026-11-05T12:00:00Z');
    assert.equal(w.inForce!.owner, 'carol@example.com', 'the owner changed with the config on the 4th');
    assert.equal(w.lastEvaluation!.verdict, 'degraded');
    assert.deepEqual(
      w.openAlerts.map((a) => [a.kind, a.since]),
      [
        ['verdict', '2026-11-03T00:00:00.000Z'],
        ['watchdog', '2026-11-05T00:00:00.000Z'],
      ],
    );
    assert.match(w.openAlerts[0]!.summary, /^2 bad verdicts in a row/);
    assert.equal(w.pendingApprovals.length, 1);
    assert.equal(w.pendingApprovals[0]!.waitingMs, 2 * 86_400_000 + 12 * 3_600_000 - 2 * 60_000);
    assert.deepEqual(
      w.notified.map((n) => [n.to, n.via]),
      [[['alice@example.com', 'bob@example.com'], 'webhook']],
    );
    assert.deepEqual(w.schedule, { state: 'active', since: '2026-11-01T00:00:00.000Z', actor: 'platform' });
    const text = renderWhoWasWatching(w);
    assert.match(text, /pending approvals: \n {2}- retrain, open since 2026-11-03T00:02:00.000Z \(2\.5 days\)/);
    assert.match(text, /owner: +carol@example.com/);
    // The spec's hash is not the config record's (the "config:" line): it is named as the spec, not as a config.
    assert.match(text, /\(from the model's spec bbbbbbbbbbbb in the config, cited by entry 6, evaluation at 2026-11-04T00:00:00.000Z\)/);
    assert.doesNotMatch(text, /\(config bbbbbbbbbbbb/);
  });

  it('after the decision and a good verdict: nothing open, the decision listed; then paused', function () {
    const w = at('2026-11-08T12:00:00Z');
    assert.equal(w.inForce!.owner, 'carol@example.com');
    assert.deepEqual(w.openAlerts, []);
    assert.deepEqual(w.pendingApprovals, []);
    assert.deepEqual(w.decisions, [
      { at: '2026-11-06T00:00:00.000Z', gate: 'retrain', decision: 'approve', approver: 'bob@example.com', comment: 'go', signer: 'inbox' },
    ]);
    assert.equal(at('2026-11-09T00:00:00Z').schedule.state, 'paused');
    assert.match(renderWhoWasWatching(at('2026-11-10T00:00:00Z')), /schedule: +paused since 2026-11-09T00:00:00.000Z \(freeze\), by platform/);
  });
});

describe('who was watching: the last evaluation and the champion at an instant', function () {
  const evaluation = (seq: number, at: string, windowEnd: string, verdict: string, version = 'aaaaaaaaaaaa'): ChainedEntry => ({
    seq,
    uri: `file:///store/${seq}`,
    entry: {
      id: `e${seq}`,
      modelId: M,
      at,
      kind: 'evaluation',
      summary: `evaluated ${version}: ${verdict}`,
      details: { verdict, reasons: [verdict], windowEnd },
    },
  });
  const trail: ChainedEntry[] = [
    evaluation(1, '2026-11-10T06:01:00.000Z', '2026-11-10T06:00:00.000Z', 'healthy'),
    evaluation(2, '2026-11-11T06:01:00.000Z', '2026-11-11T06:00:00.000Z', 'degraded'),
    // A backfill of an older window, run after the latest one.
    evaluation(3, '2026-11-11T09:00:00.000Z', '2026-11-01T06:00:00.000Z', 'healthy'),
    {
      seq: 4,
      uri: 'file:///store/4',
      entry: {
        id: 'p',
        modelId: M,
        at: '2026-11-12T08:00:00.000Z',
        kind: 'promoted',
        summary: 'promoted bbbbbbbbbbbb',
        details: { from: 'aaaaaaaaaaaa', to: 'bbbbbbbbbbbb' },
      },
    },
    {
      seq: 5,
      uri: 'file:///store/5',
      entry: {
        id: 'r',
        modelId: M,
        at: '2026-11-13T08:00:00.000Z',
        kind: 'rolled-back',
        summary: 'rolled back',
        details: { from: 'bbbbbbbbbbbb', to: 'aaaaaaaaaaaa' },
      },
    },
  ];
  const w = (t: string) => whoWasWatching(M, trail, new Date(t), specs);

  it('is the latest window ending before the instant, not the last one run (a backfill of an older window)', function () {
    const ev = w('2026-11-11T12:00:00Z').lastEvaluation!;
    assert.deepEqual([ev.windowEnd, ev.verdict], ['2026-11-11T06:00:00.000Z', 'degraded']);
    assert.match(w('2026-11-11T12:00:00Z').openAlerts[0]!.summary, /^1 bad verdict in a row/);
    assert.match(
      renderWhoWasWatching(w('2026-11-11T12:00:00Z')),
      /last evaluation: degraded for the window ending 2026-11-11T06:00:00.000Z, run at 2026-11-11T06:01:00.000Z/,
    );
  });

  it('counts only evaluations run by the instant', function () {
    assert.equal(w('2026-11-11T06:00:30Z').lastEvaluation!.windowEnd, '2026-11-10T06:00:00.000Z');
  });

  it('names the champion serving at the instant: as evaluated, promoted, rolled back', function () {
    assert.deepEqual(w('2026-11-11T12:00:00Z').champion, { version: 'aaaaaaaaaaaa', how: 'evaluated', seq: 3 });
    assert.deepEqual(w('2026-11-12T12:00:00Z').champion, { version: 'bbbbbbbbbbbb', since: '2026-11-12T08:00:00.000Z', how: 'promoted', seq: 4 });
    assert.deepEqual(w('2026-11-13T12:00:00Z').champion, { version: 'aaaaaaaaaaaa', since: '2026-11-13T08:00:00.000Z', how: 'rolled-back', seq: 5 });
    assert.match(renderWhoWasWatching(w('2026-11-12T12:00:00Z')), /champion: +bbbbbbbbbbbb \(promoted at 2026-11-12T08:00:00.000Z, entry 4\)/);
    assert.equal(w('2026-11-01T00:00:00Z').champion, null);
  });
});

describe('who was watching: how each notification went out', function () {
  const entry = (i: number, e: Partial<AuditEntry>): ChainedEntry => ({
    seq: i,
    uri: `file:///s/${i}`,
    entry: { id: `n${i}`, modelId: M, at: `2026-11-0${i}T00:00:00.000Z`, kind: 'notified', summary: 's', ...e } as AuditEntry,
  });
  const base = { to: ['alice@example.com'], title: 'churn is degraded', notification: 'degraded' };
  const chain = [
    entry(1, { details: { ...base, webhook: 'sent' } }), // recorded before deliveries were
    entry(2, {
      details: {
        ...base,
        webhook: 'sent',
        delivery: { channel: 'webhook', outcome: 'delivered', status: 200, responseId: 'req-1', workerClock: '2026-11-02T00:00:01.250Z', attempt: 2 },
      },
    }),
    entry(3, { details: { ...base, webhook: 'none', delivery: { channel: 'log', outcome: 'logged', workerClock: '2026-11-03T00:00:00.100Z', attempt: 1 } } }),
    entry(4, {
      kind: 'failure',
      summary: 'not delivered',
      details: {
        kind: 'degraded',
        to: base.to,
        title: base.title,
        notification: 'degraded',
        delivery: {
          channel: 'webhook',
          outcome: 'gave-up',
          status: 503,
          attempt: 20,
          workerClock: '2026-11-04T01:00:00.000Z',
          error: 'webhook POST to hooks.example.com answered HTTP 503',
        },
      },
    }),
    entry(5, { kind: 'failure', summary: 'model card not updated' }),
  ];
  it('shows the channel, status, response id, attempt and worker clock, and what was not delivered', function () {
    const w = whoWasWatching(M, chain, new Date('2026-11-06T00:00:00Z'), new Map());
    assert.deepEqual(
      w.notified.map((n) => [n.via, n.outcome ?? null, n.status ?? null]),
      [
        ['webhook', 'gave-up', 503],
        ['log', 'logged', null],
        ['webhook', 'delivered', 200],
        ['webhook', null, null],
      ],
    );
    const text = renderWhoWasWatching(w);
    assert.match(
      text,
      /2026-11-02T00:00:00.000Z degraded to alice@example.com \(webhook: HTTP 200, id req-1, attempt 2, worker clock 2026-11-02T00:00:01.250Z\)/,
    );
    assert.match(text, /2026-11-03T00:00:00.000Z degraded to alice@example.com \(worker log only: no webhook configured\)/);
    assert.match(
      text,
      /\(webhook: NOT delivered, gave up, HTTP 503, attempt 20, worker clock 2026-11-04T01:00:00.000Z: webhook POST to hooks.example.com answered HTTP 503\)/,
    );
    assert.match(text, /2026-11-01T00:00:00.000Z degraded to alice@example.com \(webhook\): churn is degraded/);
  });
});

describe('the audit trail as HTML', function () {
  it('escapes every value taken from entries', async function () {
    const { renderHtml } = await import('../../cli/commands/audit.js');
    const hostile = '<script>alert(1)</script>"\'&';
    const html = renderHtml('churn', [
      {
        seq: 1,
        uri: 'file:///x',
        entry: {
          id: 'x',
          modelId: 'churn',
          at: '2026-11-01T00:00:00.000Z',
          kind: 'decision',
          summary: hostile,
          actor: hostile,
          comment: hostile,
          workflowId: hostile,
        },
      },
    ]);
    assert.doesNotMatch(html, /<script>/);
    assert.equal(html.split('&#60;script&#62;alert(1)&#60;/script&#62;&#34;&#39;&#38;').length - 1, 4);
  });
});
