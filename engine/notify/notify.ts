/**
 * Notifications: every event is written as one log line and, when a webhook is configured, POSTed
 * to it as JSON with a Slack-compatible `text`. Pure of Temporal: the activity that wraps `send`
 * owns retries (its retry policy backs off), so `send` makes exactly one POST attempt and says,
 * through WebhookError.retryable, whether another attempt could succeed.
 *
 * Because a retried activity calls `send` again, the log line can appear once per attempt and a
 * receiver may see the same POST twice (e.g. the request arrived but the answer timed out). Every
 * attempt for one event carries the same `Idempotency-Key` header, so a receiver can drop repeats.
 *
 * Error messages name the webhook's host and the HTTP status only: the rest of the URL (path and
 * query) often is the secret, and neither is ever put in a message.
 */
import { createHash } from 'node:crypto';
import { jsonText, plainLine, slackText } from '../../domain/escape.js';
import type { NotificationEvent } from '../../domain/maintenance.js';

export interface NotifierOptions {
  /** URL the events are POSTed to; when absent only the log line is written. */
  webhook?: string;
  /** Receives one line per notification, e.g. "[upkeep] approval-requested churn → a@x, b@y: Retrain churn?". */
  log(line: string): void;
  /** Injectable for tests; defaults to globalThis.fetch. */
  fetch?: typeof fetch;
  /** Time allowed for one POST attempt (connection, request and response), default 10,000 ms. */
  timeoutMs?: number;
}

/** What `send` did: it always logs; `webhook` says whether a POST was accepted. */
export interface Delivery {
  logged: true;
  webhook: 'sent' | 'none';
  /** HTTP status of the accepted POST. */
  status?: number;
  /** The receiver's id for the request, when it gives one (RESPONSE_ID_HEADERS, or a JSON body's `id`). */
  responseId?: string;
}

/** Headers in which receivers name the request they accepted, in the order they are looked for. */
export const RESPONSE_ID_HEADERS = ['x-request-id', 'request-id', 'x-amzn-requestid', 'x-slack-req-id', 'x-github-request-id'] as const;
/** What a response id may look like: short, no path, no spaces (anything else is not recorded). */
const RESPONSE_ID = /^[A-Za-z0-9._:+=-]{1,128}$/;
/** How much of a JSON response is read for its `id`. */
const RESPONSE_BODY_BYTES = 4096;

/** A failed POST. `retryable`: a later attempt may succeed (network, timeout, 408, 429, 5xx). */
export class WebhookError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'WebhookError';
  }
}

/** The JSON body POSTed to the webhook. */
export interface WebhookPayload {
  /** Slack-compatible message (mrkdwn): see notificationText. */
  text: string;
  kind: NotificationEvent['kind'];
  modelId: string;
  to: string[];
  title: string;
  at: string;
  workflowId?: string;
  details?: Record<string, unknown>;
}

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;

/** Log lines are one line without control characters; long ones are cut. */
const oneLine = (s: string): string => plainLine(s, 2000);

/**
 * The Slack-compatible `text` of an event: the title in bold, the body, then who it is for:
 *
 *     *Retrain churn?*
 *     roc_auc fell to 0.71 …
 *     To: a@x, b@y
 *
 * Title, body and recipients are plain text holding comments, reasons and ids: all are escaped for
 * Slack (domain/escape.ts), so none can forge a mention, a link or the To: line.
 */
export function notificationText(e: NotificationEvent): string {
  const lines = [`*${slackText(e.title)}*`];
  if (e.text.trim() !== '') lines.push(slackText(e.text.trimEnd(), { multiline: true }));
  if (e.to.length > 0) lines.push(`To: ${e.to.map((to) => slackText(to)).join(', ')}`);
  return lines.join('\n');
}

/** The JSON body of the POST: the event's fields plus the rendered `text`. Absent optional fields are left out. */
export function webhookPayload(e: NotificationEvent): WebhookPayload {
  return {
    text: notificationText(e),
    kind: e.kind,
    modelId: e.modelId,
    to: [...e.to],
    title: e.title,
    at: e.at,
    ...(e.workflowId !== undefined ? { workflowId: e.workflowId } : {}),
    ...(e.details !== undefined ? { details: e.details } : {}),
  };
}

/** The log line of an event: "[upkeep] <kind> <model> → <to>: <title>", always a single line. */
export function logLine(e: NotificationEvent): string {
  const to = e.to.length > 0 ? ` → ${e.to.join(', ')}` : '';
  return oneLine(`[upkeep] ${e.kind} ${e.modelId}${to}: ${e.title}`);
}

/**
 * The log line of an evaluation's verdict, from its audit entry: "[upkeep] churn: degraded —
 * <deciding reason> (report <uri>)"; undefined for an entry that carries no verdict.
 */
export function verdictLine(e: { modelId: string; kind: string; summary?: string; details?: Record<string, unknown> }): string | undefined {
  const d = e.details;
  // A bad verdict that asks nobody for a retrain says why where the verdict was seen (before: the audit trail only).
  if (e.kind === 'evaluation' && e.summary?.startsWith('no retrain requested: ')) {
    const now = e.summary.endsWith('within the cooldown') ? ` (retrain.cooldown; \`upkeep retrain ${e.modelId} --reason "…"\` asks now)` : '';
    return oneLine(`[upkeep] ${e.modelId}: ${e.summary}${now}`);
  }
  if (e.kind !== 'evaluation' || typeof d?.verdict !== 'string') return undefined;
  const reason = Array.isArray(d.reasons) && typeof d.reasons[0] === 'string' ? ` — ${d.reasons[0]}` : '';
  const report = typeof d.report === 'string' ? ` (report ${d.report})` : '';
  // An estimate says so (the labels not known yet); a re-evaluation with matured labels says that too.
  const basis = d.basis === 'estimated' ? ' (estimated: too few labels known yet)' : '';
  const matured = d.matured && typeof d.windowEnd === 'string' ? ` (labels matured for the window ending ${d.windowEnd})` : '';
  return oneLine(`[upkeep] ${e.modelId}: ${d.verdict}${basis}${matured}${reason}${report}`);
}

/**
 * The same for every attempt to deliver one event (its fields come from workflow history, so a
 * retry on another worker gets the same key) and different for two events (e.g. two reminders).
 */
export function idempotencyKey(e: NotificationEvent): string {
  const fields = [e.workflowId ?? '', e.modelId, e.kind, e.at, e.to, e.title, e.text];
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 32);
}

/** Whether an HTTP status is worth another attempt: request timeout, rate limit, server error. */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function parseWebhook(webhook: string): URL {
  let url: URL;
  try {
    url = new URL(webhook);
  } catch {
    throw new Error('notify.webhook is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`notify.webhook must be http or https, not ${url.protocol}`);
  if (url.username !== '' || url.password !== '') throw new Error('notify.webhook must not hold a user name or password (fetch refuses them)');
  return url;
}

/** Why fetch rejected, without anything from the URL: a timeout, or the network error's code. */
function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `timed out after ${timeoutMs} ms`;
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  return err instanceof Error ? err.name : 'unknown error';
}

/** Lets the connection go without reading a body we do not need (it may echo the secret path). */
async function discardBody(res: Response): Promise<void> {
  try {
    await res.body?.cancel();
  } catch {
    // nothing to release
  }
}

/** At most `max` bytes of a body (undefined past that: not a small JSON answer), then the rest is let go. */
async function readSmallBody(res: Response, max: number): Promise<string | undefined> {
  const reader = res.body?.getReader();
  if (!reader) return undefined;
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) return undefined;
      chunks.push(value);
    }
  } catch {
    return undefined;
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The receiver's id of an accepted request: a known header, else the `id` of a small JSON body.
 * Only an id-shaped value is kept (the body may echo the request, the secret URL included).
 */
export async function responseId(res: Response): Promise<string | undefined> {
  for (const name of RESPONSE_ID_HEADERS) {
    const v = res.headers.get(name)?.trim();
    if (v && RESPONSE_ID.test(v)) return v;
  }
  if (!/^application\/(.+\+)?json\b/i.test(res.headers.get('content-type') ?? '')) return undefined;
  const text = await readSmallBody(res, RESPONSE_BODY_BYTES);
  if (text === undefined) return undefined;
  try {
    const id = (JSON.parse(text) as { id?: unknown } | null)?.id;
    const v = typeof id === 'number' && Number.isSafeInteger(id) ? String(id) : typeof id === 'string' ? id : undefined;
    return v !== undefined && RESPONSE_ID.test(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

async function postOnce(
  url: URL,
  payload: WebhookPayload,
  key: string,
  doFetch: typeof fetch,
  timeoutMs: number,
): Promise<{ status: number; responseId?: string }> {
  let res: Response;
  try {
    res = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'upkeep', 'idempotency-key': key },
      body: jsonText(payload),
      // A redirected POST would silently become a GET elsewhere: a redirect is answered as a failure.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new WebhookError(`webhook POST to ${url.host} failed: ${describeFetchError(err, timeoutMs)}`, true);
  }
  if (res.ok) {
    const id = await responseId(res);
    await discardBody(res);
    return { status: res.status, ...(id !== undefined ? { responseId: id } : {}) };
  }
  await discardBody(res);
  const retryable = retryableStatus(res.status);
  throw new WebhookError(`webhook POST to ${url.host} answered HTTP ${res.status}${retryable ? '' : ' (not retryable)'}`, retryable, res.status);
}

/**
 * A notifier: `send` writes the log line, then (with a webhook) makes one POST attempt and
 * resolves when it is answered with 2xx. Throws WebhookError otherwise; the caller retries.
 * Throws at once if the webhook is not an http(s) URL or timeoutMs is not a positive number.
 */
export function createNotifier(o: NotifierOptions): { send(e: NotificationEvent): Promise<Delivery> } {
  const url = o.webhook === undefined ? undefined : parseWebhook(o.webhook);
  const timeoutMs = o.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new Error(`timeoutMs must be a positive number, not ${timeoutMs}`);
  const doFetch = o.fetch ?? globalThis.fetch;
  return {
    async send(e: NotificationEvent): Promise<Delivery> {
      o.log(logLine(e));
      if (!url) return { logged: true, webhook: 'none' };
      const posted = await postOnce(url, webhookPayload(e), idempotencyKey(e), doFetch, timeoutMs);
      return { logged: true, webhook: 'sent', ...posted };
    },
  };
}
