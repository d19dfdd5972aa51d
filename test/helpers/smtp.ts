/**
 * A real SMTP server on loopback (smtp-server) that receives mail and keeps it, read back into
 * headers and decoded text/HTML parts. Variants: STARTTLS offered or not, TLS from the start
 * (smtps), a password required (only after STARTTLS), recipients answered 4xx or 5xx. The TLS
 * certificate is a throwaway one for 127.0.0.1 made with openssl (the tests skip without it).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** Whether the session was encrypted (TLS or STARTTLS). */
  secure: boolean;
  /** Who authenticated, if anyone. */
  user?: string;
  raw: string;
  headers: Map<string, string>;
  subject: string;
  text: string;
  html: string;
}

export interface SmtpStandIn {
  /** smtp://127.0.0.1:<port> or smtps://… */
  url: string;
  port: number;
  mails: ReceivedMail[];
  close(): Promise<void>;
}

export interface TestCert {
  key: Buffer;
  cert: Buffer;
}

/** A self-signed certificate for 127.0.0.1 and localhost; undefined without openssl. */
export function makeCert(): TestCert | undefined {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** RFC 2047 encoded words (=?UTF-8?Q?…?= / ?B?) in a header value. */
function decodeWords(v: string): string {
  return v.replace(/\?=\s+=\?/g, '?==?').replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, _cs: string, enc: string, text: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(
          text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
          'latin1',
        ).toString('utf8'),
  );
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), decodeWords(line.slice(i + 1).trim()));
  }
  return headers;
}

function decodeBody(body: string, encoding: string | undefined): string {
  const e = (encoding ?? '7bit').toLowerCase();
  if (e === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (e === 'quoted-printable') {
    const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/** Text and HTML parts of a message (single part or multipart/alternative, one level). */
export function readMail(raw: string): { headers: Map<string, string>; text: string; html: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headers = parseHeaders(raw.slice(0, split));
  const body = raw.slice(split + 4);
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  let text = '';
  let html = '';
  const take = (h: Map<string, string>, b: string): void => {
    const t = h.get('content-type') ?? 'text/plain';
    const decoded = decodeBody(b, h.get('content-transfer-encoding'));
    if (t.startsWith('text/html')) html = decoded;
    else if (t.startsWith('text/plain')) text = decoded;
  };
  if (boundary) {
    for (const part of body.split(`--${boundary}`).slice(1)) {
      if (part.startsWith('--')) break;
      const p = part.replace(/^\r\n/, '');
      const at = p.indexOf('\r\n\r\n');
      take(parseHeaders(p.slice(0, at)), p.slice(at + 4).replace(/\r\n$/, ''));
    }
  } else take(headers, body);
  return { headers, text, html };
}

export interface SmtpOptions {
  /** TLS from the start (smtps). */
  tls?: TestCert;
  /** Offer STARTTLS with this certificate (without: STARTTLS is not offered). */
  starttls?: TestCert;
  /** Require this user and password (AUTH PLAIN/LOGIN, only over TLS). */
  auth?: { user: string; password: string };
  /** Refuse MAIL FROM on a connection that is not encrypted (530). */
  requireTls?: boolean;
  /** The reply to RCPT TO for an address: a code (e.g. 450, 550) to refuse it, undefined to accept. */
  rcpt?: (address: string) => number | undefined;
}

export async function startSmtp(o: SmtpOptions = {}): Promise<SmtpStandIn> {
  const mails: ReceivedMail[] = [];
  const cert = o.tls ?? o.starttls;
  const fail = (code: number, message: string): Error => Object.assign(new Error(message), { responseCode: code });
  const options: SMTPServerOptions = {
    secure: o.tls !== undefined,
    ...(cert ? { key: cert.key, cert: cert.cert } : {}),
    disabledCommands: [...(o.tls || o.starttls ? [] : ['STARTTLS']), ...(o.auth ? [] : ['AUTH'])],
    authOptional: !o.auth,
    logger: false,
    onAuth(auth, _session, cb) {
      if (o.auth && auth.username === o.auth.user && auth.password === o.auth.password) cb(null, { user: auth.username });
      else cb(fail(535, 'Authentication credentials invalid'));
    },
    onMailFrom(_address, session, cb) {
      if (o.requireTls && !session.secure) return cb(fail(530, 'Must issue a STARTTLS command first'));
      if (o.auth && !session.user) return cb(fail(530, 'Authentication required'));
      cb();
    },
    onRcptTo(address, _session, cb) {
      const code = o.rcpt?.(address.address);
      if (code !== undefined) return cb(fail(code, code < 500 ? 'Mailbox busy, try later' : 'No such user here'));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('latin1');
        const m = readMail(raw);
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          secure: session.secure,
          ...(typeof session.user === 'string' ? { user: session.user } : {}),
          raw,
          headers: m.headers,
          subject: m.headers.get('subject') ?? '',
          text: m.text,
          html: m.html,
        });
        cb(null, `OK queued as ${mails.length}`);
      });
    },
  };
  const server = new SMTPServer(options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `${o.tls ? 'smtps' : 'smtp'}://127.0.0.1:${port}`,
    port,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
