/**
 * Governance's scheduled work over the engine: the maintenance digest (engine/audit/digest.ts), the
 * periodic reviews (engine/audit/reviews.ts), and the check that a run was started by its schedule.
 */
import type { ActivityDeps } from './deps.js';
import { buildDigests, type DigestMessage } from '../engine/audit/digest.js';
import { reviewRequestFacts, reviewsDue, type ReviewRequestFacts } from '../engine/audit/reviews.js';
import { findModel } from '../engine/config/load.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createDigestActivities(deps: Pick<ActivityDeps, 'store' | 'loadConfig' | 'temporal'>) {
  return {
    /** The digests for the period ending at `at` (none when governance.digest is not configured). */
    async buildDigests(input: { at: string }): Promise<DigestMessage[]> {
      return buildDigests(deps.store, await deps.loadConfig(), new Date(input.at));
    },
    /** The models whose periodic review is due at `at` (the review sweep asks each once). */
    async reviewsDue(input: { at: string }): Promise<{ modelId: string; dueAt: string }[]> {
      return reviewsDue(deps.store, await deps.loadConfig(), input.at);
    },
    /** A due review's facts: its standing, policy and the evidence since the last review, stored; null when none is due. */
    async reviewRequest(input: { modelId: string; at: string }): Promise<ReviewRequestFacts | null> {
      const config = await deps.loadConfig();
      return (await reviewRequestFacts(deps.store, findModel(config, input.modelId, config.name), input.at)) ?? null;
    },
    /**
     * Whether the schedule `scheduleId` itself started this run: its own record of recent actions
     * names the workflow id and run id (a search attribute can be set by whoever starts a workflow;
     * the schedule's record cannot). Waits up to `waitMs` (10 s) for the record to land.
     */
    async startedBySchedule(input: { scheduleId: string; workflowId: string; runId: string; waitMs?: number }): Promise<boolean> {
      if (!deps.temporal) return false;
      const until = Date.now() + (input.waitMs ?? 10_000);
      for (;;) {
        const s = await deps.temporal.schedule(input.scheduleId);
        if (s?.recent.some((a) => a.workflowId === input.workflowId && a.runId === input.runId)) return true;
        if (!s || Date.now() >= until) return false;
        await sleep(500);
      }
    },
  };
}
