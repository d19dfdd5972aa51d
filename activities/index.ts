/**
 * All activities, built from injected ports. Only workers/ (the composition root) constructs the
 * ports; nothing here reads process.env or holds module-level state.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { UpkeepConfig } from '../domain/config.js';
import type { DataSource } from './data/source.js';
import type { EvaluationEngine } from './evaluation/evaluate.js';
import type { ArtifactStore } from './store/store.js';
import { UpkeepError } from './errors.js';
import { createRegistryActivities } from './registry/activities.js';
import { createDataActivities } from './data/activities.js';
import { createEvaluationActivities } from './evaluation/activities.js';
import { createDocsActivities } from './docs/activities.js';
import { createTrainingActivities } from './training/activities.js';
import { createMaintenanceActivities } from './docs/maintenance.js';

export interface ActivityDeps {
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
  /** HTTP client for webhooks (tests inject one); globalThis.fetch by default. */
  fetch?: typeof fetch;
}

export function activityCancellation(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

export function activityHeartbeat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // outside an activity (e.g. the one-shot CLI): nothing to report to
  }
}

/** Bad input becomes a non-retryable failure with a stable type; anything else is retried. */
function withFailureTypes<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        if (err instanceof UpkeepError) {
          throw ApplicationFailure.create({ message: err.message, type: err.type, nonRetryable: true, cause: err.cause instanceof Error ? err.cause : undefined });
        }
        throw err;
      }
    };
  }
  return wrapped as T;
}

export function createActivities(deps: ActivityDeps) {
  const d = { ...deps, heartbeat: deps.heartbeat ?? activityHeartbeat, cancellation: deps.cancellation ?? activityCancellation };
  return withFailureTypes({
    ...createRegistryActivities(d),
    ...createDataActivities(d),
    ...createEvaluationActivities(d),
    ...createDocsActivities(d),
    ...createTrainingActivities(d),
    ...createMaintenanceActivities(d),
  });
}

export type Activities = ReturnType<typeof createActivities>;
