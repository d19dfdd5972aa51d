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
import { dayBounds } from '../window.js';
import type { SqlConnect, SqlConnection } from './connection.js';
import { materializeDay, type MaterializeDeps } from './materialize.js';

export interface SqlDaysDeps extends MaterializeDeps {
  /** How to reach the database (engine/data/sql/connect.ts connectSql in production; a fake in tests). */
  connect?: SqlConnect;
}

/** A message that names the model once. */
function named(modelId: string, err: unknown): unknown {
  if (!(err instanceof Error) || err.message.startsWith(`model ${modelId}:`)) return err;
  const message = `model ${modelId}: ${err.message}`;
  return err instanceof UpkeepError ? new UpkeepError(err.type, message, { cause: err }) : new Error(message, { cause: err });
}

export async function readSqlDays(
  deps: SqlDaysDeps,
  spec: Pick<ModelSpec, 'id' | 'data' | 'limits'>,
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
  try {
    // ── JOIN (issue 21, labels that arrive apart) ──────────────────────────────────────────────
    // With spec.data.labels, the label index is read once for the window here:
    //   const index = await readLabelIndex(spec, deps.connect, { start: first day's start, end: last day's end }, asOf, opts)
    // and each day's batches below go through withLabels(batches, index, spec) (engine/data/join.ts).
    // Until join.ts is wired in, such a model is refused rather than evaluated without its labels.
    if (spec.data.labels) {
      throw new UpkeepError('InvalidConfig', `model ${spec.id}: data.labels (labels joined by key) is not wired into the query snapshot yet`);
    }
    for (const day of w.days) {
      const { start, end } = dayBounds(day.date, w.timezone);
      let file: SnapshotFile | undefined;
      try {
        signal.throwIfAborted();
        const batches = conn.batches({ text, params: [start, end], timeoutMs: remaining(), signal });
        file = await materializeDay({ ...deps, signal }, spec, { date: day.date, start, end }, batches, { sourceUri: server, query, server: conn.identity });
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
