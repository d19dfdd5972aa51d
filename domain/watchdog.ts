/**
 * The watchdog's findings: what nobody is watching. A finding is keyed so that the same problem
 * found again is the same finding (reported and notified once, until it is resolved).
 */

export type WatchdogFindingKind =
  /** The last successful evaluation is older than twice the model's interval. */
  | 'stale'
  /** The model's schedule has been paused longer than `watchdog.paused_longer_than`. */
  | 'paused'
  /** An approval request has waited past its deadline (the gate's escalate_after). */
  | 'overdue-approval'
  /** The last `watchdog.failures_in_a_row` evaluations all failed. */
  | 'failing-in-a-row'
  /** The owner or an approver is not in the directory of current people. */
  | 'unknown-person'
  /** A report an incident owes under its reporting clock is past due (docs/incidents.md#the-reporting-clock). */
  | 'overdue-incident-report'
  /** A periodic review is overdue past its escalate_after (docs/governance.md#periodic-reviews). */
  | 'review-lapsed';

export interface WatchdogFinding {
  modelId: string;
  kind: WatchdogFindingKind;
  /** Stable identity: the same problem found on another day has the same key. */
  key: string;
  /** One line, plain text, naming the model and what is wrong. */
  summary: string;
  /** Since when the problem exists, as far as the watchdog can tell (ISO 8601). */
  since: string;
  /** When a watchdog run first reported it (ISO 8601). */
  firstReportedAt: string;
  /** Who was told. */
  notified: string[];
  details?: Record<string, unknown>;
  /** The watchdog run that first reported it (a retried run reports it again, a later run does not). */
  firstReportedBy?: { workflowId: string; runId: string };
}

/** The latest watchdog run: what `upkeep status`, the web pages and the model card show. */
export interface WatchdogReport {
  /** When the run looked (ISO 8601). */
  at: string;
  workflowId: string;
  runId: string;
  /** Open findings, every model. */
  findings: WatchdogFinding[];
  /** Findings of the previous report that are no longer found. */
  resolved: WatchdogFinding[];
  /** Checks this run could not make, and why (e.g. no Temporal server to ask). */
  skipped?: string[];
}
