/** The files of a stored snapshot, as the evaluation engine and the trainers read them. */
import type { WindowFile } from './window.js';
import { UpkeepError } from '../errors.js';
import type { SnapshotRef } from '../../domain/evaluation.js';
import { formatOf } from './count-rows.js';
import { isDataReadError } from './errors.js';
import { readTable } from './read-table.js';
import { baseName } from './source.js';
import type { Table } from './table.js';
import type { ReadLimits } from '../../domain/limits.js';
import type { RangeFile } from '../open-regular.js';

/**
 * Named "<date> <source file name>" in messages; each file is read from the store when needed,
 * whole or (with `open`) by range.
 */
export function snapshotFiles(
  modelId: string,
  snapshot: Pick<SnapshotRef, 'files'>,
  read: (uri: string, what: string) => Promise<Uint8Array>,
  open?: (uri: string, what: string) => Promise<RangeFile>,
): WindowFile[] {
  return snapshot.files.map((f) => {
    const format = formatOf(f.uri);
    if (!format) throw new UpkeepError('UnreadableData', `model ${modelId}: unknown format of snapshot file ${f.uri}`);
    return {
      name: `${f.date} ${baseName(f.sourceUri)}`,
      format,
      rows: f.rows,
      load: () => read(f.uri, 'snapshot file'),
      ...(open ? { open: () => open(f.uri, 'snapshot file') } : {}),
    };
  });
}

/** Reads whole files into tables; `what` (e.g. "model churn: training") prefixes a read error. */
export async function readTables(files: WindowFile[], what: string, onFile?: (name: string) => void, limits?: Partial<ReadLimits>): Promise<Table[]> {
  const tables: Table[] = [];
  for (const f of files) {
    try {
      tables.push(await readTable(await f.load(), { source: f.name, format: f.format, ...(limits ? { limits } : {}) }));
    } catch (err) {
      if (isDataReadError(err)) throw new UpkeepError('UnreadableData', `${what} ${err.message}`, { cause: err });
      throw err;
    }
    onFile?.(f.name);
  }
  return tables;
}
