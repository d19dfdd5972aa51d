/**
 * The watchdog's rules, pure: when a model is stale (its schedule's interval and which verdicts
 * count come from staleness.ts, shared with `upkeep status`), a run of failed evaluations,
 * approvals past their deadline. No I/O, no clock: `now` is always given.
 */
import { durationMs } from './duration.js';
import type { GateName, AuditEntry } from './maintenance.js';
import type { WatchdogFindingKind } from './watchdog.js';

/**
 * Stale: the last evaluation that looked at the model is older than twice its interval. A model
 * never evaluated is stale once it (or its schedule) is older than that; when nothing says how old
 * it is, it is not judged. Returns since when it is stale, or undefined.
 */
export function staleSince(o: { lastWatchedAt?: string | undefined; bornAt?: string | undefined; now: string; intervalMs: number }): string | undefined {
  const from = o.lastWatchedAt ?? o.bornAt;
  if (from === undefined) return undefined;
  const due = Date.parse(from) + 2 * o.intervalMs;
  return Date.parse(o.now) > due ? new Date(due).toISOString() : undefined;
}

/** One evaluation's outcome: failed (a failing verdict, or a workflow that failed or timed out) or not. */
export interface EvaluationOutcome {
  at: string;
  failed: boolean;
}

/** When the latest `n` outcomes all failed, the time of the first of them; else undefined. */
export function failingSince(outcomes: readonly EvaluationOutcome[], n: number): string | undefined {
  const latest = [...outcomes].sort((a, b) => a.at.localeCompare(b.at)).slice(-n);
  if (latest.length < n || !latest.every((o) => o.failed)) return undefined;
  return latest[0]!.at;
}

/** An approval request still waiting, from the audit trail. */
export interface OpenApproval {
  workflowId: string;
  runId: string;
  gate: GateName;
  requestedAt: string;
  /** Who was asked (from the entry's summary). */
  summary: string;
}

/**
 * Approval requests of the log without a later decision or expiry for the same workflow run and
 * gate. A retrain asks at most once per gate; a rollback once.
 */
export function openApprovals(log: readonly AuditEntry[]): OpenApproval[] {
  const open = new Map<string, OpenApproval>();
  const id = (e: AuditEntry, gate: unknown): string => `${e.workflowId ?? ''}\n${e.runId ?? ''}\n${String(gate)}`;
  for (const e of [...log].sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id))) {
    const gate = e.details?.gate;
    if (e.kind === 'approval-requested' && typeof gate === 'string' && e.workflowId && e.runId) {
      open.set(id(e, gate), { workflowId: e.workflowId, runId: e.runId, gate: gate as GateName, requestedAt: e.at, summary: e.summary });
    } else if (e.kind === 'decision' && typeof gate === 'string') {
      open.delete(id(e, gate));
    } else if (e.kind === 'expired' || (e.kind === 'failure' && e.summary.startsWith('retrain request failed'))) {
      // An expiry names no gate: it closes every gate of its run (one waits at a time).
      for (const [k, a] of open) if (a.workflowId === e.workflowId && a.runId === e.runId) open.delete(k);
    }
  }
  return [...open.values()];
}

/** When an open approval became overdue (requested + escalate_after), or undefined if not yet. */
export function overdueSince(a: Pick<OpenApproval, 'requestedAt'>, escalateAfter: string, now: string): string | undefined {
  const due = Date.parse(a.requestedAt) + durationMs(escalateAfter);
  return Date.parse(now) > due ? new Date(due).toISOString() : undefined;
}

/** When a schedule paused at `pausedAt` has been paused longer than allowed, or undefined. */
export function pausedTooLongSince(pausedAt: string, pausedLongerThan: string, now: string): string | undefined {
  return Date.parse(now) - Date.parse(pausedAt) > durationMs(pausedLongerThan) ? pausedAt : undefined;
}

/** What the people told about a finding can do, in a line or two. */
export function findingAdvice(kind: WatchdogFindingKind, modelId: string): string {
  switch (kind) {
    case 'stale':
      return `Check its schedule and that a worker runs (upkeep schedules list); evaluate now with: upkeep schedules trigger ${modelId}`;
    case 'paused':
      return `Resume it with: upkeep schedules resume ${modelId}  (or remove the model from the config if it is retired)`;
    case 'overdue-approval':
      return `Decide with: upkeep approve ${modelId} --gate <gate> --as <you>  or  upkeep reject ${modelId} --gate <gate> --as <you> --comment "…"  (upkeep approvals list shows what waits)`;
    case 'failing-in-a-row':
      return `Read the latest reports and the worker's log; the data or the model's inputs may have changed (upkeep check --model ${modelId})`;
    case 'overdue-incident-report':
      return `File it with: upkeep incidents report ${modelId} <incident> --initial|--final --file report.md --as <you>  (upkeep incidents ${modelId} shows what is due)`;
    case 'review-lapsed':
      return `Attest the review: upkeep approve ${modelId} --gate review --as <you> --comment "1. …"  (one numbered answer per question; upkeep approvals list shows them)`;
    case 'unknown-person':
      return `Give the model an owner and approvers who are here: edit its owner/approvers in the config, or the directory if it is out of date`;
  }
}
