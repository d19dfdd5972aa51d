/**
 * One JSON POST for a channel (PagerDuty, Slack): a deadline that covers the connection, the
 * request and reading the answer (a receiver that hangs or drips its answer is cut off), no
 * redirect followed (a redirected POST would go elsewhere, maybe to another host, with the
 * secret body), at most a small answer read. Errors name the channel, what was called and its
 * host, never the URL's path or query (a Slack webhook's path is the secret).
 */
import { retryableStatus } from '../notify.js';
import { ChannelError, type ChannelOptions } from './types.js';

export const DEFAULT_CHANNEL_TIMEOUT_MS = 10_000;
/** How much of an answer is read (PagerDuty's and Slack's are a few dozen bytes). */
const ANSWER_BYTES = 8192;

export interface PostAnswer {
  status: number;
  headers: Headers;
  /** The answer's body, cut at ANSWER_BYTES. */
  body: string;
}

/** Whether a URL points at this machine (where plain http may carry a secret: a local stand-in or relay). */
export function isLoopback(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(url.hostname);
}

/** The deadline of one attempt, and the caller's signal when given. */
export function attemptSignal(opts: ChannelOptions): { signal: AbortSignal; timeoutMs: number } {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CHANNEL_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new ChannelError(`timeoutMs must be a positive number of milliseconds, not ${timeoutMs}`, false);
  const timeout = AbortSignal.timeout(timeoutMs);
  return { signal: opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout, timeoutMs };
}

/** Why fetch (or reading the answer) failed, without anything of the URL: a timeout, a cancel, or the network error's code. */
function why(err: unknown, timeoutMs: number, signal: AbortSignal): string {
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    return reason instanceof Error && reason.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : 'cancelled';
  }
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `timed out after ${timeoutMs} ms`;
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  return err instanceof Error ? err.name : 'unknown error';
}

async function readAnswer(res: Response): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < ANSWER_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, ANSWER_BYTES);
}

/**
 * POSTs `body` (JSON text) to `url` once. Resolves with a 2xx answer; throws ChannelError for
 * anything else: a redirect (not followed, not retried), 4xx (not retried except 408 and 429),
 * 5xx, a network error or the deadline (retried). `describe` names the receiver in messages,
 * e.g. `channel pager: PagerDuty at events.pagerduty.com`.
 */
export async function postJson(describe: string, url: URL, body: string, opts: ChannelOptions, headers: Record<string, string> = {}): Promise<PostAnswer> {
  const { signal, timeoutMs } = attemptSignal(opts);
  const doFetch = opts.fetch ?? globalThis.fetch;
  let res: Response;
  try {
    res = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'upkeep', ...headers },
      body,
      redirect: 'manual',
      signal,
    });
  } catch (err) {
    throw new ChannelError(`${describe}: POST failed: ${why(err, timeoutMs, signal)}`, true);
  }
  let answer: string;
  try {
    answer = await readAnswer(res);
  } catch (err) {
    throw new ChannelError(`${describe}: reading the answer failed: ${why(err, timeoutMs, signal)}`, true, res.status);
  }
  if (res.status >= 300 && res.status < 400) {
    const to = redirectHost(res.headers.get('location'), url);
    throw new ChannelError(`${describe} answered HTTP ${res.status}, a redirect${to} (not followed: configure the final address)`, false, res.status);
  }
  if (res.status < 200 || res.status >= 300) {
    const retryable = retryableStatus(res.status);
    throw Object.assign(new ChannelError(`${describe} answered HTTP ${res.status}${retryable ? '' : ' (not retryable)'}`, retryable, res.status), { answer });
  }
  return { status: res.status, headers: res.headers, body: answer };
}

/** Where a redirect points, by host only (" to other.example"), or nothing when it cannot be read. */
function redirectHost(location: string | null, from: URL): string {
  if (!location) return '';
  try {
    const to = new URL(location, from);
    return to.host === from.host ? ' on the same host' : ` to ${to.host}`;
  } catch {
    return '';
  }
}

/** The body of a refused POST (for a receiver's reason), if postJson kept it. */
export function refusedAnswer(err: unknown): string | undefined {
  const a = (err as { answer?: unknown } | null)?.answer;
  return typeof a === 'string' ? a : undefined;
}
