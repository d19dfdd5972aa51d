/**
 * Names and types shared by workflows, activities, workers and the CLI. Deterministic code only:
 * this file is bundled into the workflow sandbox.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ModelSpec } from '../activities/config/schema.js';
import type { DriftReport } from '../activities/drift/assess.js';
import type { QualityReport } from '../activities/drift/quality.js';
import type { SlicesReport } from '../activities/evaluation/slices.js';

export const TASK_QUEUE = 'upkeep';

export const UpkeepModelId = defineSearchAttributeKey('UpkeepModelId', SearchAttributeType.KEYWORD);
export const UpkeepVerdict = defineSearchAttributeKey('UpkeepVerdict', SearchAttributeType.KEYWORD);
/** Set by Temporal on workflows started by a Schedule (including backfills and manual triggers). */
export const TemporalScheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** Search attributes the server must know; the embedded dev server registers them at start. */
export const UPKEEP_SEARCH_ATTRIBUTES = [UpkeepModelId, UpkeepVerdict] as const;

export const evaluateScheduleId = (modelId: string): string => `upkeep-evaluate-${modelId}`;
/** One maintenance request per model at a time: later evidence attaches to the pending one. */
export const retrainWorkflowId = (modelId: string): string => `upkeep-retrain-${modelId}`;
export const rollbackWorkflowId = (modelId: string): string => `upkeep-rollback-${modelId}`;

/** Milliseconds of a duration such as 250ms, 30s, 5m, 2h or 1d (the config's duration format). */
export function durationMs(d: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(d);
  if (!m) throw new Error(`not a duration: ${d}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

export type Task = 'binary' | 'multiclass' | 'regression';
export type VerdictStatus = 'healthy' | 'warning' | 'degraded' | 'failing' | 'insufficient-data';

export interface Verdict {
  status: VerdictStatus;
  /** Ordered: the reason that decided the status comes first. */
  reasons: string[];
}

export interface EvaluateModelInput {
  modelId: string;
  /**
   * End of the data window (ISO 8601). Defaults to the schedule's scheduled start time, so a
   * backfill evaluates past windows as they were; for a workflow started by hand, its start time.
   */
  windowEnd?: string;
}

/** What resolveModel returns: the spec as declared plus the artifact's identity. */
export interface ResolvedModel {
  modelId: string;
  /** The validated spec as declared in the config at resolution time (recorded in history). */
  spec: ModelSpec;
  /** Immutable copy of the ONNX artifact in the store. */
  artifactUri: string;
  artifactSha256: string;
  artifactBytes: number;
  /** The reference profile evaluations compare against (stored next to the model version), if any. */
  referenceUri?: string;
  /** Registry version id (first 12 hex digits of the sha256). */
  version?: string;
  /** What max_drop is measured from: the version's holdout metrics once promoted, else the config's. */
  baseline?: Record<string, number>;
  /** The champion pointer's generation (0: the config's artifact, never promoted). */
  generation?: number;
  /** Where the version came from: the config's artifact or a retrain. */
  source?: 'config' | 'retrain';
}

export interface SnapshotFile {
  date: string;
  sourceUri: string;
  /** Immutable, content-addressed copy in the artifact store. */
  uri: string;
  sha256: string;
  bytes: number;
  rows: number;
}

export interface SnapshotRef {
  /** The manifest's URI; its sha256 identifies the snapshot. */
  uri: string;
  sha256: string;
  firstDay: string;
  lastDay: string;
  windowEnd: string;
  rows: number;
  files: SnapshotFile[];
  missing: { date: string; sourceUri: string }[];
}

export interface InvalidValues {
  file: string;
  column: string;
  nulls: number;
  nan: number;
  infinite: number;
}

export interface EvaluationSummary {
  /** Labelled rows evaluated (after dropping invalid rows). */
  rows: number;
  rowsRead: number;
  droppedRows: number;
  invalid: InvalidValues[];
  metrics: Record<string, number | null>;
  /** Why a metric is null. */
  undefinedMetrics: Record<string, string>;
  /** Values returned with a warning, as scikit-learn does. */
  metricWarnings: Record<string, string>;
  warnings: string[];
  classes?: string[];
  labelCounts?: Record<string, number>;
  predictionCounts?: Record<string, number>;
  /** Against the model's reference profile, when it has one. */
  drift?: DriftReport;
  quality?: QualityReport;
  /** Metrics per value of the configured segment columns. */
  slices?: SlicesReport;
  /** Confidence interval of the primary metric and of its drop from the baseline. */
  confidence?: ConfidenceSummary;
  durationMs: number;
}

/** A data problem found while evaluating: the window is failing rather than the workflow. */
export interface EvaluationFailure {
  type: string;
  message: string;
}

/** Error types that describe the evaluated window's data: the window is failing, the workflow is not. */
export const DATA_ERROR_TYPES: readonly string[] = ['SchemaMismatch', 'InvalidData', 'UnreadableData'];

export interface ConfidenceSummary {
  metric: string;
  value: number | null;
  low: number | null;
  high: number | null;
  confidence: number;
  resamples: number;
  seed: number;
  /** What produced the interval (absent in reports from before closed forms: the bootstrap). */
  method?: 'bootstrap' | 'delong' | 'wilson' | 'clt' | 'delta';
  drop?: { value: number | null; low: number | null; high: number | null };
}

/** Slow decline of the primary metric over the stored reports of this model. */
export interface TrendSummary {
  metric: string;
  declining: boolean;
  slopePerWeek: number | null;
  since: string | null;
  pValue: number | null;
  points: number;
  message?: string;
}

export interface ReportRef {
  jsonUri: string;
  markdownUri: string;
  sha256: string;
}

export interface EvaluateModelResult {
  modelId: string;
  verdict: Verdict;
  windowEnd: string;
  firstDay: string;
  lastDay: string;
  rows: number;
  metrics: Record<string, number | null>;
  artifactSha256: string;
  snapshot: { uri: string; sha256: string; rows: number; files: number; missing: number };
  report: ReportRef;
  /** A retrain request was started, or this evidence was attached to the pending one. */
  retrain?: 'started' | 'attached';
}

// ───────────────────────────── maintenance: retrain, approval, promotion ─────────────────────────────

export type GateName = 'retrain' | 'promote' | 'rollback';

/** What an approver sends through the `decide` Update. */
export interface DecisionInput {
  gate: GateName;
  decision: 'approve' | 'reject';
  approver: string;
  /** Required for a rejection. */
  comment?: string;
}

export interface Decision extends DecisionInput {
  /** Workflow time of the decision (ISO 8601). */
  at: string;
}

/** Why a retrain was asked for: an evaluation's verdict, or a person. */
export interface RetrainEvidence {
  source: 'evaluation' | 'manual';
  at: string;
  reason: string;
  requestedBy?: string;
  workflowId?: string;
  runId?: string;
  windowEnd?: string;
  /** The model version that was evaluated. */
  version?: string;
  verdict?: Verdict;
  metrics?: Record<string, number | null>;
  reportUri?: string;
}

export interface NotificationRecord {
  kind: NotificationKind;
  to: string[];
  at: string;
}

export interface GateStatus {
  gate: GateName;
  state: 'waiting' | 'approved' | 'rejected' | 'expired';
  openedAt: string;
  /** When the request expires if nobody decides. */
  expiresAt: string;
  /** Who may decide. */
  approvers: string[];
  notified: NotificationRecord[];
  reminders: number;
  escalated: boolean;
  decision?: Decision;
  closedAt?: string;
}

/** A model version in the registry, as history refers to it. */
export interface ModelVersionRef {
  version: string;
  sha256: string;
  artifactUri: string;
  bytes: number;
}

export interface ComparisonSide {
  version: string;
  value: number | null;
  low: number | null;
  high: number | null;
  metrics: Record<string, number | null>;
}

export interface ComparisonRow {
  metric: string;
  champion: number | null;
  challenger: number | null;
  /** challenger − champion. */
  delta: number | null;
  better: 'challenger' | 'champion' | 'same' | null;
}

/** Champion vs challenger on the same holdout the candidate was not trained on. */
export interface Comparison {
  metric: string;
  higherIsBetter: boolean;
  holdout: { uri: string; sha256: string; rows: number; firstDay: string; lastDay: string };
  champion: ComparisonSide;
  challenger: ComparisonSide;
  rows: ComparisonRow[];
  recommended: boolean;
  reason: string;
}

export type RetrainOutcome =
  | 'promoted'
  | 'retrain-rejected'
  | 'retrain-expired'
  | 'promotion-rejected'
  | 'promotion-expired'
  | 'not-recommended'
  | 'insufficient-data'
  | 'champion-changed';

export type MaintenanceStage =
  | 'awaiting-retrain-approval'
  | 'snapshotting'
  | 'training'
  | 'comparing'
  | 'awaiting-promotion-approval'
  | 'awaiting-rollback-approval'
  | 'promoting'
  | 'done';

export interface MaintenanceStatus {
  modelId: string;
  kind: 'retrain' | 'rollback';
  stage: MaintenanceStage;
  /** When the current stage began. */
  since: string;
  /** The first and the latest evidence (all of it up to 20). */
  evidence: RetrainEvidence[];
  /** How much evidence was attached in all. */
  evidenceCount?: number;
  /** The gate waiting for a decision, if any. */
  gate?: GateStatus;
  gates: GateStatus[];
  champion?: string;
  /** The version a rollback restores. */
  target?: string;
  candidate?: ModelVersionRef;
  comparison?: Comparison;
  outcome?: RetrainOutcome;
}

export interface RetrainModelInput {
  modelId: string;
  /** The first evidence; `upkeep retrain` sends it as a signal instead (signal-with-start). */
  evidence?: RetrainEvidence;
}

/** How a model's latest retrain request ended. */
export interface LastRetrainRequest {
  modelId: string;
  outcome: RetrainOutcome;
  at: string;
  /** The champion when it ended. */
  champion: string;
  workflowId: string;
}

export interface RetrainModelResult {
  modelId: string;
  outcome: RetrainOutcome;
  evidence: number;
  candidate?: ModelVersionRef;
  comparison?: Comparison;
  champion: string;
  decisions: Decision[];
}

export interface RollbackModelInput {
  modelId: string;
  /** The version to restore; by default the one before the current champion. */
  to?: string;
  reason: string;
  requestedBy: string;
  /** Skips the approval gate; only a listed approver may ask for it (recorded either way). */
  emergency?: boolean;
}

export interface RollbackModelResult {
  modelId: string;
  outcome: 'rolled-back' | 'rejected' | 'expired' | 'champion-changed';
  from: string;
  to: string;
  decisions: Decision[];
}

export type NotificationKind =
  | 'degraded'
  | 'failing'
  | 'approval-requested'
  | 'reminder'
  | 'escalation'
  | 'expired'
  | 'decision'
  | 'not-recommended'
  | 'promoted'
  | 'rolled-back'
  | 'failure';

/** One notification: logged always, POSTed to the webhook when one is configured. */
export interface NotificationEvent {
  kind: NotificationKind;
  modelId: string;
  /** People (ids or addresses from the config) the message is meant for. */
  to: string[];
  /** One line, plain text. */
  title: string;
  /** Longer plain text (Markdown-ish, as Slack renders it). */
  text: string;
  at: string;
  workflowId?: string;
  details?: Record<string, unknown>;
}

/** One line of a model's maintenance log (append-only; an activity that runs twice writes it once). */
export interface LedgerEntry {
  /** Stable id: the same event recorded twice has the same id. */
  id: string;
  modelId: string;
  at: string;
  kind:
    | 'evaluation'
    | 'retrain-requested'
    | 'rollback-requested'
    | 'evidence-attached'
    | 'approval-requested'
    | 'reminder'
    | 'escalation'
    | 'decision'
    | 'expired'
    | 'trained'
    | 'compared'
    | 'promoted'
    | 'rolled-back'
    | 'not-recommended'
    | 'failure';
  summary: string;
  actor?: string;
  comment?: string;
  workflowId?: string;
  runId?: string;
  details?: Record<string, unknown>;
}

export const decideUpdate = defineUpdate<GateStatus, [DecisionInput]>('decide');
export const attachEvidenceSignal = defineSignal<[RetrainEvidence]>('attachEvidence');
export const maintenanceStatusQuery = defineQuery<MaintenanceStatus>('status');
