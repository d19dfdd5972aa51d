/**
 * Maintenance made visible: what the work of keeping a fleet healthy did in a period, computed
 * purely from each model's audit trail (the entries and nothing else), so the same trail always
 * gives the same report and every figure can be traced to the entries it counts (docs/governance.md).
 *
 * An entry belongs to the period when its time is at or after `since` and before `until`. A
 * model's state at the end (healthy or not) is its latest verdict recorded before `until`, even
 * one recorded before the period began.
 */
import type { AuditEntry } from '../../domain/maintenance.js';
import { htmlText, markdownCell } from '../../domain/escape.js';
import type { ArtifactStore } from '../store/store.js';
import { readChain } from './chain.js';

export interface ReportPeriod {
  since: string;
  until: string;
}

/** Medians and maxima of a duration, in milliseconds (null: nothing measured). */
export interface Durations {
  count: number;
  medianMs: number | null;
  maxMs: number | null;
}

export interface ModelReport {
  modelId: string;
  /** Evaluations with a verdict recorded in the period. */
  evaluations: number;
  /** Verdict → evaluations. */
  verdicts: Record<string, number>;
  /** The latest verdict recorded before the period's end (null: never evaluated). */
  verdictAtEnd: string | null;
  /** verdictAtEnd is healthy or warning. */
  healthyAtEnd: boolean;
  approvalsRequested: number;
  decisions: { approved: number; rejected: number; expired: number; latency: Durations };
  retrainsRequested: number;
  trained: number;
  promotions: number;
  rollbacks: number;
  notRecommended: number;
  failures: number;
  /** Channel (a named channel, `webhook` or `log`) → notifications delivered; not delivered ones apart. */
  notifications: Record<string, number>;
  notDelivered: number;
  /** From incident-opened / incident-closed entries, when the trail holds any. */
  incidents: { opened: number; closed: number; timeToDetect: Durations; timeToDecide: Durations; timeToRecover: Durations };
  /** Entries of the period counted (any kind). */
  entries: number;
}

export interface FleetReport {
  v: 'upkeep.report/1';
  period: ReportPeriod;
  /** What the figures were computed from. */
  source: 'audit trail';
  models: ModelReport[];
  total: Omit<ModelReport, 'modelId' | 'verdictAtEnd' | 'healthyAtEnd'> & { models: number; healthyAtEnd: number; evaluated: number };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function durations(values: readonly number[]): Durations {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return { count: 0, medianMs: null, maxMs: null };
  const mid = Math.floor(s.length / 2);
  return { count: s.length, medianMs: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2, maxMs: s.at(-1)! };
}

/** Where a notified entry went: its named channel, else the webhook or the log. */
function channelOf(e: AuditEntry): string {
  const d = (e.details?.delivery ?? {}) as Record<string, unknown>;
  const named = str(e.details?.channel) ?? (str(d.channel) && d.channel !== 'webhook' && d.channel !== 'log' ? str(d.channel) : undefined);
  return named ?? (d.channel === 'webhook' || e.details?.webhook === 'sent' || e.details?.webhook === 'refused' ? 'webhook' : 'log');
}

const delivered = (e: AuditEntry): boolean => {
  const outcome = str((e.details?.delivery as Record<string, unknown> | undefined)?.outcome);
  return outcome !== 'refused' && outcome !== 'gave-up' && outcome !== 'failed';
};

/** A duration the incident entry keeps (`timeToDetectMs`, or `timeToDetect: { ms }`). */
function incidentMs(e: AuditEntry, name: 'timeToDetect' | 'timeToDecide' | 'timeToRecover'): number | undefined {
  const d = e.details ?? {};
  const times = (d.times ?? {}) as Record<string, unknown>;
  const nested = (v: unknown): number | undefined => num(v) ?? num((v as { ms?: unknown } | undefined)?.ms);
  return nested(d[`${name}Ms`]) ?? nested(d[name]) ?? nested(times[`${name}Ms`]) ?? nested(times[name]);
}

/** One model's figures for the period, from its entries (any order). */
export function modelReport(modelId: string, entries: readonly AuditEntry[], period: ReportPeriod): ModelReport {
  const since = Date.parse(period.since);
  const until = Date.parse(period.until);
  const r: ModelReport = {
    modelId,
    evaluations: 0,
    verdicts: {},
    verdictAtEnd: null,
    healthyAtEnd: false,
    approvalsRequested: 0,
    decisions: { approved: 0, rejected: 0, expired: 0, latency: durations([]) },
    retrainsRequested: 0,
    trained: 0,
    promotions: 0,
    rollbacks: 0,
    notRecommended: 0,
    failures: 0,
    notifications: {},
    notDelivered: 0,
    incidents: { opened: 0, closed: 0, timeToDetect: durations([]), timeToDecide: durations([]), timeToRecover: durations([]) },
    entries: 0,
  };
  const latency: number[] = [];
  const detect: number[] = [];
  const decide: number[] = [];
  const recover: number[] = [];
  let latest: { at: number; id: string; verdict: string } | undefined;
  for (const e of entries) {
    const at = Date.parse(e.at);
    if (!(at < until)) continue;
    const verdict = e.kind === 'evaluation' ? str(e.details?.verdict) : undefined;
    if (verdict && (!latest || at > latest.at || (at === latest.at && e.id > latest.id))) latest = { at, id: e.id, verdict };
    if (at < since) continue;
    r.entries++;
    // Kinds another part records (incidents) are read when present, whatever this build's type knows.
    const kind = e.kind as string;
    switch (kind) {
      case 'evaluation':
        if (verdict) {
          r.evaluations++;
          r.verdicts[verdict] = (r.verdicts[verdict] ?? 0) + 1;
        }
        break;
      case 'approval-requested':
        r.approvalsRequested++;
        break;
      case 'decision': {
        if (e.details?.decision === 'reject') r.decisions.rejected++;
        else r.decisions.approved++;
        const opened = Date.parse(str(e.details?.openedAt) ?? '');
        const decided = Date.parse(str(e.details?.at) ?? e.at);
        if (Number.isFinite(opened) && Number.isFinite(decided) && decided >= opened) latency.push(decided - opened);
        break;
      }
      case 'expired':
        r.decisions.expired++;
        break;
      case 'retrain-requested':
        r.retrainsRequested++;
        break;
      case 'trained':
        r.trained++;
        break;
      case 'promoted':
        r.promotions++;
        break;
      case 'rolled-back':
        r.rollbacks++;
        break;
      case 'not-recommended':
        r.notRecommended++;
        break;
      case 'failure':
        r.failures++;
        break;
      case 'notified':
        if (delivered(e)) {
          const c = channelOf(e);
          r.notifications[c] = (r.notifications[c] ?? 0) + 1;
        } else r.notDelivered++;
        break;
      case 'incident-opened':
        r.incidents.opened++;
        break;
      case 'incident-closed': {
        r.incidents.closed++;
        const [a, b, c] = [incidentMs(e, 'timeToDetect'), incidentMs(e, 'timeToDecide'), incidentMs(e, 'timeToRecover')];
        if (a !== undefined) detect.push(a);
        if (b !== undefined) decide.push(b);
        if (c !== undefined) recover.push(c);
        break;
      }
      default:
        break;
    }
  }
  r.verdictAtEnd = latest?.verdict ?? null;
  r.healthyAtEnd = r.verdictAtEnd === 'healthy' || r.verdictAtEnd === 'warning';
  r.decisions.latency = durations(latency);
  r.incidents.timeToDetect = durations(detect);
  r.incidents.timeToDecide = durations(decide);
  r.incidents.timeToRecover = durations(recover);
  return r;
}

const sumRecords = (rs: readonly Record<string, number>[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const r of rs) for (const [k, v] of Object.entries(r)) out[k] = (out[k] ?? 0) + v;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
};

/** The fleet's figures: each model's, and their totals (durations over every model's measurements). */
export function fleetReport(trails: readonly { modelId: string; entries: readonly AuditEntry[] }[], period: ReportPeriod): FleetReport {
  const all = trails.map((t) => ({ report: modelReport(t.modelId, t.entries, period), entries: t.entries }));
  const models = all.map((a) => a.report).sort((a, b) => a.modelId.localeCompare(b.modelId));
  const sum = (f: (m: ModelReport) => number): number => models.reduce((s, m) => s + f(m), 0);
  // Medians of the fleet are of every measurement, not of the models' medians: recompute from the entries.
  const pooled = modelReport(
    '*',
    all.flatMap((a) => a.entries.map((e) => ({ ...e, id: `${a.report.modelId}/${e.id}` }))),
    period,
  );
  return {
    v: 'upkeep.report/1',
    period,
    source: 'audit trail',
    models,
    total: {
      models: models.length,
      evaluated: models.filter((m) => m.evaluations > 0).length,
      healthyAtEnd: models.filter((m) => m.healthyAtEnd).length,
      evaluations: sum((m) => m.evaluations),
      verdicts: sumRecords(models.map((m) => m.verdicts)),
      approvalsRequested: sum((m) => m.approvalsRequested),
      decisions: { ...pooled.decisions },
      retrainsRequested: sum((m) => m.retrainsRequested),
      trained: sum((m) => m.trained),
      promotions: sum((m) => m.promotions),
      rollbacks: sum((m) => m.rollbacks),
      notRecommended: sum((m) => m.notRecommended),
      failures: sum((m) => m.failures),
      notifications: sumRecords(models.map((m) => m.notifications)),
      notDelivered: sum((m) => m.notDelivered),
      incidents: pooled.incidents,
      entries: sum((m) => m.entries),
    },
  };
}

/** Reads each model's chain from the store and reports on the period. */
export async function readFleetReport(store: ArtifactStore, modelIds: readonly string[], period: ReportPeriod): Promise<FleetReport> {
  const trails: { modelId: string; entries: AuditEntry[] }[] = [];
  for (const modelId of modelIds) trails.push({ modelId, entries: (await readChain(store, modelId)).map((c) => c.entry) });
  return fleetReport(trails, period);
}

/** A duration as people read it: 40 min, 5.2 h, 3.1 days. */
export function humanDuration(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 3_600_000 ? `${Math.round(ms / 60_000)} min` : ms < 172_800_000 ? `${(ms / 3_600_000).toFixed(1)} h` : `${(ms / 86_400_000).toFixed(1)} days`;
}

const verdictCell = (v: Record<string, number>): string =>
  Object.entries(v)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${n} ${k}`)
    .join(', ') || '—';
const channelCell = (c: Record<string, number>): string =>
  Object.entries(c)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || '—';
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The headline numbers, one per line (the same in Markdown, HTML and the digest). */
export function reportHeadlines(r: FleetReport): string[] {
  const t = r.total;
  return [
    `${t.healthyAtEnd} of ${plural(t.models, 'model')} healthy at the end of the period (${t.evaluated} evaluated in it)`,
    `${plural(t.evaluations, 'evaluation')} run: ${verdictCell(t.verdicts)}`,
    `${plural(t.decisions.approved + t.decisions.rejected, 'decision')} taken (${t.decisions.approved} approved, ${t.decisions.rejected} rejected, ${t.decisions.expired} expired undecided) of ${plural(t.approvalsRequested, 'request')}; request → decision median ${humanDuration(t.decisions.latency.medianMs)}, longest ${humanDuration(t.decisions.latency.maxMs)}`,
    `${plural(t.retrainsRequested, 'retrain')} requested, ${t.trained} trained, ${plural(t.promotions, 'promotion')}, ${plural(t.rollbacks, 'rollback')}, ${t.notRecommended} not recommended`,
    `${plural(
      Object.values(t.notifications).reduce((s, n) => s + n, 0),
      'notification',
    )} delivered (${channelCell(t.notifications)})${t.notDelivered ? `, ${t.notDelivered} NOT delivered` : ''}`,
    `${plural(t.incidents.opened, 'incident')} opened, ${t.incidents.closed} closed; time to detect median ${humanDuration(t.incidents.timeToDetect.medianMs)}, to decide ${humanDuration(t.incidents.timeToDecide.medianMs)}, to recover ${humanDuration(t.incidents.timeToRecover.medianMs)}`,
    ...(t.failures ? [`${plural(t.failures, 'failure')} recorded`] : []),
  ];
}

const TABLE_HEAD = [
  'model',
  'at end',
  'evaluations',
  'verdicts',
  'decisions',
  'decision latency (median)',
  'retrains / promotions',
  'incidents',
  'notifications',
];
const tableRow = (m: ModelReport): string[] => [
  m.modelId,
  m.verdictAtEnd ?? 'never evaluated',
  String(m.evaluations),
  verdictCell(m.verdicts),
  `${m.decisions.approved + m.decisions.rejected}${m.decisions.expired ? ` (+${m.decisions.expired} expired)` : ''}`,
  humanDuration(m.decisions.latency.medianMs),
  `${m.retrainsRequested} / ${m.promotions}`,
  `${m.incidents.opened} opened, ${m.incidents.closed} closed`,
  channelCell(m.notifications),
];

export function renderReportMarkdown(r: FleetReport): string {
  return [
    `# Maintenance report ${r.period.since} → ${r.period.until}`,
    '',
    ...reportHeadlines(r).map((l) => `- ${markdownCell(l)}`),
    '',
    `| ${TABLE_HEAD.join(' | ')} |`,
    `|${TABLE_HEAD.map(() => '---').join('|')}|`,
    ...r.models.map((m) => `| ${tableRow(m).map(markdownCell).join(' | ')} |`),
    '',
    'Computed from the audit trail alone (upkeep report; docs/governance.md says what each figure counts). `upkeep audit verify <model>` checks the trail it was read from.',
    '',
  ].join('\n');
}

export function renderReportHtml(r: FleetReport): string {
  const title = `Maintenance report ${r.period.since} → ${r.period.until}`;
  return [
    '<!doctype html>',
    `<html lang="en"><head><meta charset="utf-8"><title>${htmlText(title)}</title>`,
    '<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}</style>',
    '</head><body>',
    `<h1>${htmlText(title)}</h1>`,
    `<ul>${reportHeadlines(r)
      .map((l) => `<li>${htmlText(l)}</li>`)
      .join('')}</ul>`,
    `<table><thead><tr>${TABLE_HEAD.map((h) => `<th>${htmlText(h)}</th>`).join('')}</tr></thead><tbody>`,
    ...r.models.map(
      (m) =>
        `<tr>${tableRow(m)
          .map((c) => `<td>${htmlText(c)}</td>`)
          .join('')}</tr>`,
    ),
    '</tbody></table>',
    '<p>Computed from the audit trail alone (upkeep report). <code>upkeep audit verify &lt;model&gt;</code> checks the trail it was read from.</p>',
    '</body></html>',
    '',
  ].join('\n');
}
