import { UpkeepError } from '../engine/errors.js';
import type { ActivityDeps } from './deps.js';
import type { ResolvedModel, SnapshotRef } from '../domain/evaluation.js';
import { takeSnapshot } from '../engine/data/snapshot.js';
import { dataWindow } from '../engine/data/window.js';

export function createDataActivities(deps: Pick<ActivityDeps, 'store' | 'data' | 'heartbeat' | 'cancellation'>) {
  return {
    /**
     * Copies the window's files into the store under their sha256 (immutable, written once) and
     * records a manifest. Missing days are listed, not fatal: the policy decides what they mean.
     */
    async snapshotWindow(input: {
      model: ResolvedModel;
      windowEnd: string;
      /** Instead of the evaluation window's days (e.g. a training window). */
      days?: number;
      /** Leave out this many most recent days (a training window ends where its holdout begins). */
      skipDays?: number;
    }): Promise<SnapshotRef> {
      const { spec } = input.model;
      let window;
      try {
        window = dataWindow({ template: spec.data.uri, end: new Date(input.windowEnd), days: input.days ?? spec.data.window.days, timezone: spec.schedule.timezone, skipDays: input.skipDays });
      } catch (err) {
        throw new UpkeepError('InvalidConfig', `model ${spec.id}: ${(err as Error).message}`);
      }
      const signal = deps.cancellation?.();
      return takeSnapshot({ ...deps, ...(signal ? { signal } : {}) }, spec, window);
    },
  };
}
