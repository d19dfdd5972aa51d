/**
 * Heartbeats from the worker for every running activity, besides the activities' own progress
 * beats: with them, a workflow may give its activities a heartbeat timeout of a few seconds and
 * the server notices a dead worker (SIGKILL, a lost machine) that soon, whatever the activity is
 * doing. Off by default: upkeep's activities set their own heartbeat timeouts
 * (workflows/activity-options.ts) and beat within them. The fault tests use it with their short
 * timeouts (test/helpers/fast-failover-interceptors.ts), so that a killed attempt is retried in
 * seconds rather than after a minute.
 */
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time.js';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/** The worker options that beat every `every` (and send each beat within that time). */
export function beatingWorkerOptions(
  every: Duration | undefined,
  interceptors: { activity?: ActivityInterceptorsFactory[] } | undefined,
): { interceptors?: { activity: ActivityInterceptorsFactory[] }; maxHeartbeatThrottleInterval?: Duration } {
  if (every === undefined) return {};
  const ms = msToNumber(every);
  const beating: ActivityInterceptorsFactory = (ctx) => ({
    inbound: {
      async execute(input, next) {
        const beat = setInterval(() => ctx.heartbeat(), ms);
        try {
          return await next(input);
        } finally {
          clearInterval(beat);
        }
      },
    },
  });
  return { interceptors: { ...interceptors, activity: [...(interceptors?.activity ?? []), beating] }, maxHeartbeatThrottleInterval: every };
}
