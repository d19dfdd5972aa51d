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
/** Skipped runs named in the result (they are all recorded in the store, histories/_skipped/). */
const MAX_NAMED = 50;

export interface ExportHistoriesResult {
  exported: number;
  present: number;
  more: boolean;
  /** Runs that could not be exported, `<workflow id> <run id>: <why>`; the others were. */
  skipped?: string[];
}

export async function exportHistories(): Promise<ExportHistoriesResult> {
  let exported = 0;
  let present = 0;
  const skipped: string[] = [];
  const result = (more: boolean): ExportHistoriesResult => ({
    exported,
    present,
    more,
    ...(skipped.length > 0 ? { skipped: skipped.slice(0, MAX_NAMED) } : {}),
  });
  for (let i = 0; i < MAX_BATCHES; i++) {
    const r = await exportClosedHistories();
    exported += r.exported;
    present += r.present;
    // Recorded histories (before runs were skipped) have no `skipped`.
    skipped.push(...(r.skipped ?? []));
    if (!r.more) return result(false);
  }
  return result(true);
}
