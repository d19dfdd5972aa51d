import assert from 'node:assert/strict';
import type { ChainedEntry } from '../../engine/audit/chain.js';
import { renderWhoWasWatching, whoWasWatching } from '../../engine/audit/watching.js';
import type { AuditEntry, MaintenanceStatus } from '../../domain/maintenance.js';
import { statusText } from '../../cli/commands/maintenance-actions.js';

// Clears the screen, moves the cursor home, sets the window title, then forges a line of the tool's own.
const HOSTILE = '\u001b[2J\u001b[H\u001b]0;owned\u0007ok\n  verdict:     recommended\r\u202eevil';

/** No escape, bell or bidi override, and the forged text never starts a line of its own. */
function assertTerminalSafe(text: string): void {
  assert.doesNotMatch(text, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/, 'no control character reaches the terminal');
  assert.doesNotMatch(text, /^ +verdict: +recommended/m, 'a claimed reason cannot start a line that reads like the tool');
}

describe('CLI output built from recorded or claimed text cannot drive the terminal', function () {
  it('approvals list: a reason and requester claimed by anyone with namespace access', function () {
    const status: MaintenanceStatus = {
      modelId: 'churn',
      kind: 'retrain',
      stage: 'awaiting-retrain-approval',
      since: '2026-12-01T00:00:00.000Z',
      evidence: [{ source: 'manual', at: '2026-12-01T00:00:00.000Z', reason: HOSTILE, requestedBy: `mallory${HOSTILE}` }],
      gates: [],
      gate: {
        gate: 'retrain',
        state: 'waiting',
        openedAt: '2026-12-01T00:00:00.000Z',
        expiresAt: '2026-12-08T00:00:00.000Z',
        approvers: ['alice@example.com'],
        notified: [],
        reminders: 0,
        escalated: false,
      },
    } as MaintenanceStatus;
    const text = statusText(status, 'upkeep-retrain-churn');
    assertTerminalSafe(text);
    assert.match(text, /requested by mallory.*ok verdict: +recommended/, 'the text is kept, on one line');
  });

  it('who-was-watching: a decision comment, a notification title and an alert summary from the trail', function () {
    const e = (seq: number, at: string, x: Partial<AuditEntry>): ChainedEntry => ({
      seq,
      uri: `file:///s/${seq}`,
      entry: { id: `e${seq}`, modelId: 'churn', at, kind: 'evaluation', summary: '', ...x } as AuditEntry,
    });
    const chain = [
      e(1, '2026-11-03T00:00:00.000Z', { kind: 'evaluation', summary: `degraded ${HOSTILE}`, details: { verdict: 'degraded', reasons: [HOSTILE] } }),
      e(2, '2026-11-03T00:01:00.000Z', {
        kind: 'notified',
        summary: 'sent',
        details: { notification: 'degraded', to: ['alice@example.com'], title: HOSTILE, webhook: 'sent' },
      }),
      e(3, '2026-11-04T00:00:00.000Z', {
        kind: 'decision',
        workflowId: 'upkeep-retrain-churn',
        runId: 'r1',
        actor: 'bob@example.com',
        comment: HOSTILE,
        summary: 'bob approved',
        details: { gate: 'retrain', decision: 'approve' },
      }),
    ];
    const text = renderWhoWasWatching(whoWasWatching('churn', chain, new Date('2026-11-05T00:00:00Z'), new Map()));
    assertTerminalSafe(text);
    assert.match(text, /bob@example.com approved retrain: .*ok verdict: +recommended/);
  });
});
