/**
 * The maintenance requests as Temporal holds them: which run, what each waits for. The client
 * layer of the CLI and the web inbox (docs/architecture.md): it returns values and throws
 * UpkeepErrors, and never prints; the commands print, the inbox renders.
 */
import { ApplicationFailure, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { UpkeepError } from '../../engine/errors.js';
import { mapLimit } from '../../engine/util.js';
import {
  GATE_NAMES,
  GATE_REQUEST,
  REQUEST_WORKFLOWS,
  type GateName,
  type GateStatus,
  type MaintenanceStatus,
  type RequestKind,
} from '../../domain/maintenance.js';
import { maintenanceStatusQuery, requestWorkflowId } from '../../workflows/definitions.js';
import { workerHint } from '../../workers/how-to-run.js';

/** How long a status query may wait for a worker to answer. */
export const QUERY_TIMEOUT_MS = 10_000;

const REQUEST_KINDS = Object.keys(REQUEST_WORKFLOWS) as RequestKind[];
/** Each maintenance workflow type's workflow id prefix (the model id follows it). */
const MAINTENANCE_TYPES: Readonly<Record<string, string>> = Object.fromEntries(REQUEST_KINDS.map((k) => [REQUEST_WORKFLOWS[k], requestWorkflowId[k]('')]));

/** The message a person should see: the innermost ApplicationFailure's, else the innermost error's. */
export function failureMessage(err: unknown): string {
  let app: string | undefined;
  let last = err instanceof Error ? err.message : String(err);
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    last = e.message;
    if (e instanceof ApplicationFailure) app = e.message;
  }
  return app ?? last;
}

/** No worker answered a status query in time (the other queries would wait as long). */
export class NoWorkerError extends UpkeepError {}

/** The maintenance status of a run, with a clear error when no worker answers in time. */
export async function queryStatus(client: Client, handle: WorkflowHandle): Promise<MaintenanceStatus> {
  const deadline = Date.now() + QUERY_TIMEOUT_MS;
  try {
    return await client.withDeadline(deadline, () => handle.query(maintenanceStatusQuery));
  } catch (err) {
    if (Date.now() >= deadline - 250) {
      throw new NoWorkerError(
        'InvalidRequest',
        `no worker answered the status query of ${handle.workflowId} within ${QUERY_TIMEOUT_MS / 1000}s: is a worker running (${workerHint()})?`,
      );
    }
    // The server knows at once when nothing has polled the task queue lately (FAILED_PRECONDITION).
    if (/no poller seen for task queue/i.test(failureMessage(err))) {
      throw new NoWorkerError(
        'InvalidRequest',
        `no worker answered the status query of ${handle.workflowId}: none has polled its task queue lately; is a worker running (${workerHint()})?`,
      );
    }
    throw err;
  }
}

/** The running run of a workflow id (one describe), or undefined when there is none (or it runs on another task queue than `taskQueue`, when given). */
export async function running(
  client: Client,
  workflowId: string,
  o: { taskQueue?: string | undefined } = {},
): Promise<{ handle: WorkflowHandle; runId: string } | undefined> {
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    if (d.status.name !== 'RUNNING' || (o.taskQueue && d.taskQueue !== o.taskQueue)) return undefined;
    return { handle: client.workflow.getHandle(workflowId, d.runId), runId: d.runId };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** A running maintenance request and the status its workflow answered. */
export interface RunningRequest {
  workflowId: string;
  runId: string;
  status: MaintenanceStatus;
}

/** A running request whose status could not be read, and why. */
export interface UnansweredRequest {
  workflowId: string;
  modelId: string;
  message: string;
}

/**
 * The running retrain, rollback and handover requests (of `models` only, when given): one visibility list,
 * then each one's status query, at most `concurrency` at a time; those that did not answer are in
 * `unanswered`, and in `failed` as one line each (`<workflow id>: status unavailable: <why>`).
 */
export async function runningRequests(
  client: Client,
  o: { models?: ReadonlySet<string>; taskQueue?: string; concurrency?: number } = {},
): Promise<{ found: RunningRequest[]; failed: string[]; unanswered: UnansweredRequest[] }> {
  const listed: { workflowId: string; runId: string; modelId: string }[] = [];
  const queue = o.taskQueue ? ` AND TaskQueue = '${o.taskQueue.replace(/'/g, "\\'")}'` : '';
  const query = `WorkflowType IN (${REQUEST_KINDS.map((k) => `'${REQUEST_WORKFLOWS[k]}'`).join(',')}) AND ExecutionStatus = 'Running'${queue}`;
  for await (const w of client.workflow.list({ query })) {
    const prefix = Object.hasOwn(MAINTENANCE_TYPES, w.type) ? MAINTENANCE_TYPES[w.type] : undefined;
    if (!prefix || !w.workflowId.startsWith(prefix)) continue;
    const modelId = w.workflowId.slice(prefix.length);
    if (o.models && !o.models.has(modelId)) continue;
    listed.push({ workflowId: w.workflowId, runId: w.runId, modelId });
  }
  const found: RunningRequest[] = [];
  const unanswered: UnansweredRequest[] = [];
  // Once a query found no worker, the rest are not asked: each would wait as long for nothing.
  let noWorker = false;
  await mapLimit(listed, o.concurrency ?? 16, async (w) => {
    const { workflowId, runId, modelId } = w;
    if (noWorker) {
      unanswered.push({ workflowId, modelId, message: 'not asked, no worker answered the status queries' });
      return;
    }
    try {
      found.push({ workflowId, runId, status: await queryStatus(client, client.workflow.getHandle(workflowId, runId)) });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return; // closed since it was listed
      if (err instanceof NoWorkerError) noWorker = true;
      unanswered.push({ workflowId, modelId, message: failureMessage(err) });
    }
  });
  found.sort((a, b) => a.status.modelId.localeCompare(b.status.modelId) || a.status.kind.localeCompare(b.status.kind));
  unanswered.sort((a, b) => a.workflowId.localeCompare(b.workflowId));
  return { found, failed: unanswered.map((f) => `${f.workflowId}: status unavailable: ${f.message}`), unanswered };
}

/** A request waiting for a decision: the run to send it to, and what its status said. */
export interface OpenRequest {
  handle: WorkflowHandle;
  status: MaintenanceStatus;
  gate: GateStatus;
}

/** The workflow that holds a gate: the retrain request's (retrain, promote), the rollback's, the handover's or the periodic review's. */
const holderOf = (modelId: string, gate: GateName): string => requestWorkflowId[GATE_REQUEST[gate]](modelId);

/**
 * The model's requests that wait for a decision (a retrain request and a rollback may both); with
 * `gate`, only the one of that gate. The decision's one lookup: a describe and a status query of
 * each workflow that can hold the gate (one of each when the gate is named), no visibility list.
 * With `taskQueue`, only requests on that task queue.
 */
export async function openRequests(
  client: Client,
  modelId: string,
  o: { gate?: string | undefined; taskQueue?: string | undefined } = {},
): Promise<OpenRequest[]> {
  if (o.gate !== undefined && !(GATE_NAMES as readonly string[]).includes(o.gate)) return [];
  const holders = o.gate ? [holderOf(modelId, o.gate as GateName)] : REQUEST_KINDS.map((k) => requestWorkflowId[k](modelId));
  const out: OpenRequest[] = [];
  for (const workflowId of holders) {
    const run = await running(client, workflowId, { taskQueue: o.taskQueue });
    if (!run) continue;
    let status: MaintenanceStatus;
    try {
      status = await queryStatus(client, run.handle);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) continue; // closed since it was described
      throw err;
    }
    if (status.gate && (!o.gate || status.gate.gate === o.gate)) out.push({ handle: run.handle, status, gate: status.gate });
  }
  return out;
}
