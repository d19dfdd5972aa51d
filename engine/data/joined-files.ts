/**
 * Dated files whose labels arrive apart (data.labels with a file template as data.uri,
 * docs/late-labels.md): each day's files are read, their rows get the label by key from the labels
 * source as known at the snapshot's time (join.ts), and each file is kept as a Parquet file of the
 * joined rows (sql/materialize.ts) instead of a copy of the file. A day without files is missing.
 */
import type { ModelSpec } from '../../domain/config.js';
import type { SnapshotFile, SnapshotRef } from '../../domain/evaluation.js';
import type { ReadLimits } from '../../domain/limits.js';
import { UpkeepError } from '../errors.js';
import { formatOf } from './count-rows.js';
import { isDataReadError } from './errors.js';
import { dayFiles, isFilePattern } from './file-pattern.js';
import { readWindowLabels, withLabels } from './join.js';
import { readTable } from './read-table.js';
import { baseName, type DataSource } from './source.js';
import { materializeDay } from './sql/materialize.js';
import { named, type SqlDaysDeps } from './sql/read-days.js';
import type { Table } from './table.js';
import { dayBounds } from './window.js';

async function* one(table: Table): AsyncIterable<Table> {
  yield table;
}

export async function joinFileDays(
  deps: SqlDaysDeps & { data: Pick<DataSource, 'read' | 'list'> },
  spec: Pick<ModelSpec, 'id' | 'data' | 'limits' | 'label' | 'schedule'>,
  w: { timezone: string; days: { date: string; uri: string }[] },
  limits: ReadLimits,
  signal: AbortSignal,
): Promise<{ files: SnapshotFile[]; missing: SnapshotRef['missing'] }> {
  const files: SnapshotFile[] = [];
  const missing: SnapshotRef['missing'] = [];
  if (w.days.length === 0) return { files, missing };
  const noDatabase = (): never => {
    throw new UpkeepError('InvalidConfig', `model ${spec.id}: no database connection is available here`);
  };
  const { index, source } = await readWindowLabels(spec, deps.connect ?? noDatabase, w, deps.now?.() ?? new Date(), { data: deps.data, signal }).catch(
    (err: unknown) => {
      throw named(spec.id, err);
    },
  );
  for (const day of w.days) {
    const { start, end } = dayBounds(day.date, w.timezone);
    let found = 0;
    try {
      const uris = isFilePattern(day.uri) ? await dayFiles(deps.data, day.uri) : [day.uri];
      for (const uri of uris) {
        signal.throwIfAborted();
        const bytes = await deps.data.read(uri, { maxBytes: limits.max_file_bytes, signal, what: 'data file' });
        if (!bytes) continue;
        const format = formatOf(uri, spec.data.format);
        let table: Table;
        try {
          table = await readTable(bytes, { source: baseName(uri), ...(format ? { format } : {}), limits });
        } catch (err) {
          if (isDataReadError(err)) throw new UpkeepError('UnreadableData', `model ${spec.id}: ${err.message}`, { cause: err });
          throw err;
        }
        const before = index.joined.matched;
        const batches = withLabels(one(table), index, spec);
        const file = await materializeDay({ ...deps, signal }, spec, { date: day.date, start, end }, batches, { sourceUri: uri });
        deps.heartbeat?.({ date: day.date });
        if (!file) continue;
        files.push({ ...file, labels: { ...source, matched: index.joined.matched - before } });
        found++;
      }
    } catch (err) {
      throw named(spec.id, err);
    }
    if (found === 0) missing.push({ date: day.date, sourceUri: day.uri });
  }
  return { files, missing };
}
