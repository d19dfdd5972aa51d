/**
 * The export of closed workflow histories to the store, so that an audit outlives the server's
 * retention: each closed run once, under histories/<model>/<workflow id>/<run id>.json, in
 * Temporal's JSON form (what `temporal workflow show -o json` prints; a Replayer reads it back).
 */
import { UpkeepError } from '../errors.js';
import type { ActivityDeps, WorkflowRunInfo } from '../deps.js';
import { historyExportCursorKey, historyKey } from '../store/keys.js';

/** Workflows that name no model (the watchdog, this export) are filed under this name. */
export const FLEET_HISTORIES = '_fleet';
/** Runs exported per activity; the next scheduled run (or the same call's loop) takes the rest. */
const BATCH = 200;
/** Closed runs are listed from a little before the cursor: visibility may index a close late. */
const OVERLAP_MS = 10 * 60_000;

/** A workflow id as one store key segment (schedule-started ids carry a time with colons). */
export const historySegment = (workflowId: string): string => workflowId.replace(/[^A-Za-z0-9._=-]/g, '_');

export const historyKeyOf = (run: Pick<WorkflowRunInfo, 'workflowId' | 'runId' | 'modelId'>): string =>
  historyKey(historySegment(run.modelId ?? FLEET_HISTORIES), historySegment(run.workflowId), run.runId);

export interface ExportResult {
  listed: number;
  exported: number;
  /** Already in the store (a rerun, or the overlap). */
  present: number;
  /** The newest close time exported (the next export starts from it). */
  cursor: string | null;
  /** More closed runs wait than one batch holds. */
  more: boolean;
}

export async function exportClosedHistories(
  deps: Pick<ActivityDeps, 'store' | 'temporal' | 'heartbeat'>,
  opts: { batch?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<ExportResult> {
  const temporal = deps.temporal;
  if (!temporal) throw new UpkeepError('InvalidConfig', 'exporting histories needs the Temporal server: run it on a worker started with a client (npm start, upkeep worker) or `upkeep audit export`');
  const cursorBytes = await deps.store.tryGet(historyExportCursorKey);
  const cursor = cursorBytes ? (JSON.parse(new TextDecoder().decode(cursorBytes)) as { closeTime: string }).closeTime : null;
  const since = cursor ? new Date(Date.parse(cursor) - OVERLAP_MS).toISOString() : null;
  const batch = opts.batch ?? BATCH;
  const query = `ExecutionStatus != 'Running'${since ? ` AND CloseTime >= '${since}'` : ''}`;
  // Listed newest first: the oldest `batch` of them are exported, so the cursor only moves forward.
  const listed = (await temporal.listWorkflows(query, 100_000)).filter((r) => r.closeTime).sort((a, b) => a.closeTime!.localeCompare(b.closeTime!));
  const todo = listed.slice(0, batch);
  let exported = 0;
  let present = 0;
  let newest = cursor;
  for (const [i, run] of todo.entries()) {
    const key = historyKeyOf(run);
    if (await deps.store.exists(key)) present++;
    else {
      const json = await temporal.history(run.workflowId, run.runId);
      const put = await deps.store.put(key, json, { ifAbsent: true });
      if (put.created) exported++;
      else present++;
    }
    if (!newest || run.closeTime! > newest) newest = run.closeTime!;
    deps.heartbeat?.({ exported: i + 1, of: todo.length });
    opts.onProgress?.(i + 1, todo.length);
  }
  if (newest && newest !== cursor) await deps.store.put(historyExportCursorKey, `${JSON.stringify({ closeTime: newest })}\n`);
  return { listed: listed.length, exported, present, cursor: newest, more: listed.length > todo.length };
}
