/**
 * A Parquet file of the window as a stream of row groups: the footer read by range, checked as a
 * whole file is, then each row group's needed column chunks read by range while earlier groups are
 * decoded and scored. At most `ahead` row groups are held at once, whatever the file's size.
 */
import { groupColumns } from '../../domain/fairness-config.js';
import { isDataReadError } from '../data/errors.js';
import { checkParquetFooter } from '../data/limits.js';
import type { RangeFile } from '../open-regular.js';
import { readFooterByRanges, readRowGroup, type RowGroupFile } from '../data/parquet/ranges.js';
import { resolveLimits, type ReadLimits } from '../../domain/limits.js';
import { UpkeepError } from '../errors.js';
import type { ModelSpec } from '../../domain/config.js';
import type { PreparedModel } from './model.js';
import { loggedColumns } from './logged.js';

/** The columns a window's files are read for: the model's inputs, the label, slices, drift and the logged outputs. */
export function columnsToRead(model: Pick<PreparedModel, 'inputs'>, spec: ModelSpec, sketch?: { columns: string[] }): string[] {
  return [
    ...new Set([
      ...model.inputs.flatMap((i) => i.columns),
      spec.label.column,
      ...groupColumns(spec),
      ...(spec.segments.search ? (spec.segments.columns ?? []) : []),
      ...(sketch?.columns ?? []),
      ...loggedColumns(spec),
    ]),
  ];
}

export interface RowGroupStream {
  /** Row groups to read, in order (the file's, or an evaluation shard's range of them). */
  groups: number[];
  /** The next row group's bytes; call again only after the previous one resolved. */
  next(): Promise<RowGroupFile>;
  fileBytes: number;
  close(): Promise<void>;
}

/** Opens `file` and checks its footer; undefined when it has no row group (read it whole then). */
export async function streamRowGroups(
  file: RangeFile,
  o: { modelId: string; name: string; columns: string[]; limits?: Partial<ReadLimits>; rowGroups?: { start: number; end: number } },
): Promise<RowGroupStream | undefined> {
  const fail = (err: unknown): never => {
    if (isDataReadError(err)) throw new UpkeepError('UnreadableData', `model ${o.modelId}: ${err.message}`, { cause: err });
    throw err;
  };
  let groups: number[];
  let metadata;
  try {
    metadata = await readFooterByRanges(file, o.name);
    const present = new Set(metadata.schema.slice(1).map((s) => s.name));
    // The whole file's promises, as when it is read whole: every shard of a file decides alike.
    checkParquetFooter(
      metadata,
      o.columns.filter((c) => present.has(c)),
      file.size,
      o.name,
      resolveLimits(o.limits),
    );
    const count = metadata.row_groups.length;
    const from = o.rowGroups?.start ?? 0;
    const to = o.rowGroups ? Math.min(o.rowGroups.end, count) : count;
    groups = Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
  } catch (err) {
    await file.close();
    return fail(err);
  }
  if (groups.length === 0) {
    await file.close();
    return undefined;
  }
  const wanted = new Set(o.columns);
  let at = 0;
  return {
    groups,
    fileBytes: file.size,
    next: () => readRowGroup(file, metadata, groups[at++]!, wanted, o.name).catch(fail),
    close: () => file.close(),
  };
}
