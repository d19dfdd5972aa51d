/**
 * anchorTrail: keeps every model's audit chain head (its last link's number and sha256) in this
 * workflow's own Temporal history, on its own schedule (`audit.anchor_every`, hourly by default),
 * so that the end of a chain rewritten in the store later is found (`upkeep audit verify`). The
 * heads are the activity's result and the workflow's result: both are events of the history the
 * server keeps and the history export copies to the store (docs/audit.md#anchors). A run its
 * schedule did not start fails before it reads anything.
 */
import { patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { AnchorRecord } from '../domain/anchor.js';
import { STEP } from './activity-options.js';
import { anchorTrailScheduleId } from './definitions.js';
import { requireSchedule } from './scheduled-only.js';

const { readChainHeads, copyAnchor } = proxyActivities<Activities>(STEP);

export async function anchorTrail(): Promise<AnchorRecord> {
  const info = workflowInfo();
  // Only a run the anchor schedule started is an anchor: one started by hand (by anyone on the
  // namespace, whatever search attributes it claims) fails here and never completes.
  if (patched('anchor-scheduled-only')) await requireSchedule('anchorTrail', anchorTrailScheduleId(info.taskQueue));
  const heads = await readChainHeads();
  const record: AnchorRecord = { v: 'upkeep.anchor/1', at: new Date(Date.now()).toISOString(), workflowId: info.workflowId, runId: info.runId, heads };
  // The copies (audit.anchor_store, audit.anchor_git) are extra: one that fails leaves the anchor in this history.
  if (patched('anchor-copies')) await copyAnchor(record).catch(() => undefined);
  return record;
}
