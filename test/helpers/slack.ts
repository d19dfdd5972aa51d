/**
 * A Slack incoming-webhook stand-in on loopback: checks each POST is a Block Kit message within
 * Slack's limits (header ≤ 150 characters, section text ≤ 3000, ≤ 10 fields of ≤ 2000, ≤ 50
 * blocks, context ≤ 10 elements, buttons ≤ 75 characters with a URL ≤ 3000, a non-empty `text`
 * fallback) and answers like Slack: 200 "ok", or 400 "invalid_blocks" naming what is wrong.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackPost {
  path: string;
  body: { text?: unknown; blocks?: unknown[] } & Record<string, unknown>;
  errors: string[];
}

const textObject = (t: unknown, where: string, max: number, errors: string[], plainOnly = false): void => {
  const o = t as { type?: unknown; text?: unknown } | null;
  if (!o || (o.type !== 'plain_text' && (plainOnly || o.type !== 'mrkdwn'))) errors.push(`${where}: expected a ${plainOnly ? 'plain_text' : 'text'} object`);
  else if (typeof o.text !== 'string' || o.text.length === 0) errors.push(`${where}: empty text`);
  else if (o.text.length > max) errors.push(`${where}: ${o.text.length} characters, more than ${max}`);
};

/** Why a body is not a valid Block Kit message (empty: valid). */
export function blockKitErrors(body: unknown): string[] {
  const errors: string[] = [];
  const b = body as { text?: unknown; blocks?: unknown } | null;
  if (!b || typeof b !== 'object') return ['not a JSON object'];
  if (typeof b.text !== 'string' || b.text.trim() === '') errors.push('text: the fallback text is missing');
  else if (b.text.length > 40_000) errors.push('text: too long');
  if (!Array.isArray(b.blocks)) return [...errors, 'blocks: not an array'];
  if (b.blocks.length === 0 || b.blocks.length > 50) errors.push(`blocks: ${b.blocks.length}, expected 1 to 50`);
  b.blocks.forEach((block: unknown, i) => {
    const k = block as Record<string, unknown>;
    const at = `blocks[${i}]`;
    const allowed: Record<string, string[]> = {
      header: ['type', 'text', 'block_id'],
      section: ['type', 'text', 'fields', 'block_id', 'accessory'],
      context: ['type', 'elements', 'block_id'],
      divider: ['type', 'block_id'],
      actions: ['type', 'elements', 'block_id'],
    };
    const keys = allowed[String(k?.type)];
    if (!keys) return errors.push(`${at}: unknown block type ${String(k?.type)}`);
    for (const key of Object.keys(k)) if (!keys.includes(key)) errors.push(`${at}: unknown field ${key}`);
    if (k.type === 'header') textObject(k.text, `${at}.text`, 150, errors, true);
    if (k.type === 'section') {
      if (k.text === undefined && k.fields === undefined) errors.push(`${at}: a section needs text or fields`);
      if (k.text !== undefined) textObject(k.text, `${at}.text`, 3000, errors);
      if (k.fields !== undefined) {
        if (!Array.isArray(k.fields) || k.fields.length === 0 || k.fields.length > 10) errors.push(`${at}.fields: expected 1 to 10`);
        else k.fields.forEach((f: unknown, j) => textObject(f, `${at}.fields[${j}]`, 2000, errors));
      }
    }
    if (k.type === 'context') {
      if (!Array.isArray(k.elements) || k.elements.length === 0 || k.elements.length > 10) errors.push(`${at}.elements: expected 1 to 10`);
      else k.elements.forEach((el: unknown, j) => textObject(el, `${at}.elements[${j}]`, 3000, errors));
    }
    if (k.type === 'actions') {
      if (!Array.isArray(k.elements) || k.elements.length === 0 || k.elements.length > 25) errors.push(`${at}.elements: expected 1 to 25`);
      else
        k.elements.forEach((el: unknown, j) => {
          const btn = el as { type?: unknown; text?: unknown; url?: unknown; action_id?: unknown };
          if (btn.type !== 'button') return errors.push(`${at}.elements[${j}]: only buttons expected`);
          textObject(btn.text, `${at}.elements[${j}].text`, 75, errors, true);
          if (btn.url !== undefined && (typeof btn.url !== 'string' || btn.url.length > 3000 || !/^https?:\/\//.test(btn.url)))
            errors.push(`${at}.elements[${j}].url: invalid`);
          if (typeof btn.action_id === 'string' && btn.action_id.length > 255) errors.push(`${at}.elements[${j}].action_id: too long`);
        });
    }
    return undefined;
  });
  return errors;
}

export interface SlackStandIn {
  /** The webhook URL (its path plays the secret). */
  url: string;
  posts: SlackPost[];
  /** Answer the next posts with this status instead (e.g. 429, 500), or never answer. */
  answer: number | 'hang' | undefined;
  close(): Promise<void>;
}

export async function startSlack(): Promise<SlackStandIn> {
  const posts: SlackPost[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (standIn.answer === 'hang') return;
      let body: SlackPost['body'] = {};
      let errors: string[];
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SlackPost['body'];
        errors = blockKitErrors(body);
      } catch {
        errors = ['invalid_payload'];
      }
      posts.push({ path: req.url ?? '', body, errors });
      const status = typeof standIn.answer === 'number' ? standIn.answer : errors.length > 0 ? 400 : 200;
      res.writeHead(status, { 'content-type': 'text/plain', 'x-slack-req-id': `req-${posts.length}` });
      res.end(status === 200 ? 'ok' : errors.length > 0 ? 'invalid_blocks' : 'error');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const standIn: SlackStandIn = {
    url: `http://127.0.0.1:${port}/services/T000/B000/s3cretWebhookPath`,
    posts,
    answer: undefined,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return standIn;
}
