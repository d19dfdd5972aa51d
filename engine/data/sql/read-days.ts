/**
 * The days of a window read by a query (docs/sql-sources.md): one read per day, its parameters
 * that day's [00:00, next 00:00) on the schedule's clock, each day's rows kept as one Parquet file
 * (materialize.ts). A day whose query gives no rows is a missing day, as an absent file is.
 */
import type { ModelSpec } from '../../../domain/config.js';
import type { SnapshotFile, SnapshotRef } from '../../../domain/evaluation.js';
import type { ReadLimits } from '../../../domain/limits.js';
import { bindQuery, redactSqlUri } from '../../../domain/sql.js';
import { UpkeepError } from '../../errors.js';
import { readWindowLabels, withLabels, type JoinSpec, type LabelIndex, type LabelsSource } from '../join.js';
import type { DataSource } from '../source.js';
import { dayBounds } from '../window.js';
import type { SqlConnect, SqlConnection } from './connection.js';
import { materializeDay, type MaterializeDeps } from './materialize.js';

export interface SqlDaysDeps extends MaterializeDeps {
  /** How to reach the database (engine/data/sql/connect.ts connectSql in production; a fake in tests). */
  connect?: SqlConnect;
  /** Where label files are read from, when data.labels names files (engine/data/join.ts). */
  labelFiles?: Pick<DataSource, 'read' | 'list'>;
  /** The time labels are known as of (default now): a label known later is not used. */
  now?(): Date;
}

/** A message that names the model once. */
export function named(modelId: string, err: unknown): unknown {
  if (!(err instanceof Error) || err.message.startsWith(`model ${modelId}:`)) return err;
  const message = `model ${modelId}: ${err.message}`;
  return err instanceof UpkeepError ? new UpkeepError(err.type, message, { cause: err }) : new Error(message, { cause: err });
}

export async function readSqlDays(
  deps: SqlDaysDeps,
  spec: Pick<ModelSpec, 'id' | 'data' | 'limits'> & Partial<Pick<ModelSpec, 'label' | 'schedule'>>,
  w: { timezone: string; days: { date: string }[] },
  limits: ReadLimits & { deadlineAt: number },
  signal: AbortSignal,
  deadline: AbortSignal,
): Promise<{ files: SnapshotFile[]; missing: SnapshotRef['missing'] }> {
  const query = spec.data.query!;
  const server = redactSqlUri(spec.data.uri);
  if (!deps.connect) throw new UpkeepError('InvalidConfig', `model ${spec.id}: ${server}: no database connection is available here`);
  const timedOut = (err: unknown, date?: string): Error =>
    // retried: a busy server may answer in time later
    new Error(
      `model ${spec.id}: ${server}: reading the data window took longer than limits.read_timeout (${limits.read_timeout})${date ? `, at ${date}` : ''}`,
      {
        cause: err,
      },
    );
  const remaining = (): number => Math.max(1, limits.deadlineAt - Date.now());
  // A timeout or cancellation the reader reports its own way is still the snapshot's.
  const failed = (err: unknown, date?: string): unknown => {
    if (deadline.aborted && !deps.signal?.aborted) return timedOut(err, date);
    return named(spec.id, err);
  };
  let conn: SqlConnection;
  try {
    signal.throwIfAborted();
    conn = await deps.connect(spec.data.uri, {
      model: spec.id,
      ...(spec.data.password_file ? { passwordFile: spec.data.password_file } : {}),
      connectTimeoutMs: remaining(),
    });
  } catch (err) {
    throw failed(err);
  }
  const files: SnapshotFile[] = [];
  const missing: SnapshotRef['missing'] = [];
  const text = bindQuery(query);
  let joined: { index: LabelIndex; source: LabelsSource; spec: JoinSpec } | undefined;
  try {
    // Labels that arrive apart (data.labels): read once for the window, as of now, joined into each day by key.
    if (spec.data.labels && w.days.length > 0) {
      if (!spec.label || !spec.schedule) throw new UpkeepError('InvalidConfig', `model ${spec.id}: data.labels needs the model's label and schedule`);
      const joinSpec = { ...spec, label: spec.label, schedule: spec.schedule };
      try {
        joined = {
          ...(await readWindowLabels(joinSpec, deps.connect, w, deps.now?.() ?? new Date(), { signal, ...(deps.labelFiles ? { data: deps.labelFiles } : {}) })),
          spec: joinSpec,
        };
      } catch (err) {
        throw failed(err);
      }
    }
    for (const day of w.days) {
      const { start, end } = dayBounds(day.date, w.timezone);
      let file: SnapshotFile | undefined;
      try {
        signal.throwIfAborted();
        let batches = conn.batches({ text, params: [start, end], timeoutMs: remaining(), signal });
        const matchedBefore = joined?.index.joined.matched ?? 0;
        if (joined) batches = withLabels(batches, joined.index, joined.spec);
        file = await materializeDay({ ...deps, signal }, spec, { date: day.date, start, end }, batches, { sourceUri: server, query, server: conn.identity });
        if (file && joined) file = { ...file, labels: { ...joined.source, matched: joined.index.joined.matched - matchedBefore } };
      } catch (err) {
        throw failed(err, day.date);
      }
      deps.heartbeat?.({ date: day.date });
      if (file) files.push(file);
      else missing.push({ date: day.date, sourceUri: server });
    }
  } finally {
    await conn.close().catch(() => undefined);
  }
  return { files, missing };
}
