/**
 * Temporal's contract: the task queue, search attributes, workflow and schedule ids, the workflows'
 * inputs and results, and their signals, updates and queries. The shapes inside come from domain/.
 * Deterministic code only: this file is bundled into the workflow sandbox.
 */
import { defineSearchAttributeKey, SearchAttributeType, type QueryDefinition, type SignalDefinition, type UpdateDefinition } from '@temporalio/common';
import type { ReportRef, Verdict } from '../domain/evaluation.js';
import type { EstimateError } from '../domain/late-labels.js';
import type { DecisionProof } from '../domain/signature.js';
import type { HandoverOutcome } from '../domain/handover.js';
import { TASK_QUEUE } from './task-queue.js';
import type {
  Comparison,
  Decision,
  DecisionInput,
  GateStatus,
  MaintenanceStatus,
  ModelVersionRef,
  RequestKind,
  RetrainEvidence,
  RetrainOutcome,
} from '../domain/maintenance.js';

/** The default task queue; the worker and every client may be given another. */
export { TASK_QUEUE };

/**
 * Training activities run on their own task queue, next to the workflows' one (which also runs
 * evaluations and the short steps), so workers can give training its own slots.
 */
export const trainingTaskQueue = (taskQueue: string): string => `${taskQueue}-training`;

export const UpkeepModelId = defineSearchAttributeKey('UpkeepModelId', SearchAttributeType.KEYWORD);
export const UpkeepVerdict = defineSearchAttributeKey('UpkeepVerdict', SearchAttributeType.KEYWORD);
/** Set by Temporal on workflows started by a Schedule (including backfills and manual triggers). */
export const TemporalScheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);
/**
 * Set by Temporal to the id of the Schedule that started a workflow. Whoever starts a workflow by
 * hand may set it too (the server accepts it): a run that must be its schedule's checks the
 * schedule's own record of its recent actions as well (startedBySchedule).
 */
export const TemporalScheduledById = defineSearchAttributeKey('TemporalScheduledById', SearchAttributeType.KEYWORD);

/** Search attributes the server must know; the embedded dev server registers them at start. */
export const UPKEEP_SEARCH_ATTRIBUTES = [UpkeepModelId, UpkeepVerdict] as const;

export const evaluateScheduleId = (modelId: string): string => `upkeep-evaluate-${modelId}`;
/** One maintenance request per model at a time: later evidence attaches to the pending one. */
export const retrainWorkflowId = (modelId: string): string => `upkeep-retrain-${modelId}`;
export const rollbackWorkflowId = (modelId: string): string => `upkeep-rollback-${modelId}`;
/** One handover request per model at a time (docs/governance.md#handover). */
export const handoverWorkflowId = (modelId: string): string => `upkeep-handover-${modelId}`;
/** The watchdog's schedule (and its runs' workflow id): one per task queue, so per deployment. */
export const watchdogScheduleId = (taskQueue: string = TASK_QUEUE): string => (taskQueue === TASK_QUEUE ? 'upkeep-watchdog' : `upkeep-watchdog-${taskQueue}`);
/** The maintenance digest's schedule (docs/governance.md#the-weekly-digest). */
export const digestScheduleId = (taskQueue: string = TASK_QUEUE): string => (taskQueue === TASK_QUEUE ? 'upkeep-digest' : `upkeep-digest-${taskQueue}`);
/** The periodic reviews' daily sweep (docs/governance.md#periodic-reviews). */
export const reviewScheduleId = (taskQueue: string = TASK_QUEUE): string => (taskQueue === TASK_QUEUE ? 'upkeep-reviews' : `upkeep-reviews-${taskQueue}`);
/** One periodic review request per model at a time. */
export const reviewWorkflowId = (modelId: string): string => `upkeep-review-${modelId}`;
/** The workflow id of each kind of maintenance request of a model. */
export const requestWorkflowId: Readonly<Record<RequestKind, (modelId: string) => string>> = {
  retrain: retrainWorkflowId,
  rollback: rollbackWorkflowId,
  handover: handoverWorkflowId,
  review: reviewWorkflowId,
};
/** The anchor schedule (and the prefix of its runs' workflow ids): `audit verify` lists its runs by it. */
export const anchorTrailScheduleId = (taskQueue: string = TASK_QUEUE): string =>
  taskQueue === TASK_QUEUE ? 'upkeep-anchor-trail' : `upkeep-anchor-trail-${taskQueue}`;
export const exportHistoriesScheduleId = (taskQueue: string = TASK_QUEUE): string =>
  taskQueue === TASK_QUEUE ? 'upkeep-export-histories' : `upkeep-export-histories-${taskQueue}`;

export interface EvaluateModelInput {
  modelId: string;
  /**
   * End of the data window (ISO 8601). Defaults to the schedule's scheduled start time, so a
   * backfill evaluates past windows as they were; for a workflow started by hand, its start time.
   */
  windowEnd?: string;
  /**
   * The window's labels have matured: it is evaluated again (docs/late-labels.md). Names only the
   * first evaluation's audit entry; what it estimated is read back from the trail, not taken from
   * whoever starts the workflow.
   */
  matured?: { entry: string };
}

/** A re-evaluation of a window whose labels matured: one workflow id per window (no second run of it). */
export const maturedWorkflowId = (modelId: string, windowEnd: string): string => {
  // The same window whether its end was written with milliseconds or not.
  const t = Date.parse(windowEnd);
  return `upkeep-matured-${modelId}-${Number.isNaN(t) ? windowEnd : new Date(t).toISOString()}`;
};

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
  /** Past windows whose labels had matured, evaluated again by this run (their window ends). */
  matured?: string[];
  /** A re-evaluation: per estimated metric, the first estimate beside the realized value. */
  estimateError?: Record<string, EstimateError>;
}

export interface RetrainModelInput {
  modelId: string;
  /** The first evidence; `upkeep retrain` sends it as a signal instead (signal-with-start). */
  evidence?: RetrainEvidence;
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
  /** The requester's signature (domain/signature.ts); required when the model has keys. */
  proof?: DecisionProof;
}

export interface RollbackModelResult {
  modelId: string;
  outcome: 'rolled-back' | 'rejected' | 'expired' | 'champion-changed';
  from: string;
  to: string;
  decisions: Decision[];
}

export interface HandoverModelResult {
  modelId: string;
  outcome: HandoverOutcome;
  /** The owner before (the config's, or the last accepted handover's). */
  from: string | null;
  /** The new owner, when accepted. */
  to?: string;
  decisions: Decision[];
}

// The handlers' definitions as @temporalio/workflow's defineUpdate, defineSignal and defineQuery make
// them ({ type, name }; test/unit/definitions.test.ts compares them): the CLI and the web import this
// file, and loading @temporalio/workflow (21 modules) for three one-line functions was part of every
// Temporal command's start-up.
const defineUpdate = <Ret, Args extends unknown[] = [], Name extends string = string>(name: Name): UpdateDefinition<Ret, Args, Name> =>
  ({ type: 'update', name }) as UpdateDefinition<Ret, Args, Name>;
const defineSignal = <Args extends unknown[] = [], Name extends string = string>(name: Name): SignalDefinition<Args, Name> =>
  ({ type: 'signal', name }) as SignalDefinition<Args, Name>;
const defineQuery = <Ret, Args extends unknown[] = [], Name extends string = string>(name: Name): QueryDefinition<Ret, Args, Name> =>
  ({ type: 'query', name }) as QueryDefinition<Ret, Args, Name>;

export const decideUpdate = defineUpdate<GateStatus, [DecisionInput]>('decide');
/**
 * Asks the open gate to read who may decide, and their keys, again from the worker's config (an
 * activity): it carries nothing, so namespace access cannot add a key through it. Sent by
 * `schedules sync`, `upkeep worker` and `npm start` to every waiting request.
 */
export const refreshApproversUpdate = defineUpdate<GateStatus, []>('refreshApprovers');
export const attachEvidenceSignal = defineSignal<[RetrainEvidence]>('attachEvidence');
export const maintenanceStatusQuery = defineQuery<MaintenanceStatus>('status');
