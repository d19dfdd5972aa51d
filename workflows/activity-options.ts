/** Timeouts and retries of the activities, shared by the workflows that call them. */
import type { ActivityOptions } from '@temporalio/workflow';

/** Short steps that read the config or the store (resolve, snapshot, report, registry). */
export const STEP: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2s', maximumInterval: '1 minute', maximumAttempts: 10 },
};

/** Running a model over a window (heartbeats per shard and every 10 s). */
export const EVALUATION: ActivityOptions = {
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5s', maximumInterval: '2 minutes', maximumAttempts: 5 },
};

/** Training a candidate: long, heartbeats every few seconds; on the training task queue. */
export const TRAINING: ActivityOptions = {
  startToCloseTimeout: '24 hours',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '10s',
    maximumInterval: '5 minutes',
    maximumAttempts: 3,
    nonRetryableErrorTypes: ['TrainingFailed', 'InsufficientData', 'SchemaMismatch', 'InvalidConfig'],
  },
};
