/**
 * The export of closed workflow histories to the store, so that an audit outlives the server's
 * retention: each closed run once, under histories/<model>/<workflow id>/<run id>.json, in
 * Temporal's JSON form (what `temporal workflow show -o json` prints; a Replayer reads it back).
 *
 * Any workflow id can be exported: anyone who may start a workflow chooses its id (`..`, `a/b`,
 * 300 characters, any Unicode), and the UpkeepModelId search attribute a model folder comes from
 * is set by whoever starts the workflow. Each is written as one safe key segment
 * (`historySegment`: injective and reversible) and a run that still cannot be exported is skipped
 * and reported (histories/_skipped/…, retried by later exports) while the rest go on.
 */
import { createHash } from 'node:crypto';
import { UpkeepError } from '../errors.js';
import type { TemporalPort, WorkflowRunInfo } from '../ports.js';
import { historyExportCursorKey, historyIdKey, historyKey, historySkippedKey, historySkippedPrefix } from '../store/keys.js';
import { assertKey, type ArtifactStore } from '../store/store.js';

/** Workflows that name no model (the watchdog, this export) are filed under this name. */
export const FLEET_HISTORIES = '_fleet';
/** Runs exported per activity; the next scheduled run (or the same call's loop) takes the rest. */
const BATCH = 200;
/** Closed runs are listed from a little before the cursor: visibility may index a close late. */
const OVERLAP_MS = 10 * 60_000;
/** Skipped runs tried again per export, and how many times each before it is only reported. */
const RETRY_SKIPPED = 50;
const MAX_ATTEMPTS = 5;
/** Longer encoded segments are cut and end in `==` and the id's sha256 (file names stay short). */
const MAX_SEGMENT = 120;
const KEEP = /[A-Za-z0-9._-]/;

const utf8 = new TextEncoder();
const hex = (b: number): string => `=${b.toString(16).toUpperCase().padStart(2, '0')}`;

/**
 * A workflow id (or model id, or run id) as one store key segment: letters, digits, `.`, `_` and
 * `-` stay; every other UTF-8 byte becomes `=XX` (`=` itself too, so it is reversible: `a/b` is
 * `a=2Fb`, `%2e` is `=252e`); a segment of dots only (`.`, `..`) and a leading `_` (kept for the
 * export's own files, like `_fleet`) are encoded too. Model ids of a config are unchanged. An
 * encoding longer than 120 characters is cut and ends in `==<sha256 of the id>` (`==` appears in
 * no other encoding); the id itself is then kept next to its runs (`historyIdKey`).
 */
export function historySegment(id: string): string {
  let out = '';
  for (const ch of id) {
    if (KEEP.test(ch)) out += ch;
    else for (const b of utf8.encode(ch)) out += hex(b);
  }
  if (/^\.+$/.test(out)) out = out.replace(/\./g, hex(0x2e));
  if (out.startsWith('_')) out = hex(0x5f) + out.slice(1);
  if (out.length <= MAX_SEGMENT) return out;
  // Cut before an =XX it would split.
  let cut = out.slice(0, MAX_SEGMENT - 66);
  const eq = cut.lastIndexOf('=');
  if (eq >= cut.length - 2) cut = cut.slice(0, eq);
  return `${cut}==${createHash('sha256').update(id).digest('hex')}`;
}

/** The id a segment stands for; undefined for a hashed one (its id is in `historyIdKey`). */
export function historySegmentId(segment: string): string | undefined {
  if (segment.includes('==')) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < segment.length; i++) {
    if (segment[i] === '=') {
      bytes.push(parseInt(segment.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(segment.charCodeAt(i));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

type RunRef = Pick<WorkflowRunInfo, 'workflowId' | 'runId' | 'modelId'>;

/** The model's folder: `_fleet` for a run of no model (no encoded segment starts with `_`). */
const modelSegment = (run: RunRef): string => (run.modelId === undefined ? FLEET_HISTORIES : historySegment(run.modelId));

export const historyKeyOf = (run: RunRef): string => historyKey(modelSegment(run), historySegment(run.workflowId), historySegment(run.runId));

/** The key of the layout before any workflow id could be exported: unsafe characters were `_`; undefined where it made no valid key. */
export function legacyHistoryKeyOf(run: RunRef): string | undefined {
  const seg = (s: string): string => s.replace(/[^A-Za-z0-9._=-]/g, '_');
  const key = historyKey(seg(run.modelId ?? FLEET_HISTORIES), seg(run.workflowId), run.runId);
  try {
    assertKey(key);
    return key;
  } catch {
    return undefined;
  }
}

/** Where a run's exported history is: the current layout, else the earlier one; undefined when it was not exported. */
export async function exportedHistoryKey(store: Pick<ArtifactStore, 'exists'>, run: RunRef): Promise<string | undefined> {
  const key = historyKeyOf(run);
  if (await store.exists(key)) return key;
  const legacy = legacyHistoryKeyOf(run);
  // A name the old layout could not have written (too long for a file name) was never exported under it.
  return legacy && (await store.exists(legacy).catch(() => false)) ? legacy : undefined;
}

/** A run's exported history (Temporal's JSON form) from either layout, or undefined. */
export async function readExportedHistory(store: Pick<ArtifactStore, 'exists' | 'get'>, run: RunRef): Promise<string | undefined> {
  const key = await exportedHistoryKey(store, run);
  return key ? new TextDecoder().decode(await store.get(key)) : undefined;
}

/** A run the export could not write, and why; kept under histories/_skipped/ until a later export writes it. */
export interface SkippedRun {
  workflowId: string;
  runId: string;
  modelId?: string;
  closeTime?: string;
  reason: string;
  attempts: number;
  /** When it was first and last tried (the activity's clock). */
  firstAt: string;
  lastAt: string;
}

export interface ExportResult {
  listed: number;
  exported: number;
  /** Already in the store (a rerun, or the overlap). */
  present: number;
  /** The newest close time exported (the next export starts from it). */
  cursor: string | null;
  /** More closed runs wait than one batch holds. */
  more: boolean;
  /** Runs this call could not export: `<workflow id> <run id>: <why>` (recorded, tried again later). */
  skipped: string[];
}

const skippedKeyOf = (run: RunRef): string => historySkippedKey(modelSegment(run), historySegment(run.workflowId), historySegment(run.runId));
const describe = (run: RunRef): string => `${JSON.stringify(run.workflowId)} ${run.runId}`;
const why = (err: unknown): string => {
  const e = err as { message?: unknown; code?: unknown };
  const text = typeof e?.message === 'string' ? e.message : String(err);
  return text.replace(/\s+/g, ' ').slice(0, 300);
};

/** Writes one run's history; `present` when it is already there (either layout). */
async function exportRun(deps: { store: ArtifactStore; temporal?: TemporalPort }, run: RunRef): Promise<'exported' | 'present'> {
  if (await exportedHistoryKey(deps.store, run)) return 'present';
  const key = historyKeyOf(run);
  const json = await deps.temporal!.history(run.workflowId, run.runId);
  // A hashed folder name keeps the id it stands for beside the runs.
  const folder = historySegment(run.workflowId);
  if (historySegmentId(folder) === undefined)
    await deps.store.put(historyIdKey(key), `${JSON.stringify({ workflowId: run.workflowId })}\n`, { ifAbsent: true });
  const put = await deps.store.put(key, json, { ifAbsent: true });
  return put.created ? 'exported' : 'present';
}

export async function exportClosedHistories(
  deps: { store: ArtifactStore; temporal?: TemporalPort; heartbeat?(details: unknown): void },
  opts: { batch?: number; onProgress?: (done: number, total: number) => void; now?: () => Date } = {},
): Promise<ExportResult> {
  const temporal = deps.temporal;
  if (!temporal)
    throw new UpkeepError(
      'InvalidConfig',
      'exporting histories needs the Temporal server: run it on a worker started with a client (npm start, upkeep worker) or `upkeep audit export`',
    );
  const now = (): string => (opts.now?.() ?? new Date()).toISOString();
  let exported = 0;
  let present = 0;
  const skipped: string[] = [];

  /** Records a run it could not export (or one tried again that failed again); the rest go on. */
  const skip = async (run: RunRef & { closeTime?: string }, err: unknown, earlier?: SkippedRun): Promise<void> => {
    const reason = why(err);
    const at = now();
    const record: SkippedRun = {
      workflowId: run.workflowId,
      runId: run.runId,
      ...(run.modelId !== undefined ? { modelId: run.modelId } : {}),
      ...(run.closeTime ? { closeTime: run.closeTime } : {}),
      reason,
      attempts: (earlier?.attempts ?? 0) + 1,
      firstAt: earlier?.firstAt ?? at,
      lastAt: at,
    };
    await deps.store.put(skippedKeyOf(run), `${JSON.stringify(record, null, 2)}\n`);
    skipped.push(`${describe(run)}: ${reason}`);
  };

  // Runs skipped before are tried again first (a server that was briefly away), a few times each.
  for (const key of (await deps.store.list(historySkippedPrefix)).slice(0, RETRY_SKIPPED)) {
    const bytes = await deps.store.tryGet(key);
    if (!bytes) continue;
    let earlier: SkippedRun;
    try {
      earlier = JSON.parse(new TextDecoder().decode(bytes)) as SkippedRun;
    } catch {
      continue;
    }
    if (earlier.attempts >= MAX_ATTEMPTS) continue;
    try {
      if ((await exportRun(deps, earlier)) === 'exported') exported++;
      else present++;
      await deps.store.delete(key);
    } catch (err) {
      await skip(earlier, err, earlier);
    }
  }

  const cursorBytes = await deps.store.tryGet(historyExportCursorKey);
  const cursor = cursorBytes ? (JSON.parse(new TextDecoder().decode(cursorBytes)) as { closeTime: string }).closeTime : null;
  const since = cursor ? new Date(Date.parse(cursor) - OVERLAP_MS).toISOString() : null;
  const batch = opts.batch ?? BATCH;
  const query = `ExecutionStatus != 'Running'${since ? ` AND CloseTime >= '${since}'` : ''}`;
  // Listed newest first: the oldest `batch` of them are exported, so the cursor only moves forward.
  const listed = (await temporal.listWorkflows(query, 100_000)).filter((r) => r.closeTime).sort((a, b) => a.closeTime!.localeCompare(b.closeTime!));
  const todo = listed.slice(0, batch);
  let newest = cursor;
  for (const [i, run] of todo.entries()) {
    try {
      if ((await exportRun(deps, run)) === 'exported') exported++;
      else present++;
    } catch (err) {
      // One run never stops the export: it is recorded with the reason and the cursor moves on.
      await skip(run, err, await readSkipped(deps.store, run));
    }
    if (!newest || run.closeTime! > newest) newest = run.closeTime!;
    deps.heartbeat?.({ exported: i + 1, of: todo.length });
    opts.onProgress?.(i + 1, todo.length);
  }
  if (newest && newest !== cursor) await deps.store.put(historyExportCursorKey, `${JSON.stringify({ closeTime: newest })}\n`);
  return { listed: listed.length, exported, present, cursor: newest, more: listed.length > todo.length, skipped };
}

async function readSkipped(store: ArtifactStore, run: RunRef): Promise<SkippedRun | undefined> {
  const bytes = await store.tryGet(skippedKeyOf(run));
  if (!bytes) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as SkippedRun;
  } catch {
    return undefined;
  }
}

/** Runs the export could not write (after its retries), with the reason: what `audit export` reports. */
export async function listSkippedHistories(store: ArtifactStore): Promise<SkippedRun[]> {
  const out: SkippedRun[] = [];
  for (const key of await store.list(historySkippedPrefix)) {
    const bytes = await store.tryGet(key);
    if (!bytes) continue;
    try {
      out.push(JSON.parse(new TextDecoder().decode(bytes)) as SkippedRun);
    } catch {
      // not one of ours
    }
  }
  return out;
}
