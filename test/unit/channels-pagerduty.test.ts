import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { dedupKey, sendPagerDuty, type PagerDutyEvent } from '../../engine/notify/channels/pagerduty.js';
import { ChannelError } from '../../engine/notify/channels/types.js';
import { configFolder, degradedEvent, recoveredEvent, ROUTING_KEY } from '../helpers/channel-events.js';
import { eventErrors, startPagerDuty, type PagerDutyStandIn } from '../helpers/pagerduty.js';

describe('PagerDuty channel (Events API v2)', () => {
  let pd: PagerDutyStandIn;
  let cfg: ReturnType<typeof configFolder>;
  const spec = () => ({ type: 'pagerduty' as const, routing_key_file: 'secrets/pd-key', url: pd.url });

  beforeEach(async () => {
    pd = await startPagerDuty({ routingKey: ROUTING_KEY });
    cfg = configFolder({ 'pd-key': `${ROUTING_KEY}\n` });
    // The file lives in a sub-folder named relative to the config folder.
    mkdirSync(path.join(cfg.dir, 'secrets'), { mode: 0o700 });
    renameSync(path.join(cfg.dir, 'pd-key'), path.join(cfg.dir, 'secrets', 'pd-key'));
  });
  afterEach(async () => {
    await pd.close();
    cfg.cleanup();
  });

  it('a degraded model triggers an incident with the full payload, and healthy again resolves it', async () => {
    const d1 = await sendPagerDuty('pager', spec(), { event: degradedEvent() }, { configDir: cfg.dir, publicUrl: 'https://upkeep.example.com' });
    assert.deepEqual(d1, { channel: 'pager', type: 'pagerduty', status: 202, responseId: 'upkeep/churn/verdict', action: 'trigger' });
    assert.deepEqual(pd.received[0]!.errors, []);
    const body = pd.received[0]!.body as unknown as PagerDutyEvent;
    assert.equal(body.routing_key, ROUTING_KEY);
    assert.equal(body.event_action, 'trigger');
    assert.equal(body.dedup_key, 'upkeep/churn/verdict');
    assert.equal(body.client_url, 'https://upkeep.example.com/models/churn');
    const p = body.payload!;
    assert.equal(p.summary, 'churn is degraded');
    assert.equal(p.severity, 'error');
    assert.equal(p.source, 'upkeep/churn');
    assert.equal(p.component, 'churn');
    assert.equal(p.group, 'upkeep');
    assert.equal(p.class, 'degraded');
    assert.equal(p.timestamp, '2026-12-07T06:00:00.000Z');
    assert.equal(p.custom_details!.metric, 'roc_auc 0.7123 [0.6811, 0.7402]');
    assert.equal(p.custom_details!.threshold, 0.75);
    assert.equal(p.custom_details!.rows, 12345);
    assert.deepEqual(p.custom_details!.drifted, ['income psi 0.31 (threshold 0.2)', 'tenure wasserstein 0.12 (threshold 0.1)']);
    assert.equal(pd.incidents.get('upkeep/churn/verdict')?.status, 'triggered');

    // Failing next: the same incident, now critical (one incident per model and alert).
    await sendPagerDuty('pager', spec(), { event: degradedEvent({ kind: 'failing', title: 'churn is failing' }) }, { configDir: cfg.dir });
    assert.equal(pd.incidents.size, 1);
    assert.deepEqual(
      { ...pd.incidents.get('upkeep/churn/verdict')! },
      { dedupKey: 'upkeep/churn/verdict', status: 'triggered', summary: 'churn is failing', severity: 'critical', triggers: 2 },
    );

    const d3 = await sendPagerDuty('pager', spec(), { event: recoveredEvent() }, { configDir: cfg.dir });
    assert.equal(d3.action, 'resolve');
    assert.deepEqual(pd.received[2]!.body, { routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: 'upkeep/churn/verdict' });
    assert.equal(pd.incidents.get('upkeep/churn/verdict')?.status, 'resolved');
  });

  it('dedup keys: one per model and alert, a watchdog finding its own, other kinds per workflow, never over 255 characters', () => {
    assert.equal(dedupKey(degradedEvent({ modelId: 'fraud' })), 'upkeep/fraud/verdict');
    assert.equal(dedupKey(degradedEvent({ kind: 'watchdog', details: { kind: 'stale-evaluation', key: 'stale' } })), 'upkeep/churn/watchdog/stale-evaluation');
    assert.equal(dedupKey(degradedEvent({ kind: 'approval-requested', workflowId: 'retrain-churn-1' })), 'upkeep/churn/approval-requested/retrain-churn-1');
    const long = dedupKey(degradedEvent({ kind: 'failure', workflowId: 'w'.repeat(400) }));
    assert.equal(long.length, 255);
    assert.notEqual(long, dedupKey(degradedEvent({ kind: 'failure', workflowId: `${'w'.repeat(399)}x` })));
  });

  it('hostile text stays within the schema: a huge title is cut to 1024 characters, controls are dropped', async () => {
    const title = `churn \u0007is\r\ndegraded ${'x'.repeat(5000)}`;
    await sendPagerDuty('pager', spec(), { event: degradedEvent({ title, text: 'y'.repeat(100_000) }) }, { configDir: cfg.dir });
    assert.deepEqual(pd.received[0]!.errors, []);
    const p = (pd.received[0]!.body as unknown as PagerDutyEvent).payload!;
    assert.equal(p.summary.length, 1024);
    assert.match(p.summary, /^churn is degraded x+…$/);
    assert.ok((p.custom_details!.text as string).length <= 4000);
  });

  it('a digest triggers once with the latest event and lists every gathered one', async () => {
    const events = [
      degradedEvent({ at: '2026-12-07T06:00:00.000Z' }),
      degradedEvent({ kind: 'failing', title: 'churn is failing', at: '2026-12-07T07:00:00.000Z' }),
    ];
    await sendPagerDuty('pager', spec(), { event: events[1]!, digest: events }, { configDir: cfg.dir });
    assert.deepEqual(pd.received[0]!.errors, []);
    const p = (pd.received[0]!.body as unknown as PagerDutyEvent).payload!;
    assert.equal(p.severity, 'critical');
    assert.equal(p.summary, 'churn: 2 notifications (latest: churn is failing)');
    assert.deepEqual(
      (p.custom_details!.digest as { kind: string }[]).map((d) => d.kind),
      ['degraded', 'failing'],
    );
  });

  it("400 is refused with PagerDuty's reason, 429 and 5xx are retryable, and the key is never in a message", async () => {
    const other = configFolder({ 'pd-key': 'NOTAKEYNOTAKEYNOTAKEYNOTAKEY0001' });
    try {
      const err = await sendPagerDuty('pager', { ...spec(), routing_key_file: 'pd-key' }, { event: degradedEvent() }, { configDir: other.dir }).catch(
        (e: unknown) => e,
      );
      assert.ok(err instanceof ChannelError);
      assert.equal(err.retryable, false);
      assert.equal(err.status, 400);
      assert.match(
        err.message,
        /^channel pager: PagerDuty at 127\.0\.0\.1:\d+ answered HTTP 400 \(not retryable\): Event object is invalid; routing_key is not known$/,
      );
      assert.ok(!err.message.includes('NOTAKEY'));
    } finally {
      other.cleanup();
    }
    for (const status of [429, 500, 503]) {
      pd.answer = status;
      const err = await sendPagerDuty('pager', spec(), { event: degradedEvent() }, { configDir: cfg.dir }).catch((e: unknown) => e);
      assert.ok(err instanceof ChannelError && err.retryable && err.status === status, String(err));
      assert.ok(!err.message.includes(ROUTING_KEY));
    }
  });

  it('a receiver that hangs times out (retryable); a redirect is not followed to another host', async () => {
    pd.answer = 'hang';
    const t0 = Date.now();
    const err = await sendPagerDuty('pager', spec(), { event: degradedEvent() }, { configDir: cfg.dir, timeoutMs: 300 }).catch((e: unknown) => e);
    assert.ok(err instanceof ChannelError && err.retryable);
    assert.match(err.message, /timed out after 300 ms/);
    assert.ok(Date.now() - t0 < 5000);

    let hits = 0;
    const elsewhere: Server = createServer((_req, res) => {
      hits++;
      res.end('{}');
    });
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.2', r));
    try {
      pd.answer = { redirect: `http://127.0.0.2:${(elsewhere.address() as AddressInfo).port}/v2/enqueue` };
      const red = await sendPagerDuty('pager', spec(), { event: degradedEvent() }, { configDir: cfg.dir }).catch((e: unknown) => e);
      assert.ok(red instanceof ChannelError && !red.retryable);
      assert.match(red.message, /answered HTTP 307, a redirect to 127\.0\.0\.2:\d+ \(not followed/);
      assert.equal(hits, 0);
    } finally {
      elsewhere.close();
    }
  });

  it('an answer that drips slowly is cut off at the deadline; a huge answer is read only in part', async () => {
    let timer: NodeJS.Timeout | undefined;
    const server: Server = createServer((req, res) => {
      req.resume();
      res.writeHead(202, { 'content-type': 'application/json' });
      if (req.url === '/slow') timer = setInterval(() => res.write(' '), 50);
      else res.end(JSON.stringify({ status: 'success', dedup_key: 'upkeep/churn/verdict', pad: 'p'.repeat(2_000_000) }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const t0 = Date.now();
      const slow = await sendPagerDuty('pager', { ...spec(), url: `${base}/slow` }, { event: degradedEvent() }, { configDir: cfg.dir, timeoutMs: 300 }).catch(
        (e: unknown) => e,
      );
      assert.ok(slow instanceof ChannelError && slow.retryable, String(slow));
      assert.match(slow.message, /reading the answer failed: timed out after 300 ms/);
      assert.ok(Date.now() - t0 < 3000);
      const huge = await sendPagerDuty('pager', { ...spec(), url: `${base}/huge` }, { event: degradedEvent() }, { configDir: cfg.dir });
      // The answer's key is not in the first 8 KiB's complete JSON: ours stands.
      assert.equal(huge.responseId, 'upkeep/churn/verdict');
    } finally {
      clearInterval(timer);
      server.closeAllConnections();
      server.close();
    }
  });

  it('the routing key goes over https only (http to this machine alone)', async () => {
    const err = await sendPagerDuty(
      'pager',
      { ...spec(), url: 'http://events.example.com/v2/enqueue' },
      { event: degradedEvent() },
      { configDir: cfg.dir },
    ).catch((e: unknown) => e);
    assert.ok(err instanceof ChannelError && !err.retryable);
    assert.equal(err.message, 'channel pager: url must be https (host events.example.com); http only to this machine');
  });

  it('the routing key file: relative to the config folder, refused when others may read it, when missing or more than one line', async () => {
    const file = path.join(cfg.dir, 'secrets', 'pd-key');
    chmodSync(file, 0o644);
    const open = await sendPagerDuty('pager', spec(), { event: degradedEvent() }, { configDir: cfg.dir }).catch((e: unknown) => e);
    assert.ok(open instanceof ChannelError && !open.retryable);
    assert.equal(open.message, `channel pager: routing_key_file ${file} may be read or written by others (mode 0644): chmod 600 ${file}`);
    const missing = await sendPagerDuty('pager', { ...spec(), routing_key_file: 'nope' }, { event: degradedEvent() }, { configDir: cfg.dir }).catch(
      (e: unknown) => e,
    );
    assert.ok(missing instanceof ChannelError);
    assert.equal(missing.message, `channel pager: routing_key_file ${path.join(cfg.dir, 'nope')}: no such file`);
    const two = configFolder({ k: `${ROUTING_KEY}\nsecond line` });
    try {
      const err = await sendPagerDuty('pager', { ...spec(), routing_key_file: 'k' }, { event: degradedEvent() }, { configDir: two.dir }).catch(
        (e: unknown) => e,
      );
      assert.ok(err instanceof ChannelError);
      assert.match(err.message, /holds more than one line/);
      assert.ok(!err.message.includes(ROUTING_KEY));
    } finally {
      two.cleanup();
    }
    assert.equal(pd.received.length, 0);
  });

  it('the stand-in refuses what PagerDuty refuses', () => {
    assert.deepEqual(
      eventErrors({ routing_key: ROUTING_KEY, event_action: 'trigger', dedup_key: 'k', payload: { summary: 's', source: 'x', severity: 'error' } }),
      [],
    );
    assert.ok(
      eventErrors({ routing_key: ROUTING_KEY, event_action: 'trigger', payload: { summary: 's', source: 'x', severity: 'high' } }).some((e) =>
        e.includes('severity'),
      ),
    );
    assert.ok(eventErrors({ routing_key: ROUTING_KEY, event_action: 'resolve' }).some((e) => e.includes('dedup_key is required')));
    assert.ok(
      eventErrors({ routing_key: ROUTING_KEY, event_action: 'trigger', payload: { summary: 'x'.repeat(1025), source: 'x', severity: 'info' } }).length > 0,
    );
  });
});
