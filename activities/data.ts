/** The data activity: a model's window kept in the store as an immutable snapshot. */
import type { ActivityDeps } from './deps.js';
import type { ResolvedModel, SnapshotRef } from '../domain/evaluation.js';
import { snapshotModelWindow, type ModelWindow } from '../engine/data/model-window.js';
import { connectSql } from '../engine/data/sql/connect.js';

export function createDataActivities(deps: Pick<ActivityDeps, 'store' | 'data' | 'sqlConnect' | 'scratchDir' | 'heartbeat' | 'cancellation'>) {
  return {
    /** Copies the window's files into the store under their sha256 and records a manifest (missing days listed). */
    async snapshotWindow(input: { model: ResolvedModel } & ModelWindow): Promise<SnapshotRef> {
      const signal = deps.cancellation?.();
      return snapshotModelWindow(
        {
          store: deps.store,
          data: deps.data,
          connect: deps.sqlConnect ?? connectSql,
          ...(deps.scratchDir ? { scratchDir: deps.scratchDir } : {}),
          ...(deps.heartbeat ? { heartbeat: deps.heartbeat } : {}),
          ...(signal ? { signal } : {}),
        },
        input.model.spec,
        input,
      );
    },
  };
}
