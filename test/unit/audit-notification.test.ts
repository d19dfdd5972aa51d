import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sendAndRecord } from '../../engine/audit/notification.js';
import { readChain } from '../../engine/audit/chain.js';
import { createFileStore } from '../../engine/store/file-store.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import type { NotificationEvent } from '../../domain/maintenance.js';

const event: NotificationEvent = {
  kind: 'approval-requested',
  modelId: 'churn',
  to: ['alice@example.com'],
  title: 'Retrain churn?',
  text: 'roc_auc fell.',
  at: '2026-03-01T06:00:00.000Z',
  workflowId: 'upkeep-retrain-churn',
};

describe('a notification sent and recorded (engine/audit/notification.ts)', function () {
  let dir: string;
  let store: ArtifactStore;
  let posts: number;
  /** Ports whose webhook answers every POST with `status`. */
  const answering = (status: number) => ({
    store,
    webhook: 'http://hooks.invalid/x',
    log: () => undefined,
    fetch: (async () => {
      posts++;
      return new Response('no', { status });
    }) as typeof fetch,
  });
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-notification-'));
    store = createFileStore(path.join(dir, 'store'));
    posts = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('returns a refusal as a value (recorded, with its facts) and does not send it again', async function () {
    const first = await sendAndRecord(answering(404), event, 2);
    assert.ok(first.outcome === 'refused', `refused, got ${first.outcome}`);
    assert.match(first.message, /answered HTTP 404/);
    assert.deepEqual(
      { ...first.facts, workerClock: undefined },
      { channel: 'webhook', outcome: 'refused', status: 404, attempt: 2, error: first.message, workerClock: undefined },
    );
    assert.equal((await readChain(store, 'churn')).length, 1);
    const again = await sendAndRecord(answering(200), event, 3);
    assert.equal(again.outcome, 'refused');
    assert.equal(posts, 1, 'a recorded refusal is not sent again');
  });

  it("returns a retryable failure with the attempt's facts and records nothing", async function () {
    const r = await sendAndRecord(answering(503), event, 1);
    assert.ok(r.outcome === 'failed', `failed, got ${r.outcome}`);
    assert.deepEqual([r.facts.outcome, r.facts.status, r.facts.attempt], ['gave-up', 503, 1]);
    assert.deepEqual(await readChain(store, 'churn'), []);
  });

  it('records a delivered notification once: a second call returns it as sent without a POST', async function () {
    assert.deepEqual(await sendAndRecord(answering(200), event, 1), { outcome: 'done', webhook: 'sent' });
    assert.deepEqual(await sendAndRecord(answering(200), event, 2), { outcome: 'done', webhook: 'sent' });
    assert.equal(posts, 1);
  });
});
