/**
 * All activities, built from injected ports (deps.ts). Only the composition root (workers/, and
 * the CLI for one-shot commands) constructs the ports; activities take no settings from the
 * environment (child processes they start, trainer commands and git, inherit it).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { ActivityDeps } from './deps.js';
import { UpkeepError } from '../engine/errors.js';
import { createRegistryActivities } from './registry.js';
import { createDataActivities } from './data.js';
import { createEvaluationActivities } from './evaluation.js';
import { createDocsActivities } from './reports.js';
import { createTrainingActivities } from './training.js';
import { createTrailActivities } from './trail.js';
import { createAuditActivities } from './audit.js';
import { createWatchdogActivities } from './watchdog.js';
import { createChannelActivities } from './channels.js';
import { createDigestActivities } from './digest.js';
import { createHandoverActivities } from './handover.js';

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

export function activityAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1; // outside an activity
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
          // A model that left the config is an expected end, not an incident: logged at debug only.
          const category = err.type === 'UnknownModel' ? ApplicationFailureCategory.BENIGN : undefined;
          throw ApplicationFailure.create({
            message: err.message,
            type: err.type,
            nonRetryable: true,
            cause: err.cause instanceof Error ? err.cause : undefined,
            category,
          });
        }
        throw err;
      }
    };
  }
  return wrapped as T;
}

export function createActivities(deps: ActivityDeps) {
  const d = {
    ...deps,
    heartbeat: deps.heartbeat ?? activityHeartbeat,
    cancellation: deps.cancellation ?? activityCancellation,
    attempt: deps.attempt ?? activityAttempt,
  };
  return withFailureTypes({
    ...createRegistryActivities(d),
    ...createDataActivities(d),
    ...createEvaluationActivities(d),
    ...createDocsActivities(d),
    ...createTrainingActivities(d),
    ...createTrailActivities(d),
    ...createAuditActivities(d),
    ...createWatchdogActivities(d),
    ...createChannelActivities(d),
    ...createDigestActivities(d),
    ...createHandoverActivities(d),
  });
}

export type Activities = ReturnType<typeof createActivities>;
