import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { createNotifier, notificationText, webhookPayload, WebhookError } from '../../engine/notify/notify.js';
import type { NotificationEvent } from '../../domain/maintenance.js';

interface Received {
  method: string;
  url: string;
  contentType: string | undefined;
  key: string | undefined;
  body: string;
}

/** A webhook receiver on 127.0.0.1 and a free port, answering every request with `handler`. */
async function startReceiver(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        contentType: req.headers['content-type'],
        key: req.headers['idempotency-key'] as string | undefined,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      handler(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/T000/B000?token=s3cret`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const answer =
  (status: number, body = '') =>
  (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(body);
  };

function event(over: Partial<NotificationEvent> = {}): NotificationEvent {
  return {
    kind: 'approval-requested',
    modelId: 'churn',
    to: ['a@x', 'b@y'],
    title: 'Retrain churn? roc_auc fell to 0.71',
    text: 'roc_auc 0.71 is below the minimum 0.75.\nApprove with `upkeep approve churn`.',
    at: '2026-03-01T06:00:00.000Z',
    workflowId: 'upkeep-retrain-churn',
    details: { metric: 'roc_auc', value: 0.71 },
    ...over,
  };
}

async function rejection(p: Promise<unknown>): Promise<WebhookError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof WebhookError, `expected a WebhookError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected send to throw');
}

describe('notifications', () => {
  describe('payload', () => {
    it('has a Slack-compatible text with the bold title, the body and the recipients', () => {
      const text = notificationText(event());
      assert.equal(text, '*Retrain churn? roc_auc fell to 0.71*\nroc_auc 0.71 is below the minimum 0.75.\nApprove with `upkeep approve churn`.\nTo: a@x, b@y');
    });

    it('escapes Slack control characters in the title and keeps it on one line', () => {
      assert.equal(notificationText(event({ title: 'a < b & c\n> d', text: '', to: [] })), '*a &lt; b &amp; c &gt; d*');
    });

    it('carries the event fields and leaves absent ones out', () => {
      const p = webhookPayload(event({ workflowId: undefined, details: undefined }));
      assert.deepEqual(Object.keys(p).sort(), ['at', 'kind', 'modelId', 'text', 'title', 'to']);
      assert.equal(p.kind, 'approval-requested');
    });
  });

  describe('send', () => {
    let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
    afterEach(async () => {
      await receiver?.close();
      receiver = undefined;
    });

    it('logs one line and POSTs the JSON payload', async () => {
      receiver = await startReceiver(answer(200, 'ok'));
      const lines: string[] = [];
      const notifier = createNotifier({ webhook: receiver.url, log: (l) => lines.push(l) });

      const delivery = await notifier.send(event());

      assert.deepEqual(delivery, { logged: true, webhook: 'sent', status: 200 });
      assert.deepEqual(lines, ['[upkeep] approval-requested churn → a@x, b@y: Retrain churn? roc_auc fell to 0.71']);
      assert.equal(receiver.received.length, 1);
      const [req] = receiver.received;
      assert.equal(req!.method, 'POST');
      assert.equal(req!.url, '/hooks/T000/B000?token=s3cret');
      assert.match(req!.contentType ?? '', /^application\/json/);
      const body = JSON.parse(req!.body) as Record<string, unknown>;
      assert.equal(body.kind, 'approval-requested');
      assert.equal(body.modelId, 'churn');
      assert.deepEqual(body.to, ['a@x', 'b@y']);
      assert.equal(body.workflowId, 'upkeep-retrain-churn');
      assert.deepEqual(body.details, { metric: 'roc_auc', value: 0.71 });
      assert.ok(typeof body.text === 'string' && body.text.includes('Retrain churn? roc_auc fell to 0.71'));
    });

    it('sends the same Idempotency-Key on every attempt for one event, and another for another event', async () => {
      let calls = 0;
      receiver = await startReceiver((req, res) => answer(++calls === 1 ? 503 : 200)(req, res));
      const notifier = createNotifier({ webhook: receiver.url, log: () => {} });
      await rejection(notifier.send(event()));
      await notifier.send(event());
      await notifier.send(event({ kind: 'reminder', at: '2026-03-02T06:00:00.000Z' }));
      const keys = receiver.received.map((r) => r.key);
      assert.match(keys[0] ?? '', /^[0-9a-f]{32}$/);
      assert.equal(keys[1], keys[0], 'a retry carries the same key');
      assert.notEqual(keys[2], keys[0], 'another event has another key');
    });

    it('throws a retryable error on 500, naming the host but not the path or query', async () => {
      receiver = await startReceiver(answer(500, 'boom'));
      const lines: string[] = [];
      const err = await rejection(createNotifier({ webhook: receiver.url, log: (l) => lines.push(l) }).send(event()));
      assert.equal(err.retryable, true);
      assert.equal(err.status, 500);
      assert.match(err.message, /127\.0\.0\.1:\d+/);
      assert.match(err.message, /500/);
      assert.doesNotMatch(err.message, /s3cret|hooks|B000/);
      assert.equal(lines.length, 1, 'logged before the attempt');
    });

    for (const status of [408, 429, 503]) {
      it(`treats ${status} as retryable`, async () => {
        receiver = await startReceiver(answer(status));
        const err = await rejection(createNotifier({ webhook: receiver.url, log: () => {} }).send(event()));
        assert.equal(err.retryable, true);
        assert.equal(err.status, status);
      });
    }

    it('throws a non-retryable error on 404', async () => {
      receiver = await startReceiver(answer(404, 'no such hook: /hooks/T000/B000'));
      const err = await rejection(createNotifier({ webhook: receiver.url, log: () => {} }).send(event()));
      assert.equal(err.retryable, false);
      assert.equal(err.status, 404);
      assert.doesNotMatch(err.message, /s3cret|hooks/);
    });

    it('does not follow a redirect (a POST must not become a GET elsewhere)', async () => {
      receiver = await startReceiver((_req, res) => {
        res.writeHead(302, { location: '/elsewhere' });
        res.end();
      });
      const err = await rejection(createNotifier({ webhook: receiver.url, log: () => {} }).send(event()));
      assert.equal(err.retryable, false);
      assert.equal(err.status, 302);
      assert.equal(receiver.received.length, 1);
    });

    it('only logs when no webhook is configured', async () => {
      const lines: string[] = [];
      let calls = 0;
      const notifier = createNotifier({
        log: (l) => lines.push(l),
        fetch: (async () => {
          calls++;
          return new Response(null, { status: 200 });
        }) as typeof fetch,
      });
      assert.deepEqual(await notifier.send(event({ to: [] })), { logged: true, webhook: 'none' });
      assert.deepEqual(lines, ['[upkeep] approval-requested churn: Retrain churn? roc_auc fell to 0.71']);
      assert.equal(calls, 0);
    });

    it('throws a retryable error when the connection is refused', async () => {
      const closed = await startReceiver(answer(200));
      const url = closed.url;
      await closed.close();
      const err = await rejection(createNotifier({ webhook: url, log: () => {} }).send(event()));
      assert.equal(err.retryable, true);
      assert.equal(err.status, undefined);
      assert.match(err.message, /ECONNREFUSED/);
      assert.doesNotMatch(err.message, /s3cret/);
    });

    it('throws a retryable error when the receiver does not answer in time', async () => {
      receiver = await startReceiver(() => {
        // never answers
      });
      const err = await rejection(createNotifier({ webhook: receiver.url, log: () => {}, timeoutMs: 100 }).send(event()));
      assert.equal(err.retryable, true);
      assert.match(err.message, /timed out after 100 ms/);
    });

    it('refuses a webhook that is not an http(s) URL, without echoing it', () => {
      assert.throws(
        () => createNotifier({ webhook: 'not a url?token=s3cret', log: () => {} }),
        (err: Error) => !err.message.includes('s3cret'),
      );
      assert.throws(() => createNotifier({ webhook: 'ftp://example.com/x', log: () => {} }), /http or https/);
    });
  });
});

describe('the log line of an evaluation', () => {
  it('says plainly that a verdict was judged on the estimate, and when a window was evaluated again with its matured labels', async () => {
    const { verdictLine } = await import('../../engine/notify/notify.js');
    const details = { verdict: 'degraded', reasons: ['estimated roc_auc 0.65 < 0.72'], report: 'file:///r.json', windowEnd: '2026-10-01T06:00:00.000Z' };
    assert.equal(
      verdictLine({ modelId: 'churn', kind: 'evaluation', details: { ...details, basis: 'estimated' } }),
      '[upkeep] churn: degraded (estimated: too few labels known yet) — estimated roc_auc 0.65 < 0.72 (report file:///r.json)',
    );
    assert.equal(
      verdictLine({ modelId: 'churn', kind: 'evaluation', details: { ...details, reasons: ['roc_auc 0.70 < 0.72'], matured: { entry: 'x' } } }),
      '[upkeep] churn: degraded (labels matured for the window ending 2026-10-01T06:00:00.000Z) — roc_auc 0.70 < 0.72 (report file:///r.json)',
    );
    assert.equal(
      verdictLine({ modelId: 'churn', kind: 'evaluation', details }),
      '[upkeep] churn: degraded — estimated roc_auc 0.65 < 0.72 (report file:///r.json)',
    );
  });
});
