/**
 * The window snapshot: one routine for the snapshotWindow activity and the one-shot `upkeep
 * evaluate`. Each file is kept in the store under its sha256 with its row count; the snapshot's
 * sha256 is that of its identity (model, window, files by content, missing days), which does not
 * depend on where the store is: the same files give the same snapshot in every store. A day's URI
 * may be a file pattern (file-pattern.ts): every matching file is kept, in name order.
 */
import { UpkeepError } from '../errors.js';
import type { ArtifactStore } from '../store/store.js';
import { sha256Hex } from '../util.js';
import { snapshotFileKey, snapshotManifestKey } from '../store/keys.js';
import type { ModelSpec } from '../../domain/config.js';
import { durationMs } from '../../domain/duration.js';
import { resolveLimits } from '../../domain/limits.js';
import type { SnapshotFile, SnapshotRef } from '../../domain/evaluation.js';
import { createHash } from 'node:crypto';
import { countRows, formatOf, TextRowCounter } from './count-rows.js';
import { isDataReadError } from './errors.js';
import type { RangeFile } from '../open-regular.js';
import { readFooterByRanges } from './parquet/ranges.js';
import type { DataFormat } from './table.js';
import { datePatternHint } from './date-pattern.js';
import { dayFiles, isFilePattern, splitUri } from './file-pattern.js';
import type { DataSource } from './source.js';
import { baseName } from './source.js';
import { isDatedTemplate } from './window.js';
import { readSqlDays, type SqlDaysDeps } from './sql/read-days.js';
import { joinFileDays } from './joined-files.js';

/** The days to snapshot: a data window (window.ts) or explicit files (dates may be empty). */
export interface SnapshotDays {
  firstDay: string;
  lastDay: string;
  end: string;
  timezone: string;
  days: { date: string; uri: string }[];
}

export interface SnapshotDeps extends Pick<SqlDaysDeps, 'connect' | 'scratchDir' | 'rowGroupRows' | 'now'> {
  data: Pick<DataSource, 'read' | 'list' | 'open'>;
  store: Pick<ArtifactStore, 'put'> & Partial<Pick<ArtifactStore, 'putStream'>>;
  /** Files larger than this are hashed and copied in chunks, never held whole (default STREAM_ABOVE). */
  streamAbove?: number;
  heartbeat?(details: unknown): void;
  /** The running activity's cancellation: a read stops between chunks when it is aborted. */
  signal?: AbortSignal;
}

/** What identifies a snapshot (hashed); the stored manifest adds each file's store URI. */
export function snapshotIdentity(modelId: string, w: Omit<SnapshotDays, 'days'>, files: SnapshotFile[], missing: SnapshotRef['missing']) {
  return {
    modelId,
    firstDay: w.firstDay,
    lastDay: w.lastDay,
    windowEnd: w.end,
    timezone: w.timezone,
    // A day read by a query is also known by the query and its rows' canonical hash (files' identities are unchanged).
    files: files.map((f) => ({
      date: f.date,
      sourceUri: f.sourceUri,
      sha256: f.sha256,
      bytes: f.bytes,
      rows: f.rows,
      ...(f.query !== undefined ? { query: f.query, rowsSha256: f.rowsSha256 } : {}),
    })),
    missing,
  };
}

/**
 * Copies the files into the store (immutable, written once) and records a manifest. A missing day
 * is listed, not fatal (the policy decides what it means), unless `allPresent` is set.
 */
export async function takeSnapshot(
  deps: SnapshotDeps,
  spec: Pick<ModelSpec, 'id' | 'data' | 'limits'> & Partial<Pick<ModelSpec, 'label' | 'schedule'>>,
  w: SnapshotDays,
  opts: { allPresent?: boolean } = {},
): Promise<SnapshotRef> {
  const files: SnapshotFile[] = [];
  const missing: SnapshotRef['missing'] = [];
  const limits = resolveLimits(spec.limits);
  // limits.read_timeout bounds reading the whole window; cancellation stops it too.
  const deadlineAt = Date.now() + durationMs(limits.read_timeout);
  const deadline = AbortSignal.timeout(durationMs(limits.read_timeout));
  const signal = deps.signal ? AbortSignal.any([deps.signal, deadline]) : deadline;
  if (spec.data.query !== undefined) {
    const read = await readSqlDays({ ...deps, labelFiles: deps.data }, spec, w, { ...limits, deadlineAt }, signal, deadline);
    if (opts.allPresent && read.missing.length > 0)
      throw new UpkeepError('UnreadableData', `model ${spec.id}: the query gives no rows for ${read.missing[0]!.date}`);
    files.push(...read.files);
    missing.push(...read.missing);
  }
  // Files whose labels arrive apart: each file's rows are joined with the labels and kept as Parquet.
  const joinFiles = spec.data.query === undefined && spec.data.labels !== undefined;
  if (joinFiles) {
    if (!spec.label || !spec.schedule) throw new UpkeepError('InvalidConfig', `model ${spec.id}: data.labels needs the model's label and schedule`);
    const read = await joinFileDays(deps, { ...spec, label: spec.label, schedule: spec.schedule }, w, limits, signal);
    if (opts.allPresent && read.missing.length > 0)
      throw new UpkeepError('UnreadableData', `model ${spec.id}: data file ${read.missing[0]!.sourceUri} does not exist`);
    files.push(...read.files);
    missing.push(...read.missing);
  }
  for (const day of spec.data.query !== undefined || joinFiles ? [] : w.days) {
    let uris = [day.uri];
    try {
      if (isFilePattern(day.uri)) uris = await dayFiles(deps.data, day.uri);
    } catch (err) {
      if (err instanceof UpkeepError) throw new UpkeepError(err.type, `model ${spec.id}: ${err.message}`, { cause: err });
      throw err;
    }
    // A pattern that matches nothing is a missing day, like an absent file.
    if (uris.length === 0 && opts.allPresent) throw new UpkeepError('UnreadableData', `model ${spec.id}: no data file matches ${day.uri}`);
    let found = 0;
    for (const uri of uris) {
      const file = await snapshotFile(deps, spec, limits, signal, deadline, day.date, uri);
      deps.heartbeat?.({ date: day.date });
      if (file) {
        files.push(file);
        found++;
      } else if (opts.allPresent) throw new UpkeepError('UnreadableData', `model ${spec.id}: data file ${uri} does not exist`);
    }
    // A listed file removed before it was read is left out; a day left with none is missing.
    if (found === 0) missing.push({ date: day.date, sourceUri: day.uri });
  }
  // Nothing found: the folder's file names may show what the data URI should have been.
  let hint: string | undefined;
  const folder = splitUri(spec.data.uri).folder;
  if (files.length === 0 && missing.length > 0 && deps.data.list && spec.data.query === undefined && !isDatedTemplate(folder)) {
    const names = await deps.data.list(folder).catch(() => undefined);
    if (names) hint = datePatternHint(spec.data.uri, names);
  }
  const identity = snapshotIdentity(spec.id, w, files, missing);
  const sha256 = sha256Hex(JSON.stringify(identity));
  const manifest = { ...identity, files };
  const stored = await deps.store.put(snapshotManifestKey(spec.id, sha256), JSON.stringify(manifest, null, 2), { ifAbsent: true });
  return {
    uri: stored.uri,
    sha256,
    firstDay: w.firstDay,
    lastDay: w.lastDay,
    windowEnd: w.end,
    rows: files.reduce((n, f) => n + f.rows, 0),
    files,
    missing,
    ...(hint ? { hint } : {}),
  };
}

/** Files above this size are snapshotted in chunks: hashed and counted, then copied. */
export const STREAM_ABOVE = 64 * 2 ** 20;
const COPY_CHUNK = 8 * 2 ** 20;

/** One pass over a large file by range: its sha256 and its rows (a Parquet file's from its footer). */
async function hashAndCount(f: RangeFile, format: DataFormat, name: string, beat: () => void): Promise<{ sha256: string; rows: number }> {
  const hash = createHash('sha256');
  const counter = format === 'parquet' ? undefined : new TextRowCounter(format);
  for (let at = 0; at < f.size; at += COPY_CHUNK) {
    const chunk = await f.read(at, Math.min(f.size, at + COPY_CHUNK), new Uint8Array(Math.min(COPY_CHUNK, f.size - at)));
    hash.update(chunk);
    counter?.update(chunk);
    beat();
  }
  const rows = counter ? counter.rows() : Number((await readFooterByRanges(f, name)).num_rows);
  return { sha256: hash.digest('hex'), rows };
}

/** Reads one file of a day and keeps it in the store; undefined when it does not exist. */
async function snapshotFile(
  deps: SnapshotDeps,
  spec: Pick<ModelSpec, 'id' | 'data'>,
  limits: ReturnType<typeof resolveLimits>,
  signal: AbortSignal,
  deadline: AbortSignal,
  date: string,
  uri: string,
): Promise<SnapshotFile | undefined> {
  const format = formatOf(uri, spec.data.format);
  const unreadable = (err: unknown): UpkeepError =>
    new UpkeepError('UnreadableData', `model ${spec.id}: file ${baseName(uri)} is not readable as ${format}: ${(err as Error).message}`, { cause: err });
  const reading = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      // A listing may have taken the time: an abort that came meanwhile is not missed.
      signal.throwIfAborted();
      return await work();
    } catch (err) {
      if (err instanceof UpkeepError) throw new UpkeepError(err.type, `model ${spec.id}: ${err.message}`, { cause: err });
      if (deadline.aborted && !deps.signal?.aborted) {
        // retried: a slow file system may be faster next time
        throw new Error(`model ${spec.id}: reading the data window took longer than limits.read_timeout (${limits.read_timeout}), at ${baseName(uri)}`, {
          cause: err,
        });
      }
      throw err;
    }
  };
  const readOpts = { maxBytes: limits.max_file_bytes, signal, what: 'data file' };
  const { open } = deps.data;
  const { putStream } = deps.store;
  let bytes: Uint8Array | undefined;
  if (open && putStream && format) {
    const f = await reading(() => open(uri, readOpts));
    if (!f) return undefined;
    try {
      if (f.size > (deps.streamAbove ?? STREAM_ABOVE)) {
        const { sha256, rows } = await reading(() => hashAndCount(f, format, baseName(uri), () => deps.heartbeat?.({ date, file: baseName(uri) }))).catch(
          (err: unknown) => {
            throw isDataReadError(err) ? unreadable(err) : err;
          },
        );
        const chunks = async function* (): AsyncGenerator<Uint8Array> {
          for (let at = 0; at < f.size; at += COPY_CHUNK)
            yield await f.read(at, Math.min(f.size, at + COPY_CHUNK), new Uint8Array(Math.min(COPY_CHUNK, f.size - at)));
        };
        const stored = await reading(() => putStream.call(deps.store, snapshotFileKey(spec.id, sha256, format), chunks, { sha256, size: f.size }));
        return { date, sourceUri: uri, uri: stored.uri, sha256, bytes: f.size, rows };
      }
      bytes = await reading(() => f.read(0, f.size));
    } finally {
      await f.close();
    }
  } else {
    bytes = await reading(() => deps.data.read(uri, readOpts));
  }
  if (!bytes) return undefined;
  if (!format) {
    throw new UpkeepError(
      'InvalidConfig',
      `model ${spec.id}: cannot tell the format of ${baseName(uri)}; use a .csv, .jsonl or .parquet file, or set data.format`,
    );
  }
  let rows: number;
  try {
    rows = countRows(bytes, format);
  } catch (err) {
    throw unreadable(err);
  }
  const sha256 = sha256Hex(bytes);
  const stored = await deps.store.put(snapshotFileKey(spec.id, sha256, format), bytes, { ifAbsent: true });
  return { date, sourceUri: uri, uri: stored.uri, sha256, bytes: bytes.byteLength, rows };
}
