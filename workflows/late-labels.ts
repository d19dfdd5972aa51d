/**
 * Late labels in workflow time (docs/late-labels.md): the model's scheduled run also evaluates again
 * the past windows whose labels should have arrived (window end + label.delay), each as a child
 * `evaluateModel` with one workflow id per window; the child reads what the first evaluation
 * estimated back from the audit trail. Deterministic: the time is the workflow's.
 */
import { ApplicationFailure, ChildWorkflowFailure, executeChild, ParentClosePolicy, proxyActivities } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import { STEP } from './activity-options.js';
import { maturedWorkflowId, type EvaluateModelInput } from './definitions.js';
import { durationMs } from '../domain/duration.js';
import { maturedWindows, type EstimateError, type PendingLabels } from '../domain/late-labels.js';

const { pendingLabels } = proxyActivities<Activities>(STEP);

/** At most this many matured windows are evaluated again per run; the rest wait for the next run. */
export const MATURED_PER_RUN = 7;
const HOUR = 3_600_000;
/** How far back the trail is searched beyond the delay: a window missed for a year is left alone. */
const LOOKBACK_MS = 366 * 24 * HOUR;

/** The first evaluation a re-evaluation references, read back from the trail (refused when it is not waiting). */
export async function firstEvaluation(modelId: string, windowEnd: string, entry: string): Promise<PendingLabels> {
  // An entry is recorded after its window ended (a window may end at most an hour after its run started).
  const since = new Date(Date.parse(windowEnd) - 2 * HOUR).toISOString();
  const [first] = await pendingLabels({ modelId, since, entry });
  if (!first || Date.parse(first.windowEnd) !== Date.parse(windowEnd)) {
    throw ApplicationFailure.create({
      type: 'InvalidRequest',
      nonRetryable: true,
      message: `model ${modelId}: audit entry ${JSON.stringify(entry)} is not an evaluation of the window ending ${windowEnd} that waits for its labels (evaluated again already, or never recorded)`,
    });
  }
  return first;
}

/**
 * Evaluates again, one after the other, the windows whose labels matured by the end of the window
 * this run evaluated (`asOf`: the scheduled time, so a run that starts late or replays decides the
 * same); returns their window ends. A window another run is already re-evaluating is left to it;
 * one that fails is reported through `failed` and tried again by the next run.
 */
export async function evaluateMaturedWindows(
  modelId: string,
  delay: string,
  asOf: string,
  failed: (windowEnd: string, why: string) => void,
): Promise<string[]> {
  const delayMs = durationMs(delay);
  const now = Date.parse(asOf);
  const pending = await pendingLabels({ modelId, since: new Date(now - delayMs - LOOKBACK_MS).toISOString() });
  const done: string[] = [];
  for (const p of maturedWindows(pending, delayMs, now, MATURED_PER_RUN)) {
    const input: EvaluateModelInput = { modelId, windowEnd: p.windowEnd, matured: { entry: p.entry } };
    try {
      await executeChild('evaluateModel', {
        workflowId: maturedWorkflowId(modelId, p.windowEnd),
        args: [input],
        // One re-evaluation per window: a second run of it would write a second report. One that failed may run again.
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
      done.push(p.windowEnd);
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) continue;
      const cause = err instanceof ChildWorkflowFailure && err.cause ? err.cause.message : err instanceof Error ? err.message : String(err);
      failed(p.windowEnd, cause);
    }
  }
  return done;
}

/** One line per estimated metric: the first estimate, its band, the realized value and the error. */
export function estimateErrorLine(errors: Record<string, EstimateError>, metric: string): string {
  const e = errors[metric];
  if (!e) return '';
  const band = e.lower !== null && e.upper !== null ? ` (band ${e.lower.toFixed(4)}..${e.upper.toFixed(4)}, ${e.inBand ? 'inside' : 'outside'})` : '';
  const sign = e.error >= 0 ? '+' : '';
  return `; estimated ${metric} ${e.estimated.toFixed(4)}, realized ${e.realized.toFixed(4)}: error ${sign}${e.error.toFixed(4)}${band}`;
}
