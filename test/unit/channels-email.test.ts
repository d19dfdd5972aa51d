import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

import { sendEmail } from '../../engine/notify/channels/email.js';
import { ChannelError } from '../../engine/notify/channels/types.js';
import { configFolder, degradedEvent } from '../helpers/channel-events.js';
import { makeCert, startSmtp, type SmtpStandIn, type TestCert } from '../helpers/smtp.js';

const PASSWORD = 'pa55-w0rd-Secret';

describe('email channel (SMTP)', function () {
  let cert: TestCert | undefined;
  let cfg: ReturnType<typeof configFolder>;
  const servers: SmtpStandIn[] = [];
  const start = async (o: Parameters<typeof startSmtp>[0]): Promise<SmtpStandIn> => {
    const s = await startSmtp(o);
    servers.push(s);
    return s;
  };
  const spec = (smtp: string, over: Record<string, unknown> = {}) => ({
    type: 'email' as const,
    smtp,
    from: 'upkeep@example.com',
    to: ['ml-team@example.com'],
    ...over,
  });

  before(function () {
    cert = makeCert();
  });
  beforeEach(() => {
    cfg = configFolder({ 'smtp-password': `${PASSWORD}\n` });
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    cfg.cleanup();
  });
  const needCert = (ctx: Mocha.Context): TestCert => {
    if (!cert) ctx.skip();
    return cert!;
  };

  it('mail arrives with the title as subject, text and HTML bodies carrying the numbers, to the channel and the people who are addresses', async () => {
    const smtp = await start({});
    const d = await sendEmail('ml-team', spec(smtp.url), { event: degradedEvent() }, { configDir: cfg.dir, publicUrl: 'https://upkeep.example.com' });
    assert.equal(d.channel, 'ml-team');
    assert.equal(d.type, 'email');
    assert.equal(d.status, 250);
    assert.match(d.responseId ?? '', /^upkeep\.[0-9a-f]{32}@example\.com$/);
    assert.equal(smtp.mails.length, 1);
    const m = smtp.mails[0]!;
    assert.equal(m.from, 'upkeep@example.com');
    // `alice` is a person's id, not an address: the other channels reach her.
    assert.deepEqual(m.to, ['ml-team@example.com', 'owner@example.com']);
    assert.equal(m.subject, '[upkeep] churn is degraded');
    assert.equal(m.headers.get('message-id'), `<${d.responseId}>`);
    assert.equal(m.headers.get('auto-submitted'), 'auto-generated');
    assert.equal(m.headers.get('x-upkeep-model'), 'churn');
    for (const line of [
      'Verdict: degraded',
      'Metric: roc_auc 0.7123 [0.6811, 0.7402]',
      'Threshold: 0.75',
      'Rows: 12,345',
      'Drifted columns: 2',
      '  - income psi 0.31 (threshold 0.2)',
    ]) {
      assert.ok(m.text.includes(line), `text has ${line}:\n${m.text}`);
    }
    assert.ok(m.text.includes('Model page: https://upkeep.example.com/models/churn'));
    assert.match(m.html, /<th scope="row" align="left"[^>]*>Metric<\/th><td[^>]*>roc_auc 0\.7123 \[0\.6811, 0\.7402\]<\/td>/);
    assert.match(m.html, /<td[^>]*>income<\/td><td[^>]*>psi<\/td><td[^>]*>0\.31<\/td><td[^>]*>0\.2<\/td>/);
    assert.ok(m.html.includes('<a href="https://upkeep.example.com/models/churn">'));

    // A retry of the same message has the same Message-ID.
    const again = await sendEmail('ml-team', spec(smtp.url), { event: degradedEvent() }, { configDir: cfg.dir });
    assert.equal(again.responseId, d.responseId);
  });

  it('hostile titles and column names: one subject line, HTML escaped, controls dropped, huge text cut', async () => {
    const smtp = await start({});
    const title = 'churn <script>alert(1)</script>\r\nBcc: victim@example.com';
    const event = degradedEvent({
      title,
      text: `<img src=x onerror=alert(1)>\u0007 ${'z'.repeat(100_000)}`,
      details: { drifted: [{ column: '<b>income</b>\u202e', score: 0.1 + 0.2, test: 'psi' }] },
    });
    await sendEmail('ml-team', spec(smtp.url), { event }, { configDir: cfg.dir });
    const m = smtp.mails[0]!;
    assert.equal(m.subject, '[upkeep] churn <script>alert(1)</script> Bcc: victim@example.com');
    assert.deepEqual(m.to, ['ml-team@example.com', 'owner@example.com']);
    assert.ok(!m.headers.has('bcc'));
    assert.ok(!/<script>|<img|<b>income/.test(m.html), 'no markup from the event');
    assert.ok(m.html.includes('&#60;b&#62;income&#60;/b&#62;'));
    // Numbers as people read them (0.30000000000000004 is 0.3).
    assert.match(m.html, /<td align="right"[^>]*>0\.3<\/td>/);
    assert.ok(!m.text.includes('\u0007') && !m.text.includes('\u202e'));
    assert.ok(m.raw.length < 120_000, `mail of ${m.raw.length} bytes`);
  });

  it('a digest is one mail listing every gathered event, newest first, to everyone of them', async () => {
    const smtp = await start({});
    const events = [
      degradedEvent({ at: '2026-12-07T06:00:00.000Z', to: ['a@example.com'] }),
      degradedEvent({ kind: 'failing', title: 'churn is failing', at: '2026-12-07T07:00:00.000Z', to: ['b@example.com'] }),
    ];
    await sendEmail('ml-team', spec(smtp.url), { event: events[1]!, digest: events }, { configDir: cfg.dir });
    assert.equal(smtp.mails.length, 1);
    const m = smtp.mails[0]!;
    assert.equal(m.subject, '[upkeep] churn: 2 notifications (latest: churn is failing)');
    assert.deepEqual(m.to, ['ml-team@example.com', 'a@example.com', 'b@example.com']);
    assert.ok(m.text.indexOf('churn is failing') < m.text.indexOf('churn is degraded'));
  });

  it('STARTTLS with a password: the mail goes encrypted and authenticated', async function () {
    const c = needCert(this);
    const smtp = await start({ starttls: c, auth: { user: 'upkeep', password: PASSWORD }, requireTls: true });
    const s = spec(smtp.url, { user: 'upkeep', password_file: 'smtp-password' });
    await sendEmail('ml-team', s, { event: degradedEvent() }, { configDir: cfg.dir, tls: { ca: c.cert } });
    assert.equal(smtp.mails.length, 1);
    assert.equal(smtp.mails[0]!.secure, true);
    assert.equal(smtp.mails[0]!.user, 'upkeep');
  });

  it('STARTTLS is used when offered, without a password too', async function () {
    const c = needCert(this);
    const smtp = await start({ starttls: c });
    await sendEmail('ml-team', spec(smtp.url), { event: degradedEvent() }, { configDir: cfg.dir, tls: { ca: c.cert } });
    assert.equal(smtp.mails[0]!.secure, true);
  });

  it('a password is never sent in clear: a server without STARTTLS is refused before AUTH', async () => {
    const smtp = await start({ auth: { user: 'upkeep', password: PASSWORD } });
    const err = await sendEmail(
      'ml-team',
      spec(smtp.url, { user: 'upkeep', password_file: 'smtp-password' }),
      { event: degradedEvent() },
      { configDir: cfg.dir },
    ).catch((e: unknown) => e);
    assert.ok(err instanceof ChannelError && !err.retryable, String(err));
    assert.match(err.message, /^channel ml-team: SMTP at 127\.0\.0\.1:\d+: TLS failed/);
    assert.ok(!err.message.includes(PASSWORD));
    assert.equal(smtp.mails.length, 0);
  });

  it('a wrong password is refused (535), naming the server but not the password', async function () {
    const c = needCert(this);
    const smtp = await start({ starttls: c, auth: { user: 'upkeep', password: 'another' } });
    const err = await sendEmail(
      'ml-team',
      spec(smtp.url, { user: 'upkeep', password_file: 'smtp-password' }),
      { event: degradedEvent() },
      { configDir: cfg.dir, tls: { ca: c.cert } },
    ).catch((e: unknown) => e);
    assert.ok(err instanceof ChannelError && !err.retryable && err.status === 535, String(err));
    assert.match(err.message, /^channel ml-team: SMTP at 127\.0\.0\.1:\d+ answered 535 \(refused\)/);
    assert.ok(!err.message.includes(PASSWORD));
  });

  it('smtps: TLS from the start; a certificate that is not trusted is refused, not retried', async function () {
    const c = needCert(this);
    const smtp = await start({ tls: c });
    assert.match(smtp.url, /^smtps:/);
    await sendEmail('ml-team', spec(smtp.url), { event: degradedEvent() }, { configDir: cfg.dir, tls: { ca: c.cert } });
    assert.equal(smtp.mails[0]!.secure, true);
    const err = await sendEmail('ml-team', spec(smtp.url), { event: degradedEvent() }, { configDir: cfg.dir }).catch((e: unknown) => e);
    assert.ok(err instanceof ChannelError && !err.retryable, String(err));
    assert.match(err.message, /TLS certificate is not trusted/);
    assert.equal(smtp.mails.length, 1);
  });

  it('SMTP 4xx is retryable, 5xx refused', async () => {
    const smtp = await start({ rcpt: (a) => (a.startsWith('busy') ? 450 : a.startsWith('gone') ? 550 : undefined) });
    const busy = await sendEmail('ml-team', spec(smtp.url, { to: ['busy@example.com'] }), { event: degradedEvent({ to: [] }) }, { configDir: cfg.dir }).catch(
      (e: unknown) => e,
    );
    assert.ok(busy instanceof ChannelError && busy.retryable && busy.status === 450, String(busy));
    const gone = await sendEmail('ml-team', spec(smtp.url, { to: ['gone@example.com'] }), { event: degradedEvent({ to: [] }) }, { configDir: cfg.dir }).catch(
      (e: unknown) => e,
    );
    assert.ok(gone instanceof ChannelError && !gone.retryable && gone.status === 550, String(gone));
    assert.match(gone.message, /^channel ml-team: SMTP at 127\.0\.0\.1:\d+ answered 550 \(refused\)/);
    assert.equal(smtp.mails.length, 0);
    // Some refused, others accepted: the mail goes to those accepted.
    await sendEmail('ml-team', spec(smtp.url, { to: ['gone@example.com', 'here@example.com'] }), { event: degradedEvent({ to: [] }) }, { configDir: cfg.dir });
    assert.deepEqual(
      smtp.mails.map((m) => m.to),
      [['here@example.com']],
    );
  });

  it('a server that never greets times out (retryable) within the deadline', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const t0 = Date.now();
      const url = `smtp://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const err = await sendEmail('ml-team', spec(url), { event: degradedEvent() }, { configDir: cfg.dir, timeoutMs: 300 }).catch((e: unknown) => e);
      assert.ok(err instanceof ChannelError && err.retryable, String(err));
      assert.match(err.message, /timed out after 300 ms/);
      assert.ok(Date.now() - t0 < 3000, `${Date.now() - t0} ms`);
    } finally {
      sockets.forEach((s) => s.destroy());
      silent.close();
    }
  });

  it('a server that answers every line slowly, each within the timeout, is cut off by the whole deadline', async () => {
    const sockets: Socket[] = [];
    const slow: Server = createServer((s) => {
      sockets.push(s);
      const later = (line: string): void => void setTimeout(() => s.writable && s.write(`${line}\r\n`), 200);
      later('220 slow.example ESMTP');
      let data = false;
      let buffered = '';
      s.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('latin1');
        for (let i = buffered.indexOf('\r\n'); i >= 0; i = buffered.indexOf('\r\n')) {
          const line = buffered.slice(0, i);
          buffered = buffered.slice(i + 2);
          if (data) {
            if (line === '.') {
              data = false;
              later('250 queued');
            }
          } else if (/^DATA/i.test(line)) {
            data = true;
            later('354 go ahead');
          } else if (/^QUIT/i.test(line)) later('221 bye');
          else later('250 ok');
        }
      });
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    try {
      const t0 = Date.now();
      const url = `smtp://127.0.0.1:${(slow.address() as AddressInfo).port}`;
      const err = await sendEmail('ml-team', spec(url), { event: degradedEvent() }, { configDir: cfg.dir, timeoutMs: 300 }).catch((e: unknown) => e);
      assert.ok(err instanceof ChannelError && err.retryable, String(err));
      assert.match(err.message, /^channel ml-team: SMTP at 127\.0\.0\.1:\d+: not delivered within 900 ms in all/);
      assert.ok(Date.now() - t0 < 2000, `${Date.now() - t0} ms`);
    } finally {
      sockets.forEach((s) => s.destroy());
      slow.close();
    }
  });

  it('nobody to write to, a bad address or a password without a user is a clear error before connecting', async () => {
    const none = await sendEmail('ml-team', spec('smtp://127.0.0.1:9', { to: [] }), { event: degradedEvent({ to: ['alice'] }) }, { configDir: cfg.dir }).catch(
      (e: unknown) => e,
    );
    assert.ok(none instanceof ChannelError && !none.retryable);
    assert.match(none.message, /^channel ml-team: nobody to write to/);
    const bad = await sendEmail(
      'ml-team',
      spec('smtp://127.0.0.1:9', { to: ['x@example.com', 'a@b.c>\r\nRCPT TO:<evil@x'] }),
      { event: degradedEvent() },
      { configDir: cfg.dir },
    ).catch((e: unknown) => e);
    assert.ok(bad instanceof ChannelError);
    assert.equal(bad.message, 'channel ml-team: to[1] is not an email address');
    const noUser = await sendEmail(
      'ml-team',
      spec('smtp://127.0.0.1:9', { password_file: 'smtp-password' }),
      { event: degradedEvent() },
      { configDir: cfg.dir },
    ).catch((e: unknown) => e);
    assert.ok(noUser instanceof ChannelError);
    assert.equal(noUser.message, 'channel ml-team: password_file needs a user');
    const noPassword = await sendEmail('ml-team', spec('smtp://127.0.0.1:9', { user: 'upkeep' }), { event: degradedEvent() }, { configDir: cfg.dir }).catch(
      (e: unknown) => e,
    );
    assert.ok(noPassword instanceof ChannelError);
    assert.equal(noPassword.message, 'channel ml-team: user needs a password_file');
  });
});
