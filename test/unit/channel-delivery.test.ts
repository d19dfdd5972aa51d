import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deliverStaged } from '../../engine/audit/routing.js';
import { readChain } from '../../engine/audit/chain.js';
import { renderWhoWasWatching, whoWasWatching } from '../../engine/audit/watching.js';
import { parseConfig } from '../../engine/config/load.js';
import { ChannelError, type ChannelSender } from '../../engine/notify/channels/types.js';
import { stageNotification } from '../../engine/notify/staged.js';
import { auditEntriesPrefix } from '../../engine/store/keys.js';
import { createFileStore } from '../../engine/store/file-store.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import type { AuditEntry, NotificationEvent } from '../../domain/maintenance.js';
import { modelYaml } from '../helpers/config-text.js';

describe('a staged message delivered to one channel and recorded (engine/audit/routing.ts deliverStaged)', function () {
  let dir: string;
  let store: ArtifactStore;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-channel-delivery-'));
    store = createFileStore(path.join(dir, 'store'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const config = parseConfig(`notify:\n  channels:\n    team: { type: slack, webhook_file: url }\nmodels:${modelYaml()}`, {
    name: 'upkeep.yaml',
    baseDir: '/srv',
  });
  const event = (title: string): NotificationEvent => ({
    kind: 'degraded',
    modelId: 'churn',
    to: ['o@example.com'],
    title,
    text: '',
    at: '2026-03-01T06:00:00.000Z',
  });
  const entries = async (): Promise<AuditEntry[]> =>
    Promise.all(
      (await store.list(auditEntriesPrefix('churn', 'notifications'))).map(async (k) => JSON.parse(new TextDecoder().decode(await store.get(k))) as AuditEntry),
    );
  const deliver = (send: ChannelSender, refs: { modelId: string; sha256: string }[], attempt = 1) =>
    deliverStaged({ store, send, options: { configDir: dir } }, config, { modelId: 'churn', channel: 'team', refs }, attempt);

  it('sends a digest once, records it once, and leaves out a reference no workflow staged', async function () {
    const refs = [await stageNotification(store, event('one')), await stageNotification(store, event('two'))];
    const forged = { modelId: 'churn', sha256: 'f'.repeat(64) };
    const sent: string[][] = [];
    const send: ChannelSender = async (name, spec, m) => {
      sent.push((m.digest ?? [m.event]).map((e) => e.title));
      return { channel: name, type: spec.type, status: 200 };
    };
    const r = await deliver(send, [refs[0]!, forged, refs[1]!]);
    assert.equal(r.outcome, 'done');
    // The activity run again (it died after recording): nothing is sent twice.
    assert.equal((await deliver(send, [refs[0]!, forged, refs[1]!], 2)).outcome, 'done');
    assert.deepEqual(sent, [['one', 'two']]);
    const [entry, ...more] = await entries();
    assert.equal(more.length, 0);
    assert.equal(entry!.details?.channel, 'team');
    assert.deepEqual(entry!.details?.delivery, {
      ...(entry!.details?.delivery as object),
      channel: 'team',
      type: 'slack',
      outcome: 'delivered',
      status: 200,
      attempt: 1,
      events: 2,
    });
    // Who was watching names the channel, not the webhook or the log.
    const w = whoWasWatching('churn', await readChain(store, 'churn'), new Date('2026-03-02T00:00:00Z'), new Map());
    assert.deepEqual(
      w.notified.map((n) => [n.via, n.outcome]),
      [['team', 'delivered']],
    );
    assert.match(renderWhoWasWatching(w), /\(channel team: status 200, attempt 1, worker clock [^)]+\)/);
    await assert.rejects(deliver(send, [forged]), /model churn: nothing to deliver to channel team: model churn: no notification ffffffffffff was staged/);
  });

  it('records a refusal, and nothing for a failure that may succeed later (Temporal retries it)', async function () {
    const ref = await stageNotification(store, event('one'));
    const retry = await deliver(async () => {
      throw new ChannelError('channel team: hooks.slack.com answered HTTP 503', true, 503);
    }, [ref]);
    assert.deepEqual([retry.outcome, await entries()], ['failed', []]);
    const refused = await deliver(async () => {
      throw new ChannelError('channel team: hooks.slack.com answered HTTP 404 (not retryable)', false, 404);
    }, [ref]);
    assert.equal(refused.outcome, 'refused');
    const [entry] = await entries();
    assert.match(entry!.summary, /^degraded refused by channel team: one — NOT delivered: channel team: hooks\.slack\.com answered HTTP 404/);
  });
});
