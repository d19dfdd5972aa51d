/**
 * Showing that a window read by a query is the same data later (docs/sql-sources.md, "Showing a
 * window is the same data"). For each day of a stored snapshot that a query read, two checks:
 *
 * - the stored Parquet file (what was evaluated) is read back from the store: its bytes must still
 *   have the recorded sha256 and its rows the recorded canonical rows hash (`rowsSha256`);
 * - the recorded query is run again with the recorded parameters against the model's database
 *   (which must be the one recorded, by its redacted URI), its rows joined with the labels as of
 *   the recorded `asOf` when the day had labels joined, and hashed the same canonical way.
 *
 * Nothing is written. A re-read shared by several snapshots (overlapping windows: the same query,
 * parameters and labels as of the same time) is done once.
 */
import type { ModelSpec } from '../../../domain/config.js';
import type { SnapshotFile } from '../../../domain/evaluation.js';
import { bindQuery, redactSqlUri, sqlKind } from '../../../domain/sql.js';
import { durationMs } from '../../../domain/duration.js';
import { resolveLimits } from '../../../domain/limits.js';
import { UpkeepError } from '../../errors.js';
import { snapshotFileKey, snapshotManifestKey } from '../../store/keys.js';
import type { ArtifactStore } from '../../store/store.js';
import { sha256Hex } from '../../util.js';
import { readLabelIndex, withLabels, type JoinSpec, type LabelIndex } from '../join.js';
import { readFooter } from '../parquet/footer.js';
import { readTable } from '../read-table.js';
import type { DataSource } from '../source.js';
import { dayBounds } from '../window.js';
import type { SqlConnect, SqlConnection } from './connection.js';
import { RowsHasher } from './materialize.js';

/** A snapshot manifest as takeSnapshot stores it (its identity and each file's store URI). */
export interface StoredManifest {
  /** The snapshot's sha256 (its manifest's name). */
  sha256: string;
  modelId: string;
  firstDay: string;
  lastDay: string;
  windowEnd: string;
  timezone: string;
  files: SnapshotFile[];
}

export interface RecheckDeps {
  store: Pick<ArtifactStore, 'tryGet' | 'list'>;
  /** connectSql in production. */
  connect: SqlConnect;
  /** Label files, when data.labels names files rather than a query. */
  labelFiles?: Pick<DataSource, 'read' | 'list'>;
  signal?: AbortSignal;
}

/** same: both checks agree with the record; differs: one does not; unreachable: the source could not be re-read (the stored file was still checked). */
export type DayStatus = 'same' | 'differs' | 'unreachable';

export interface DayRecheck {
  snapshot: string;
  date: string;
  status: DayStatus;
  /** The stored file: its bytes and rows hash as recorded, or what is wrong with it. */
  stored: { ok: boolean; detail: string };
  /** The source re-read: same / differs (rows now and then) / unreachable / not compared (why). */
  source: { status: 'same' | 'differs' | 'unreachable'; detail: string; rowsNow?: number };
  rowsThen: number;
  /** Caveats that do not change the status (labels without known_at, another server version). */
  notes: string[];
}

const short = (sha: string | undefined): string => (sha ? sha.slice(0, 12) : 'none');

/** The snapshots of a model in the store, oldest window first (a sha256 prefix narrows them). */
export async function storedSnapshots(store: Pick<ArtifactStore, 'tryGet' | 'list'>, modelId: string, shaPrefix?: string): Promise<StoredManifest[]> {
  const prefix = snapshotManifestKey(modelId, '').replace(/\.json$/, '');
  const keys = (await store.list(prefix)).filter((k) => k.endsWith('.json') && (!shaPrefix || k.slice(prefix.length).startsWith(shaPrefix)));
  const out: StoredManifest[] = [];
  for (const key of keys) {
    const bytes = await store.tryGet(key);
    if (!bytes) continue;
    const m = JSON.parse(new TextDecoder().decode(bytes)) as StoredManifest;
    out.push({ ...m, sha256: key.slice(prefix.length, -'.json'.length) });
  }
  return out.sort((a, b) => a.windowEnd.localeCompare(b.windowEnd) || a.sha256.localeCompare(b.sha256));
}

/**
 * The stored copy of a day read back: its bytes' sha256 and its rows' canonical hash against the
 * record. Rows are decoded one row group at a time (a day's file holds 100,000 rows a group), so
 * only the file's bytes and one group are held at once.
 */
async function checkStored(deps: RecheckDeps, spec: Pick<ModelSpec, 'id' | 'limits'>, f: SnapshotFile): Promise<DayRecheck['stored']> {
  const bytes = await deps.store.tryGet(snapshotFileKey(spec.id, f.sha256, 'parquet'));
  if (!bytes) return { ok: false, detail: `stored file ${short(f.sha256)}….parquet is missing from the store` };
  const sha = sha256Hex(bytes);
  const source = `${f.sha256}.parquet`;
  const hasher = new RowsHasher();
  try {
    const groups = readFooter(bytes, source).metadata.row_groups.length;
    for (let g = 0; g < groups; g++) {
      deps.signal?.throwIfAborted();
      hasher.update(await readTable(bytes, { source, format: 'parquet', rowGroups: { start: g, end: g + 1 }, limits: resolveLimits(spec.limits) }));
    }
  } catch (err) {
    if (deps.signal?.aborted) throw err;
    return { ok: false, detail: `stored file is not readable as Parquet (${(err as Error).message.split('\n')[0]})` };
  }
  const rowsSha = hasher.digest();
  if (rowsSha !== f.rowsSha256 || hasher.rows !== f.rows)
    return { ok: false, detail: `stored file's rows hash ${short(rowsSha)} (${hasher.rows} rows), recorded ${short(f.rowsSha256)} (${f.rows} rows)` };
  if (sha !== f.sha256) return { ok: false, detail: `stored file's bytes hash ${short(sha)}, recorded ${short(f.sha256)} (same rows, other bytes)` };
  return { ok: true, detail: 'stored file same' };
}

/** A source failure as the line says it: a plain Error (server down, timed out) is unreachable; an UpkeepError (column gone, refused) is named as is. */
function failure(err: unknown): DayRecheck['source'] {
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
  return { status: 'unreachable', detail: `source not re-read: ${message}` };
}

/**
 * Re-checks every day of the given snapshots that a query read (a `day` narrows them). The model's
 * spec gives the database (its data.uri must redact to the recorded sourceUri), the password file
 * and the labels' key and columns; the query and the labels query run are the recorded ones.
 */
export async function recheckSnapshots(
  deps: RecheckDeps,
  spec: Pick<ModelSpec, 'id' | 'data' | 'limits'> & Partial<Pick<ModelSpec, 'label' | 'schedule'>>,
  snapshots: StoredManifest[],
  opts: { day?: string } = {},
): Promise<DayRecheck[]> {
  const limits = resolveLimits(spec.limits);
  const timeoutMs = durationMs(limits.read_timeout);
  const uri = redactSqlUri(spec.data.uri);
  const out: DayRecheck[] = [];
  const reads = new Map<string, Promise<DayRecheck['source']>>();
  const indexes = new Map<string, Promise<LabelIndex>>();
  const storedChecks = new Map<string, Promise<DayRecheck['stored']>>();
  let conn: Promise<SqlConnection> | undefined;
  const connection = (): Promise<SqlConnection> =>
    (conn ??= deps.connect(spec.data.uri, {
      model: spec.id,
      ...(spec.data.password_file ? { passwordFile: spec.data.password_file } : {}),
      connectTimeoutMs: timeoutMs,
    }));
  try {
    for (const snap of snapshots) {
      for (const f of snap.files) {
        if (f.query === undefined || !f.params || (opts.day && f.date !== opts.day)) continue;
        const notes: string[] = [];
        // A day's file is in every snapshot whose window holds the day: read back once.
        let storedCheck = storedChecks.get(f.sha256 + f.rowsSha256);
        if (!storedCheck) storedChecks.set(f.sha256 + f.rowsSha256, (storedCheck = checkStored(deps, spec, f)));
        const stored = await storedCheck;
        let source: DayRecheck['source'];
        const labels = f.labels;
        const labelSpec = spec.data.labels;
        if (!sqlKind(spec.data.uri) || uri !== f.sourceUri) {
          source = { status: 'unreachable', detail: `source not re-read: the model's data.uri is ${uri} now, the day was read from ${f.sourceUri}` };
        } else if (labels && (!labelSpec || redactSqlUri(labelSpec.uri ?? spec.data.uri) !== labels.sourceUri)) {
          const now = labelSpec ? redactSqlUri(labelSpec.uri ?? spec.data.uri) : 'none';
          source = {
            status: 'unreachable',
            detail: `source not re-read: the model's labels source is ${now} now, the day's labels came from ${labels.sourceUri}`,
          };
        } else {
          // The recorded queries are run: a query changed in the config since is only mentioned.
          if (spec.data.query !== f.query) notes.push("the model's query has changed since: the recorded one was run");
          if (labels && labels.query !== undefined && labelSpec!.query !== labels.query)
            notes.push("the model's labels query has changed since: the recorded one was run");
          if (labels && !labelSpec!.known_at)
            notes.push('labels have no known_at: compared with the labels as known now, which may differ from those known then for that reason alone');
          const key = JSON.stringify([f.query, f.params, labels?.query ?? null, labels?.asOf ?? null]);
          let read = reads.get(key);
          if (!read) {
            read = rereadDay(deps, spec, snap, f, connection, indexes, timeoutMs).catch(failure);
            reads.set(key, read);
          }
          source = await read;
        }
        if (f.server && source.status !== 'unreachable') {
          const identity = await connection().then(
            (c) => c.identity,
            () => undefined,
          );
          if (identity && identity !== f.server) notes.push(`server now ${identity}, then ${f.server}`);
        }
        const status: DayStatus = !stored.ok || source.status === 'differs' ? 'differs' : source.status;
        out.push({ snapshot: snap.sha256, date: f.date, status, stored, source, rowsThen: f.rows, notes });
      }
    }
  } finally {
    if (conn) await conn.then((c) => c.close()).catch(() => undefined);
  }
  return out;
}

async function rereadDay(
  deps: RecheckDeps,
  spec: Pick<ModelSpec, 'id' | 'data' | 'limits'> & Partial<Pick<ModelSpec, 'label' | 'schedule'>>,
  snap: StoredManifest,
  f: SnapshotFile,
  connection: () => Promise<SqlConnection>,
  indexes: Map<string, Promise<LabelIndex>>,
  timeoutMs: number,
): Promise<DayRecheck['source']> {
  const c = await connection();
  const params: [Date, Date] = [new Date(f.params![0]), new Date(f.params![1])];
  let batches = c.batches({ text: bindQuery(f.query!), params, timeoutMs, ...(deps.signal ? { signal: deps.signal } : {}) });
  if (f.labels) {
    if (!spec.label || !spec.schedule) throw new UpkeepError('InvalidConfig', `model ${spec.id}: data.labels needs the model's label and schedule`);
    // As read-days did: the labels query as recorded, over the whole window, as of the recorded time.
    const joinSpec: JoinSpec = {
      ...spec,
      label: spec.label,
      schedule: spec.schedule,
      data: { ...spec.data, labels: { ...spec.data.labels!, ...(f.labels.query !== undefined ? { query: f.labels.query } : {}) } },
    };
    const key = JSON.stringify([snap.firstDay, snap.lastDay, snap.timezone, f.labels.query ?? null, f.labels.asOf]);
    let index = indexes.get(key);
    if (!index) {
      const window = { start: dayBounds(snap.firstDay, snap.timezone).start, end: dayBounds(snap.lastDay, snap.timezone).end };
      index = readLabelIndex(joinSpec, deps.connect, window, new Date(f.labels.asOf), {
        ...(deps.signal ? { signal: deps.signal } : {}),
        ...(deps.labelFiles ? { data: deps.labelFiles } : {}),
      });
      indexes.set(key, index);
    }
    batches = withLabels(batches, await index, joinSpec);
  }
  const hasher = new RowsHasher();
  for await (const batch of batches) hasher.update(batch);
  const sha = hasher.digest();
  if (hasher.rows === f.rows && sha === f.rowsSha256)
    return { status: 'same', detail: `source same (${f.rows} rows, rows hash ${short(sha)})`, rowsNow: f.rows };
  return {
    status: 'differs',
    detail: `source DIFFERS: ${hasher.rows} rows now, ${f.rows} then; rows hash ${short(sha)} now, ${short(f.rowsSha256)} then`,
    rowsNow: hasher.rows,
  };
}
