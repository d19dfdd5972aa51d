/**
 * Labels that arrive apart (engine/data/join.ts): the index read from a query (a fake connection)
 * or from dated label files, as of a time; the join into predictions batches by key.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { labelDays, readLabelIndex, withLabels } from '../../engine/data/join.js';
import type { SqlConnect, SqlConnection, SqlRead } from '../../engine/data/sql/connection.js';
import type { Column, NumberColumn, Table } from '../../engine/data/table.js';
import { createFileDataSource } from '../../engine/data/source.js';
import { UpkeepError } from '../../engine/errors.js';
import type { ModelSpec } from '../../domain/config.js';
import { specFor } from '../helpers/fixtures.js';

const num = (values: (number | null)[]): Column => ({
  kind: 'number',
  sourceType: 'float',
  values: Float64Array.from(values, (v) => (v === null ? NaN : v)),
  ...(values.includes(null) ? { nulls: Uint8Array.from(values, (v) => (v === null ? 1 : 0)) } : {}),
});
/** The null flags of a number or boolean column. */
const nullsOf = (c: Column | undefined): number[] => [...((c as { nulls?: Uint8Array } | undefined)?.nulls ?? [])];
const str = (values: (string | null)[]): Column => ({ kind: 'string', values });
const table = (source: string, cols: Record<string, Column>): Table => {
  const first = Object.values(cols)[0]!;
  return { source, rowCount: first.values.length, columns: new Map(Object.entries(cols)) };
};

/** A connection that gives `tables` for any query, and records the reads. */
function fakeConnect(tables: Table[], reads: SqlRead[] = [], closed: string[] = []): SqlConnect {
  return async (uri) => {
    const conn: SqlConnection = {
      kind: 'postgres',
      identity: `fake at ${uri}`,
      columns: async () => [],
      batches(read) {
        reads.push(read);
        return (async function* () {
          for (const t of tables) yield t;
        })();
      },
      close: async () => void closed.push(uri),
    };
    return conn;
  };
}

function sqlSpec(labels: Record<string, unknown> = {}): ModelSpec {
  return specFor({
    task: 'binary',
    id: 'churn',
    label: { column: 'y', positive: 1 },
    data: {
      uri: 'postgres://upkeep@127.0.0.1:5433/analytics',
      query: 'select * from served where at >= {start} and at < {end}',
      key: 'request_id',
      labels: { query: 'select request_id, y, known_at from outcomes where served_at >= {start} and served_at < {end}', known_at: 'known_at', ...labels },
    },
  });
}

async function collect(batches: AsyncIterable<Table>): Promise<Table[]> {
  const out: Table[] = [];
  for await (const b of batches) out.push(b);
  return out;
}

async function* once(...tables: Table[]): AsyncIterable<Table> {
  for (const t of tables) yield t;
}

const WINDOW = { start: new Date('2026-11-01T00:00:00Z'), end: new Date('2026-11-08T00:00:00Z') };
const LATE = new Date('2026-12-31T00:00:00Z');

describe('labels joined by key (join.ts)', function () {
  it('binds the labels query to the window and joins by key: a row whose label has not arrived is null', async function () {
    const reads: SqlRead[] = [];
    const closed: string[] = [];
    const labels = table('outcomes', {
      request_id: str(['a', 'b', 'd']),
      y: num([1, 0, 1]),
      known_at: str(['2026-11-10T00:00:00Z', '2026-11-12T00:00:00Z', '2026-11-09T00:00:00Z']),
    });
    const index = await readLabelIndex(sqlSpec(), fakeConnect([labels], reads, closed), WINDOW, LATE);
    assert.equal(reads.length, 1);
    assert.equal(reads[0]!.text, 'select request_id, y, known_at from outcomes where served_at >= $1 and served_at < $2');
    assert.deepEqual(reads[0]!.params, [WINDOW.start, WINDOW.end]);
    assert.deepEqual(closed, ['postgres://upkeep@127.0.0.1:5433/analytics'], 'the connection is closed');
    const served = table('2026-11-01', { request_id: str(['a', 'b', 'c', 'd', null]), x1: num([1, 2, 3, 4, 5]) });
    const [joined] = await collect(withLabels(once(served), index, sqlSpec()));
    const y = joined!.columns.get('y')!;
    assert.equal(y.kind, 'number');
    assert.deepEqual([...(y as { values: Float64Array }).values].slice(0, 2), [1, 0]);
    assert.deepEqual(nullsOf(y), [0, 0, 1, 0, 1], 'c has no label yet; a row without a key has none');
    assert.deepEqual(index.joined, { rows: 5, matched: 3, replacedBatches: 0 });
    assert.equal(served.columns.has('y'), false, 'the batch given is left as it was');
  });

  it("types the joined label as its source's column for every batch alike: an integer column stays int, even in a batch with no label yet", async function () {
    const ints = table('outcomes', { request_id: str(['a', 'b']), y: { ...(num([1, 0]) as NumberColumn), sourceType: 'int' }, known_at: str([null, null]) });
    const index = await readLabelIndex(sqlSpec(), fakeConnect([ints]), WINDOW, LATE);
    const batches = await collect(
      withLabels(once(table('day 1', { request_id: str(['x', 'y']) }), table('day 2', { request_id: str(['a', 'b']) })), index, sqlSpec()),
    );
    // Typed by each batch's values, the first (no label at all) and the reference profiled from a file disagreed.
    assert.deepEqual(
      batches.map((b) => (b.columns.get('y') as { sourceType: string }).sourceType),
      ['int', 'int'],
    );
    const floats = table('outcomes', { request_id: str(['a', 'b']), y: num([1, 0]), known_at: str([null, null]) });
    const fromFloat = await readLabelIndex(sqlSpec(), fakeConnect([floats]), WINDOW, LATE);
    const [joined] = await collect(withLabels(once(table('day 2', { request_id: str(['a', 'b']) })), fromFloat, sqlSpec()));
    assert.equal((joined!.columns.get('y') as { sourceType: string }).sourceType, 'float', 'a floating-point column stays float, whole values or not');
  });

  it('leaves out a label known after the as-of time, so an earlier snapshot sees what was known then', async function () {
    const labels = table('outcomes', {
      request_id: str(['a', 'b']),
      y: num([1, 0]),
      known_at: str(['2026-11-10T00:00:00Z', '2026-11-20T00:00:00Z']),
    });
    const asOf = new Date('2026-11-15T00:00:00Z');
    const index = await readLabelIndex(sqlSpec(), fakeConnect([labels]), WINDOW, asOf);
    assert.equal(index.get('a'), 1);
    assert.equal(index.get('b'), undefined);
    assert.equal(index.stats.notYetKnown, 1);
    const later = await readLabelIndex(sqlSpec(), fakeConnect([labels]), WINDOW, LATE);
    assert.equal(later.get('b'), 0, 'the same labels read later: b has come');
  });

  it('keeps the label known latest for a duplicate key (whatever the order of the rows), and counts the duplicates', async function () {
    const labels = table('outcomes', {
      request_id: str(['a', 'a', 'b', 'b']),
      y: num([1, 0, 0, 1]),
      known_at: str(['2026-11-12T00:00:00Z', '2026-11-10T00:00:00Z', '2026-11-10T00:00:00Z', '2026-11-11T00:00:00Z']),
    });
    const index = await readLabelIndex(sqlSpec(), fakeConnect([labels]), WINDOW, LATE);
    assert.equal(index.get('a'), 1, 'the earlier correction read second does not win');
    assert.equal(index.get('b'), 1);
    assert.equal(index.knownAtOf('a'), Date.parse('2026-11-12T00:00:00Z'));
    assert.equal(index.stats.duplicates, 2);
    assert.equal(index.size, 2);
  });

  it('matches a number key with the same key as text (1.0, 1 and "1" are one key), in both directions', async function () {
    const labels = table('outcomes', { request_id: num([1, 2, 3.5]), y: str(['yes', 'no', 'yes']), known_at: num([1_762_000_000, 1_762_000_000, null]) });
    const index = await readLabelIndex(sqlSpec(), fakeConnect([labels]), WINDOW, LATE);
    assert.equal(index.knownAtOf('1'), 1_762_000_000_000, 'a number known_at under 10^11 is seconds');
    const [byText] = await collect(withLabels(once(table('d', { request_id: str(['1', '3.5', '7']) })), index, sqlSpec()));
    assert.deepEqual((byText!.columns.get('y') as { values: unknown[] }).values, ['yes', 'yes', null]);
    const textKeys = await readLabelIndex(sqlSpec(), fakeConnect([table('o', { request_id: str(['2']), y: num([0]), known_at: str([null]) })]), WINDOW, LATE);
    const [byNumber] = await collect(withLabels(once(table('d', { request_id: num([2.0, 5]) })), textKeys, sqlSpec()));
    assert.deepEqual(nullsOf(byNumber!.columns.get('y')!), [0, 1]);
  });

  it('prefers the labels source over a label column the predictions hold, and says so in the counts', async function () {
    const index = await readLabelIndex(sqlSpec(), fakeConnect([table('o', { request_id: str(['a']), y: num([1]), known_at: str([null]) })]), WINDOW, LATE);
    const [joined] = await collect(withLabels(once(table('d', { request_id: str(['a', 'b']), y: num([0, 0]) })), index, sqlSpec()));
    const y = joined!.columns.get('y')!;
    assert.equal(y.values[0], 1);
    assert.equal(nullsOf(y)[1], 1, "b's label in the predictions table is not used: the labels source has none yet");
    assert.equal(index.joined.replacedBatches, 1);
  });

  it('refuses a batch without the key column, naming the model and the column', async function () {
    const index = await readLabelIndex(sqlSpec(), fakeConnect([]), WINDOW, LATE);
    await assert.rejects(
      collect(withLabels(once(table('2026-11-01 served', { id: str(['a']) })), index, sqlSpec())),
      (err: unknown) =>
        err instanceof UpkeepError &&
        err.type === 'SchemaMismatch' &&
        err.message === 'model churn: 2026-11-01 served: key column request_id (data.key) is missing, so its labels cannot be joined; it has id',
    );
  });

  it('names the model and the column when the labels lack one, or a known_at is not a time', async function () {
    await assert.rejects(
      readLabelIndex(sqlSpec(), fakeConnect([table('q', { request_id: str(['a']), known_at: str([null]) })]), WINDOW, LATE),
      /^UpkeepError: model churn: labels q: column y \(label.column\) is missing; it has request_id, known_at$/,
    );
    await assert.rejects(
      readLabelIndex(sqlSpec(), fakeConnect([table('q', { request_id: str(['a']), y: num([1]), known_at: str(['soon']) })]), WINDOW, LATE),
      /model churn: labels q: column known_at \(data.labels.known_at\) holds "soon" in row 1, not a time/,
    );
  });

  it('refuses more keys than limits.max_rows_per_file', async function () {
    const spec = { ...sqlSpec(), limits: { max_rows_per_file: 2 } } as ModelSpec;
    const labels = table('q', { request_id: str(['a', 'b', 'c']), y: num([1, 1, 1]), known_at: str([null, null, null]) });
    await assert.rejects(readLabelIndex(spec, fakeConnect([labels]), WINDOW, LATE), /model churn: refused: the labels source holds more than 2 keys/);
  });

  describe('label files', function () {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-labels-'));
      mkdirSync(path.join(dir, 'outcomes'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    function fileSpec(delay?: string): ModelSpec {
      return specFor({
        task: 'binary',
        id: 'churn',
        label: { column: 'y', positive: 1, ...(delay ? { delay } : {}) },
        data: {
          uri: `${pathToFileURL(dir).href}/served/{date}.csv`,
          key: 'request_id',
          labels: { uri: `${pathToFileURL(dir).href}/outcomes/{date}.csv` },
        },
      });
    }

    it('reads the dated label files from the window to the earlier of as-of and the end plus label.delay', async function () {
      const day = (date: string, rows: string): void => writeFileSync(path.join(dir, 'outcomes', `${date}.csv`), `request_id,y\n${rows}`);
      day('2026-10-31', '9,1\n'); // before the window: not read
      day('2026-11-02', '1,1\n2,0\n');
      day('2026-11-09', '3,1\n2,1\n'); // 2's label corrected later (no known_at: the file read last wins)
      day('2026-11-11', '4,1\n'); // past end + 2d
      const spec = fileSpec('2d');
      assert.deepEqual(labelDays(spec, WINDOW, LATE), [
        '2026-11-01',
        '2026-11-02',
        '2026-11-03',
        '2026-11-04',
        '2026-11-05',
        '2026-11-06',
        '2026-11-07',
        '2026-11-08',
        '2026-11-09',
        '2026-11-10',
      ]);
      const index = await readLabelIndex(spec, fakeConnect([]), WINDOW, LATE, { data: createFileDataSource() });
      assert.deepEqual(
        ['1', '2', '3', '4', '9'].map((k) => index.get(k)),
        [1, 1, 1, undefined, undefined],
      );
      assert.equal(index.stats.files, 2);
      assert.equal(index.stats.missingDays, 8);
      assert.equal(index.stats.duplicates, 1);
      // As of the 5th only the files up to that day are read.
      const early = await readLabelIndex(spec, fakeConnect([]), WINDOW, new Date('2026-11-05T12:00:00Z'), { data: createFileDataSource() });
      assert.deepEqual(
        ['1', '2', '3'].map((k) => early.get(k)),
        [1, 0, undefined],
      );
      const [joined] = await collect(withLabels(once(table('served', { request_id: num([1, 2, 3]), x1: num([0, 0, 0]) })), early, spec));
      assert.deepEqual(nullsOf(joined!.columns.get('y')!), [0, 0, 1]);
      assert.equal((joined!.columns.get('y') as { sourceType: string }).sourceType, 'int');
    });

    it('names the model and the file when a label file cannot be read', async function () {
      writeFileSync(path.join(dir, 'outcomes', '2026-11-02.csv'), 'request_id,label\n1,1\n');
      await assert.rejects(
        readLabelIndex(fileSpec(), fakeConnect([]), WINDOW, new Date('2026-11-03T00:00:00Z'), { data: createFileDataSource() }),
        (err: unknown) => err instanceof UpkeepError && /^model churn: labels .*2026-11-02\.csv: column y \(label.column\) is missing/.test(err.message),
      );
    });
  });
});
