/**
 * exportHistories: copies the histories of closed workflow runs to the store (hourly, on its own
 * schedule), so that an audit outlives the server's retention. Each activity exports one batch;
 * a backlog takes a few batches, at most MAX_BATCHES a run (the next run takes the rest).
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { EVALUATION } from './activity-options.js';

const { exportClosedHistories } = proxyActivities<Activities>(EVALUATION);

const MAX_BATCHES = 20;

export async function exportHistories(): Promise<{ exported: number; present: number; more: boolean }> {
  let exported = 0;
  let present = 0;
  for (let i = 0; i < MAX_BATCHES; i++) {
    const r = await exportClosedHistories();
    exported += r.exported;
    present += r.present;
    if (!r.more) return { exported, present, more: false };
  }
  return { exported, present, more: true };
}
