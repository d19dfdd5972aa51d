/**
 * maintenanceDigest: the weekly digest (docs/governance.md#the-weekly-digest), on its own schedule
 * like the watchdog. One activity builds the digests of the period just ended from the audit trail;
 * this workflow sends each as a `digest` notification (the webhook, the log, and the channels whose
 * routes name `digest`) and records a `digest` entry in the trail of every model it covers.
 * Only a run its schedule started does so (workflows/scheduled-only.ts): one started by hand is
 * refused before anything is sent or written. Runs recorded before replay as they ran.
 */
import { patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { STEP } from './activity-options.js';
import { createTrailWriter, type TrailWriter } from './trail-writer.js';
import { digestScheduleId } from './definitions.js';
import { requireSchedule } from './scheduled-only.js';

const { buildDigests } = proxyActivities<Activities>({ ...STEP, startToCloseTimeout: '30 minutes' });

export interface DigestResult {
  /** One line per digest sent: to whom, about how many models. */
  sent: string[];
}

export async function maintenanceDigest(): Promise<DigestResult> {
  if (patched('digest-scheduled-only')) await requireSchedule('maintenanceDigest', digestScheduleId(workflowInfo().taskQueue));
  const at = new Date(Date.now()).toISOString();
  const digests = await buildDigests({ at });
  const writers = new Map<string, TrailWriter>();
  const trail = (modelId: string): TrailWriter => {
    let w = writers.get(modelId);
    if (!w) writers.set(modelId, (w = createTrailWriter(modelId)));
    return w;
  };
  for (const d of digests) {
    const facts = { period: d.period, models: d.models, figures: d.figures };
    trail(d.modelId).notify('digest', d.to, d.title, d.text, facts);
    for (const m of d.models)
      trail(m).record('digest', `in the maintenance digest ${d.period.since} → ${d.period.until} sent to ${d.to.join(', ')}`, {
        details: { ...facts, to: d.to, sentBy: workflowInfo().workflowId },
      });
  }
  await Promise.all([...writers.values()].map((w) => w.flush()));
  return { sent: digests.map((d) => `${d.to.join(', ')}: ${d.models.length} model${d.models.length === 1 ? '' : 's'}`) };
}
