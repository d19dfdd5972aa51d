/** The audit activities: the export of closed workflow histories to the store. */
import type { ActivityDeps } from './deps.js';
import { exportClosedHistories, type ExportResult } from '../engine/audit/histories.js';

export function createAuditActivities(deps: Pick<ActivityDeps, 'store' | 'temporal' | 'heartbeat'>) {
  return {
    /** Exports up to one batch of closed runs not yet in the store; safe to run twice. */
    async exportClosedHistories(): Promise<ExportResult> {
      return exportClosedHistories(deps);
    },
  };
}
