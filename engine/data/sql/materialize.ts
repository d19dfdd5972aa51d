/**
 * A day read by a query, kept as one Parquet file in the store (docs/sql-sources.md): the rows are
 * written row group by row group to a temporary file while their canonical hash is taken, then the
 * finished file is stored under its sha256 (written once). Nothing is stored before the last row
 * is read and every cap has passed, so a failure leaves nothing behind; a retried read of the same
 * rows writes the same bytes and finds the same object.
 *
 * Column kinds are fixed by the first batch: a later batch that gives a column another kind (or
 * adds or drops a column) fails with the column named rather than being coerced, since a database
 * column has one type and a difference means the query is not what it seems. A number column whose
 * first batch holds integers (sourceType 'int') is kept as INT64, as a Parquet or CSV file of the
 * same rows would be read; a later fraction in it fails the same way.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { ModelSpec } from '../../../domain/config.js';
import type { SnapshotFile } from '../../../domain/evaluation.js';
import { decodedBudget, resolveLimits } from '../../../domain/limits.js';
import { UpkeepError } from '../../errors.js';
import { formatBytes } from '../../open-regular.js';
import { snapshotFileKey } from '../../store/keys.js';
import type { ArtifactStore } from '../../store/store.js';
import type { Column, Table } from '../table.js';

/** Rows per Parquet row group: evaluation shards split a file by row group. */
export const ROW_GROUP_ROWS = 100_000;
const COPY_CHUNK = 8 * 2 ** 20;
const FLUSH_ABOVE = 2 ** 20;

/** Where a day's rows came from, recorded with its file in the snapshot manifest. */
export interface SourceMeta {
  /** The data URI, redacted (domain/sql.ts redactSqlUri): never a password. */
  sourceUri: string;
  query?: string;
  /** The server's identity (SqlConnection.identity). */
  server?: string;
}

export interface MaterializeDeps {
  store: Pick<ArtifactStore, 'put'> & Partial<Pick<ArtifactStore, 'putStream'>>;
  heartbeat?(details: unknown): void;
  signal?: AbortSignal;
  /** Rows per row group (default ROW_GROUP_ROWS). */
  rowGroupRows?: number;
  /** Folder for the file being written (default the system's temporary folder). */
  scratchDir?: string;
}

export interface DayBounds {
  date: string;
  start: Date;
  end: Date;
}

type Kind = Column['kind'];
/** The schema as hyparquet-writer types it (its own copy of hyparquet's types). */
type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number];
interface Pending {
  name: string;
  kind: Kind;
  int: boolean;
  values: (number | bigint | string | boolean | null)[];
}

/** The canonical rows hash's header: the columns' names and kinds (CONTRACT: rowsSha256). */
export function rowsHashHeader(columns: { name: string; kind: Kind }[]): string {
  return JSON.stringify(columns.map((c) => [c.name, c.kind])) + '\n';
}

/** The canonical rows hash of tables read any way (e.g. the stored Parquet file read back, or a CSV of the same rows). */
export function canonicalRowsSha256(tables: Table[]): string {
  const hasher = new RowsHasher();
  for (const t of tables) hasher.update(t);
  return hasher.digest();
}

/**
 * The canonical rows hash taken batch by batch (a query's rows re-read: engine/data/sql/recheck.ts):
 * the first batch fixes the columns and their order, as materializeDay's does. No batch at all
 * hashes as a header of no columns.
 */
export class RowsHasher {
  private readonly hash = createHash('sha256');
  private names: string[] | undefined;
  rows = 0;

  update(t: Table): void {
    if (!this.names) {
      this.names = [...t.columns.keys()];
      this.hash.update(rowsHashHeader(this.names.map((name) => ({ name, kind: t.columns.get(name)!.kind }))));
    }
    const cols = this.names.map((n) => t.columns.get(n));
    if (cols.some((c) => c === undefined) || t.columns.size !== cols.length) {
      // Another set of columns than the first batch's: no longer the same rows (hashed as a marker).
      this.hash.update(`columns ${JSON.stringify([...t.columns.keys()])}\n`);
      this.names = [...t.columns.keys()];
    }
    hashRows(
      this.hash,
      this.names.map((n) => t.columns.get(n)!),
      t.rowCount,
    );
    this.rows += t.rowCount;
  }

  digest(): string {
    if (!this.names) this.hash.update(rowsHashHeader([]));
    return this.hash.digest('hex');
  }
}

/** Each value as JSON.stringify writes it (a non-finite number as null, as JSON has none). */
function jsonValues(col: Column, n: number): string[] {
  const out = new Array<string>(n);
  if (col.kind === 'string') {
    for (let i = 0; i < n; i++) {
      const v = col.values[i];
      out[i] = v === null || v === undefined ? 'null' : JSON.stringify(v);
    }
  } else if (col.kind === 'boolean') {
    for (let i = 0; i < n; i++) out[i] = col.nulls?.[i] ? 'null' : col.values[i] === 1 ? 'true' : 'false';
  } else {
    for (let i = 0; i < n; i++) {
      const v = col.values[i]!;
      out[i] = col.nulls?.[i] || !Number.isFinite(v) ? 'null' : String(v);
    }
  }
  return out;
}

/** Rows' lines of the canonical hash, `JSON.stringify(values) + "\n"` each, built column by column. */
function hashRows(hash: ReturnType<typeof createHash>, cols: Column[], n: number): void {
  const json = cols.map((c) => jsonValues(c, n));
  let text = '';
  for (let i = 0; i < n; i++) {
    let line = '[';
    for (let j = 0; j < json.length; j++) line += (j === 0 ? '' : ',') + json[j]![i];
    text += line + ']\n';
    if (text.length > 1 << 20) {
      hash.update(text);
      text = '';
    }
  }
  hash.update(text);
}

/** Appends a batch's column to the values waiting for the next row group (INT64 as bigints, missing as null). */
function append(p: Pending, col: Column, n: number): void {
  const out = p.values;
  if (col.kind === 'string') {
    for (let i = 0; i < n; i++) out.push(col.values[i] ?? null);
  } else if (col.kind === 'boolean') {
    for (let i = 0; i < n; i++) out.push(col.nulls?.[i] ? null : col.values[i] === 1);
  } else if (p.int) {
    for (let i = 0; i < n; i++) out.push(col.nulls?.[i] ? null : BigInt(col.values[i]!));
  } else {
    for (let i = 0; i < n; i++) out.push(col.nulls?.[i] ? null : col.values[i]!);
  }
}

/** A Parquet byte writer that spills to a file and hashes what it spills; the bytes cap is checked as it grows. */
function spillingWriter(fd: number, hash: ReturnType<typeof createHash>, maxBytes: number, tooBig: () => Error): ByteWriter {
  const writer = new ByteWriter(FLUSH_ABOVE * 2);
  const spill = (): void => {
    const chunk = new Uint8Array(writer.buffer, 0, writer.index);
    hash.update(chunk);
    writeSync(fd, chunk);
    writer.index = 0;
  };
  const grow = ByteWriter.prototype.ensure;
  writer.ensure = function (size: number): void {
    if (writer.offset > maxBytes) throw tooBig();
    if (writer.index > FLUSH_ABOVE) spill();
    grow.call(writer, size);
  };
  writer.finish = spill;
  return writer;
}

/**
 * Writes a day's batches to one Parquet file kept in the store; undefined when the day has no rows
 * (a missing day). Caps: limits.max_rows_per_file, limits.max_file_bytes, and the decoded size the
 * evaluation's reader allows a file of that size (so what is stored can be read back unchanged).
 */
export async function materializeDay(
  deps: MaterializeDeps,
  spec: Pick<ModelSpec, 'id' | 'limits'>,
  day: DayBounds,
  batches: AsyncIterable<Table>,
  source: SourceMeta,
): Promise<SnapshotFile | undefined> {
  const limits = resolveLimits(spec.limits);
  const where = `model ${spec.id}: ${source.sourceUri}: day ${day.date}`;
  const refused = (what: string, limit: string): UpkeepError => new UpkeepError('UnreadableData', `${where}: refused: ${what}, more than ${limit}`);
  const groupRows = deps.rowGroupRows ?? ROW_GROUP_ROWS;
  const scratch = await mkdtemp(path.join(deps.scratchDir ?? tmpdir(), 'upkeep-sql-'));
  const file = path.join(scratch, `${day.date}.parquet`);
  const fd = openSync(file, 'w');
  let closed = false;
  try {
    const fileHash = createHash('sha256');
    const rowsHash = createHash('sha256');
    const tooBig = (): UpkeepError =>
      refused('the Parquet file of its rows grows past its size cap', `limits.max_file_bytes (${formatBytes(limits.max_file_bytes)})`);
    const writer = spillingWriter(fd, fileHash, limits.max_file_bytes, tooBig);
    let parquet: ParquetWriter | undefined;
    let pending: Pending[] | undefined;
    let rows = 0;
    let buffered = 0;
    let uncompressed = 0;

    const flush = async (n: number): Promise<void> => {
      const columnData = pending!.map((p) => ({ name: p.name, data: p.values.splice(0, n) }));
      await parquet!.write({ columnData, rowGroupSize: n });
      buffered -= n;
      uncompressed = parquet!.row_groups.reduce((sum, g) => sum + Number(g.total_byte_size), 0);
    };

    for await (const batch of batches) {
      deps.signal?.throwIfAborted();
      if (!pending) {
        pending = [...batch.columns].map(([name, col]) => ({ name, kind: col.kind, int: col.kind === 'number' && col.sourceType === 'int', values: [] }));
        rowsHash.update(rowsHashHeader(pending));
        // No statistics: upkeep's reader does not use them, and they cost a fifth of the writing.
        parquet = new ParquetWriter({ writer, schema: parquetSchema(pending), createdBy: 'upkeep', statistics: false });
      }
      checkBatch(where, pending, batch);
      const cols = pending.map((p) => batch.columns.get(p.name)!);
      hashRows(rowsHash, cols, batch.rowCount);
      pending.forEach((p, j) => append(p, cols[j]!, batch.rowCount));
      rows += batch.rowCount;
      buffered += batch.rowCount;
      if (rows > limits.max_rows_per_file) throw refused(`the query gives more than ${limits.max_rows_per_file} rows`, `limits.max_rows_per_file`);
      while (buffered >= groupRows) await flush(groupRows);
      deps.heartbeat?.({ date: day.date, file: source.sourceUri, rows });
    }
    if (rows === 0 || !parquet || !pending) return undefined;
    if (buffered > 0) await flush(buffered);
    await parquet.finish();
    closeSync(fd);
    closed = true;
    const bytes = writer.offset;
    if (bytes > limits.max_file_bytes) throw tooBig();
    // What the evaluation's reader will allow this file (engine/data/limits.ts checkParquetFooter).
    const budget = decodedBudget(bytes, limits);
    const decoded = Math.max(rows * pending.length * 8, uncompressed);
    if (decoded > budget) {
      throw refused(
        `${rows} rows × ${pending.length} columns decode to ${formatBytes(decoded)}`,
        `${formatBytes(budget)} allowed for a file of ${formatBytes(bytes)} (limits.max_decoded_bytes_per_file, limits.max_expansion)`,
      );
    }
    const sha256 = fileHash.digest('hex');
    const key = snapshotFileKey(spec.id, sha256, 'parquet');
    const { putStream } = deps.store;
    const stored = putStream
      ? await putStream.call(deps.store, key, () => chunksOf(file, bytes), { sha256, size: bytes })
      : await deps.store.put(key, readWhole(file, bytes), { ifAbsent: true });
    return {
      date: day.date,
      sourceUri: source.sourceUri,
      uri: stored.uri,
      sha256,
      bytes,
      rows,
      ...(source.query !== undefined ? { query: source.query } : {}),
      ...(source.query !== undefined ? { params: [day.start.toISOString(), day.end.toISOString()] as [string, string] } : {}),
      ...(source.server !== undefined ? { server: source.server } : {}),
      rowsSha256: rowsHash.digest('hex'),
    };
  } finally {
    if (!closed) closeSync(fd);
    await rm(scratch, { recursive: true, force: true });
  }
}

function parquetSchema(columns: Pending[]): SchemaElement[] {
  return [
    { name: 'root', num_children: columns.length },
    ...columns.map((c): SchemaElement => {
      const base = { name: c.name, repetition_type: 'OPTIONAL' as const };
      if (c.kind === 'string') return { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8' };
      if (c.kind === 'boolean') return { ...base, type: 'BOOLEAN' };
      return { ...base, type: c.int ? 'INT64' : 'DOUBLE' };
    }),
  ];
}

/** Every batch has the first batch's columns with the same kinds (see the file's comment). */
function checkBatch(where: string, pending: Pending[], batch: Table): void {
  const mismatch = (msg: string): UpkeepError => new UpkeepError('UnreadableData', `${where}: ${msg}`);
  if (batch.columns.size !== pending.length) {
    const extra = [...batch.columns.keys()].find((n) => !pending.some((p) => p.name === n));
    if (extra !== undefined) throw mismatch(`column ${JSON.stringify(extra)} appears in a later batch of rows only`);
  }
  for (const p of pending) {
    const col = batch.columns.get(p.name);
    if (!col) throw mismatch(`column ${JSON.stringify(p.name)} is missing from a later batch of rows`);
    if (col.kind !== p.kind) throw mismatch(`column ${JSON.stringify(p.name)} is ${p.kind} in one batch of rows and ${col.kind} in another`);
    if (p.int && col.kind === 'number') {
      for (let i = 0; i < batch.rowCount; i++) {
        const v = col.values[i]!;
        if (!col.nulls?.[i] && !Number.isInteger(v)) throw mismatch(`column ${JSON.stringify(p.name)} holds integers in one batch of rows and ${v} in another`);
      }
    }
  }
}

function readWhole(file: string, size: number): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const out = new Uint8Array(size);
    for (let at = 0; at < size;) at += readSync(fd, out, at, size - at, at);
    return out;
  } finally {
    closeSync(fd);
  }
}

async function* chunksOf(file: string, size: number): AsyncGenerator<Uint8Array> {
  const fd = openSync(file, 'r');
  try {
    for (let at = 0; at < size; at += COPY_CHUNK) {
      const chunk = new Uint8Array(Math.min(COPY_CHUNK, size - at));
      for (let got = 0; got < chunk.length;) got += readSync(fd, chunk, got, chunk.length - got, at + got);
      yield chunk;
    }
  } finally {
    closeSync(fd);
  }
}
