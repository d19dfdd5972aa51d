/** The model card's input and its JSON shape. */
import type { SegmentSearchReport } from '../../domain/segments.js';
import type { ModelSpec } from '../../domain/config.js';
import type { ChampionPointer, ModelVersion } from '../registry/types.js';
import type { Decision, AuditEntry } from '../../domain/maintenance.js';
import type { VerdictStatus } from '../../domain/evaluation.js';
import type { WatchdogFinding } from '../../domain/watchdog.js';
import type { EvaluationReport } from '../evaluation/report.js';
import type { Incident } from '../audit/incidents.js';
import type { ModelReviews } from '../audit/reviews.js';
import type { CardReviews } from './reviews.js';

/** Most evaluations shown in the metric trend (newest first). */
export const MAX_TREND_POINTS = 20;
/** Most audit entries shown (newest first). */
export const MAX_LOG_ENTRIES = 50;

/** One stored evaluation, reduced to what the trend needs. */
export interface CardReportPoint {
  windowEnd: string;
  verdict: string;
  rows: number;
  metrics: Record<string, number | null>;
  /** Model version evaluated, when known. */
  version?: string;
  reportUri?: string;
  /** The days the window covered and when it ran: a window evaluated again is one row (its latest). */
  firstDay?: string;
  lastDay?: string;
  ranAt?: string;
  /** The verdict was judged on the estimate (the window's labels were not known yet). */
  basis?: 'estimated';
  /** The primary metric's estimate, when the evaluation made one. */
  estimate?: { value: number | null; lower: number | null; upper: number | null };
  /** The fairness gaps by gate name (domain/fairness.ts gapValues), when the model declares fairness. */
  fairness?: Record<string, number | null>;
}

/** Everything a card is built from; lists may come in any order. */
export interface ModelCardInput {
  spec: ModelSpec;
  /** The owner the trail names when it is not the config's (an accepted handover), and a handover waiting: docs/governance.md#handover. */
  ownership?: CardOwnership;
  /** Time the card is generated for (ISO 8601); the card never reads the clock. */
  generatedAt: string;
  /** null: nothing was ever promoted, the artifact declared in upkeep.yaml runs. */
  champion: ChampionPointer | null;
  championVersion: ModelVersion | null;
  /** All registered versions. */
  versions: ModelVersion[];
  /** Every change of champion. */
  championHistory: ChampionPointer[];
  /** Recent evaluations; at most MAX_TREND_POINTS are shown, newest first. */
  reports: CardReportPoint[];
  /** Current conditions from the latest evaluation report. */
  latest?: {
    drift?: EvaluationReport['drift'];
    quality?: EvaluationReport['quality'];
    segments?: SegmentSearchReport;
    windowEnd: string;
    verdict: EvaluationReport['verdict'];
  };
  /** The audit trail; at most MAX_LOG_ENTRIES are shown, newest first. */
  auditTrail: AuditEntry[];
  /** The model's open watchdog findings. */
  watchdog?: WatchdogFinding[];
  /** The monitoring plan generated from the config, and whether the store holds it (plan-entries.ts). */
  monitoringPlan?: CardMonitoringPlan;
  /** Its incidents, derived from the trail (engine/audit/incidents.ts); at most MAX_INCIDENTS are shown, newest first. */
  incidents?: Incident[];
  /** Its periodic reviews, when its config asks for them (engine/audit/reviews.ts). */
  reviews?: ModelReviews;
}

/** The monitoring plan on the card: its lines, its hash and its history in the trail. */
export interface CardMonitoringPlan {
  sha256: string;
  lines: string[];
  /** When the trail recorded this plan (null: not yet recorded: the config changed since a command last recorded it). */
  recordedAt: string | null;
  /** Plan-changed entries, newest first. */
  history: { at: string; sha256: string; changed: string[] }[];
}

/** Most incidents shown (newest first). */
export const MAX_INCIDENTS = 10;

/** An incident, as the card shows it (docs/incidents.md). */
export interface CardIncident {
  id: string;
  state: 'open' | 'closed';
  severity: 'degraded' | 'failing';
  badWindows: number;
  firstBadWindowEnd: string;
  detectedAt: string;
  closedAt: string | null;
  /** The channels the first bad window was told through. */
  told: string[];
  decisions: number;
  times: { detectMs: number | null; decideMs: number | null; recoverMs: number | null };
  notes: { at: string; actor: string; text: string; signed: boolean }[];
  /**
   * Under a reporting clock (docs/incidents.md#the-reporting-clock): each report owed, its due date,
   * when and by whom it was filed, and, when not filed, how overdue it is as of the card's date.
   */
  reports?: CardIncidentReport[];
}

export interface CardIncidentReport {
  kind: 'initial' | 'final';
  dueAt: string;
  filedAt: string | null;
  filedBy: string | null;
  signed: boolean | null;
  /** Filed after its due date by this many milliseconds (0: on time, or not filed). */
  lateMs: number;
  /** Not filed and past due at the card's date (generatedAt): by this many milliseconds; else null. */
  overdueMs: number | null;
}

/** What the trail says of the owner beyond the config (docs/governance.md#handover). */
export interface CardOwnership {
  /** The trail's owner and why the config disagrees (absent: they agree). */
  lag?: { owner: string; text: string };
  /** A handover waiting for acceptance: to whom, since when. */
  pending?: { to: string[]; since: string };
}

export interface CardDetails {
  description: string | null;
  task: ModelSpec['task'];
  owner: string;
  /** The trail's view of the owner when it adds something to the config's (docs/governance.md#handover). */
  ownership?: CardOwnership;
  approvers: string[];
  /** Told when an approval request is escalated. */
  escalation: string[];
  inputs: { name: string; type: string; columns: string[] }[];
  label: { column: string; positive: string | number | boolean | null };
  classes: (string | number)[] | null;
  /** The artifact declared in upkeep.yaml. */
  artifact: string;
  primaryMetric: { name: string; higherIsBetter: boolean; min: number | null; max: number | null; maxDrop: number | null; baseline: number | null };
  /** The declared business metrics (models[].metrics), one sentence each with its gate; absent when none. */
  declaredMetrics?: string[];
  intended_use: string | null;
  /** Known limits, when the config states them (no config field for them yet). */
  limits: string | null;
}

export interface CardDecision {
  gate: Decision['gate'];
  decision: Decision['decision'];
  approver: string;
  at: string;
  comment: string | null;
}

export interface CardCurrent {
  /** `config`: no champion was ever recorded; the artifact declared in upkeep.yaml runs. */
  change: ChampionPointer['change'] | 'config';
  version: string | null;
  sha256: string | null;
  artifact: string | null;
  since: string | null;
  source: ModelVersion['source'] | null;
  generation: number | null;
  /** The champion this one replaced. */
  previous: string | null;
  /** Everyone who approved a step that led to this version (retrain, promotion or rollback). */
  approvedBy: string[];
  decisions: CardDecision[];
  emergency: { by: string; reason: string } | null;
  reason: string | null;
  workflowId: string | null;
}

export interface CardChampionPeriod {
  from: string;
  /** null: still champion. */
  to: string | null;
  change: ChampionPointer['change'];
}

export interface CardLineageEntry {
  version: string;
  sha256: string;
  createdAt: string;
  source: ModelVersion['source'];
  parent: string | null;
  trainer: { type: string; command: string[] | null; params: Record<string, unknown> } | null;
  training: { firstDay: string; lastDay: string; days: number | null; rows: number } | null;
  /** The primary metric of the version's baseline (a retrained version: on its holdout). */
  holdoutPrimary: number | null;
  /** Where that baseline comes from: the retrain's holdout, or the config's `baseline`. */
  baselineSource: 'holdout' | 'config' | null;
  baseline: Record<string, number>;
  trainingMetrics: Record<string, number | null>;
  championPeriods: CardChampionPeriod[];
  workflowId: string | null;
}

export interface CardTrendPoint {
  windowEnd: string;
  verdict: string;
  rows: number;
  /** The primary metric; null when undefined or not recorded. The estimate while the window's labels are not known (basis). */
  value: number | null;
  version: string | null;
  reportUri: string | null;
  /** Present when the verdict was judged on the estimate: the labels were not known yet. */
  basis?: 'estimated';
  /**
   * The window's first estimate (absent: none was made), kept once the labels came and the window
   * was evaluated again: the realized value is then `value`, and `error` = realized − estimated.
   */
  estimate?: { value: number | null; lower: number | null; upper: number | null; error: number | null; inBand: boolean | null };
}

export interface CardDriftedColumn {
  column: string;
  test: string;
  score: number | null;
  threshold: number;
  /** The column's permutation importance to the model and its spread (domain/importance.ts), when measured. */
  importance?: number;
  importanceStd?: number;
  /** Its importance is under monitor.drift.importance_floor: its drift raises no warning. */
  belowFloor?: true;
}

export interface CardConditions {
  windowEnd: string;
  verdict: VerdictStatus;
  reasons: string[];
  /** The declared gates the verdict failed on (verdict.failedGates); absent when none did. */
  failedGates?: string[];
  drift: {
    datasetDrift: boolean | null;
    shareDrifted: number | null;
    /** Share of drifted columns at which the dataset counts as drifted. */
    driftShare: number;
    columnsChecked: number;
    columnsDrifted: number;
    /**
     * Most important first when importances were measured (the rest by column), else by column;
     * the label and the prediction appear last as "(label)" and "(prediction)".
     */
    driftedColumns: CardDriftedColumn[];
    /** How the importances were measured: on the drop of this metric, and the floor when set. */
    importance?: { metric: string; floor?: number };
  } | null;
  quality: { schemaBreak: boolean; issues: { severity: 'break' | 'warning' | 'info'; column: string; message: string }[] } | null;
  /** The weak segments of the latest window (plain text: a sentence, then one row per segment); absent when not searched. */
  segments?: { sentence: string; rows: string[][] };
}

export interface CardLogEntry {
  at: string;
  kind: AuditEntry['kind'];
  summary: string;
  actor: string | null;
  comment: string | null;
  workflowId: string | null;
}

/** An open watchdog finding, as the card shows it. */
export interface CardWatchdogFinding {
  kind: WatchdogFinding['kind'];
  summary: string;
  since: string;
  firstReportedAt: string;
  notified: string[];
}

/** The JSON card: a plain object (no undefined values, no class instances). */
export interface ModelCard {
  schema: 'upkeep.model-card/v1';
  modelId: string;
  generatedAt: string;
  details: CardDetails;
  current: CardCurrent;
  /** Newest first. */
  lineage: CardLineageEntry[];
  /** Newest first, at most MAX_TREND_POINTS. */
  metricTrend: CardTrendPoint[];
  latestConditions: CardConditions | null;
  /** Newest first, at most MAX_LOG_ENTRIES. */
  auditTrail: CardLogEntry[];
  /** Entries left out of metricTrend and auditTrail by the limits. */
  omitted: { reports: number; auditTrail: number };
  /** Open watchdog findings (absent when there are none), by kind. */
  watchdog?: CardWatchdogFinding[];
  /** The monitoring plan (absent on cards built without the config's plan). */
  monitoringPlan?: CardMonitoringPlan;
  /** Incidents (absent when there are none), newest first, at most MAX_INCIDENTS. */
  incidents?: CardIncident[];
  /** Periodic reviews (absent when the config asks for none). */
  reviews?: CardReviews;
  /** Bias drift: each fairness gap per window and whether it grew (absent without models[].fairness). */
  fairness?: CardFairness;
}

export interface CardFairnessGap {
  /** The gate name, e.g. `demographic_parity_difference[sex]`. */
  name: string;
  /** The gate the config sets on it, when any (e.g. `max 0.1`). */
  gate: string | null;
  /** Newest first, at most MAX_TREND_POINTS windows of the current version. */
  points: { windowEnd: string; value: number | null }[];
  /** The gap grew (the parity ratio: shrank) significantly over the windows tested. */
  grew: boolean;
  pValue: number | null;
  slopePerWeek: number | null;
  message: string;
}

export interface CardFairness {
  /** Version the series are of (the newest report's). */
  version: string | null;
  gaps: CardFairnessGap[];
}
