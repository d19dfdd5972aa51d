/**
 * What the engine may ask the Temporal server, as plain interfaces: the composition root builds
 * them over a client (workers/temporal-port.ts); the engine never imports Temporal.
 */

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
