/**
 * "Who was watching?": what the audit chain says about a model at one instant — the owner and
 * approvers in force, the last evaluation and its verdict, open alerts, pending approvals, who had
 * been told and when, and whether the schedule ran. Pure: the entries and the specs they cite are
 * read by the caller (from the store alone, never from Temporal).
 */
import type { AuditEntry } from '../../domain/maintenance.js';
import type { ChainedEntry } from './chain.js';
import { terminalSafe } from '../../domain/escape.js';
import { configInForce, type ConfigInForce } from './config-entries.js';
import { citedSpec, ownerAt, type OwnerAt, type SpecPeople } from './owners.js';

/** The people of a spec in force (engine/audit/owners.ts reads them from the store). */
export type SpecInForce = SpecPeople;

export interface WhoWasWatching {
  modelId: string;
  at: string;
  /**
   * The accountable owner at `at` (docs/governance.md#handover): the config's, or the last handover
   * accepted before it (signed) when the config has not changed its owner since; a handover still
   * waiting at `at` leaves the owner before accountable.
   */
  owner: OwnerAt;
  /** The spec cited by the newest entry at or before `at` that cites one, and where it came from. */
  inForce: (SpecInForce & { sha256: string; citedBy: { seq: number; at: string; kind: string } }) | null;
  /**
   * The evaluation of the latest window ending at or before `at` among those run by then (a
   * backfill of an older window run later does not replace it; a re-run of the same window does).
   */
  /** The last config-changed entry at or before `at`: the config record, spec and key set in force, since when, by whom (asserted). */
  config: ConfigInForce | null;
  lastEvaluation: { at: string; windowEnd?: string; verdict: string; reasons: string[]; report?: string; workflowId?: string; runId?: string } | null;
  /**
   * The champion version serving at `at`: from the last promotion or rollback before it, else as the
   * evaluations before it name the version they evaluated (nothing promoted yet: the config's model).
   */
  champion: { version: string; since?: string; how: 'promoted' | 'rolled-back' | 'evaluated'; seq: number } | null;
  /** Bad verdicts in a row up to `at` (degraded or failing), and watchdog findings still open. */
  openAlerts: { kind: 'verdict' | 'watchdog'; since: string; summary: string }[];
  pendingApprovals: { gate: string; openedAt: string; waitingMs: number; approvers: string[]; asked: string[]; workflowId?: string }[];
  /** Notifications delivered in the 30 days before `at`, newest first (at most 20). */
  /** `via`: `webhook` when it was POSTed to the webhook, `log` when the worker's log was the only channel, else the named channel (docs/channels.md). */
  /** `outcome`, `status`, `responseId`, `workerClock` (the worker's clock), `attempt`: what the entry's details.delivery records (entries before it have none). */
  notified: {
    at: string;
    kind: string;
    to: string[];
    title: string;
    via: string;
    outcome?: string;
    status?: number;
    responseId?: string;
    workerClock?: string;
    attempt?: number;
    error?: string;
  }[];
  schedule: { state: 'active' | 'paused'; since: string; note?: string; actor?: string } | { state: 'unknown' };
  /** The latest decisions before `at` (newest first, at most 5). */
  decisions: { at: string; gate: string; decision: string; approver: string; comment?: string; signer?: string }[];
}

const NOTIFIED_DAYS = 30;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Which gate of which run an entry is about (decisions, expiries and requests share it). */
const gateId = (e: AuditEntry): string | undefined => {
  const gate = str(e.details?.gate);
  return gate ? `${e.workflowId ?? ''}/${e.runId ?? ''}/${gate}` : undefined;
};

export function whoWasWatching(modelId: string, chain: ChainedEntry[], at: Date, specs: ReadonlyMap<string, SpecInForce>): WhoWasWatching {
  const t = at.getTime();
  const before = chain.filter((c) => Date.parse(c.entry.at) <= t);
  let inForce: WhoWasWatching['inForce'] = null;
  let lastEvaluation: WhoWasWatching['lastEvaluation'] = null;
  let schedule: WhoWasWatching['schedule'] = { state: 'unknown' };
  const bad: { since: string; summary: string }[] = [];
  const findings = new Map<string, { since: string; summary: string }>();
  const gates = new Map<string, WhoWasWatching['pendingApprovals'][number]>();
  const notified: WhoWasWatching['notified'] = [];
  const decisions: WhoWasWatching['decisions'] = [];
  /** The latest run of each window run by `at`, by window end. */
  const windows = new Map<number, { end: number; evaluation: NonNullable<WhoWasWatching['lastEvaluation']>; summary: string }>();
  let champion: WhoWasWatching['champion'] = null;
  for (const { seq, entry: e } of before) {
    const sha = citedSpec(e);
    const spec = sha ? specs.get(sha) : undefined;
    if (sha && spec) inForce = { ...spec, sha256: sha, citedBy: { seq, at: e.at, kind: e.kind } };
    switch (e.kind) {
      case 'evaluation': {
        const verdict = str(e.details?.verdict);
        if (!verdict) break; // "no retrain requested" notes are evaluation entries too
        const windowEnd = str(e.details?.windowEnd);
        const end = windowEnd && Number.isFinite(Date.parse(windowEnd)) ? Date.parse(windowEnd) : Date.parse(e.at);
        if (end > t) break; // a window that had not ended by `at`
        windows.set(end, {
          end,
          summary: e.summary,
          evaluation: {
            at: e.at,
            verdict,
            reasons: strings(e.details?.reasons),
            ...optional({ windowEnd, report: str(e.details?.report), workflowId: e.workflowId, runId: e.runId }),
          },
        });
        const version = /^evaluated (\S+):/.exec(e.summary)?.[1];
        if (version && (!champion || champion.how === 'evaluated')) champion = { version, how: 'evaluated', seq };
        break;
      }
      case 'promoted':
      case 'rolled-back': {
        const to = str(e.details?.to);
        if (to) champion = { version: to, since: e.at, how: e.kind, seq };
        break;
      }
      case 'approval-requested': {
        const id = gateId(e);
        if (id)
          gates.set(id, {
            gate: str(e.details?.gate)!,
            openedAt: str(e.details?.openedAt) ?? e.at,
            waitingMs: 0,
            approvers: strings(e.details?.approvers),
            asked: strings(e.details?.to),
            ...optional({ workflowId: e.workflowId }),
          });
        break;
      }
      case 'decision':
      case 'expired': {
        const id = gateId(e);
        if (id) gates.delete(id);
        if (e.kind === 'decision') {
          decisions.unshift({
            at: e.at,
            gate: str(e.details?.gate) ?? '?',
            decision: str(e.details?.decision) ?? (/ rejected /.test(e.summary) ? 'reject' : 'approve'),
            approver: e.actor ?? '?',
            ...optional({ comment: e.comment, signer: str(e.details?.signer) }),
          });
        }
        break;
      }
      case 'notified':
      case 'failure': {
        // A failure entry is a notification's only when it records a delivery (deliverNotification gave up).
        // (A refusal is the notify activity's own notified entry already.)
        if (e.kind === 'failure' && (typeof e.details?.delivery !== 'object' || (e.details.delivery as { outcome?: unknown } | null)?.outcome !== 'gave-up'))
          break;
        if (t - Date.parse(e.at) > NOTIFIED_DAYS * 86_400_000) break;
        const d = (e.details?.delivery ?? {}) as Record<string, unknown>;
        const named = typeof d.channel === 'string' && d.channel !== 'webhook' && d.channel !== 'log' ? d.channel : undefined;
        const via = named ?? (d.channel === 'webhook' || e.details?.webhook === 'sent' || e.details?.webhook === 'refused' ? 'webhook' : 'log');
        const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
        notified.unshift({
          at: e.at,
          kind: str(e.details?.notification) ?? str(e.details?.kind) ?? '?',
          to: strings(e.details?.to),
          title: str(e.details?.title) ?? e.summary,
          via,
          ...optional({
            outcome: str(d.outcome),
            status: num(d.status),
            responseId: str(d.responseId),
            workerClock: str(d.workerClock),
            attempt: num(d.attempt),
            error: str(d.error),
          }),
        });
        break;
      }
      case 'schedule': {
        const state = e.details?.paused === true ? 'paused' : 'active';
        if (schedule.state !== state || e.details?.change === 'create')
          schedule = { state, since: e.at, ...optional({ note: str(e.details?.note), actor: e.actor }) };
        break;
      }
      case 'watchdog': {
        const key = str(e.details?.key);
        if (!key) break;
        if (e.details?.state === 'resolved') findings.delete(key);
        else if (!findings.has(key)) findings.set(key, { since: e.at, summary: e.summary });
        break;
      }
      default:
        break;
    }
  }
  // Bad verdicts in a row, in window order: the windows after the last good one.
  for (const w of [...windows.values()].sort((a, b) => a.end - b.end)) {
    lastEvaluation = w.evaluation;
    if (w.evaluation.verdict === 'degraded' || w.evaluation.verdict === 'failing') bad.push({ since: w.evaluation.at, summary: w.summary });
    else bad.length = 0;
  }
  const openAlerts: WhoWasWatching['openAlerts'] = [
    ...(bad.length > 0
      ? [
          {
            kind: 'verdict' as const,
            since: bad[0]!.since,
            summary: `${bad.length} bad verdict${bad.length === 1 ? '' : 's'} in a row; latest: ${bad.at(-1)!.summary}`,
          },
        ]
      : []),
    ...[...findings.values()].map((f) => ({ kind: 'watchdog' as const, ...f })),
  ];
  const pendingApprovals = [...gates.values()].map((g) => ({ ...g, waitingMs: Math.max(0, t - Date.parse(g.openedAt)) }));
  return {
    modelId,
    at: at.toISOString(),
    inForce,
    owner: ownerAt(modelId, chain, at, specs),
    config: configInForce(chain, at),
    lastEvaluation,
    champion,
    openAlerts,
    pendingApprovals,
    notified: notified.slice(0, 20),
    schedule,
    decisions: decisions.slice(0, 5),
  };
}

/** Drops undefined values (the shapes above use optional fields, not undefined ones). */
function optional<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

const minutes = (ms: number): string =>
  ms < 3_600_000 ? `${Math.round(ms / 60_000)} min` : ms < 172_800_000 ? `${(ms / 3_600_000).toFixed(1)} h` : `${(ms / 86_400_000).toFixed(1)} days`;

/** How a notification went out, in words: channel, status, response id, worker clock, attempt. */
function deliveryText(n: WhoWasWatching['notified'][number]): string {
  if (n.via === 'log') return 'worker log only: no webhook configured';
  const named = n.via !== 'webhook';
  const label = named ? `channel ${n.via}` : 'webhook';
  const facts = [
    n.status !== undefined ? `${named ? 'status' : 'HTTP'} ${n.status}` : undefined,
    n.responseId ? `id ${n.responseId}` : undefined,
    n.attempt !== undefined ? `attempt ${n.attempt}` : undefined,
    n.workerClock ? `worker clock ${n.workerClock}` : undefined,
  ].filter((x) => x !== undefined);
  if (n.outcome === 'refused' || n.outcome === 'gave-up')
    return `${label}: NOT delivered, ${n.outcome === 'refused' ? 'refused' : 'gave up'}${facts.length ? `, ${facts.join(', ')}` : ''}${n.error ? `: ${n.error}` : ''}`;
  return `${label}${facts.length ? `: ${facts.join(', ')}` : ''}`;
}

/**
 * The answer as plain text, for people (a terminal): every recorded string (comments, titles,
 * summaries, names, a receiver's error) on one line without control characters.
 */
export function renderWhoWasWatching(answer: WhoWasWatching): string {
  const w = terminalSafe(answer);
  const lines = [`${w.modelId} at ${w.at} (from the audit chain in the store)`, ''];
  const o = w.owner;
  if (o.how === 'handover')
    lines.push(
      `owner:       ${o.owner} (accepted the handover from ${o.handover?.from ?? 'nobody known'} at ${o.since}, signed by ${o.handover?.signer ?? '?'}, entry ${o.seq}${o.configOwner && o.configOwner !== o.owner ? `; the config's spec still named ${o.configOwner}` : ''})`,
    );
  if (o.pending)
    lines.push(
      `handover:    pending since ${o.pending.since}, to ${o.pending.to.join(' or ')}${o.pending.requestedBy ? `, asked by ${o.pending.requestedBy}` : ''}: not accepted yet, so the owner stays accountable`,
    );
  for (const p of o.problems) lines.push(`handover:    NOT counted, does not verify: ${p}`);
  if (w.inForce) {
    if (o.how !== 'handover') lines.push(`owner:       ${w.inForce.owner}`);
    lines.push(`approvers:   ${w.inForce.approvers.join(', ') || '(none)'}`);
    if (w.inForce.escalation.length > 0) lines.push(`escalation:  ${w.inForce.escalation.join(', ')}`);
    lines.push(
      `             (from the model's spec ${w.inForce.sha256.slice(0, 12)} in the config, cited by entry ${w.inForce.citedBy.seq}, ${w.inForce.citedBy.kind} at ${w.inForce.citedBy.at})`,
    );
  } else if (o.how !== 'handover') lines.push("owner:       unknown (no entry before this time cites the model's spec in force)");
  lines.push(
    w.config
      ? `config:      ${w.config.record.slice(0, 12)} recorded ${w.config.since} (entry ${w.config.seq}, by ${w.config.by}: asserted, not proven); keys ${w.config.keys.slice(0, 12)}`
      : 'config:      no config change recorded before this time (keys in force unknown to the trail)',
  );
  lines.push(
    `schedule:    ${w.schedule.state === 'unknown' ? 'unknown (no schedule change recorded before this time)' : `${w.schedule.state} since ${w.schedule.since}${w.schedule.note ? ` (${w.schedule.note})` : ''}${w.schedule.actor ? `, by ${w.schedule.actor}` : ''}`}`,
  );
  const c = w.champion;
  lines.push(
    `champion:    ${!c ? 'unknown (no evaluation, promotion or rollback recorded before this time)' : c.how === 'evaluated' ? `${c.version} (as evaluated, entry ${c.seq}; no promotion or rollback recorded before this time)` : `${c.version} (${c.how} at ${c.since}, entry ${c.seq})`}`,
  );
  const ev = w.lastEvaluation;
  lines.push(
    `last evaluation: ${ev ? `${ev.verdict}${ev.windowEnd ? ` for the window ending ${ev.windowEnd}` : ''}, run at ${ev.at}${ev.report ? `\n             report ${ev.report}` : ''}` : 'none before this time'}`,
  );
  lines.push('', `open alerts: ${w.openAlerts.length === 0 ? 'none' : ''}`);
  for (const a of w.openAlerts) lines.push(`  - since ${a.since}: ${a.summary}`);
  lines.push(`pending approvals: ${w.pendingApprovals.length === 0 ? 'none' : ''}`);
  for (const p of w.pendingApprovals)
    lines.push(`  - ${p.gate}, open since ${p.openedAt} (${minutes(p.waitingMs)}); approvers ${p.approvers.join(', ')}; asked ${p.asked.join(', ')}`);
  lines.push(`notified (last ${NOTIFIED_DAYS} days): ${w.notified.length === 0 ? 'nobody' : ''}`);
  for (const n of w.notified) lines.push(`  - ${n.at} ${n.kind} to ${n.to.join(', ')} (${deliveryText(n)}): ${n.title}`);
  if (w.decisions.length > 0) lines.push('latest decisions:');
  for (const d of w.decisions)
    lines.push(
      `  - ${d.at} ${d.approver} ${d.decision === 'approve' ? 'approved' : 'rejected'} ${d.gate}${d.signer ? ` (signed by ${d.signer})` : ''}${d.comment ? `: ${d.comment}` : ''}`,
    );
  return lines.join('\n');
}
