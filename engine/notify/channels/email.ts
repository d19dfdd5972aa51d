/**
 * Email over SMTP (nodemailer): a text body and an HTML body carrying the same words and numbers.
 *
 * - smtp://host[:port] (default 587) upgrades with STARTTLS when the server offers it; when a
 *   user and password are configured STARTTLS is required, so a password never crosses the network
 *   in clear. smtps://host[:port] (default 465) is TLS from the start. Certificates are verified.
 * - Recipients: the channel's `to` plus the people of the event (of every event of a digest) who
 *   look like addresses; ids that are not addresses are left to the other channels.
 * - One attempt: connection, greeting and every later reply each within the timeout, the whole
 *   delivery too. SMTP 4xx (try again later) and network trouble are retryable; 5xx is a refusal.
 * - The Message-ID is derived from the message, so a receiver sees a retried delivery as the same mail.
 *
 * Errors name the channel and the server (host:port), never the password.
 */
import { isIP } from 'node:net';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { htmlText, plainLine } from '../../../domain/escape.js';
import type { ChannelSpec } from '../../../domain/config.js';
import type { NotificationEvent } from '../../../domain/maintenance.js';
import {
  cut,
  driftedHeading,
  driftedLine,
  eventFacts,
  factRows,
  fmt,
  importanceShort,
  messageEvents,
  messageKey,
  messageTitle,
  modelPageUrl,
} from './facts.js';
import { DEFAULT_CHANNEL_TIMEOUT_MS } from './http.js';
import type { SendOptions } from './options.js';
import { readSecretFile } from './secret.js';
import { ChannelError, type ChannelDelivery, type ChannelMessage } from './types.js';

type EmailSpec = Extract<ChannelSpec, { type: 'email' }>;

/** An address alone (no display name, no comment, no list): what `to` entries and the people of an event must look like to be written to. */
const ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
export const isAddress = (s: string): boolean => s.length <= 254 && ADDRESS.test(s);

const MAX_RECIPIENTS = 100;
const SUBJECT_MAX = 200;
/** A body's text is cut here (a huge text must not make a huge mail). */
const TEXT_MAX = 20_000;
const DIGEST_EVENTS_MAX = 100;

/** The server of an smtp:// or smtps:// URL. */
export function smtpServer(name: string, smtp: string): { host: string; port: number; secure: boolean } {
  const m = /^(smtps?):\/\/([^/@:\s]+)(?::([0-9]{1,5}))?\/?$/.exec(smtp);
  if (!m) throw new ChannelError(`channel ${name}: smtp must be smtp://host:port or smtps://host:port`, false);
  const secure = m[1] === 'smtps';
  const port = m[3] !== undefined ? Number(m[3]) : secure ? 465 : 587;
  if (port < 1 || port > 65535) throw new ChannelError(`channel ${name}: smtp port ${port} is not a port`, false);
  return { host: m[2]!, port, secure };
}

/** Who the mail goes to: the channel's `to`, then the event's people who are addresses; each once (case-insensitive). */
export function recipients(name: string, spec: EmailSpec, message: ChannelMessage): string[] {
  // spec.to is checked by emailSettings; an entry that is not an address is skipped here too.
  const seen = new Set<string>();
  const out: string[] = [];
  for (const a of [...spec.to.filter(isAddress), ...messageEvents(message).flatMap((e) => e.to.filter(isAddress))]) {
    const k = a.toLowerCase();
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(a);
  }
  if (out.length === 0)
    throw new ChannelError(`channel ${name}: nobody to write to (no \`to\` addresses, and none of the people of the event is an address)`, false);
  return out.slice(0, MAX_RECIPIENTS);
}

const bodyText = (s: string): string => cut(s.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, ''), TEXT_MAX).trimEnd();

function eventText(e: NotificationEvent): string {
  const f = eventFacts(e);
  const lines = [plainLine(e.title, 1000), ''];
  if (e.text.trim() !== '') lines.push(bodyText(e.text), '');
  const rows = factRows(f);
  for (const [label, value] of rows) lines.push(`${label}: ${value}`);
  if (f.drifted && f.drifted.length > 0) {
    lines.push(`${driftedHeading(f.drifted)}:`, ...f.drifted.map((c) => `  - ${driftedLine(c)}`));
    if ((f.driftedCount ?? 0) > f.drifted.length) lines.push(`  … and ${(f.driftedCount ?? 0) - f.drifted.length} more`);
  }
  if (rows.length > 0 || f.drifted) lines.push('');
  lines.push(
    `${e.kind} · ${e.modelId} · ${e.at}${
      e.to.length > 0
        ? ` · for ${e.to
            .slice(0, 20)
            .map((t) => plainLine(t, 120))
            .join(', ')}`
        : ''
    }`,
  );
  return lines.join('\n');
}

const TD = 'style="padding:2px 12px 2px 0;vertical-align:top"';

function eventHtml(e: NotificationEvent): string {
  const f = eventFacts(e);
  const parts = [`<h2 style="font-size:16px;margin:16px 0 8px">${htmlText(plainLine(e.title, 1000))}</h2>`];
  if (e.text.trim() !== '') parts.push(`<p style="white-space:pre-wrap;margin:0 0 8px">${htmlText(bodyText(e.text))}</p>`);
  const rows = factRows(f);
  if (rows.length > 0)
    parts.push(
      `<table role="presentation" style="border-collapse:collapse;margin:0 0 8px">${rows.map(([l, v]) => `<tr><th scope="row" align="left" ${TD}>${htmlText(l)}</th><td ${TD}>${htmlText(v)}</td></tr>`).join('')}</table>`,
    );
  if (f.drifted && f.drifted.length > 0) {
    const more = (f.driftedCount ?? 0) - f.drifted.length;
    const imp = f.drifted.some((c) => c.importance !== undefined);
    parts.push(
      `<table style="border-collapse:collapse;margin:0 0 8px"><caption style="text-align:left;font-weight:bold">${htmlText(driftedHeading(f.drifted))}</caption><tr><th align="left" ${TD}>Column</th><th align="left" ${TD}>Test</th><th align="right" ${TD}>Score</th><th align="right" ${TD}>Threshold</th>${imp ? `<th align="right" ${TD}>Importance</th>` : ''}</tr>${f.drifted
        .map(
          (c) =>
            `<tr><td ${TD}>${htmlText(c.column)}</td><td ${TD}>${htmlText(c.test ?? '')}</td><td align="right" ${TD}>${c.score === null ? '' : htmlText(fmt(c.score))}</td><td align="right" ${TD}>${c.threshold === undefined ? '' : htmlText(fmt(c.threshold))}</td>${imp ? `<td align="right" ${TD}>${htmlText(importanceShort(c))}</td>` : ''}</tr>`,
        )
        .join('')}</table>${more > 0 ? `<p>… and ${more} more</p>` : ''}`,
    );
  }
  parts.push(`<p style="color:#555;font-size:12px;margin:0 0 8px">${htmlText(`${e.kind} · ${e.modelId} · ${e.at}`)}</p>`);
  return parts.join('\n');
}

/** The subject, text and HTML of a message (one event, or a digest: newest first). */
export function emailContent(message: ChannelMessage, opts: { publicUrl?: string } = {}): { subject: string; text: string; html: string } {
  const events = [...messageEvents(message)].reverse();
  const shown = events.slice(0, DIGEST_EVENTS_MAX);
  const left = events.length - shown.length;
  const page = modelPageUrl(opts.publicUrl, message.event.modelId);
  const subject = `[upkeep] ${messageTitle(message, SUBJECT_MAX - 9)}`;
  const intro = events.length > 1 ? `${events.length} notifications for ${plainLine(message.event.modelId, 200)}, newest first.\n\n` : '';
  const text = `${intro}${shown.map(eventText).join('\n\n----\n\n')}${left > 0 ? `\n\n… and ${left} older notifications` : ''}${page ? `\n\nModel page: ${page}` : ''}\n`;
  const html = [
    '<!doctype html><html><head><meta charset="utf-8"></head><body style="font-family:sans-serif;font-size:14px;color:#111">',
    events.length > 1 ? `<p>${htmlText(intro.trim())}</p>` : '',
    shown.map(eventHtml).join('\n<hr>\n'),
    left > 0 ? `<p>… and ${left} older notifications</p>` : '',
    page ? `<p><a href="${htmlText(page)}">Open ${htmlText(plainLine(message.event.modelId, 200))} in the upkeep inbox</a></p>` : '',
    '</body></html>',
  ].join('\n');
  return { subject: plainLine(subject, SUBJECT_MAX), text, html };
}

const numberOr = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** Certificate problems: a person must fix the server or the trust store; retrying cannot help. */
const CERT_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|UNABLE_TO_GET_ISSUER/;

function smtpError(err: unknown, where: string, timeoutMs: number, password?: string): ChannelError {
  const e = err as { code?: unknown; responseCode?: unknown; response?: unknown; message?: unknown; cause?: { code?: unknown } };
  const redact = (s: string): string => plainLine(password ? s.split(password).join('…') : s, 200);
  const reply = typeof e.response === 'string' ? `: ${redact(e.response)}` : '';
  const code = typeof e.code === 'string' ? e.code : '';
  const msg = typeof e.message === 'string' ? e.message : '';
  // STARTTLS required (a password is configured) and the server does not do it: a person must fix the server or the config.
  if (code === 'ETLS') return new ChannelError(`${where}: TLS failed (${redact(msg)}): with a password, STARTTLS is required`, false, numberOr(e.responseCode));
  if (typeof e.responseCode === 'number' && e.responseCode >= 400 && e.responseCode < 600) {
    const retryable = e.responseCode < 500;
    return new ChannelError(`${where} answered ${e.responseCode}${retryable ? ' (try again later)' : ' (refused)'}${reply}`, retryable, e.responseCode);
  }
  const causeCode = typeof e.cause?.code === 'string' ? e.cause.code : '';
  if (CERT_CODES.test(causeCode) || /certificate|self[- ]signed|altnames/i.test(msg))
    return new ChannelError(`${where}: the server's TLS certificate is not trusted (${redact(msg)})`, false);
  if (code === 'EAUTH') return new ChannelError(`${where}: authentication failed${reply}`, false);
  if (code === 'ETIMEDOUT' || /timeout/i.test(msg)) return new ChannelError(`${where}: timed out after ${timeoutMs} ms`, true);
  if (code === 'EENVELOPE' || code === 'EMESSAGE') return new ChannelError(`${where}: ${redact(msg)}`, false);
  return new ChannelError(`${where}: ${code || 'connection failed'}${msg ? ` (${redact(msg)})` : ''}`, true);
}

/** The server and the password of a channel, its addresses checked (before any connection). */
export async function emailSettings(name: string, spec: EmailSpec, configDir: string): Promise<{ server: ReturnType<typeof smtpServer>; password?: string }> {
  const server = smtpServer(name, spec.smtp);
  if (!isAddress(spec.from)) throw new ChannelError(`channel ${name}: from is not an email address`, false);
  spec.to.forEach((a, i) => {
    if (!isAddress(a)) throw new ChannelError(`channel ${name}: to[${i}] is not an email address`, false);
  });
  if (spec.password_file !== undefined && spec.user === undefined) throw new ChannelError(`channel ${name}: password_file needs a user`, false);
  if (spec.user !== undefined && spec.password_file === undefined) throw new ChannelError(`channel ${name}: user needs a password_file`, false);
  if (spec.password_file === undefined) return { server };
  return { server, password: await readSecretFile(name, 'password_file', spec.password_file, configDir) };
}

/** Sends one message to an email channel (one attempt). */
export async function sendEmail(name: string, spec: EmailSpec, message: ChannelMessage, opts: SendOptions): Promise<ChannelDelivery> {
  const { server, password } = await emailSettings(name, spec, opts.configDir);
  const where = `channel ${name}: SMTP at ${server.host}:${server.port}`;
  const to = recipients(name, spec, message);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CHANNEL_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new ChannelError(`timeoutMs must be a positive number of milliseconds, not ${timeoutMs}`, false);
  // Loaded on first use: a command that only checks channels (upkeep check) does not pay for it.
  const { createTransport } = await import('nodemailer');
  const transport = createTransport({
    host: server.host,
    port: server.port,
    secure: server.secure,
    // A password goes only over TLS: STARTTLS is then required, not merely used when offered.
    requireTLS: !server.secure && password !== undefined,
    ...(spec.user !== undefined && password !== undefined ? { auth: { user: spec.user, pass: password } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
    tls: { minVersion: 'TLSv1.2', ...(isIP(server.host) === 0 ? { servername: server.host } : {}), ...(opts.tls?.ca ? { ca: opts.tls.ca } : {}) },
    disableFileAccess: true,
    disableUrlAccess: true,
  } satisfies SMTPTransport.Options);
  const content = emailContent(message, opts);
  const key = messageKey(message);
  const domain = spec.from.slice(spec.from.lastIndexOf('@') + 1);
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    const sent = transport.sendMail({
      from: spec.from,
      to,
      subject: content.subject,
      text: content.text,
      html: content.html,
      messageId: `<upkeep.${key}@${domain}>`,
      headers: { 'Auto-Submitted': 'auto-generated', 'X-Upkeep-Model': plainLine(message.event.modelId, 200), 'X-Upkeep-Kind': message.event.kind },
    });
    // The whole delivery has a deadline too (a server answering each line just in time could hold it open for long).
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ChannelError(`${where}: not delivered within ${timeoutMs * 3} ms in all (the server answers slowly)`, true)),
        timeoutMs * 3,
      );
      if (opts.signal) {
        onAbort = () => reject(new ChannelError(`${where}: cancelled`, true));
        if (opts.signal.aborted) onAbort();
        else opts.signal.addEventListener('abort', onAbort, { once: true });
      }
    });
    sent.catch(() => undefined);
    const info = await Promise.race([sent, deadline]);
    const status = /^([2-5][0-9]{2})\b/.exec(info.response ?? '')?.[1];
    return { channel: name, type: 'email', ...(status ? { status: Number(status) } : {}), responseId: info.messageId.replace(/^<|>$/g, '') };
  } catch (err) {
    if (err instanceof ChannelError) throw err;
    throw smtpError(err, where, timeoutMs, password);
  } finally {
    clearTimeout(timer);
    if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
    transport.close();
  }
}
