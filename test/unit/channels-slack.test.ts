import assert from 'node:assert/strict';
import { chmodSync } from 'node:fs';
import path from 'node:path';

import { checkChannel, sendToChannel } from '../../engine/notify/channels/index.js';
import { sendSlack, slackMessage, SLACK_LIMITS } from '../../engine/notify/channels/slack.js';
import { ChannelError } from '../../engine/notify/channels/types.js';
import { configFolder, degradedEvent, ROUTING_KEY } from '../helpers/channel-events.js';
import { startPagerDuty } from '../helpers/pagerduty.js';
import { blockKitErrors, startSlack, type SlackStandIn } from '../helpers/slack.js';
import { startSmtp } from '../helpers/smtp.js';

type Block = {
  type: string;
  text?: { type: string; text: string };
  fields?: { type: string; text: string }[];
  elements?: { type: string; text: unknown; url?: string }[];
};

describe('Slack channel (Block Kit)', () => {
  let slack: SlackStandIn;
  let cfg: ReturnType<typeof configFolder>;
  const spec = { type: 'slack' as const, webhook_file: 'slack-url' };

  beforeEach(async () => {
    slack = await startSlack();
    cfg = configFolder({ 'slack-url': `${slack.url}\n` });
  });
  afterEach(async () => {
    await slack.close();
    cfg.cleanup();
  });

  it("a degraded model posts a header, its text, the picture's numbers as fields, the drifted columns and a link, with a fallback text", async () => {
    const d = await sendSlack('ml-slack', spec, { event: degradedEvent() }, { configDir: cfg.dir, publicUrl: 'https://upkeep.example.com' });
    assert.deepEqual(d, { channel: 'ml-slack', type: 'slack', status: 200, responseId: 'req-1' });
    const post = slack.posts[0]!;
    assert.equal(post.path, '/services/T000/B000/s3cretWebhookPath');
    assert.deepEqual(post.errors, []);
    const blocks = post.body.blocks as Block[];
    assert.deepEqual(
      blocks.map((b) => b.type),
      ['header', 'section', 'section', 'section', 'context', 'actions'],
    );
    assert.equal(blocks[0]!.text!.text, 'churn is degraded');
    assert.deepEqual(
      blocks[2]!.fields!.map((f) => f.text),
      ['Verdict\ndegraded', 'Metric\nroc_auc 0.7123 [0.6811, 0.7402]', 'Threshold\n0.75', 'Rows\n12,345', 'Drifted columns\n2'],
    );
    assert.equal(blocks[3]!.text!.text, 'Drifted columns\n• income psi 0.31 (threshold 0.2)\n• tenure wasserstein 0.12 (threshold 0.1)');
    assert.equal(blocks[5]!.elements![0]!.url, 'https://upkeep.example.com/models/churn');
    assert.equal(post.body.text, '*churn is degraded*\nroc_auc 0.71 is below the threshold 0.75\nReport: file:///store/churn/reports/2026-12-07.md');
  });

  it('hostile input: mrkdwn, mentions and controls cannot format or ping; huge texts and many columns stay within Block Kit limits', () => {
    const columns = Array.from({ length: 500 }, (_, i) => ({
      column: `*col_${i}* <!channel> ${'w'.repeat(3000)}`,
      score: i / 500,
      test: 'psi',
      threshold: 0.1,
    }));
    const event = degradedEvent({
      title: `<!channel> *urgent* ${'T'.repeat(500)}`,
      text: `<@U123> click <https://evil.example|here>\u0007\u202e ${'x'.repeat(50_000)}`,
      modelId: 'churn',
      to: Array.from({ length: 300 }, (_, i) => `person${i}@example.com`),
      details: { verdict: 'degraded', metric: 'm'.repeat(5000), value: 1, drifted: columns },
    });
    const msg = slackMessage({ event });
    assert.deepEqual(blockKitErrors(msg), []);
    const blocks = msg.blocks as Block[];
    // Everything from people or data is plain_text: no mrkdwn to parse, no <!channel> to expand.
    for (const b of blocks) {
      for (const t of [b.text, ...(b.fields ?? []), ...((b.elements ?? []) as { type: string }[])].filter(Boolean))
        assert.notEqual((t as { type: string }).type, 'mrkdwn');
    }
    assert.equal(blocks[0]!.text!.text.length, SLACK_LIMITS.header);
    assert.ok(!JSON.stringify(msg).includes('\\u0007') && !JSON.stringify(msg).includes('\u202e'));
    // The fallback text is mrkdwn, escaped: no mention, no link.
    assert.ok(!msg.text.includes('<!channel>') && !msg.text.includes('<@U123>') && !msg.text.includes('<https://'));
    assert.ok(msg.text.length <= 3000);
    assert.match(blocks.find((b) => b.text?.text.startsWith('Drifted columns'))!.text!.text, /… and 492 more$/);
  });

  it('a digest lists its events newest first, within 50 blocks, saying how many were gathered', async () => {
    const events = Array.from({ length: 80 }, (_, i) => degradedEvent({ title: `window ${i}`, at: new Date(Date.UTC(2026, 11, 1, i)).toISOString() }));
    await sendSlack('ml-slack', spec, { event: events.at(-1)!, digest: events }, { configDir: cfg.dir });
    const post = slack.posts[0]!;
    assert.deepEqual(post.errors, []);
    const blocks = post.body.blocks as Block[];
    assert.ok(blocks.length <= 50);
    assert.equal(blocks[0]!.text!.text, 'churn: 80 notifications (latest: window 79)');
    assert.match(blocks[1]!.text!.text, /window 79$/);
    const context = blocks.at(-1)!;
    assert.equal(context.type, 'context');
    assert.match(JSON.stringify(context.elements), /80 notifications gathered, the \d+ latest shown/);
    assert.ok((post.body.text as string).split('\n').length > 1);
  });

  it('Slack refusing (400) is not retried, 429/5xx and a hang are; the webhook path never appears in a message', async () => {
    slack.answer = 400;
    const refused = await sendSlack('ml-slack', spec, { event: degradedEvent() }, { configDir: cfg.dir }).catch((e: unknown) => e);
    assert.ok(refused instanceof ChannelError && !refused.retryable && refused.status === 400);
    assert.match(refused.message, /^channel ml-slack: Slack at 127\.0\.0\.1:\d+ answered HTTP 400 \(not retryable\)$/);
    for (const status of [429, 502]) {
      slack.answer = status;
      const err = await sendSlack('ml-slack', spec, { event: degradedEvent() }, { configDir: cfg.dir }).catch((e: unknown) => e);
      assert.ok(err instanceof ChannelError && err.retryable, String(err));
      assert.ok(!err.message.includes('s3cret'));
    }
    slack.answer = 'hang';
    const hung = await sendSlack('ml-slack', spec, { event: degradedEvent() }, { configDir: cfg.dir, timeoutMs: 250 }).catch((e: unknown) => e);
    assert.ok(hung instanceof ChannelError && hung.retryable);
    assert.match(hung.message, /timed out after 250 ms/);
  });

  it('the webhook file: https only (http on this machine), only its owner may read it', async () => {
    const plain = configFolder({ u: 'http://hooks.slack.example/services/T/B/secretpath' });
    try {
      const err = await sendSlack('ml-slack', { type: 'slack', webhook_file: 'u' }, { event: degradedEvent() }, { configDir: plain.dir }).catch(
        (e: unknown) => e,
      );
      assert.ok(err instanceof ChannelError && !err.retryable);
      assert.equal(err.message, 'channel ml-slack: the Slack webhook URL must be https (host hooks.slack.example)');
    } finally {
      plain.cleanup();
    }
    chmodSync(path.join(cfg.dir, 'slack-url'), 0o640);
    const open = await sendSlack('ml-slack', spec, { event: degradedEvent() }, { configDir: cfg.dir }).catch((e: unknown) => e);
    assert.ok(open instanceof ChannelError);
    assert.match(open.message, /webhook_file .* may be read or written by others \(mode 0640\): chmod 600/);
    assert.ok(!open.message.includes('s3cret'));
    assert.equal(slack.posts.length, 0);
  });
});

describe('sendToChannel', () => {
  it('delivers by the channel type: one degraded event to Slack, email and PagerDuty', async () => {
    const slack = await startSlack();
    const pd = await startPagerDuty({ routingKey: ROUTING_KEY });
    const smtp = await startSmtp();
    const cfg = configFolder({ slack: slack.url, pd: ROUTING_KEY });
    try {
      const event = degradedEvent();
      const got = [
        await sendToChannel('s', { type: 'slack', webhook_file: 'slack' }, { event }, { configDir: cfg.dir }),
        await sendToChannel('p', { type: 'pagerduty', routing_key_file: 'pd', url: pd.url }, { event }, { configDir: cfg.dir }),
        await sendToChannel('e', { type: 'email', smtp: smtp.url, from: 'upkeep@example.com', to: [] }, { event }, { configDir: cfg.dir }),
      ];
      assert.deepEqual(
        got.map((d) => [d.channel, d.type, d.status]),
        [
          ['s', 'slack', 200],
          ['p', 'pagerduty', 202],
          ['e', 'email', 250],
        ],
      );
      assert.equal(slack.posts.length + pd.received.length + smtp.mails.length, 3);
    } finally {
      await Promise.all([slack.close(), pd.close(), smtp.close()]);
      cfg.cleanup();
    }
  });
});

describe('checkChannel', () => {
  it('finds what keeps a channel from delivering without sending anything: secrets, URLs, addresses', async () => {
    const cfg = configFolder({ pd: ROUTING_KEY, short: 'abc', slack: 'https://hooks.slack.com/services/T/B/x', plain: 'http://hooks.example/x', pw: 'pw' });
    chmodSync(path.join(cfg.dir, 'pw'), 0o604);
    try {
      const check = (name: string, spec: Parameters<typeof checkChannel>[1]) => checkChannel(name, spec, cfg.dir);
      assert.equal(await check('p', { type: 'pagerduty', routing_key_file: 'pd' }), undefined);
      assert.equal(
        await check('p', { type: 'pagerduty', routing_key_file: 'short' }),
        'channel p: routing_key_file does not hold an Events API v2 integration key (32 letters and digits, found 3 characters)',
      );
      assert.equal(
        await check('p', { type: 'pagerduty', routing_key_file: 'pd', url: 'http://relay.example/v2/enqueue' }),
        'channel p: url must be https (host relay.example); http only to this machine',
      );
      assert.equal(await check('s', { type: 'slack', webhook_file: 'slack' }), undefined);
      assert.equal(await check('s', { type: 'slack', webhook_file: 'plain' }), 'channel s: the Slack webhook URL must be https (host hooks.example)');
      assert.match((await check('s', { type: 'slack', webhook_file: 'missing' }))!, /^channel s: webhook_file \S+missing: no such file$/);
      const email = { type: 'email' as const, smtp: 'smtp://mail.example.com', from: 'upkeep@example.com', to: ['a@example.com'] };
      assert.equal(await check('e', email), undefined);
      assert.equal(await check('e', { ...email, from: 'upkeep' }), 'channel e: from is not an email address');
      assert.match(
        (await check('e', { ...email, user: 'u', password_file: 'pw' }))!,
        /^channel e: password_file \S+pw may be read or written by others \(mode 0604\)/,
      );
    } finally {
      cfg.cleanup();
    }
  });
});
