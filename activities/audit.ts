/** The audit activities: the export of closed workflow histories to the store, and windows waiting for their labels. */
import type { ActivityDeps } from './deps.js';
import { exportClosedHistories, type ExportResult } from '../engine/audit/histories.js';
import { readPendingLabels, type PendingLabelsQuery } from '../engine/audit/late-labels.js';
import type { PendingLabels } from '../domain/late-labels.js';
import { readChainHeads } from '../engine/audit/anchor.js';
import type { AnchoredHead } from '../domain/anchor.js';

export function createAuditActivities(deps: Pick<ActivityDeps, 'store' | 'temporal' | 'heartbeat' | 'loadConfig'>) {
  return {
    /** Exports up to one batch of closed runs not yet in the store; safe to run twice. */
    async exportClosedHistories(): Promise<ExportResult> {
      return exportClosedHistories(deps);
    },

    /** Every model's chain head now (the anchor workflow keeps them in its history). */
    async readChainHeads(): Promise<AnchoredHead[]> {
      const config = await deps.loadConfig();
      return readChainHeads(
        deps.store,
        config.models.map((m) => m.id),
      );
    },

    /** The model's evaluated windows that had unlabelled rows and were not yet evaluated again, oldest first. */
    async pendingLabels(input: PendingLabelsQuery): Promise<PendingLabels[]> {
      return readPendingLabels(deps.store, input);
    },
  };
}
