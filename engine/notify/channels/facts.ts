/**
 * The numbers an event carries (what the pictures show), read defensively from its `details`
 * for the channels that display them (Slack fields, the email's table, PagerDuty's
 * custom_details). Workflows put these in `details` (docs/channels.md "What a message shows"):
 *
 *   verdict, previous (recovered), basis ('realized' | 'estimated'), metric, value,
 *   interval ([low, high] or {low, high}), threshold, rows,
 *   drifted ([{column, score, threshold?, test?, importance?, below_floor?}], most important first when measured),
 *   drifted_count (when `drifted` lists only the first), failed_gates (names), report (its URI),
 *   kind (a watchdog finding's kind)
 *
 * domain/notify-details.ts builds them from an evaluation, for the workflows.
 *
 * Anything missing or of the wrong type is left out; lists are cut so a message stays bounded.
 */
import { plainLine } from '../../../domain/escape.js';
import type { NotificationEvent } from '../../../domain/maintenance.js';
import { idempotencyKey } from '../notify.js';
import type { ChannelMessage } from './types.js';

export interface DriftedColumn {
  column: string;
  score: number | null;
  threshold?: number;
  test?: string;
  /** The column's permutation importance to the model (domain/importance.ts), when measured. */
  importance?: number;
  /** Its importance is under monitor.drift.importance_floor: its drift raises no warning. */
  belowFloor?: boolean;
}

export interface EventFacts {
  verdict?: string;
  previous?: string;
  basis?: string;
  metric?: string;
  value?: number;
  interval?: [number, number];
  threshold?: number;
  rows?: number;
  /** The drifted columns, at most MAX_DRIFTED, in the order the event gives them. */
  drifted?: DriftedColumn[];
  /** How many columns drifted (may exceed drifted.length). */
  driftedCount?: number;
  /** The declared gates the verdict failed on (verdict.failedGates), at most MAX_FAILED_GATES. */
  failedGates?: string[];
  report?: string;
  findingKind?: string;
}

/** Drifted columns shown by name; the rest are counted. */
export const MAX_DRIFTED = 8;

/** Failed gates shown by name; the rest are counted. */
export const MAX_FAILED_GATES = 12;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const word = (v: unknown, max = 120): string | undefined => (typeof v === 'string' && v.trim() !== '' ? plainLine(v, max) : undefined);

function interval(v: unknown): [number, number] | undefined {
  if (Array.isArray(v) && v.length === 2) {
    const [lo, hi] = [num(v[0]), num(v[1])];
    return lo !== undefined && hi !== undefined ? [lo, hi] : undefined;
  }
  if (v && typeof v === 'object') {
    const o = v as { low?: unknown; high?: unknown; lower?: unknown; upper?: unknown };
    const lo = num(o.low ?? o.lower);
    const hi = num(o.high ?? o.upper);
    return lo !== undefined && hi !== undefined ? [lo, hi] : undefined;
  }
  return undefined;
}

function drifted(v: unknown): { list: DriftedColumn[]; count: number } | undefined {
  if (!Array.isArray(v)) return undefined;
  const list: DriftedColumn[] = [];
  for (const c of v as unknown[]) {
    if (!c || typeof c !== 'object') continue;
    const o = c as Record<string, unknown>;
    const column = word(o.column, 80);
    if (column === undefined) continue;
    const threshold = num(o.threshold);
    const test = word(o.test, 40);
    const importance = num(o.importance);
    list.push({
      column,
      score: num(o.score) ?? null,
      ...(threshold !== undefined ? { threshold } : {}),
      ...(test ? { test } : {}),
      ...(importance !== undefined ? { importance } : {}),
      ...(o.below_floor === true ? { belowFloor: true } : {}),
    });
  }
  // In the order given (most important first when measured): a score is a p-value for some tests and a distance for others.
  return { list: list.slice(0, MAX_DRIFTED), count: list.length };
}

/** The numbers of an event, as far as its details carry them. */
export function eventFacts(e: NotificationEvent): EventFacts {
  const d = e.details ?? {};
  const f: EventFacts = {};
  const set = <K extends keyof EventFacts>(k: K, v: EventFacts[K] | undefined): void => {
    if (v !== undefined) f[k] = v;
  };
  set('verdict', word(d.verdict, 20) ?? (['degraded', 'failing', 'warning'].includes(e.kind) ? e.kind : e.kind === 'recovered' ? 'healthy' : undefined));
  set('previous', word(d.previous, 20));
  set('basis', word(d.basis, 20));
  set('metric', word(d.metric, 60));
  set('value', num(d.value));
  set('interval', interval(d.interval));
  set('threshold', num(d.threshold));
  const rows = num(d.rows);
  if (rows !== undefined && rows >= 0) f.rows = rows;
  const dr = drifted(d.drifted);
  if (dr) {
    f.drifted = dr.list;
    // The sender may list only the first columns and count them all.
    const count = num(d.drifted_count);
    f.driftedCount = count !== undefined && Number.isInteger(count) && count > dr.count ? count : dr.count;
  }
  if (Array.isArray(d.failed_gates)) {
    const names = (d.failed_gates as unknown[]).map((n) => word(n, 80)).filter((n): n is string => n !== undefined);
    if (names.length > 0) f.failedGates = names;
  }
  set('report', word(d.report, 300));
  if (e.kind === 'watchdog') set('findingKind', word(d.kind, 60));
  return f;
}

/** A number for people: up to 4 decimals, no trailing zeros; integers grouped (12,345); tiny ones in exponent form (3e-8). */
export function fmt(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  const a = Math.abs(n);
  // A tiny p-value is not 0: it keeps its magnitude (1.2e-12).
  if (a < 0.001) return n.toExponential(1).replace('.0e', 'e');
  const digits = a >= 100 ? 1 : a >= 1 ? 3 : 4;
  return String(Number(n.toFixed(digits)));
}

/** "roc_auc 0.71 [0.68, 0.74]" (metric, value, interval as known), or undefined. */
export function metricLine(f: EventFacts): string | undefined {
  if (f.value === undefined) return undefined;
  return `${f.metric ?? 'metric'} ${fmt(f.value)}${f.interval ? ` [${fmt(f.interval[0])}, ${fmt(f.interval[1])}]` : ''}`;
}

/** "0.045" or "0.001, below the importance floor" for a drifted column with an importance, else ''. */
export function importanceShort(c: DriftedColumn): string {
  if (c.importance === undefined) return '';
  return `${fmt(c.importance)}${c.belowFloor ? ', below the importance floor' : ''}`;
}

/** "income psi 0.31 (threshold 0.2), importance 0.045" for a drifted column. */
export function driftedLine(c: DriftedColumn): string {
  const score = c.score === null ? 'no score' : fmt(c.score);
  const imp = importanceShort(c);
  return `${c.column}${c.test ? ` ${c.test}` : ''} ${score}${c.threshold !== undefined ? ` (threshold ${fmt(c.threshold)})` : ''}${imp ? `, importance ${imp}` : ''}`;
}

/** The heading of a list of drifted columns: says they are ranked when their importances are known. */
export function driftedHeading(list: readonly DriftedColumn[]): string {
  return list.some((c) => c.importance !== undefined) ? 'Drifted columns (most important first)' : 'Drifted columns';
}

/** "fraud_cost, demographic_parity_difference[sex]" (and "and N more"), or undefined without failed gates. */
export function failedGatesLine(f: EventFacts): string | undefined {
  const g = f.failedGates;
  if (!g || g.length === 0) return undefined;
  const shown = g.slice(0, MAX_FAILED_GATES);
  return `${shown.join(', ')}${g.length > shown.length ? ` and ${g.length - shown.length} more` : ''}`;
}

/** The labelled numbers of an event, for a table or fields: [label, value] pairs. */
export function factRows(f: EventFacts): [string, string][] {
  const rows: [string, string][] = [];
  if (f.verdict) rows.push(['Verdict', `${f.verdict}${f.basis === 'estimated' ? ' (estimated)' : ''}${f.previous ? ` (was ${f.previous})` : ''}`]);
  const gates = failedGatesLine(f);
  if (gates) rows.push(['Failed gates', gates]);
  const m = metricLine(f);
  if (m) rows.push(['Metric', m]);
  if (f.threshold !== undefined) rows.push(['Threshold', fmt(f.threshold)]);
  if (f.rows !== undefined) rows.push(['Rows', fmt(f.rows)]);
  if (f.driftedCount !== undefined) rows.push(['Drifted columns', String(f.driftedCount)]);
  if (f.findingKind) rows.push(['Finding', f.findingKind]);
  return rows;
}

/** The events a message is about: the digest's, else the one event. */
export function messageEvents(m: ChannelMessage): NotificationEvent[] {
  return m.digest && m.digest.length > 0 ? m.digest : [m.event];
}

/** One line naming a message: the title, or for a digest "<model>: N notifications (latest: <title>)". */
export function messageTitle(m: ChannelMessage, max: number): string {
  const events = messageEvents(m);
  if (events.length === 1) return plainLine(m.event.title, max);
  return plainLine(`${m.event.modelId}: ${events.length} notifications (latest: ${m.event.title})`, max);
}

/** The same for every attempt at one message, different for two messages (a digest: the key of its events). */
export function messageKey(m: ChannelMessage): string {
  const events = messageEvents(m);
  return events.length === 1 ? idempotencyKey(m.event) : idempotencyKey({ ...m.event, text: events.map(idempotencyKey).join(',') });
}

/** At most `max` UTF-16 units, ending with "…" when cut (never half of a surrogate pair). */
export function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  let head = s.slice(0, max - 1);
  if (/[\ud800-\udbff]$/.test(head)) head = head.slice(0, -1);
  return `${head}…`;
}

/** A link to the model's page in the web inbox, when a public URL is known. */
export function modelPageUrl(publicUrl: string | undefined, modelId: string): string | undefined {
  if (!publicUrl) return undefined;
  try {
    const u = new URL(publicUrl);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
    return new URL(`/models/${encodeURIComponent(modelId)}`, u.origin).href;
  } catch {
    return undefined;
  }
}
