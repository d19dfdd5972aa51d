/** The snapshot of a model's data window ending at a given time (evaluation or training window). */
import type { ModelSpec } from '../../domain/config.js';
import type { SnapshotRef } from '../../domain/evaluation.js';
import { UpkeepError } from '../errors.js';
import { takeSnapshot, type SnapshotDeps } from './snapshot.js';
import { dataWindow } from './window.js';

export interface ModelWindow {
  /** When the window ends (ISO time). */
  windowEnd: string;
  /** Instead of the evaluation window's days (e.g. a training window). */
  days?: number;
  /** Leave out this many most recent days (a training window ends where its holdout begins). */
  skipDays?: number;
}

/**
 * Copies the window's files into the store under their sha256 (immutable, written once) and
 * records a manifest. Missing days are listed, not fatal: the policy decides what they mean.
 */
export async function snapshotModelWindow(deps: SnapshotDeps, spec: ModelSpec, w: ModelWindow): Promise<SnapshotRef> {
  let window;
  try {
    window = dataWindow({
      template: spec.data.uri,
      end: new Date(w.windowEnd),
      days: w.days ?? spec.data.window.days,
      timezone: spec.schedule.timezone,
      skipDays: w.skipDays,
    });
  } catch (err) {
    throw new UpkeepError('InvalidConfig', `model ${spec.id}: ${(err as Error).message}`);
  }
  return takeSnapshot(deps, spec, window);
}
