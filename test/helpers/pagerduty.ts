/**
 * A PagerDuty Events API v2 stand-in on loopback: POST /v2/enqueue with a JSON event, checked
 * against the Events v2 schema as PagerDuty documents it, answered like PagerDuty:
 *
 *   202 {"status":"success","message":"Event processed","dedup_key":"…"}
 *   400 {"status":"invalid event","message":"Event object is invalid","errors":["…"]}
 *
 * It keeps the incidents: a trigger opens (or updates) the incident of its dedup_key, a resolve
 * closes it. `answer` can make it misbehave (rate limit, server error, hang, redirect).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const SEVERITIES = ['critical', 'error', 'warning', 'info'];
const ACTIONS = ['trigger', 'acknowledge', 'resolve'];
const TOP_KEYS = new Set(['routing_key', 'event_action', 'dedup_key', 'payload', 'images', 'links', 'client', 'client_url']);
const PAYLOAD_KEYS = new Set(['summary', 'source', 'severity', 'timestamp', 'component', 'group', 'class', 'custom_details']);
/** PagerDuty refuses an event larger than 512 KB. */
const MAX_BODY = 512 * 1024;

export interface PagerDutyIncident {
  dedupKey: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  summary: string;
  severity: string;
  /** How many trigger events it received. */
  triggers: number;
}

export interface ReceivedEvent {
  body: Record<string, unknown>;
  status: number;
  errors: string[];
}

/** Why an event is not a valid Events v2 event (empty: valid). */
export function eventErrors(e: unknown, routingKey?: string): string[] {
  const errors: string[] = [];
  if (!e || typeof e !== 'object' || Array.isArray(e)) return ['the event must be a JSON object'];
  const o = e as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!TOP_KEYS.has(k)) errors.push(`unknown field ${k}`);
  if (typeof o.routing_key !== 'string' || !/^[A-Za-z0-9]{32}$/.test(o.routing_key)) errors.push('routing_key must be a 32-character integration key');
  else if (routingKey !== undefined && o.routing_key !== routingKey) errors.push('routing_key is not known');
  if (typeof o.event_action !== 'string' || !ACTIONS.includes(o.event_action)) errors.push('event_action must be trigger, acknowledge or resolve');
  if (o.dedup_key !== undefined && (typeof o.dedup_key !== 'string' || o.dedup_key.length === 0 || o.dedup_key.length > 255))
    errors.push('dedup_key must be a string of 1 to 255 characters');
  if ((o.event_action === 'resolve' || o.event_action === 'acknowledge') && typeof o.dedup_key !== 'string')
    errors.push(`dedup_key is required to ${o.event_action}`);
  if (o.client !== undefined && typeof o.client !== 'string') errors.push('client must be a string');
  if (o.client_url !== undefined && (typeof o.client_url !== 'string' || !/^https?:\/\//.test(o.client_url))) errors.push('client_url must be an http(s) URL');
  if (o.links !== undefined) {
    if (!Array.isArray(o.links)) errors.push('links must be an array');
    else
      o.links.forEach((l: unknown, i) => {
        const link = l as { href?: unknown; text?: unknown } | null;
        if (!link || typeof link.href !== 'string' || (link.text !== undefined && typeof link.text !== 'string'))
          errors.push(`links[${i}] needs an href (and a text)`);
      });
  }
  if (o.event_action === 'trigger' || o.payload !== undefined) {
    const p = o.payload as Record<string, unknown> | undefined;
    if (!p || typeof p !== 'object' || Array.isArray(p)) errors.push('payload is required to trigger');
    else {
      for (const k of Object.keys(p)) if (!PAYLOAD_KEYS.has(k)) errors.push(`unknown field payload.${k}`);
      if (typeof p.summary !== 'string' || p.summary.length === 0 || p.summary.length > 1024) errors.push('payload.summary must be 1 to 1024 characters');
      if (typeof p.source !== 'string' || p.source.length === 0) errors.push('payload.source is required');
      if (typeof p.severity !== 'string' || !SEVERITIES.includes(p.severity)) errors.push('payload.severity must be critical, error, warning or info');
      if (
        p.timestamp !== undefined &&
        (typeof p.timestamp !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(p.timestamp) || Number.isNaN(Date.parse(p.timestamp)))
      )
        errors.push('payload.timestamp must be an ISO 8601 time');
      for (const k of ['component', 'group', 'class'])
        if (p[k] !== undefined && (typeof p[k] !== 'string' || (p[k] as string).length > 1024)) errors.push(`payload.${k} must be a string`);
      if (p.custom_details !== undefined && (typeof p.custom_details !== 'object' || p.custom_details === null))
        errors.push('payload.custom_details must be an object');
    }
  }
  return errors;
}

export interface PagerDutyStandIn {
  /** The Events API endpoint, http://127.0.0.1:<port>/v2/enqueue. */
  url: string;
  received: ReceivedEvent[];
  incidents: Map<string, PagerDutyIncident>;
  /** Misbehave for the next requests: a status to answer instead, 'hang' (never answer), or a redirect to a URL. */
  answer: number | 'hang' | { redirect: string } | undefined;
  close(): Promise<void>;
}

export async function startPagerDuty(opts: { routingKey?: string } = {}): Promise<PagerDutyStandIn> {
  const incidents = new Map<string, PagerDutyIncident>();
  const received: ReceivedEvent[] = [];
  const reply = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const handle = (req: IncomingMessage, res: ServerResponse, raw: Buffer): void => {
    const a = standIn.answer;
    if (a === 'hang') return;
    if (a && typeof a === 'object') {
      res.writeHead(307, { location: a.redirect });
      res.end();
      return;
    }
    if (typeof a === 'number') return reply(res, a, { status: 'error', message: a === 429 ? 'Rate limited' : 'Server error' });
    if (req.method !== 'POST' || req.url !== '/v2/enqueue') return reply(res, 404, { status: 'not found' });
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
      return reply(res, 400, { status: 'invalid event', message: 'Content-Type must be application/json', errors: [] });
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return reply(res, 400, { status: 'invalid event', message: 'Event object is invalid', errors: ['the body is not JSON'] });
    }
    const errors = raw.length > MAX_BODY ? ['the event is larger than 512 KB'] : eventErrors(body, opts.routingKey);
    received.push({ body: body as Record<string, unknown>, status: errors.length ? 400 : 202, errors });
    if (errors.length > 0) return reply(res, 400, { status: 'invalid event', message: 'Event object is invalid', errors });
    const e = body as { event_action: string; dedup_key?: string; payload?: { summary: string; severity: string } };
    const key = e.dedup_key ?? `generated-${received.length}`;
    const open = incidents.get(key);
    if (e.event_action === 'trigger') {
      if (open && open.status !== 'resolved') {
        open.triggers++;
        open.summary = e.payload!.summary;
        open.severity = e.payload!.severity;
      } else incidents.set(key, { dedupKey: key, status: 'triggered', summary: e.payload!.summary, severity: e.payload!.severity, triggers: 1 });
    } else if (open && open.status !== 'resolved') open.status = e.event_action === 'resolve' ? 'resolved' : 'acknowledged';
    reply(res, 202, { status: 'success', message: 'Event processed', dedup_key: key });
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const standIn: PagerDutyStandIn = {
    url: `http://127.0.0.1:${port}/v2/enqueue`,
    received,
    incidents,
    answer: undefined,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return standIn;
}
