/** The watchdog's activity over engine/watchdog/run.ts: inspect the fleet, record findings, write the report. */
import type { ActivityDeps } from './deps.js';
import { runWatchdog, type WatchdogRunInput, type WatchdogRunResult } from '../engine/watchdog/run.js';

export function createWatchdogActivities(deps: Pick<ActivityDeps, 'store' | 'loadConfig' | 'temporal' | 'heartbeat'>) {
  return {
    /** Inspects every model, records what is new and what was resolved, and writes watchdog/latest.json. */
    async watchdogInspect(input: WatchdogRunInput): Promise<WatchdogRunResult> {
      return runWatchdog(deps, await deps.loadConfig(), input);
    },
  };
}

export type WatchdogActivities = ReturnType<typeof createWatchdogActivities>;
