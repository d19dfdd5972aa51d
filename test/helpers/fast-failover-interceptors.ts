/**
 * A workflow interceptor module for the fault tests that kill workers (bundled by
 * `fastFailoverBundle` of worker-processes.ts, never into upkeep's own bundle): every activity the
 * workflows schedule gets a heartbeat timeout of FAST_HEARTBEAT_TIMEOUT instead of its own (a
 * minute, or none: then its start-to-close timeout of a minute), so the server notices a killed
 * worker and retries its attempt in seconds. The workers running these workflows must heartbeat
 * every running activity within that time (`heartbeatEvery` of createUpkeepWorker, the worker
 * processes' UPKEEP_TEST_HEARTBEAT_MS). Only timeouts change: the commands, and so the history's
 * events, are those of upkeep's bundle.
 */
import type { ActivityInput, Next, WorkflowInterceptorsFactory, WorkflowOutboundCallsInterceptor } from '@temporalio/workflow';

/** Five times the beat of the workers: one beat late on a loaded machine is no timeout. */
export const FAST_HEARTBEAT_TIMEOUT = '5 seconds';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) {
        return next({ ...input, options: { ...input.options, heartbeatTimeout: FAST_HEARTBEAT_TIMEOUT } });
      },
    },
  ],
});
