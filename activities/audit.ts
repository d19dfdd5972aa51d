/** The audit activities: the export of closed workflow histories to the store, and windows waiting for their labels. */
import type { ActivityDeps } from './deps.js';
import { exportClosedHistories, type ExportResult } from '../engine/audit/histories.js';
import { readPendingLabels, type PendingLabelsQuery } from '../engine/audit/late-labels.js';
import type { PendingLabels } from '../domain/late-labels.js';
import { copyAnchor, readChainHeads } from '../engine/audit/anchor.js';
import type { AnchoredHead, AnchorRecord } from '../domain/anchor.js';
import { openStore } from '../engine/store/open.js';
import { UpkeepError } from '../engine/errors.js';

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

    /** Copies an anchor to audit.anchor_store and audit.anchor_git when configured; returns where. */
    async copyAnchor(record: AnchorRecord): Promise<string[]> {
      const config = await deps.loadConfig();
      const { anchor_store: uri, anchor_git: git } = config.audit;
      if (uri === config.store) throw new UpkeepError('InvalidConfig', `${config.name}: audit.anchor_store is the store itself: give a second store`);
      return copyAnchor(record, { ...(uri ? { store: openStore({ ...config, store: uri }) } : {}), ...(git ? { git } : {}) });
    },

    /** The model's evaluated windows that had unlabelled rows and were not yet evaluated again, oldest first. */
    async pendingLabels(input: PendingLabelsQuery): Promise<PendingLabels[]> {
      return readPendingLabels(deps.store, input);
    },
  };
}
