/**
 * `upkeep status` as text: the fleet table (one line per model, cut to the terminal's width) and
 * one model's detail view. Pure: the status, the time and the width come in, text goes out.
 */
import { championChange } from '../../domain/staleness.js';
import { trendArrow } from './trend.js';
import type { FleetStatus, ModelStatus, PendingApproval } from './types.js';

export interface RenderOptions {
  /** Terminal width; undefined (piped output) cuts nothing. */
  width?: number;
  /** Arrows and … when true; `^ v =` and `...` otherwise. */
  utf8?: boolean;
}

/** 90s, 5m, 3h, 2d: the largest unit that keeps the number small. */
export function shortDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 90_000) return `${Math.round(abs / 1000)}s`;
  if (abs < 5_400_000) return `${Math.round(abs / 60_000)}m`;
  if (abs < 172_800_000) return `${Math.round(abs / 3_600_000)}h`;
  return `${Math.round(abs / 86_400_000)}d`;
}

/** `3h ago` or `in 5m`, relative to `now`. */
export function relative(iso: string, now: Date): string {
  const ms = now.getTime() - Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  return ms >= 0 ? `${shortDuration(ms)} ago` : `in ${shortDuration(ms)}`;
}

const num = (v: number | null | undefined): string => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : '—');

/** The text cut to `width` characters, the last one an ellipsis when something was cut. */
export function cut(text: string, width: number, utf8 = true): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  const mark = utf8 ? '…' : '...';
  if (width <= mark.length) return chars.slice(0, width).join('');
  return chars.slice(0, width - mark.length).join('') + mark;
}

const length = (s: string): number => [...s].length;

function approvalsCell(list: PendingApproval[] | null): string {
  if (list === null) return '?';
  return list.map((a) => `${a.gate} ${shortDuration(a.waitingMs)}${a.overdue ? '!' : ''}`).join(', ');
}

function scheduleCell(m: ModelStatus, now: Date): string {
  const s = m.scheduleState;
  if (!s) return '?';
  if (s.state === 'missing') return 'no schedule';
  if (s.state === 'paused') return 'paused';
  return s.nextRun ? relative(s.nextRun, now) : '';
}

function metricCell(m: ModelStatus, utf8: boolean): string {
  const e = m.lastEvaluation;
  if (!e) return '';
  return `${e.metric} ${e.basis === 'estimated' ? '~' : ''}${num(e.value)} ${trendArrow(e.trend.direction, utf8)}`.trimEnd();
}

export const TABLE_HEADER = ['model', 'owner', 'champion', 'evaluated', 'verdict', 'primary metric', 'staleness', 'next run', 'approvals', 'findings'] as const;

/** One row of cells per model, in TABLE_HEADER's order. */
export function tableRows(status: FleetStatus, utf8 = true): string[][] {
  const now = new Date(status.at);
  return status.models.map((m) => [
    m.id,
    // The trail's owner after a handover the config does not state yet: marked until the config says so.
    `${m.owner}${m.ownerNote ? ' (!)' : ''}${m.handoverPending ? ` (handover to ${m.handoverPending.to.join('/')} pending)` : ''}`,
    // null: nothing promoted and never evaluated, so the config's version is not known yet.
    m.champion ? `${m.champion.version}${m.champion.source === 'config' ? ' (config)' : ''}` : '(config)',
    // After a promotion or rollback the last verdict may be of another version than the champion's: say whose.
    m.lastEvaluation
      ? `${relative(m.lastEvaluation.windowEnd, now)}${m.champion && m.lastEvaluation.version !== m.champion.version ? ` (version ${m.lastEvaluation.version})` : ''}`
      : 'never',
    m.lastEvaluation ? `${m.lastEvaluation.verdict}${m.lastEvaluation.basis === 'estimated' ? ' (estimated)' : ''}` : '',
    metricCell(m, utf8),
    m.staleness.state,
    scheduleCell(m, now),
    approvalsCell(m.pendingApprovals),
    [...m.findings.map((f) => f.kind), ...(m.review?.overdue ? [`unreviewed ${m.review.unreviewedDays}d`] : [])].join(', '),
  ]);
}

/** Columns that give up width first when the table is too wide, widest first; the rest keep theirs. */
const SHRINKABLE = new Set([0, 1, 2, 5, 8, 9]);
const MIN_WIDTH = 6;
const GAP = '  ';

/** Column widths that fit `width` (when given): the widest shrinkable column loses a character at a time. */
export function fitWidths(rows: string[][], width?: number): number[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => length(r[i]!))));
  if (width === undefined) return widths;
  const total = (): number => widths.reduce((a, b) => a + b, 0) + GAP.length * (widths.length - 1);
  while (total() > width) {
    let widest = -1;
    for (const i of SHRINKABLE) if (widths[i]! > MIN_WIDTH && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
    if (widest < 0) break; // nothing left to shrink: the terminal wraps
    widths[widest]!--;
  }
  return widths;
}

function renderTable(rows: string[][], o: RenderOptions): string[] {
  const widths = fitWidths(rows, o.width);
  return rows.map((r) =>
    r
      .map((c, i) => {
        const text = cut(c, widths[i]!, o.utf8 ?? true);
        return text + ' '.repeat(widths[i]! - length(text));
      })
      .join(GAP)
      .trimEnd(),
  );
}

function countsLine(counts: Partial<Record<string, number>>): string {
  return Object.entries(counts)
    .filter(([, n]) => n)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
}

/** The lines under the table: totals, the watchdog's run, what is unknown and what failed. */
function footer(status: FleetStatus): string[] {
  const t = status.totals;
  const lines = [
    `${t.models} model${t.models === 1 ? '' : 's'}; verdicts: ${countsLine(t.byVerdict) || 'none'}; staleness: ${countsLine(t.byStaleness) || 'none'}; ${t.pendingApprovals ?? '?'} pending approval${t.pendingApprovals === 1 ? '' : 's'}; ${t.findings} watchdog finding${t.findings === 1 ? '' : 's'}`,
  ];
  if (status.watchdog) lines.push(`watchdog: last run ${relative(status.watchdog.at, new Date(status.at))}`);
  if (status.server.note) lines.push(`note: ${status.server.note}`);
  for (const m of status.models) for (const p of m.problems) lines.push(`${m.id}: ${p}`);
  return lines;
}

/** The fleet table with its totals and notes. */
export function renderFleetTable(status: FleetStatus, o: RenderOptions = {}): string {
  if (status.models.length === 0) return ['no models in the config', ...footer(status)].join('\n');
  const rows = [[...TABLE_HEADER], ...tableRows(status, o.utf8 ?? true)];
  return [...renderTable(rows, o), '', ...footer(status)].join('\n');
}

/** One model in full: every field of its status, one per line (long lines wrap, nothing is cut). */
export function renderModelDetail(m: ModelStatus, status: FleetStatus, o: Pick<RenderOptions, 'utf8'> = {}): string {
  const now = new Date(status.at);
  const utf8 = o.utf8 ?? true;
  const lines: string[] = [`${m.id}  (${m.task}, owner ${m.owner})`];
  const put = (label: string, text: string): void => {
    lines.push(`  ${`${label}:`.padEnd(14)}${text}`);
  };
  if (m.ownerNote) put('owner', m.ownerNote);
  if (m.handoverPending)
    put('handover', `to ${m.handoverPending.to.join(' or ')}, pending since ${m.handoverPending.since}; ${m.owner} stays the owner until it is accepted`);
  put('approvers', m.approvers.join(', ') || 'none (the owner decides)');
  const c = m.champion;
  put(
    'champion',
    c
      ? `${c.version} ${c.source === 'registry' ? `(${c.change}, generation ${c.generation}, since ${c.since})` : "(the config's artifact: nothing promoted)"}`
      : 'unknown: nothing promoted and never evaluated',
  );
  put('schedule', `${m.schedule.declared} (interval ${shortDuration(m.schedule.intervalMs)})`);
  const s = m.scheduleState;
  if (!s) put('state', 'unknown (no server)');
  else if (s.state === 'missing') put('state', `no schedule ${s.scheduleId} on the server: run upkeep schedules sync`);
  else
    put(
      'state',
      `${s.state}${s.note ? ` (${s.note})` : ''}${s.nextRun ? `, next run ${s.nextRun} (${relative(s.nextRun, now)})` : ''}${s.lastRun ? `, last run ${s.lastRun}` : ''}`,
    );
  const e = m.lastEvaluation;
  if (e) {
    put('evaluated', `window ending ${e.windowEnd} (${relative(e.windowEnd, now)})${e.ranAt ? `, ran ${e.ranAt}` : ''}, ${e.rows} rows, version ${e.version}`);
    put('verdict', `${e.verdict}${e.basis === 'estimated' ? ' (estimated: too few labels known yet)' : ''}${e.reasons[0] ? `: ${e.reasons[0]}` : ''}`);
    const tr = e.trend;
    const since =
      tr.direction === 'unknown'
        ? ''
        : ` ${trendArrow(tr.direction, utf8)} from ${num(tr.previous)}${tr.better === null ? '' : tr.better ? ' (better)' : ' (worse)'}`;
    put('metric', `${e.metric} ${num(e.value)}${e.basis === 'estimated' ? ' (estimated)' : ''}${since}`);
    put('report', e.reportUri);
  } else put('evaluated', 'never');
  const st = m.staleness;
  const champ = st.notYetEvaluated;
  const looked = st.lastLookedAt
    ? `last looked at by an evaluation ${relative(st.lastLookedAt, now)} (${st.lastLookedAt})`
    : champ
      ? `not yet evaluated since ${champ.version} was ${championChange(champ.change)} ${relative(champ.since, now)} (${champ.since})`
      : st.ageMs !== null
        ? `no evaluation has looked at it; the first ran ${shortDuration(st.ageMs)} ago`
        : '';
  put('staleness', `${st.state}${looked ? ` (${looked}; stale after ${shortDuration(2 * st.intervalMs)})` : ''}`);
  if (m.recent.length > 1)
    put('recent', m.recent.map((p) => `${p.windowEnd.slice(0, 16)} ${num(p.value)}${p.estimated ? ' (estimated)' : ''} ${p.verdict}`).join('; '));
  if (m.pendingApprovals === null) put('approvals', 'unknown (no server)');
  else if (m.pendingApprovals.length === 0) put('approvals', 'none waiting');
  for (const a of m.pendingApprovals ?? []) {
    put(
      'approval',
      `${a.gate} (${a.kind} ${a.workflowId}) waiting ${shortDuration(a.waitingMs)} since ${a.since}, expires ${a.expiresAt}${a.overdue ? ' (overdue)' : ''}; approvers ${a.approvers.join(', ')}; reminders ${a.reminders}${a.escalated ? ', escalated' : ''}`,
    );
  }
  for (const r of m.maintenance ?? [])
    if (!m.pendingApprovals?.some((a) => a.workflowId === r.workflowId)) put('request', `${r.kind} ${r.workflowId}: ${r.stage} since ${r.since}`);
  if (m.findings.length === 0) put('findings', status.watchdog ? 'none' : 'none (no watchdog report yet)');
  for (const f of m.findings) put('finding', `${f.kind}: ${f.summary} (since ${f.since})`);
  if (m.review) put('review', `${m.review.standing}${m.review.overdue ? ` (attest with: upkeep approve ${m.id} --gate review)` : ''}`);
  for (const p of m.problems) put('problem', p);
  if (status.server.note) lines.push('', `note: ${status.server.note}`);
  return lines.join('\n');
}
