/**
 * The fleet's health as `upkeep status` prints it and the web pages show it: one record per
 * model, built by fleetStatus() (fleet.ts). Times are ISO 8601, durations milliseconds. A field
 * that is null could not be known (no server, or the server did not answer for that model);
 * `unknown` lists which.
 */
import type { GateName, RequestKind } from '../../domain/maintenance.js';
import type { ChampionEra, Staleness } from '../../domain/staleness.js';
import type { VerdictStatus } from '../../domain/evaluation.js';
import type { WatchdogFinding } from '../../domain/watchdog.js';

export type { Staleness } from '../../domain/staleness.js';

/** Direction of the primary metric since the previous evaluation; `unknown` without two values. */
export type TrendDirection = 'up' | 'down' | 'flat' | 'unknown';

export interface MetricTrend {
  direction: TrendDirection;
  /** Whether the move is for the better (per the metric's direction); null when flat or unknown. */
  better: boolean | null;
  /** The previous evaluation's value of the metric (null when it had none). */
  previous: number | null;
  /** value − previous, when both are numbers. */
  delta: number | null;
}

export interface LastEvaluation {
  /** End of the evaluated window (the scheduled time). */
  windowEnd: string;
  /** When the evaluation ran (the workflow's start), when the report says. */
  ranAt?: string;
  verdict: VerdictStatus;
  /** The verdict was judged on the estimate: the window's labels are not known yet (value is the estimate). */
  basis?: 'estimated';
  /** Why, the deciding reason first. */
  reasons: string[];
  /** The primary metric (spec.thresholds.metric) and its value (null when undefined or failing). */
  metric: string;
  value: number | null;
  trend: MetricTrend;
  rows: number;
  /** The version evaluated (first 12 hex digits of the artifact's sha256). */
  version: string;
  reportUri: string;
  workflowId?: string;
  runId?: string;
}

/** One point of the primary metric over recent evaluations, oldest first. */
export interface MetricPoint {
  windowEnd: string;
  verdict: VerdictStatus;
  value: number | null;
  /** The value is an estimate (the window's labels were not known yet). */
  estimated?: true;
}

export interface ChampionStatus {
  version: string;
  /** `registry`: the champion pointer (promoted or rolled back); `config`: nothing was promoted, the config's artifact runs. */
  source: 'registry' | 'config';
  since?: string;
  change?: 'initial' | 'promotion' | 'rollback';
  generation?: number;
}

export interface ScheduleStatus {
  scheduleId: string;
  /** `missing`: the server has no schedule for the model (run `upkeep schedules sync`). */
  state: 'active' | 'paused' | 'missing';
  note?: string;
  nextRun?: string;
  lastRun?: string;
}

export interface PendingApproval {
  kind: RequestKind;
  gate: GateName;
  workflowId: string;
  runId: string;
  /** When the gate opened. */
  since: string;
  /** How long it has waited (now − since). */
  waitingMs: number;
  expiresAt: string;
  /** Past its expiry time and still open (the workflow closes it soon). */
  overdue: boolean;
  approvers: string[];
  reminders: number;
  escalated: boolean;
}

/** A running maintenance request (retrain or rollback), waiting for a decision or not. */
export interface MaintenanceActivity {
  kind: RequestKind;
  stage: string;
  since: string;
  workflowId: string;
}

export interface ModelStatus {
  id: string;
  /** The accountable owner: the config's, or the trail's after an accepted handover the config does not state yet (docs/governance.md#handover). */
  owner: string;
  /** The trail and the config disagree on the owner, and what to do; a handover waiting for acceptance. */
  ownerNote?: string;
  handoverPending?: { to: string[]; since: string };
  approvers: string[];
  task: string;
  /** The schedule as the config declares it, and its interval. */
  schedule: { declared: string; intervalMs: number };
  /** null: nothing promoted and never evaluated (the config's version is not known yet). */
  champion: ChampionStatus | null;
  /** The newest evaluation report; null when the model was never evaluated. */
  lastEvaluation: LastEvaluation | null;
  /** The primary metric over the latest evaluations, oldest first (the last is lastEvaluation's). */
  recent: MetricPoint[];
  /**
   * How long since an evaluation last looked at the model (healthy, warning or degraded: a failing
   * or insufficient-data window does not count), against the schedule's interval; from the
   * audit trail, by when the evaluation ran. Never looked at: `never`, or `stale` once its
   * oldest evaluation is older than twice the interval (ageMs is then measured from that one).
   */
  staleness: {
    state: Staleness;
    ageMs: number | null;
    intervalMs: number;
    lastLookedAt: string | null;
    /**
     * The champion when no evaluation has looked at it since it took over (a promotion or a
     * rollback): the state is `never` (then `stale`), ageMs counts from its `since`.
     */
    notYetEvaluated?: ChampionEra;
  };
  /** From the server; null when unknown. */
  scheduleState: ScheduleStatus | null;
  /** Gates waiting for a decision, from the server; null when unknown. */
  pendingApprovals: PendingApproval[] | null;
  /** Running retrain / rollback requests, from the server; null when unknown. */
  maintenance: MaintenanceActivity[] | null;
  /** Open watchdog findings of this model (from its latest report). */
  findings: WatchdogFinding[];
  /** Its periodic review, when its config asks for them (docs/governance.md#periodic-reviews). */
  review?: { standing: string; overdue: boolean; dueAt: string; lastReviewAt: string | null; unreviewedDays: number };
  /** Fields of this record that could not be known, e.g. ['scheduleState', 'pendingApprovals']. */
  unknown: string[];
  /** One line each: what could not be read for this model, and why. */
  problems: string[];
}

export interface FleetStatus {
  /** The time the status is for (`now`). */
  at: string;
  server: { reachable: boolean; address?: string; namespace?: string; note?: string };
  /** The latest watchdog run, when one wrote its report. */
  watchdog: { at: string; workflowId: string; findings: number } | null;
  models: ModelStatus[];
  totals: {
    models: number;
    byVerdict: Partial<Record<VerdictStatus | 'never', number>>;
    byStaleness: Partial<Record<Staleness, number>>;
    /** Requests waiting for a decision; null when some model's are unknown (the server did not answer). */
    pendingApprovals: number | null;
    findings: number;
  };
}
