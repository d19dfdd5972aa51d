/** The snapshot of a model's data window ending at a given time (evaluation or training window). */
import type { ModelSpec } from '../../domain/config.js';
import type { SnapshotRef } from '../../domain/evaluation.js';
import { UpkeepError } from '../errors.js';
import { takeSnapshot, type SnapshotDeps } from './snapshot.js';
import { dataWindow, type DataWindow } from './window.js';

export interface ModelWindow {
  /** When the window ends (ISO time). */
  windowEnd: string;
  /** Instead of the evaluation window's days (e.g. a training window). */
  days?: number;
  /** Leave out this many most recent days (a training window ends where its holdout begins). */
  skipDays?: number;
  /** The model's rolling reference (spec.reference) for the evaluation window ending then, instead of the window. */
  reference?: boolean;
}

const weekday = (date: string): number => new Date(`${date}T00:00:00Z`).getUTCDay();

/**
 * The days of a rolling reference: the `rolling` days just before the evaluation window ending at
 * `end` (in the schedule's time zone); with `same: weekday`, only those on a weekday the window has.
 */
export function rollingReferenceWindow(spec: Pick<ModelSpec, 'id' | 'reference' | 'data' | 'schedule'>, end: Date): DataWindow {
  const r = spec.reference;
  if (typeof r !== 'object') throw new UpkeepError('InvalidConfig', `model ${spec.id}: reference is not rolling`);
  const base = { template: spec.data.uri, end, timezone: spec.schedule.timezone };
  let window: DataWindow;
  let evaluated: DataWindow;
  try {
    evaluated = dataWindow({ ...base, days: spec.data.window.days });
    window = dataWindow({ ...base, days: parseInt(r.rolling, 10), skipDays: spec.data.window.days });
  } catch (err) {
    throw new UpkeepError('InvalidConfig', `model ${spec.id}: reference: ${(err as Error).message}`);
  }
  if (r.same !== 'weekday') return window;
  const wanted = new Set(evaluated.days.map((d) => weekday(d.date)));
  const days = window.days.filter((d) => wanted.has(weekday(d.date)));
  if (days.length === 0) {
    throw new UpkeepError(
      'InvalidConfig',
      `model ${spec.id}: reference: the ${r.rolling} before the window hold none of its weekdays (rolling needs at least 7d with same: weekday)`,
    );
  }
  return { ...window, days, firstDay: days[0]!.date, lastDay: days[days.length - 1]!.date };
}

/**
 * Copies the window's files into the store under their sha256 (immutable, written once) and
 * records a manifest. Missing days are listed, not fatal: the policy decides what they mean.
 */
export async function snapshotModelWindow(deps: SnapshotDeps, spec: ModelSpec, w: ModelWindow): Promise<SnapshotRef> {
  if (w.reference) return takeSnapshot(deps, spec, rollingReferenceWindow(spec, new Date(w.windowEnd)));
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
