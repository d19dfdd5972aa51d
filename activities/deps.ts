/** The ports every activity is built from; the composition root provides them. */
import type { UpkeepConfig } from '../domain/config.js';
import type { DataSource } from './data/source.js';
import type { EvaluationEngine } from './evaluation/types.js';
import type { ArtifactStore } from './store/store.js';

/** A workflow execution as Temporal's visibility lists it. */
export interface WorkflowRunInfo {
  workflowId: string;
  runId: string;
  type: string;
  status: 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TERMINATED' | 'CONTINUED_AS_NEW' | 'TIMED_OUT' | 'UNKNOWN';
  startTime: string;
  closeTime?: string;
  /** The UpkeepModelId search attribute, when set. */
  modelId?: string;
}

/** The schedule of a model as the server holds it. */
export interface ScheduleState {
  paused: boolean;
  note?: string;
  /** When the schedule was last changed (a pause or resume is a change). */
  updatedAt?: string;
  nextRun?: string;
  /** When the schedule was created. */
  createdAt?: string;
  /** The latest runs started by the schedule, oldest first. */
  recent: { workflowId: string; runId: string; scheduledAt: string }[];
}

/**
 * What activities may ask the Temporal server (the watchdog, the history export). Present on a
 * worker built with a client; absent in one-shot CLI commands.
 */
export interface TemporalPort {
  readonly namespace: string;
  /** A schedule's state; undefined when there is no such schedule. */
  schedule(scheduleId: string): Promise<ScheduleState | undefined>;
  /** Executions matching a visibility query (e.g. `ExecutionStatus != 'Running'`), newest first, at most `limit`. */
  listWorkflows(query: string, limit: number): Promise<WorkflowRunInfo[]>;
  /** The full history of one run, in Temporal's JSON form (what `temporal workflow show -o json` prints). */
  history(workflowId: string, runId: string): Promise<string>;
}

export interface ActivityDeps {
  /** The Temporal server, for activities that read schedules, listings or histories. */
  temporal?: TemporalPort;
  /** Loads and validates the config (re-read per call, so edits apply without a restart). */
  loadConfig(): Promise<UpkeepConfig & { name: string }>;
  store: ArtifactStore;
  data: DataSource;
  engine: EvaluationEngine;
  /** Reports progress of long activities; defaults to Temporal heartbeats. */
  heartbeat?(details: unknown): void;
  /** Aborted when the running activity is cancelled; defaults to Temporal's cancellation signal. */
  cancellation?(): AbortSignal | undefined;
  /** Where trainers get temporary working folders. */
  scratchDir?: string;
  /** Where notifications are logged (one line each); console.log by default. */
  log?(line: string): void;
  /**
   * Where a trainer's `{ secret_env: NAME }` parameters are read from: the worker's environment,
   * handed in by the composition root (none by default).
   */
  secrets?: Readonly<Record<string, string | undefined>>;
  /** HTTP client for webhooks (tests inject one); globalThis.fetch by default. */
  fetch?: typeof fetch;
  /** The running activity's attempt number (from 1); Temporal's by default (1 outside an activity). */
  attempt?(): number;
}
