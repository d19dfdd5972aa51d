/**
 * Labels that arrive apart from the predictions (docs/late-labels.md#labels-in-another-table): a
 * model's `data.labels` names a second query on a database, or dated label files, holding a key,
 * the label and, optionally, when the label became known. They are read into a compact index
 * (key → label), as of a time: a label known after it is not used, so a snapshot taken then shows
 * what was known then. Each batch of predictions then gets its label column from the index, by key;
 * a row whose label has not arrived gets none (an unlabelled row, estimated rather than measured).
 */
import type { ModelSpec } from '../../domain/config.js';
import type { SnapshotFile } from '../../domain/evaluation.js';
import { durationMs } from '../../domain/duration.js';
import { resolveLimits } from '../../domain/limits.js';
import { bindQuery, redactSqlUri, sqlKind } from '../../domain/sql.js';
import { UpkeepError } from '../errors.js';
import { formatOf } from './count-rows.js';
import { isDataReadError } from './errors.js';
import { dayFiles, isFilePattern } from './file-pattern.js';
import { readTable } from './read-table.js';
import type { DataSource } from './source.js';
import type { SqlConnect } from './sql/connection.js';
import type { Column, Table } from './table.js';
import { dayBounds, fillTemplate, isDatedTemplate, localDay, nextDay } from './window.js';

export type JoinSpec = Pick<ModelSpec, 'id' | 'data' | 'label' | 'limits' | 'schedule'>;

/** How long after a window's end its label files are read at most, without label.delay (the longest delay allowed). */
export const DEFAULT_LABEL_HORIZON = '366d';

export interface LabelIndexStats {
  /** Rows the labels source gave. */
  read: number;
  /** Keys in the index (one label each). */
  keys: number;
  /** Rows whose key was already in the index: the label known latest was kept. */
  duplicates: number;
  /** Rows whose label became known after the as-of time: not used. */
  notYetKnown: number;
  /** Rows without a key, or without a label: not used. */
  withoutKey: number;
  withoutLabel: number;
  /** Label files read, and the days of the range that had none (files only). */
  files?: number;
  missingDays?: number;
}

/** What joining the index into a window's batches found (counted as the batches go). */
export interface JoinCounts {
  rows: number;
  /** Rows whose key has a label in the index. */
  matched: number;
  /** Batches that held the label column themselves: the labels source's replaced it. */
  replacedBatches: number;
}

/**
 * Key (as text) → label and when it became known. The map's values are positions in two parallel
 * arrays, so a label costs its map entry (the key's string and a small integer) plus 16 bytes:
 * 72 MB a million labels with 12-character keys, measured on the heap after a collection
 * (docs/late-labels.md); the known_at array may hold up to as much again spare while it grows.
 */
export class LabelIndex {
  private readonly at = new Map<string, number>();
  private readonly values: (number | string | boolean)[] = [];
  private knownAt = new Float64Array(1024);
  /** The kinds of label values seen: the joined column is numbers, booleans or (any mix) text. */
  private readonly kinds = new Set<'number' | 'string' | 'boolean'>();
  /** A number label from a floating-point column, or with a fraction: the joined column is float, else int. */
  private float = false;
  readonly stats: LabelIndexStats = { read: 0, keys: 0, duplicates: 0, notYetKnown: 0, withoutKey: 0, withoutLabel: 0 };
  readonly joined: JoinCounts = { rows: 0, matched: 0, replacedBatches: 0 };

  constructor(
    readonly model: string,
    /** The most keys the index may hold (limits.max_rows_per_file). */
    readonly maxKeys: number,
  ) {}

  get size(): number {
    return this.at.size;
  }

  /**
   * The joined number column's type, for every batch of the window alike: int when the labels
   * source's column is an integer type and every label a whole number (as the same labels read
   * from a file would be typed), else float.
   */
  get numberType(): 'int' | 'float' {
    return this.float ? 'float' : 'int';
  }

  /** The labels source's column is floating point (a float8 or DOUBLE column, a CSV with fractions). */
  markFloat(): void {
    this.float = true;
  }

  /** The column kind the joined label has. */
  get kind(): 'number' | 'string' | 'boolean' {
    if (this.kinds.size === 1) return [...this.kinds][0]!;
    return this.kinds.size === 0 ? 'number' : 'string';
  }

  /**
   * Adds a label; a key already there keeps the label known latest (on a tie, or without
   * known_at, the one read last: files in day order, a query in the order its rows come).
   */
  add(key: string, value: number | string | boolean, knownAt: number): void {
    const i = this.at.get(key);
    if (i !== undefined) {
      this.stats.duplicates++;
      const before = this.knownAt[i]!;
      if (!Number.isNaN(before) && !Number.isNaN(knownAt) && knownAt < before) return;
      this.values[i] = value;
      this.knownAt[i] = knownAt;
      this.kinds.add(typeof value as 'number' | 'string' | 'boolean');
      if (typeof value === 'number' && !Number.isInteger(value)) this.float = true;
      return;
    }
    const n = this.values.length;
    if (n >= this.maxKeys) {
      throw new UpkeepError(
        'UnreadableData',
        `model ${this.model}: refused: the labels source holds more than ${this.maxKeys} keys, more than limits.max_rows_per_file (${this.maxKeys})`,
      );
    }
    if (n === this.knownAt.length) {
      const grown = new Float64Array(2 * n);
      grown.set(this.knownAt);
      this.knownAt = grown;
    }
    this.at.set(key, n);
    this.values.push(value);
    this.knownAt[n] = knownAt;
    this.kinds.add(typeof value as 'number' | 'string' | 'boolean');
    if (typeof value === 'number' && !Number.isInteger(value)) this.float = true;
    this.stats.keys = this.at.size;
  }

  /** The label of a key, or undefined when it has not arrived. */
  get(key: string): number | string | boolean | undefined {
    const i = this.at.get(key);
    return i === undefined ? undefined : this.values[i];
  }

  /** When the key's label became known (ms since 1970), undefined without known_at or label. */
  knownAtOf(key: string): number | undefined {
    const i = this.at.get(key);
    if (i === undefined) return undefined;
    const t = this.knownAt[i]!;
    return Number.isNaN(t) ? undefined : t;
  }
}

/** A key as text: numbers in their shortest form (1.0 and "1" are the same key), booleans as true/false. */
export function keyText(col: Column, row: number): string | undefined {
  if (col.kind === 'string') return col.values[row] ?? undefined;
  if (col.nulls?.[row]) return undefined;
  if (col.kind === 'boolean') return col.values[row] ? 'true' : 'false';
  const v = col.values[row]!;
  if (Number.isNaN(v)) return undefined;
  return String(v === 0 ? 0 : v);
}

function cellValue(col: Column, row: number): number | string | boolean | undefined {
  if (col.kind === 'string') return col.values[row] ?? undefined;
  if (col.nulls?.[row]) return undefined;
  if (col.kind === 'boolean') return col.values[row] === 1;
  const v = col.values[row]!;
  return Number.isNaN(v) ? undefined : v;
}

/**
 * When a label became known, in ms since 1970: ISO 8601 text (what the readers give for dates
 * and timestamps) or a number (seconds since 1970 below 10^11, else milliseconds).
 */
export function knownAtMs(col: Column, row: number): number | undefined {
  if (col.kind === 'boolean') return undefined;
  if (col.kind === 'string') {
    const s = col.values[row];
    if (s === null || s === undefined) return undefined;
    const t = Date.parse(s);
    return Number.isNaN(t) ? NaN : t;
  }
  if (col.nulls?.[row]) return undefined;
  const v = col.values[row]!;
  if (!Number.isFinite(v)) return undefined;
  return Math.abs(v) < 1e11 ? v * 1000 : v;
}

interface LabelColumns {
  key: string;
  label: string;
  knownAt?: string;
}

function labelColumns(spec: JoinSpec): LabelColumns {
  const labels = spec.data.labels!;
  const key = labels.key ?? spec.data.key;
  if (key === undefined) throw new UpkeepError('InvalidConfig', `model ${spec.id}: labels that arrive apart are joined by key: name the key column (data.key)`);
  return { key, label: spec.label.column, ...(labels.known_at ? { knownAt: labels.known_at } : {}) };
}

/** Adds one table of the labels source to the index; columns missing from it are named. */
function addTable(index: LabelIndex, spec: JoinSpec, cols: LabelColumns, table: Table, asOf: number): void {
  const need = (name: string, role: string): Column => {
    const col = table.columns.get(name);
    if (col) return col;
    const present = table.fileColumns ?? [...table.columns.keys()];
    throw new UpkeepError(
      'SchemaMismatch',
      `model ${spec.id}: labels ${table.source}: column ${name} (${role}) is missing; it has ${present.slice(0, 20).join(', ') || 'no columns'}`,
    );
  };
  const key = need(cols.key, 'data.labels.key');
  const label = need(cols.label, 'label.column');
  const known = cols.knownAt !== undefined ? need(cols.knownAt, 'data.labels.known_at') : undefined;
  if (known?.kind === 'boolean') {
    throw new UpkeepError(
      'SchemaMismatch',
      `model ${spec.id}: labels ${table.source}: column ${cols.knownAt} (data.labels.known_at) holds booleans, not times`,
    );
  }
  if (label.kind === 'number' && label.sourceType === 'float') index.markFloat();
  for (let r = 0; r < table.rowCount; r++) {
    index.stats.read++;
    const k = keyText(key, r);
    if (k === undefined) {
      index.stats.withoutKey++;
      continue;
    }
    const v = cellValue(label, r);
    if (v === undefined) {
      index.stats.withoutLabel++;
      continue;
    }
    let t = NaN;
    if (known) {
      const ms = knownAtMs(known, r);
      if (ms !== undefined && Number.isNaN(ms)) {
        const text = known.kind === 'string' ? known.values[r] : '';
        throw new UpkeepError(
          'SchemaMismatch',
          `model ${spec.id}: labels ${table.source}: column ${cols.knownAt} (data.labels.known_at) holds ${JSON.stringify(text).slice(0, 60)} in row ${(table.firstRow ?? 0) + r + 1}, not a time (expected ISO 8601 or seconds since 1970)`,
        );
      }
      // A label without its time is taken as known (it is there to be read).
      if (ms !== undefined) {
        if (ms > asOf) {
          index.stats.notYetKnown++;
          continue;
        }
        t = ms;
      }
    }
    index.add(k, v, t);
  }
}

export interface LabelIndexOptions {
  /** Label files (a labels source that is not a database). */
  data?: Pick<DataSource, 'read' | 'list'>;
  signal?: AbortSignal;
  /** Rows per batch of a labels query. */
  batchRows?: number;
}

/** What each day of a snapshot records of its labels' source (its manifest entry's `labels`, with the rows matched). */
export type LabelsSource = Omit<NonNullable<SnapshotFile['labels']>, 'matched'>;

/**
 * The labels of a window's days (data.labels) as known at `asOf`, read once over the days' bounds
 * (the first day's 00:00 to the 00:00 after the last, on the schedule's clock), and what each
 * day's manifest entry records of their source.
 */
export async function readWindowLabels(
  spec: JoinSpec,
  connect: SqlConnect,
  w: { timezone: string; days: { date: string }[] },
  asOf: Date,
  opts: LabelIndexOptions = {},
): Promise<{ index: LabelIndex; source: LabelsSource }> {
  const window = { start: dayBounds(w.days[0]!.date, w.timezone).start, end: dayBounds(w.days[w.days.length - 1]!.date, w.timezone).end };
  const index = await readLabelIndex(spec, connect, window, asOf, opts);
  const labels = spec.data.labels!;
  const source = {
    sourceUri: redactSqlUri(labels.uri ?? spec.data.uri),
    ...(labels.query !== undefined ? { query: labels.query } : {}),
    asOf: asOf.toISOString(),
  };
  return { index, source };
}

/**
 * The days whose label files are read: from the window's first day to the day of the earlier of
 * `asOf` and the window's end plus label.delay (366d without one), in the schedule's time zone.
 */
export function labelDays(spec: JoinSpec, window: { start: Date; end: Date }, asOf: Date): string[] {
  const horizon = durationMs(spec.label.delay ?? DEFAULT_LABEL_HORIZON);
  const last = new Date(Math.min(asOf.getTime(), window.end.getTime() + horizon));
  const tz = spec.schedule.timezone;
  const first = localDay(window.start, tz);
  const end = localDay(last, tz);
  const days: string[] = [];
  for (let d = first; d <= end; d = nextDay(d)) days.push(d);
  return days;
}

/**
 * The labels of the predictions served in `window`, as known at `asOf`. A database source runs
 * its query once with {start} and {end} bound to the window's bounds (the predictions' time:
 * `where served_at >= {start} and served_at < {end}`); label files are read for labelDays().
 * A label whose known_at is after `asOf` is left out; of several labels of one key, the one known
 * latest is kept (counted in `stats.duplicates`).
 */
export async function readLabelIndex(
  spec: JoinSpec,
  connect: SqlConnect,
  window: { start: Date; end: Date },
  asOf: Date,
  opts: LabelIndexOptions = {},
): Promise<LabelIndex> {
  const labels = spec.data.labels;
  if (!labels) throw new UpkeepError('InvalidConfig', `model ${spec.id}: data.labels is not set`);
  const limits = resolveLimits(spec.limits);
  const index = new LabelIndex(spec.id, limits.max_rows_per_file);
  const cols = labelColumns(spec);
  const cut = asOf.getTime();
  const uri = labels.uri ?? spec.data.uri;
  if (sqlKind(uri)) {
    const conn = await connect(uri, { model: spec.id, ...(spec.data.password_file ? { passwordFile: spec.data.password_file } : {}) });
    try {
      const read = {
        text: bindQuery(labels.query!),
        params: [window.start, window.end] as [Date, Date],
        timeoutMs: durationMs(limits.read_timeout),
        ...(opts.batchRows ? { batchRows: opts.batchRows } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      };
      for await (const batch of conn.batches(read)) addTable(index, spec, cols, { ...batch, source: batch.source || `query on ${redactSqlUri(uri)}` }, cut);
    } finally {
      await conn.close();
    }
    return index;
  }
  if (!opts.data) throw new UpkeepError('InvalidConfig', `model ${spec.id}: labels ${uri}: no data source to read label files from`);
  const data = opts.data;
  const days = isDatedTemplate(uri) ? labelDays(spec, window, asOf) : [undefined];
  let files = 0;
  let missingDays = 0;
  for (const day of days) {
    const dayUri = day === undefined ? uri : fillTemplate(uri, day);
    let uris: string[];
    try {
      uris = isFilePattern(dayUri) ? await dayFiles(data, dayUri) : [dayUri];
    } catch (err) {
      if (err instanceof UpkeepError) throw new UpkeepError(err.type, `model ${spec.id}: labels: ${err.message}`, { cause: err });
      throw err;
    }
    let found = 0;
    for (const fileUri of uris) {
      const bytes = await data.read(fileUri, {
        maxBytes: limits.max_file_bytes,
        what: `model ${spec.id}: label file`,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      if (!bytes) continue;
      found++;
      const format = formatOf(fileUri, labels.format);
      let table: Table;
      try {
        table = await readTable(bytes, {
          source: fileUri,
          ...(format ? { format } : {}),
          columns: [cols.key, cols.label, ...(cols.knownAt ? [cols.knownAt] : [])],
          limits,
        });
      } catch (err) {
        if (isDataReadError(err)) throw new UpkeepError('UnreadableData', `model ${spec.id}: labels: ${err.message}`, { cause: err });
        throw err;
      }
      addTable(index, spec, cols, table, cut);
    }
    files += found;
    if (found === 0) missingDays++;
  }
  index.stats.files = files;
  index.stats.missingDays = missingDays;
  return index;
}

/** The label column of a batch from the index: one value per row, null where the label has not arrived. */
function joinedColumn(index: LabelIndex, keys: Column, rows: number): { column: Column; matched: number } {
  const kind = index.kind;
  let matched = 0;
  if (kind === 'string') {
    const values: (string | null)[] = new Array<string | null>(rows);
    for (let r = 0; r < rows; r++) {
      const k = keyText(keys, r);
      const v = k === undefined ? undefined : index.get(k);
      if (v !== undefined) matched++;
      values[r] = v === undefined ? null : typeof v === 'boolean' ? (v ? 'true' : 'false') : String(v);
    }
    return { column: { kind: 'string', values }, matched };
  }
  const values = kind === 'boolean' ? new Uint8Array(rows) : new Float64Array(rows);
  let nulls: Uint8Array | undefined;
  for (let r = 0; r < rows; r++) {
    const k = keyText(keys, r);
    const v = k === undefined ? undefined : index.get(k);
    if (v === undefined) {
      (nulls ??= new Uint8Array(rows))[r] = 1;
      if (kind === 'number') values[r] = NaN;
      continue;
    }
    matched++;
    values[r] = Number(v);
  }
  const column: Column =
    kind === 'boolean'
      ? { kind: 'boolean', values: values as Uint8Array, ...(nulls ? { nulls } : {}) }
      : { kind: 'number', sourceType: index.numberType, values: values as Float64Array, ...(nulls ? { nulls } : {}) };
  return { column, matched };
}

/**
 * Each predictions batch with its label column (`label.column`) from the index, by `data.key`:
 * null where the label has not arrived. A batch that holds the label column itself has it
 * replaced: with a labels source declared, that source is where the labels come from (counted in
 * `index.joined.replacedBatches`). A batch without the key column is refused, naming the column.
 */
export async function* withLabels(batches: AsyncIterable<Table>, index: LabelIndex, spec: JoinSpec): AsyncIterable<Table> {
  const key = spec.data.key;
  if (key === undefined) throw new UpkeepError('InvalidConfig', `model ${spec.id}: labels that arrive apart are joined by key: name the key column (data.key)`);
  for await (const batch of batches) {
    const keys = batch.columns.get(key);
    if (!keys) {
      const present = batch.fileColumns ?? [...batch.columns.keys()];
      throw new UpkeepError(
        'SchemaMismatch',
        `model ${spec.id}: ${batch.source}: key column ${key} (data.key) is missing, so its labels cannot be joined; it has ${present.slice(0, 20).join(', ') || 'no columns'}`,
      );
    }
    const { column, matched } = joinedColumn(index, keys, batch.rowCount);
    const columns = new Map(batch.columns);
    if (columns.has(spec.label.column)) index.joined.replacedBatches++;
    columns.set(spec.label.column, column);
    const fileColumns = batch.fileColumns && !batch.fileColumns.includes(spec.label.column) ? [...batch.fileColumns, spec.label.column] : batch.fileColumns;
    index.joined.rows += batch.rowCount;
    index.joined.matched += matched;
    yield { ...batch, columns, ...(fileColumns ? { fileColumns } : {}) };
  }
}
