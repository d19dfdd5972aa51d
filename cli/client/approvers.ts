/**
 * Key and approver changes reach requests that already wait: every running retrain or rollback
 * request of the config's models is asked, through the `refreshApprovers` Update, to read who may
 * decide and their keys again. The Update carries nothing: the workflow reads the worker's config
 * through an activity, so namespace access alone cannot add a key this way. Run by `schedules
 * sync`, `upkeep worker` and `npm start`.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { refreshApproversUpdate, retrainWorkflowId, rollbackWorkflowId } from '../../workflows/definitions.js';
import { REQUEST_WORKFLOWS, type GateStatus } from '../../domain/maintenance.js';
import { mapLimit } from '../../engine/util.js';

/** How long one request may take to answer (it reads the config through an activity). */
const REFRESH_TIMEOUT_MS = 15_000;

export interface GateRefresh {
  /** Waiting requests that read their deciders again (changed or not), with their approvers now. */
  refreshed: { workflowId: string; gate: GateStatus }[];
  /** Requests that could not be asked, one line each. */
  failed: string[];
}

export async function refreshOpenGates(
  client: Client,
  o: { models: readonly string[]; taskQueue: string; concurrency?: number; timeoutMs?: number },
): Promise<GateRefresh> {
  const wanted = new Set(o.models.flatMap((m) => [retrainWorkflowId(m), rollbackWorkflowId(m)]));
  const query = `WorkflowType IN ('${REQUEST_WORKFLOWS.retrain}','${REQUEST_WORKFLOWS.rollback}') AND ExecutionStatus = 'Running' AND TaskQueue = '${o.taskQueue.replace(/'/g, "\\'")}'`;
  const listed: { workflowId: string; runId: string }[] = [];
  for await (const w of client.workflow.list({ query })) if (wanted.has(w.workflowId)) listed.push({ workflowId: w.workflowId, runId: w.runId });
  const out: GateRefresh = { refreshed: [], failed: [] };
  // Once one request did not answer in time (no worker runs), the rest are not asked: each would
  // wait as long; the next worker start asks them.
  let noWorker = false;
  await mapLimit(listed, o.concurrency ?? 8, async ({ workflowId, runId }) => {
    if (noWorker) return void out.failed.push(`${workflowId}: not asked, no worker answered (the next worker start asks it)`);
    const handle = client.workflow.getHandle(workflowId, runId);
    const deadline = Date.now() + (o.timeoutMs ?? REFRESH_TIMEOUT_MS);
    try {
      const gate = await client.withDeadline(deadline, () => handle.executeUpdate(refreshApproversUpdate));
      out.refreshed.push({ workflowId, gate });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return; // closed since it was listed
      if (Date.now() >= deadline - 250) {
        noWorker = true;
        return void out.failed.push(
          `${workflowId}: no worker answered within ${Math.round((o.timeoutMs ?? REFRESH_TIMEOUT_MS) / 1000)}s (the next worker start asks it)`,
        );
      }
      // Refused: no gate waits (training, comparing), or a refresh runs already; nothing to do.
      if (err instanceof WorkflowUpdateFailedError && /no request is waiting|reading its approvers already/.test(err.cause?.message ?? '')) return;
      // Started before this code, or a worker that does not know the Update yet.
      const message = err instanceof WorkflowUpdateFailedError ? (err.cause?.message ?? err.message) : err instanceof Error ? err.message : String(err);
      out.failed.push(`${workflowId}: ${message}`);
    }
  });
  out.refreshed.sort((a, b) => a.workflowId.localeCompare(b.workflowId));
  return out;
}

/** One line for the console: how many waiting requests took the config's current approvers and keys. */
export function formatGateRefresh(r: GateRefresh): string {
  const lines = r.refreshed.length
    ? [
        `${r.refreshed.length} waiting request${r.refreshed.length === 1 ? '' : 's'} read the config's approvers and keys again: ${r.refreshed.map((x) => `${x.workflowId} (${x.gate.gate}: ${x.gate.approvers.join(', ')}${x.gate.signaturesRequired ? ', signed' : ''})`).join('; ')}`,
      ]
    : [];
  return [...lines, ...r.failed.map((f) => `could not refresh ${f}`)].join('\n');
}
