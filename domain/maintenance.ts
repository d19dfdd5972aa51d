/**
 * Maintenance of a model: retrain and rollback requests, their approval gates, the comparison of
 * champion and challenger, notifications and the maintenance log.
 */
import type { Verdict } from './evaluation.js';
import type { DecisionProof } from './signature.js';

export type GateName = 'retrain' | 'promote' | 'rollback';

/** What an approver sends through the `decide` Update. */
export interface DecisionInput {
  gate: GateName;
  decision: 'approve' | 'reject';
  approver: string;
  /** Required for a rejection. */
  comment?: string;
  /** The signature (domain/signature.ts); required when the model has keys configured. */
  proof?: DecisionProof;
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
  /** Decisions must be signed (the model has keys configured). */
  signaturesRequired?: boolean;
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

/** How a model's latest retrain request ended. */
export interface LastRetrainRequest {
  modelId: string;
  outcome: RetrainOutcome;
  at: string;
  /** The champion when it ended. */
  champion: string;
  workflowId: string;
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
  | 'failure'
  /** A watchdog finding: nobody seems to be watching a model. */
  | 'watchdog';

/** One notification: logged always, POSTed to the webhook when one is configured. */
/** A notification staged in the store for deliverNotification: its model and the sha256 of its stored bytes. */
export interface StagedNotification {
  modelId: string;
  sha256: string;
}

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
  runId?: string;
  /** The sending workflow's history length when it sent it. */
  event?: number;
  details?: Record<string, unknown>;
}

/** One line of a model's maintenance log (append-only; an activity that runs twice writes it once). */
export interface MaintenanceLogEntry {
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
    | 'failure'
    /** A notification was delivered (logged, and POSTed when a webhook is configured). */
    | 'notified'
    /** The model's schedule was created, changed, paused or resumed. */
    | 'schedule'
    /** The watchdog opened or resolved a finding (details.state: open | resolved). */
    | 'watchdog';
  summary: string;
  actor?: string;
  comment?: string;
  workflowId?: string;
  runId?: string;
  /** The workflow's history length when it recorded the entry: the event it came from. */
  event?: number;
  details?: Record<string, unknown>;
}

/** Everyone told about a model: its owner and approvers, each once. */
export function stakeholders(spec: { owner: string; approvers: readonly string[] }): string[] {
  return [...new Set([spec.owner, ...spec.approvers])];
}

/** One line on why a retrain was asked for. */
export function describeEvidence(e: RetrainEvidence): string {
  if (e.source === 'manual') return `requested by ${e.requestedBy ?? 'someone'}: ${e.reason}`;
  return `${e.verdict?.status ?? 'evaluation'} window ending ${e.windowEnd ?? e.at}: ${e.reason}`;
}
