/**
 * Anchors: each model's chain head (its last link's number and sha256) recorded somewhere the
 * store's writers cannot rewrite. The `anchorTrail` workflow reads the heads with `readChainHeads`
 * and returns them, so they are kept in its Temporal history (and exported with it, and optionally
 * copied to a second store or a git repository). `anchorProblems` checks a chain against anchors
 * read back: link `seq` must still hash to the anchored sha256. Because each link carries the
 * sha256 of the one before, a matching link vouches for every link up to it; a link that no longer
 * matches means the chain was rewritten at or before it, after the last anchor that still matches.
 *
 * `missingEvaluations` compares the trail with the evaluation runs Temporal says completed (from
 * the exported histories, or the server): a completed `evaluateModel` run always recorded its
 * evaluation entry, so a run without one names an evaluation removed from the trail, even when the
 * chain was rebuilt consistently without it.
 */
import { createHash } from 'node:crypto';
import type { ArtifactStore } from '../store/store.js';
import { mapLimit } from '../util.js';
import { linkKeys } from './chain.js';
import { historySegmentId } from './histories.js';
import { isAnchorRecord, type AnchoredHead, type AnchorRecord } from '../../domain/anchor.js';

export { isAnchorRecord, type AnchoredHead, type AnchorRecord };

/** An anchor as read back, with where it was read from (`temporal`, `exported history <key>`, `second store <uri>`, `git <repo>`). */
export interface AnchorSighting {
  record: AnchorRecord;
  source: string;
}

const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

/** Each model's head now: its last link (listed, not the hint, which may lag after a crash) and that link's sha256. */
export async function readChainHeads(store: ArtifactStore, modelIds: readonly string[]): Promise<AnchoredHead[]> {
  return mapLimit([...modelIds], 8, async (modelId): Promise<AnchoredHead> => {
    const keys = await linkKeys(store, modelId);
    const last = keys.at(-1);
    if (!last) return { modelId, links: 0, sha256: null };
    const links = Number(last.slice(last.lastIndexOf('/') + 1).replace(/\.json$/, ''));
    return { modelId, links, sha256: sha256(await store.get(last)) };
  });
}

interface HistoryJson {
  events?: {
    eventType?: string;
    workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } };
    workflowExecutionCompletedEventAttributes?: { result?: { payloads?: { metadata?: Record<string, string>; data?: string }[] } };
  }[];
}

const b64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

/** A run's workflow type and, when it completed with a plain JSON result, that result (an encrypted payload is not read). */
export function historyOutcome(json: string): { type?: string; completed: boolean; result?: unknown; encoded?: string } {
  let h: HistoryJson;
  try {
    h = JSON.parse(json) as HistoryJson;
  } catch {
    return { completed: false };
  }
  const events = h.events ?? [];
  const type = events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
  const done = events.at(-1);
  const completed = !!done?.eventType && /WORKFLOW_EXECUTION_COMPLETED$|^WorkflowExecutionCompleted$/.test(done.eventType);
  const payload = done?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0];
  if (!completed || !payload?.data) return { ...(type ? { type } : {}), completed };
  const encoding = payload.metadata?.encoding ? b64(payload.metadata.encoding) : undefined;
  if (encoding !== 'json/plain') return { ...(type ? { type } : {}), completed, ...(encoding ? { encoded: encoding } : {}) };
  try {
    return { ...(type ? { type } : {}), completed, result: JSON.parse(b64(payload.data)) as unknown };
  } catch {
    return { ...(type ? { type } : {}), completed };
  }
}

/** The exported histories of one model folder (`_fleet` for runs of no model): each run's key and workflow id. */
async function exportedRuns(store: ArtifactStore, folder: string, workflowIdPrefix: string): Promise<{ key: string; workflowId: string; runId: string }[]> {
  const prefix = `histories/${folder}/`;
  const out: { key: string; workflowId: string; runId: string }[] = [];
  for (const key of await store.list(prefix.slice(0, -1))) {
    const [wf, run] = key.slice(prefix.length).split('/');
    if (!wf || !run || !run.endsWith('.json') || run === '_id.json') continue;
    const workflowId = historySegmentId(wf);
    const runId = historySegmentId(run.replace(/\.json$/, ''));
    // A hashed (very long) workflow id is no id upkeep gives its own runs.
    if (workflowId === undefined || runId === undefined || !workflowId.startsWith(workflowIdPrefix)) continue;
    out.push({ key, workflowId, runId });
  }
  return out;
}

/** Anchors kept in the exported histories of anchor runs (under histories/_fleet/<anchor workflow id>…/). */
export async function anchorsFromExportedHistories(store: ArtifactStore, workflowIdPrefix: string): Promise<{ anchors: AnchorSighting[]; notes: string[] }> {
  const anchors: AnchorSighting[] = [];
  const notes: string[] = [];
  for (const run of await exportedRuns(store, '_fleet', workflowIdPrefix)) {
    const o = historyOutcome(new TextDecoder().decode(await store.get(run.key)));
    if (o.type !== 'anchorTrail' || !o.completed) continue;
    if (o.encoded) notes.push(`the exported anchor run ${run.runId} has an encoded result (${o.encoded}): not read`);
    else if (isAnchorRecord(o.result)) anchors.push({ record: o.result, source: `exported history ${run.key}` });
  }
  return { anchors, notes };
}
