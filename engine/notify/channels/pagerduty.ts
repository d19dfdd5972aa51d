/**
 * PagerDuty through the Events API v2 (POST /v2/enqueue): a degraded or failing model triggers an
 * alert and the same model healthy again (`recovered`) resolves it. The dedup key names the model
 * and the alert, so repeats of one alert update one incident and a resolve finds it:
 *
 * - degraded, failing, recovered: `upkeep/<model>/verdict` (recovered resolves it);
 * - watchdog: `upkeep/<model>/watchdog/<finding kind>`;
 * - any other kind routed here: `upkeep/<model>/<kind>/<workflow id>` (or the event's key).
 *
 * 202 is accepted; 400 is refused (the event is invalid: retrying cannot help); 429 and 5xx are
 * retried by the caller. The routing key is read from routing_key_file and never appears in a message.
 */
import { plainLine } from '../../../domain/escape.js';
import type { ChannelSpec } from '../../../domain/config.js';
import type { NotificationEvent } from '../../../domain/maintenance.js';
import { idempotencyKey } from '../notify.js';
import { cut, driftedLine, eventFacts, MAX_FAILED_GATES, messageEvents, messageTitle, metricLine, modelPageUrl } from './facts.js';
import { isLoopback, postJson, refusedAnswer } from './http.js';
import type { SendOptions } from './options.js';
import { readSecretFile } from './secret.js';
import { ChannelError, type ChannelDelivery, type ChannelMessage } from './types.js';

type PagerDutySpec = Extract<ChannelSpec, { type: 'pagerduty' }>;

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
export const PAGERDUTY_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type PagerDutySeverity = (typeof PAGERDUTY_SEVERITIES)[number];

/** PagerDuty's limits: a dedup key of 255 characters, a summary of 1024. */
const DEDUP_KEY_MAX = 255;
const SUMMARY_MAX = 1024;
/** custom_details stays small: the text is cut, a digest lists its latest events. */
const DETAILS_TEXT_MAX = 4000;
const DIGEST_EVENTS_MAX = 50;

/** The Events API v2 body (trigger carries a payload; resolve needs only the key). */
export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'resolve';
  dedup_key: string;
  client?: string;
  client_url?: string;
  links?: { href: string; text: string }[];
  payload?: {
    summary: string;
    source: string;
    severity: PagerDutySeverity;
    timestamp?: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details?: Record<string, unknown>;
  };
}

/** The dedup key of an event (the agreed shapes above), at most 255 characters. */
export function dedupKey(e: NotificationEvent): string {
  let key: string;
  if (e.kind === 'degraded' || e.kind === 'failing' || e.kind === 'recovered') key = `upkeep/${e.modelId}/verdict`;
  else if (e.kind === 'watchdog') key = `upkeep/${e.modelId}/watchdog/${eventFacts(e).findingKind ?? 'finding'}`;
  else key = `upkeep/${e.modelId}/${e.kind}/${e.workflowId ?? idempotencyKey(e)}`;
  key = plainLine(key, Infinity).replace(/\s/g, '_');
  if (key.length <= DEDUP_KEY_MAX) return key;
  // A very long model id or workflow id: the key is cut and a hash of the whole keeps it unique.
  const hash = idempotencyKey({ ...e, text: key, title: '' }).slice(0, 16);
  return `${key.slice(0, DEDUP_KEY_MAX - hash.length - 1)}~${hash}`;
}

/** How loud an event is: failing pages as critical, degraded as error, a warning or a watchdog finding as warning. */
export function severity(e: NotificationEvent): PagerDutySeverity {
  switch (e.kind) {
    case 'failing':
      return 'critical';
    case 'degraded':
    case 'failure':
      return 'error';
    case 'warning':
    case 'watchdog':
    case 'escalation':
    case 'expired':
      return 'warning';
    default:
      return 'info';
  }
}

function details(e: NotificationEvent): Record<string, unknown> {
  const f = eventFacts(e);
  const metric = metricLine(f);
  return {
    model: e.modelId,
    kind: e.kind,
    ...(f.verdict ? { verdict: f.verdict } : {}),
    ...(f.basis ? { basis: f.basis } : {}),
    ...(metric ? { metric } : {}),
    ...(f.threshold !== undefined ? { threshold: f.threshold } : {}),
    ...(f.rows !== undefined ? { rows: f.rows } : {}),
    ...(f.failedGates ? { failed_gates: f.failedGates.slice(0, MAX_FAILED_GATES) } : {}),
    ...(f.drifted ? { drifted_columns: f.driftedCount, drifted: f.drifted.map(driftedLine) } : {}),
    ...(f.report ? { report: f.report } : {}),
    ...(e.workflowId ? { workflow: e.workflowId } : {}),
    ...(e.to.length > 0 ? { to: e.to.slice(0, 20).map((t) => plainLine(t, 120)) } : {}),
    ...(e.text.trim() !== '' ? { text: cut(e.text.replace(/\r\n?/g, '\n'), DETAILS_TEXT_MAX) } : {}),
  };
}

/** The Events API v2 body of a message. A digest takes its latest event's action and key, and lists every gathered event. */
export function pagerDutyEvent(routingKey: string, message: ChannelMessage, opts: { publicUrl?: string } = {}): PagerDutyEvent {
  const e = message.event;
  const key = dedupKey(e);
  if (e.kind === 'recovered') return { routing_key: routingKey, event_action: 'resolve', dedup_key: key };
  const events = messageEvents(message);
  const page = modelPageUrl(opts.publicUrl, e.modelId);
  const custom: Record<string, unknown> = details(e);
  if (events.length > 1) {
    custom.digest = events.slice(-DIGEST_EVENTS_MAX).map((d) => ({ at: d.at, kind: d.kind, title: plainLine(d.title, 200) }));
    if (events.length > DIGEST_EVENTS_MAX) custom.digest_left_out = events.length - DIGEST_EVENTS_MAX;
  }
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: key,
    client: 'upkeep',
    ...(page ? { client_url: page, links: [{ href: page, text: `${plainLine(e.modelId, 100)} in the upkeep inbox` }] } : {}),
    payload: {
      summary: messageTitle(message, SUMMARY_MAX) || `${e.kind} ${e.modelId}`,
      source: plainLine(`upkeep/${e.modelId}`, 255),
      severity: severity(e),
      timestamp: e.at,
      component: plainLine(e.modelId, 255),
      group: 'upkeep',
      class: e.kind,
      custom_details: custom,
    },
  };
}

function refusal(err: ChannelError, routingKey: string): ChannelError {
  const answer = refusedAnswer(err);
  if (err.retryable || !answer) return err;
  let reason = '';
  try {
    const a = JSON.parse(answer) as { message?: unknown; errors?: unknown };
    const parts = [typeof a.message === 'string' ? a.message : '', ...(Array.isArray(a.errors) ? a.errors.filter((x) => typeof x === 'string') : [])];
    reason = plainLine(parts.filter(Boolean).join('; ').split(routingKey).join('…'), 300);
  } catch {
    // not PagerDuty's JSON: the status says enough
  }
  return reason ? new ChannelError(`${err.message}: ${reason}`, false, err.status) : err;
}

/** The Events API endpoint of a channel: https (plain http only to this machine: the routing key travels in the body). */
export function pagerDutyUrl(name: string, spec: PagerDutySpec): URL {
  const url = new URL(spec.url ?? PAGERDUTY_EVENTS_URL);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url)))
    throw new ChannelError(`channel ${name}: url must be https (host ${url.host}); http only to this machine`, false);
  return url;
}

/** The routing key from its file: an Events API v2 integration key is 32 letters and digits. */
export async function readRoutingKey(name: string, spec: PagerDutySpec, configDir: string): Promise<string> {
  const key = await readSecretFile(name, 'routing_key_file', spec.routing_key_file, configDir);
  if (!/^[A-Za-z0-9]{32}$/.test(key))
    throw new ChannelError(
      `channel ${name}: routing_key_file does not hold an Events API v2 integration key (32 letters and digits, found ${key.length} characters)`,
      false,
    );
  return key;
}

/** Sends one message to a PagerDuty channel (one attempt). */
export async function sendPagerDuty(name: string, spec: PagerDutySpec, message: ChannelMessage, opts: SendOptions): Promise<ChannelDelivery> {
  const url = pagerDutyUrl(name, spec);
  const routingKey = await readRoutingKey(name, spec, opts.configDir);
  const body = pagerDutyEvent(routingKey, message, opts);
  let answer;
  try {
    answer = await postJson(`channel ${name}: PagerDuty at ${url.host}`, url, JSON.stringify(body), opts);
  } catch (err) {
    throw err instanceof ChannelError ? refusal(err, routingKey) : err;
  }
  let key = body.dedup_key;
  try {
    const k = (JSON.parse(answer.body) as { dedup_key?: unknown }).dedup_key;
    if (typeof k === 'string' && k.length <= DEDUP_KEY_MAX && !k.includes(routingKey)) key = plainLine(k, DEDUP_KEY_MAX);
  } catch {
    // an answer without JSON: our key stands
  }
  return { channel: name, type: 'pagerduty', status: answer.status, responseId: key, action: body.event_action };
}
