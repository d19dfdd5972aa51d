/**
 * The Temporal port of activities (activities/deps.ts), over a client: schedule states for the
 * watchdog, visibility listings and full histories for the history export.
 */
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import type { ScheduleState, TemporalPort, WorkflowRunInfo } from '../activities/deps.js';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { UpkeepModelId } from '../workflows/definitions.js';

const STATUSES = new Set<WorkflowRunInfo['status']>(['RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'CONTINUED_AS_NEW', 'TIMED_OUT']);

export function createTemporalPort(client: Client): TemporalPort {
  return {
    namespace: client.options.namespace,

    async schedule(scheduleId: string): Promise<ScheduleState | undefined> {
      try {
        const d = await client.schedule.getHandle(scheduleId).describe();
        return {
          paused: d.state.paused,
          ...(d.state.note ? { note: d.state.note } : {}),
          ...(d.info.lastUpdatedAt ? { updatedAt: d.info.lastUpdatedAt.toISOString() } : {}),
          ...(d.info.nextActionTimes[0] ? { nextRun: d.info.nextActionTimes[0].toISOString() } : {}),
          createdAt: d.info.createdAt.toISOString(),
          recent: d.info.recentActions.map((a) => ({
            workflowId: a.action.workflow.workflowId,
            runId: a.action.workflow.firstExecutionRunId,
            scheduledAt: a.scheduledAt.toISOString(),
          })),
        };
      } catch (err) {
        if (err instanceof ScheduleNotFoundError) return undefined;
        throw err;
      }
    },

    async listWorkflows(query: string, limit: number): Promise<WorkflowRunInfo[]> {
      const out: WorkflowRunInfo[] = [];
      for await (const w of client.workflow.list({ query, pageSize: Math.min(1000, Math.max(1, limit)) })) {
        const status = w.status.name as WorkflowRunInfo['status'];
        const modelId = w.typedSearchAttributes.get(UpkeepModelId);
        out.push({
          workflowId: w.workflowId,
          runId: w.runId,
          type: w.type,
          status: STATUSES.has(status) ? status : 'UNKNOWN',
          startTime: w.startTime.toISOString(),
          ...(w.closeTime ? { closeTime: w.closeTime.toISOString() } : {}),
          ...(modelId ? { modelId } : {}),
        });
        if (out.length >= limit) break;
      }
      return out;
    },

    async history(workflowId: string, runId: string): Promise<string> {
      // Temporal's JSON form of a history: what `temporal workflow show -o json` prints and
      // historyFromJSON (or a Replayer) reads back.
      return historyToJSON(await client.workflow.getHandle(workflowId, runId).fetchHistory());
    },
  };
}
