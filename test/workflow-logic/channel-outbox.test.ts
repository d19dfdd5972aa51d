/**
 * Routed notifications in workflow time (docs/channels.md "Quiet hours", "Digests"), on the
 * time-skipping test server: the real routing and delivery activities over a file store, with a
 * fake channel sender. A digested channel gets the first event at once and the rest of its period
 * as one digest; quiet hours hold a channel (not an exempt one) until they end; a failing channel's
 * retries never send another channel's message again; every delivery is one audit entry.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createChannelActivities } from '../../activities/channels.js';
import { createTrailActivities } from '../../activities/trail.js';
import { activityAttempt } from '../../activities/index.js';
import { parseConfig } from '../../engine/config/load.js';
import { auditEntriesPrefix } from '../../engine/store/keys.js';
import { createFileStore } from '../../engine/store/file-store.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import { ChannelError, type ChannelMessage, type ChannelSender } from '../../engine/notify/channels/types.js';
import type { ChannelOutboxInput } from '../../domain/channel-outbox.js';
import type { AuditEntry, NotificationEvent, StagedNotification } from '../../domain/maintenance.js';
import { modelYaml } from '../helpers/config-text.js';
import { HOUR, timeSkippingOrSkip, uniqueId, withWorkers, type TimeSkipping } from '../helpers/time-skipping.js';
import { waitFor } from '../helpers/wait.js';

const hhmm = (ms: number): string => new Date(ms).toISOString().slice(11, 16);

describe('workflow logic: channel outboxes, quiet hours and digests (time-skipping server)', function () {
  this.timeout(120_000);
  let t: TimeSkipping;
  let dir: string;
  let store: ArtifactStore;
  before(async function () {
    this.timeout(180_000);
    t = await timeSkippingOrSkip(this);
  });
  after(async () => t?.env.teardown());
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-outbox-'));
    store = createFileStore(path.join(dir, 'store'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The activities over this test's store and config, with `send` as the channels' transport; outboxes started on `taskQueue`. */
  function activities(notify: string, taskQueue: string, send: ChannelSender) {
    const config = parseConfig(`notify:\n${notify}\nmodels:${modelYaml({ id: 'churn' })}`, { name: 'upkeep.yaml', baseDir: dir });
    const deps = {
      store,
      loadConfig: async () => ({ ...config, name: 'upkeep.yaml' }),
      attempt: activityAttempt,
      channelSender: send,
      toOutbox: async (workflowId: string, input: ChannelOutboxInput, ref: StagedNotification) => {
        await t.env.client.workflow.signalWithStart('channelOutbox', { workflowId, taskQueue, args: [input], signal: 'channelEvent', signalArgs: [ref] });
      },
    };
    const all = { ...createTrailActivities(deps), ...createChannelActivities(deps) };
    return all;
  }

  const CHANNELS = `  channels:
    pager: { type: pagerduty, routing_key_file: pd-key }
    team: { type: email, smtp: "smtp://mail.example.com:25", from: upkeep@example.com, to: [team@example.com] }`;

  let n = 0;
  const event = (kind: NotificationEvent['kind'], at: number): NotificationEvent => ({
    kind,
    modelId: 'churn',
    to: ['owner@example.com'],
    title: `churn ${kind} #${++n}`,
    text: '',
    at: new Date(at).toISOString(),
  });

  /** A sender that records what each channel got, and when (the server's skipped clock). */
  function recorder(fail: Record<string, number> = {}) {
    const got: { channel: string; titles: string[]; at: number }[] = [];
    const tries: Record<string, number> = {};
    const send: ChannelSender = async (name, spec, message: ChannelMessage) => {
      tries[name] = (tries[name] ?? 0) + 1;
      if ((fail[name] ?? 0) >= tries[name]!) throw new ChannelError(`channel ${name}: mail.example.com answered 451`, true, 451);
      got.push({ channel: name, titles: (message.digest ?? [message.event]).map((e) => e.title), at: Date.now() });
      return { channel: name, type: spec.type, status: 250, responseId: `m${got.length}` };
    };
    return { got, tries, send };
  }

  /** The model's `notified` entries, as the store holds them. */
  async function notified(): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    for (const key of await store.list(auditEntriesPrefix('churn', 'notifications')))
      out.push(JSON.parse(new TextDecoder().decode(await store.get(key))) as AuditEntry);
    return out;
  }

  const outbox = (channel: string) => t.env.client.workflow.getHandle(`upkeep-channel/churn/${channel}`);

  it('sends the first event at once and the rest of the period as one digest, at most one message per period', async function () {
    const taskQueue = uniqueId('outbox-digest');
    const r = recorder();
    const a = activities(`${CHANNELS}\n  routes: [{ channels: [team, pager] }]\n  digest: { every: 1h }`, taskQueue, r.send);
    await withWorkers(t, taskQueue, a, async () => {
      const t0 = await t.env.currentTimeMs();
      assert.deepEqual(await a.routeNotification({ event: event('degraded', t0) }), { channels: ['team', 'pager'] });
      await waitFor('the first message', async () => (r.got.filter((g) => g.channel === 'team').length === 1 ? true : undefined), { timeoutMs: 20_000 });
      for (const kind of ['approval-requested', 'reminder', 'failing'] as const) await a.routeNotification({ event: event(kind, t0) });
      const team = await outbox('team').result();
      await outbox('pager').result();
      assert.deepEqual(team, { sent: 2 });
      const teamGot = r.got.filter((g) => g.channel === 'team');
      assert.deepEqual(
        teamGot.map((g) => g.titles),
        [['churn degraded #1'], ['churn approval-requested #2', 'churn reminder #3', 'churn failing #4']],
      );
      // PagerDuty is not digested: four messages, in order.
      assert.equal(r.got.filter((g) => g.channel === 'pager').length, 4);
    });
    const entries = await notified();
    assert.equal(entries.filter((e) => e.details?.channel === 'team').length, 2);
    const digest = entries.find((e) => Array.isArray(e.details?.digest))!;
    assert.match(
      digest.summary,
      /^digest of 3 events \(approval-requested, reminder, failing\) sent to channel team: churn failing #4 \(email 250, id m\d, attempt 1\)$/,
    );
    assert.deepEqual((digest.details!.delivery as Record<string, unknown>).events, 3);
  });

  it('holds a quiet channel until its quiet hours end (not the exempt pager), and retries a failing channel without re-sending the other', async function () {
    const taskQueue = uniqueId('outbox-quiet');
    const r = recorder({ pager: 2 });
    const now = await t.env.currentTimeMs();
    // Quiet from an hour ago until three hours from now (UTC, to the minute).
    const quiet = `  quiet_hours: { from: "${hhmm(now - HOUR)}", to: "${hhmm(now + 3 * HOUR)}", timezone: UTC, except: [pager] }`;
    const a = activities(`${CHANNELS}\n  routes: [{ channels: [team, pager], on: [degraded] }]\n${quiet}`, taskQueue, r.send);
    const planned: string[] = [];
    const plan = a.planChannel;
    a.planChannel = async (input) => {
      planned.push(`${input.channel} ${input.at}`);
      return plan(input);
    };
    await withWorkers(t, taskQueue, a, async () => {
      assert.deepEqual(await a.routeNotification({ event: event('approval-requested', now) }), { channels: [] });
      await a.routeNotification({ event: event('degraded', now) });
      await outbox('pager').result();
      await outbox('team').result();
    });
    // The pager got it after two retryable failures (3 tries); the team's one try was never repeated.
    assert.deepEqual(r.tries, { pager: 3, team: 1 });
    // The team's outbox slept until the quiet hours ended, then asked again and delivered.
    const teamPlans = planned.filter((p) => p.startsWith('team ')).map((p) => Date.parse(p.slice(5)));
    assert.equal(teamPlans.length, 2);
    const end = Date.parse(`${new Date(now + 3 * HOUR).toISOString().slice(0, 16)}:00Z`);
    assert.ok(
      teamPlans[1]! >= end && teamPlans[1]! < end + 60_000,
      `planned again at ${new Date(teamPlans[1]!).toISOString()}, quiet until ${new Date(end).toISOString()}`,
    );
    const entries = await notified();
    assert.deepEqual(entries.map((e) => [e.details?.channel, (e.details?.delivery as { attempt: number }).attempt]).sort(), [
      ['pager', 3],
      ['team', 1],
    ]);
  });

  it('gathers what arrives during the quiet hours of a digested channel into one message when they end', async function () {
    const taskQueue = uniqueId('outbox-night');
    const r = recorder();
    const now = await t.env.currentTimeMs();
    const quiet = `  quiet_hours: { from: "${hhmm(now - HOUR)}", to: "${hhmm(now + 5 * HOUR)}", timezone: UTC }`;
    const a = activities(`${CHANNELS}\n  routes: [{ channels: [team] }]\n${quiet}\n  digest: { every: 1h }`, taskQueue, r.send);
    await withWorkers(t, taskQueue, a, async () => {
      for (const kind of ['degraded', 'approval-requested', 'reminder'] as const) await a.routeNotification({ event: event(kind, now) });
      assert.deepEqual(await outbox('team').result(), { sent: 1 });
    });
    assert.deepEqual(
      r.got.map((g) => g.titles.length),
      [3],
    );
  });
});
