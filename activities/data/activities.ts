import { UpkeepError } from '../errors.js';
import type { ActivityDeps } from '../deps.js';
import { sha256Hex } from '../store/file-store.js';
import { snapshotFileKey, snapshotManifestKey } from '../store/keys.js';
import type { ResolvedModel, SnapshotFile, SnapshotRef } from '../../domain/evaluation.js';
import { countRows, formatOf } from './count-rows.js';
import { baseName } from './source.js';
import { dataWindow } from './window.js';

export function createDataActivities(deps: Pick<ActivityDeps, 'store' | 'data' | 'heartbeat'>) {
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
      const files: SnapshotFile[] = [];
      const missing: SnapshotRef['missing'] = [];
      for (const day of window.days) {
        const bytes = await deps.data.read(day.uri);
        deps.heartbeat?.({ date: day.date });
        if (!bytes) {
          missing.push({ date: day.date, sourceUri: day.uri });
          continue;
        }
        const format = formatOf(day.uri, spec.data.format);
        if (!format) {
          throw new UpkeepError('InvalidConfig', `model ${spec.id}: cannot tell the format of ${baseName(day.uri)}; set data.format to csv, jsonl or parquet`);
        }
        let rows: number;
        try {
          rows = countRows(bytes, format);
        } catch (err) {
          throw new UpkeepError('UnreadableData', `model ${spec.id}: file ${baseName(day.uri)} is not readable as ${format}: ${(err as Error).message}`, { cause: err });
        }
        const sha256 = sha256Hex(bytes);
        const stored = await deps.store.put(snapshotFileKey(spec.id, sha256, format), bytes, { ifAbsent: true });
        files.push({ date: day.date, sourceUri: day.uri, uri: stored.uri, sha256, bytes: bytes.byteLength, rows });
      }
      const manifest = { modelId: spec.id, firstDay: window.firstDay, lastDay: window.lastDay, windowEnd: window.end, timezone: window.timezone, files, missing };
      const text = JSON.stringify(manifest, null, 2);
      const sha256 = sha256Hex(text);
      const stored = await deps.store.put(snapshotManifestKey(spec.id, sha256), text, { ifAbsent: true });
      return {
        uri: stored.uri,
        sha256,
        firstDay: window.firstDay,
        lastDay: window.lastDay,
        windowEnd: window.end,
        rows: files.reduce((n, f) => n + f.rows, 0),
        files,
        missing,
      };
    },
  };
}
