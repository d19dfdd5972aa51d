/** Puts what `schedules sync` changed into each model's audit chain (engine/audit/schedule-entries.ts). */
import type { UpkeepConfig } from '../domain/config.js';
import { recordScheduleChange } from '../engine/audit/schedule-entries.js';
import type { ArtifactStore } from '../engine/store/store.js';
import { SCHEDULE_PREFIX, type SyncChange } from './schedules.js';

export async function auditSyncChanges(store: ArtifactStore, config: UpkeepConfig, changes: SyncChange[], actor: string): Promise<void> {
  for (const c of changes) {
    if ((c.kind === 'create' || c.kind === 'update') && 'modelId' in c) {
      const spec = config.models.find((m) => m.id === c.modelId);
      const paused = spec?.schedule.paused === true;
      await recordScheduleChange(store, {
        modelId: c.modelId,
        change: c.kind,
        paused,
        summary: `schedule ${c.kind === 'create' ? 'created' : 'updated'}: ${c.summary}`,
        actor,
        ...(paused ? { note: 'paused in the config' } : {}),
        ...(spec ? { spec } : {}),
      });
    } else if ((c.kind === 'pause' || c.kind === 'delete') && c.scheduleId.startsWith(SCHEDULE_PREFIX)) {
      const modelId = c.scheduleId.slice(SCHEDULE_PREFIX.length);
      await recordScheduleChange(store, {
        modelId,
        change: c.kind,
        paused: true,
        summary: `schedule ${c.kind === 'pause' ? 'paused' : 'deleted'}: ${c.summary}`,
        actor,
      });
    }
  }
}
