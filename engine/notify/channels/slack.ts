/**
 * Slack through an incoming webhook (its URL, the secret, read from webhook_file): a Block Kit
 * message with the picture's numbers and a plain `text` fallback (notifications, old clients).
 *
 *   header   "churn is degraded"                             (plain text, ≤ 150 characters)
 *   section  the event's text                                (plain text, ≤ 3000)
 *   section  fields: verdict, failed gates, metric [interval], threshold, rows, drifted columns  (≤ 10, each ≤ 2000)
 *   section  the drifted columns with their scores and importances, most important first  (plain text)
 *   context  model, time, who it is for
 *   actions  "Open churn" → the model's page, when a public URL is known
 *
 * A digest lists its events, one section each, within Slack's 50 blocks. Everything that comes
 * from people or data (titles, column names, comments) is plain_text, never mrkdwn, so it cannot
 * format, mention (<!channel>) or link; the fallback text is escaped for mrkdwn (slackText).
 */
import { plainLine, slackText } from '../../../domain/escape.js';
import type { ChannelSpec } from '../../../domain/config.js';
import type { NotificationEvent } from '../../../domain/maintenance.js';
import { RESPONSE_ID_HEADERS } from '../notify.js';
import { cut, driftedHeading, driftedLine, eventFacts, factRows, messageEvents, messageTitle, modelPageUrl } from './facts.js';
import { isLoopback, postJson } from './http.js';
import type { SendOptions } from './options.js';
import { readSecretFile } from './secret.js';
import { ChannelError, type ChannelDelivery, type ChannelMessage } from './types.js';

type SlackSpec = Extract<ChannelSpec, { type: 'slack' }>;

/** Block Kit's limits (Slack refuses a message past them). */
export const SLACK_LIMITS = { blocks: 50, header: 150, sectionText: 3000, fields: 10, fieldText: 2000, contextElements: 10, buttonText: 75, url: 3000 };
/** The fallback `text`: Slack cuts longer ones; notifications show the first line or two. */
const FALLBACK_MAX = 3000;

interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}
interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
}
export type SlackBlock =
  | { type: 'header'; text: PlainText }
  | { type: 'section'; text?: PlainText | MrkdwnText; fields?: (PlainText | MrkdwnText)[] }
  | { type: 'context'; elements: (PlainText | MrkdwnText)[] }
  | { type: 'divider' }
  | { type: 'actions'; elements: { type: 'button'; text: PlainText; url: string; action_id: string }[] };

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
  unfurl_links: false;
  unfurl_media: false;
}

/** Plain text for a block: no controls, at most `max` characters, never empty (Slack refuses an empty text). */
const plain = (s: string, max: number, multiline = false): PlainText => {
  const t = multiline
    ? s.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    : plainLine(s, Infinity);
  return { type: 'plain_text', text: cut(t.trim() || '-', max), emoji: false };
};

/** The numbers of one event as fields (label on the first line). */
function factFields(e: NotificationEvent): PlainText[] {
  return factRows(eventFacts(e))
    .slice(0, SLACK_LIMITS.fields)
    .map(([label, value]) => plain(`${label}\n${value}`, SLACK_LIMITS.fieldText, true));
}

function eventBlocks(e: NotificationEvent): SlackBlock[] {
  const blocks: SlackBlock[] = [];
  if (e.text.trim() !== '') blocks.push({ type: 'section', text: plain(e.text, SLACK_LIMITS.sectionText, true) });
  const fields = factFields(e);
  if (fields.length > 0) blocks.push({ type: 'section', fields });
  const f = eventFacts(e);
  if (f.drifted && f.drifted.length > 0) {
    const more = (f.driftedCount ?? 0) - f.drifted.length;
    const lines = [...f.drifted.map((c) => `• ${driftedLine(c)}`), ...(more > 0 ? [`… and ${more} more`] : [])];
    blocks.push({ type: 'section', text: plain(`${driftedHeading(f.drifted)}\n${lines.join('\n')}`, SLACK_LIMITS.sectionText, true) });
  }
  return blocks;
}

function contextBlock(e: NotificationEvent, extra?: string): SlackBlock {
  const elements: PlainText[] = [plain(`${e.modelId} · ${e.kind} · ${e.at}`, SLACK_LIMITS.sectionText)];
  if (e.to.length > 0)
    elements.push(plain(`To: ${e.to.slice(0, 20).join(', ')}${e.to.length > 20 ? ` and ${e.to.length - 20} more` : ''}`, SLACK_LIMITS.sectionText));
  if (extra) elements.push(plain(extra, SLACK_LIMITS.sectionText));
  return { type: 'context', elements: elements.slice(0, SLACK_LIMITS.contextElements) };
}

/** The fallback text: the title in bold and the body, escaped for mrkdwn (a digest: one line per event). */
function fallbackText(message: ChannelMessage): string {
  const events = messageEvents(message);
  if (events.length === 1) {
    const e = message.event;
    const body = e.text.trim() !== '' ? `\n${slackText(e.text.trimEnd(), { multiline: true })}` : '';
    return cut(`*${slackText(e.title)}*${body}`, FALLBACK_MAX);
  }
  const lines = events.map((d) => `• ${slackText(plainLine(d.title, 200))}`);
  return cut(`*${slackText(messageTitle(message, 300))}*\n${lines.join('\n')}`, FALLBACK_MAX);
}

/** The Block Kit message of a message (one event, or a digest). Always within SLACK_LIMITS. */
export function slackMessage(message: ChannelMessage, opts: { publicUrl?: string } = {}): SlackMessage {
  const e = message.event;
  const events = messageEvents(message);
  const blocks: SlackBlock[] = [{ type: 'header', text: plain(messageTitle(message, SLACK_LIMITS.header), SLACK_LIMITS.header) }];
  if (events.length === 1) {
    blocks.push(...eventBlocks(e), contextBlock(e));
  } else {
    // Newest first; each event a title line and its numbers, as many as fit before the closing blocks.
    const room = SLACK_LIMITS.blocks - blocks.length - 3;
    const newest = [...events].reverse();
    let shown = 0;
    for (const d of newest) {
      const fields = factFields(d);
      const need = 1 + (fields.length > 0 ? 1 : 0);
      if (room - (blocks.length - 1) < need) break;
      blocks.push({ type: 'section', text: plain(`${d.at} · ${d.kind}\n${plainLine(d.title, 1000)}`, SLACK_LIMITS.sectionText, true) });
      if (fields.length > 0) blocks.push({ type: 'section', fields });
      shown++;
    }
    blocks.push({ type: 'divider' });
    blocks.push(contextBlock(e, `${events.length} notifications gathered${shown < events.length ? `, the ${shown} latest shown` : ''}`));
  }
  const page = modelPageUrl(opts.publicUrl, e.modelId);
  if (page && page.length <= SLACK_LIMITS.url) {
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', text: plain(`Open ${e.modelId}`, SLACK_LIMITS.buttonText), url: page, action_id: 'open-model' }],
    });
  }
  return { text: fallbackText(message), blocks: blocks.slice(0, SLACK_LIMITS.blocks), unfurl_links: false, unfurl_media: false };
}

/** The webhook URL from its file: https (http only on this machine, for a local receiver). */
export function webhookUrl(name: string, text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ChannelError(`channel ${name}: webhook_file does not hold a URL`, false);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url)))
    throw new ChannelError(`channel ${name}: the Slack webhook URL must be https (host ${url.host})`, false);
  if (url.username !== '' || url.password !== '') throw new ChannelError(`channel ${name}: the Slack webhook URL must not hold a user name or password`, false);
  return url;
}

/** Sends one message to a Slack channel (one attempt). */
export async function sendSlack(name: string, spec: SlackSpec, message: ChannelMessage, opts: SendOptions): Promise<ChannelDelivery> {
  const url = webhookUrl(name, await readSecretFile(name, 'webhook_file', spec.webhook_file, opts.configDir));
  const answer = await postJson(`channel ${name}: Slack at ${url.host}`, url, JSON.stringify(slackMessage(message, opts)), opts);
  let responseId: string | undefined;
  for (const h of RESPONSE_ID_HEADERS) {
    const v = answer.headers.get(h)?.trim();
    if (v && /^[A-Za-z0-9._:+=-]{1,128}$/.test(v)) {
      responseId = v;
      break;
    }
  }
  return { channel: name, type: 'slack', status: answer.status, ...(responseId ? { responseId } : {}) };
}
