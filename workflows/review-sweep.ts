/**
 * reviewSweep: the periodic reviews' daily run (docs/governance.md#periodic-reviews), on its own
 * schedule like the watchdog. It asks the trail which models are due and starts one `reviewModel`
 * per model (workflow id upkeep-review-<model>; one waits per model at a time). It writes nothing
 * itself, and runs only when its schedule started it (workflows/scheduled-only.ts).
 */
import { ParentClosePolicy, proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import { STEP } from './activity-options.js';
import { reviewScheduleId, reviewWorkflowId } from './definitions.js';
import type { ReviewModelInput } from './review.js';
import { requireSchedule } from './scheduled-only.js';

const { reviewsDue } = proxyActivities<Activities>({ ...STEP, startToCloseTimeout: '10 minutes' });

export interface ReviewSweepResult {
  /** Models whose review request was started by this run. */
  started: string[];
  /** Due, with a request already waiting. */
  waiting: string[];
}

export async function reviewSweep(): Promise<ReviewSweepResult> {
  const info = workflowInfo();
  await requireSchedule('reviewSweep', reviewScheduleId(info.taskQueue));
  const due = await reviewsDue({ at: new Date(Date.now()).toISOString() });
  const out: ReviewSweepResult = { started: [], waiting: [] };
  for (const d of due) {
    try {
      await startChild('reviewModel', {
        workflowId: reviewWorkflowId(d.modelId),
        args: [{ modelId: d.modelId } satisfies ReviewModelInput],
        // The request outlives the sweep: it waits for people for days.
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
      out.started.push(d.modelId);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      out.waiting.push(d.modelId);
    }
  }
  return out;
}
