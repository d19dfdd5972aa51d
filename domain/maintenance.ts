/**
 * Maintenance of a model: retrain and rollback requests, their approval gates, the comparison of
 * champion and challenger, notifications and the audit trail.
 */
import type { FairnessGapChange } from './fairness.js';
import type { ApprovalRule } from './governance.js';
import type { Verdict } from './evaluation.js';
import type { DecisionProof } from './signature.js';
import type { GateName, RequestKind } from './requests.js';

export { GATE_NAMES, GATE_REQUEST, REQUEST_WORKFLOWS, type GateName, type RequestKind } from './requests.js';

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
  /** An approval needs a comment, and why (e.g. the candidate is not recommended: it still fails the threshold). */
  commentRequired?: string;
  /** The candidate version decided on (a promote gate); a format-2 signature names it. */
  candidate?: string;
  /**
   * The evidence shown with the request, stored content-addressed (comparison, intervals,
   * coverage); a signature must cover its sha256 (format 2, docs/signed-decisions.md).
   */
  evidence?: { uri: string; sha256: string };
  /** The risk tier's rule in force (a promote gate): who may approve, how many approvals (docs/signed-decisions.md#risk-tiers). */
  rule?: ApprovalRule;
  /** Approvals taken while more were needed (the rule's approvals_required); the last one is `decision`. */
  approvals?: Decision[];
  /** A review gate: the questions an attestation answers, one numbered line each in its comment. */
  questions?: string[];
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

/** How much of the training window asked for held data (`retrain.training_days`, `min_coverage`). */
export interface TrainingCoverage {
  firstDay: string;
  lastDay: string;
  /** `retrain.training_days`. */
  daysAsked: number;
  /** Days of the window with at least one row. */
  daysWithData: number;
  /** The days without data, oldest first (at most MAX_LISTED_DAYS; `daysAsked - daysWithData` counts them all). */
  missingDays: string[];
  /** Rows in the training snapshot. */
  rows: number;
  /** Rows the trainer used, when it says (the builtin drops rows with missing values). */
  rowsUsed?: number;
  /** daysWithData / daysAsked. */
  share: number;
  /** `retrain.min_coverage`. */
  minCoverage: number;
}

/** What was trained: by which trainer, which kind of model, on what. */
export interface CandidateInfo {
  version: string;
  /** "builtin" or "command: <argv>". */
  trainer: string;
  /** What kind of model the candidate is (from its ONNX graph, or the builtin's fit). */
  modelType: string;
  /** What kind of model the champion is (from its ONNX graph). */
  championModelType?: string;
  training: TrainingCoverage;
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
  /**
   * The challenger beats the champion by more than `min_improvement` (absent in comparisons made
   * before it was recorded: there `recommended` said it).
   */
  better?: boolean;
  /** Why a better challenger is still not recommended: it fails the threshold, it trained on too little. */
  concerns?: string[];
  /** The challenger's primary metric still fails the model's own threshold: the message. */
  stillFails?: string;
  candidate?: CandidateInfo;
  /** Fairness gaps on the holdout (models[].fairness), champion beside challenger. */
  fairness?: FairnessGapChange[];
}

/** Days without data listed in a coverage (the count says how many in all). */
export const MAX_LISTED_DAYS = 31;

/** The training snapshot's coverage of the days asked for. */
export function trainingCoverage(
  training: { firstDay: string; lastDay: string; rows: number; files: readonly { date: string; rows: number }[]; missing: readonly { date: string }[] },
  daysAsked: number,
  minCoverage: number,
  rowsUsed?: number,
): TrainingCoverage {
  const withData = new Set(training.files.filter((f) => f.rows > 0).map((f) => f.date));
  const dates = new Set([...training.files.map((f) => f.date), ...training.missing.map((m) => m.date)]);
  const missingDays = [...dates].filter((d) => !withData.has(d)).sort();
  const asked = Math.max(daysAsked, 1);
  return {
    firstDay: training.firstDay,
    lastDay: training.lastDay,
    daysAsked,
    daysWithData: withData.size,
    missingDays: missingDays.slice(0, MAX_LISTED_DAYS),
    rows: training.rows,
    ...(rowsUsed !== undefined ? { rowsUsed } : {}),
    share: Math.min(1, withData.size / asked),
    minCoverage,
  };
}

/** Whether the candidate trained on fewer days (or rows) than asked for. */
export const coverageShort = (c: TrainingCoverage): boolean => c.daysWithData < c.daysAsked || (c.rowsUsed !== undefined && c.rowsUsed < c.rows);

/** One line: "trained on 3 of 28 days asked (11%; no data on …), 450 rows". */
export function describeCoverage(c: TrainingCoverage): string {
  const pct = `${Math.round(c.share * 100)}%`;
  const gap = c.daysAsked - c.daysWithData;
  const missing =
    gap > 0
      ? `; no data on ${gap} day${gap === 1 ? '' : 's'}${c.missingDays.length ? `: ${c.missingDays.join(', ')}${gap > c.missingDays.length ? ', …' : ''}` : ''}`
      : '';
  const rows = c.rowsUsed !== undefined && c.rowsUsed < c.rows ? `${c.rowsUsed} of ${c.rows} rows (${c.rows - c.rowsUsed} dropped)` : `${c.rows} rows`;
  return `trained on ${c.daysWithData} of the ${c.daysAsked} days asked (${c.firstDay}..${c.lastDay}, ${pct}${missing}), ${rows}`;
}

/** What a model's `retrain.trainer` is, in one phrase; undefined without one. */
export function describeTrainer(trainer: { type: 'builtin' } | { type: 'command'; command: readonly string[] } | undefined, task?: string): string | undefined {
  if (!trainer) return undefined;
  if (trainer.type === 'command') return `command: ${trainer.command.join(' ')}`;
  return `builtin ${task === 'regression' ? 'ridge regression' : task === 'multiclass' ? 'softmax regression' : 'logistic regression'}`;
}

/** Why a model cannot be retrained without a trainer: the config section to add. */
export const noTrainerMessage = (modelId: string, configName = 'the config'): string =>
  `model ${modelId} has no retrain.trainer in ${configName}, so it cannot be retrained: add a retrain: section with a trainer (type: builtin, or type: command with your own training command) to the model (docs/retraining.md)`;

export type RetrainOutcome =
  | 'promoted'
  | 'retrain-rejected'
  | 'retrain-expired'
  | 'promotion-rejected'
  | 'promotion-expired'
  | 'not-recommended'
  | 'insufficient-data'
  | 'champion-changed'
  /** The model has no retrain.trainer: nothing was trained. */
  | 'no-trainer';

export type MaintenanceStage =
  | 'awaiting-retrain-approval'
  | 'snapshotting'
  | 'training'
  | 'comparing'
  | 'awaiting-promotion-approval'
  | 'awaiting-rollback-approval'
  | 'awaiting-handover-acceptance'
  | 'awaiting-review'
  | 'promoting'
  | 'done';

export interface MaintenanceStatus {
  modelId: string;
  kind: RequestKind;
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
  /** A handover request: the owner now, who may accept, why, who asked (docs/governance.md#handover). */
  handover?: { from: string | null; to: string[]; reason: string; requestedBy: string; source: 'manual' | 'departure'; left?: string };
  /** What approving the retrain does: the trainer and the days it is asked to train on. */
  plan?: { trainer: string; trainingDays: number; holdoutDays: number; minCoverage: number };
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
  /** A window whose verdict is warning (sent only where a route asks for it). */
  | 'warning'
  /** The model is healthy again after a degraded or failing window (resolves a PagerDuty alert). */
  | 'recovered'
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
  | 'watchdog'
  /** The maintenance digest of a period (docs/governance.md#the-weekly-digest). */
  | 'digest';

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

/** One line of a model's audit trail (append-only; an activity that runs twice writes it once). */
export interface AuditEntry {
  /** Stable id: the same event recorded twice has the same id. */
  id: string;
  modelId: string;
  at: string;
  kind:
    | 'evaluation'
    | 'retrain-requested'
    | 'rollback-requested'
    | 'evidence-attached'
    /** An open gate read its approvers and keys again from the config, and they had changed. */
    | 'approvers-refreshed'
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
    /** A command saw a config (spec, key set, web users) other than the last recorded one (docs/audit.md). */
    | 'config-changed'
    /** The watchdog opened or resolved a finding (details.state: open | resolved). */
    | 'watchdog'
    /** A decision was refused (forged, unsigned, not an approver…), recorded by the CLI or web inbox that sent it. */
    | 'refused'
    /** A sign-in, failed sign-in, sign-out or refused post of the web inbox (the `_web` chain). */
    | 'web-access'
    /** The monitoring plan generated from the config changed (docs/governance.md#the-monitoring-plan). */
    | 'plan-changed'
    /** A weekly digest of the maintenance done was sent (docs/governance.md#the-weekly-digest). */
    | 'digest'
    /** An evaluation saw an incident open (its first degraded or failing window) or close (the first healthy one after it); docs/incidents.md. */
    | 'incident-opened'
    | 'incident-closed'
    /** An owner's post-incident note (details.incident, details.text; signed when the owner has a key). */
    | 'incident-note'
    /** A report on an incident under its reporting clock (details.incident, details.report: initial | final, details.text; signed when the filer has a key). */
    | 'incident-report'
    /** A handover of the model's ownership was asked for, and accepted (signed by the new owner): docs/governance.md#handover. */
    | 'handover-requested'
    | 'handover-accepted'
    /** A periodic review was asked for (details: due, since, questions, the evidence's reference); docs/governance.md#periodic-reviews. */
    | 'review-requested'
    /** A periodic review was attested (details: outcome, answers, the signed decision) or lapsed undecided (outcome expired). */
    | 'reviewed';
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
