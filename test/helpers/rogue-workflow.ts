/**
 * A rogue worker's workflow: someone with namespace access who polls a task queue of their own and
 * schedules upkeep's activity on upkeep's task queue with an input of their choosing.
 */
import { ActivityFailure, proxyActivities } from '@temporalio/workflow';

export async function rogue(input: { taskQueue: string; entry: Record<string, unknown> }): Promise<string> {
  const { recordLedger } = proxyActivities<{ recordLedger(i: { entries: unknown[] }): Promise<void> }>({
    taskQueue: input.taskQueue,
    startToCloseTimeout: '10s',
    retry: { maximumAttempts: 1 },
  });
  try {
    await recordLedger({ entries: [input.entry] });
    return 'written';
  } catch (err) {
    return `refused: ${err instanceof ActivityFailure && err.cause ? err.cause.message : String(err)}`;
  }
}
