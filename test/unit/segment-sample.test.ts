import assert from 'node:assert/strict';

import type { Table } from '../../engine/data/table.js';
import { joinSearchRows, searchRate, SearchRowsBuilder, SEARCH_ROWS, type SearchKeep, type SearchRows } from '../../engine/evaluation/segments/sample.js';
import { decodePartial, encodePartial } from '../../engine/evaluation/partial.js';

/** Rows [from, to) of a file of `n` rows: a category of `values` distinct values, a number binned by [0.25, 0.5, 0.75], some missing. */
function table(source: string, from: number, to: number, values: number): Table {
  const m = to - from;
  const cat = Array.from({ length: m }, (_, i) => ((from + i) % 17 === 0 ? null : `v${((from + i) * 7919) % values}`));
  const x = Float64Array.from({ length: m }, (_, i) => (((from + i) * 2654435761) % 1000) / 1000);
  const nulls = Uint8Array.from({ length: m }, (_, i) => ((from + i) % 23 === 0 ? 1 : 0));
  return {
    source,
    rowCount: m,
    columns: new Map([
      ['plan', { kind: 'string', values: cat }],
      ['x', { kind: 'number', sourceType: 'float', values: x, nulls }],
    ]),
    ...(from > 0 ? { firstRow: from } : {}),
  };
}

const keep = (rate: number): SearchKeep => ({ columns: ['plan', 'x'], bins: { x: [0.25, 0.5, 0.75] }, rate });
/** Every 5th row of the file unlabelled (1: the table row's label is missing). */
const unlabelled = (from: number, to: number) => Uint8Array.from({ length: to - from }, (_, i) => ((from + i) % 5 === 0 ? 1 : 0));

/** A file of `n` rows read in pieces starting at `cuts` (one part each), the parts joined in order. */
function read(n: number, cuts: number[], rate: number, values: number): SearchRows {
  const starts = [0, ...cuts];
  const parts = starts.map((from, j) => {
    const to = starts[j + 1] ?? n;
    const b = new SearchRowsBuilder(keep(rate));
    b.addTable(table('day.parquet', from, to, values), undefined, 0, unlabelled(from, to));
    return b.result();
  });
  return joinSearchRows(parts, starts);
}

/** The rows as comparable values: position and each column's value by name. */
function decoded(r: SearchRows): [number, string, string][] {
  return Array.from(r.position, (p, i) => [p, r.columns.plan!.values[r.columns.plan!.codes[i]!]!, r.columns.x!.values[r.columns.x!.codes[i]!]!]);
}

describe('the segment search rows, kept as they stream', function () {
  it('takes the share of a larger window that keeps about SEARCH_ROWS rows, every row of a smaller one', function () {
    assert.equal(searchRate(undefined), 1);
    assert.equal(searchRate(SEARCH_ROWS), 1);
    assert.equal(searchRate(4 * SEARCH_ROWS), 0.25);
    assert.equal(searchRate(1000, 100), 0.1);
  });

  it('keeps every labelled row at rate 1, each coded by value or bin, in one byte', function () {
    const r = read(2000, [], 1, 5);
    assert.equal(r.rows, 1600);
    assert.deepEqual(Array.from(r.position.subarray(0, 5)), [1, 2, 3, 4, 6]);
    assert.ok(r.columns.plan!.codes instanceof Uint8Array && r.columns.x!.codes instanceof Uint8Array);
    // A bin's code is its index, missing after the last bin (named only when a row is missing).
    assert.deepEqual(r.columns.x!.values, ['0', '1', '2', '3', '(missing)']);
    const complete = new SearchRowsBuilder(keep(1));
    complete.addTable(table('day.parquet', 1, 23, 5), undefined, 0, undefined);
    assert.deepEqual(complete.result().columns.x!.values, ['0', '1', '2', '3']);
    const t = table('day.parquet', 0, 2000, 5);
    const x = t.columns.get('x') as { values: Float64Array; nulls: Uint8Array };
    const plan = t.columns.get('plan') as { values: (string | null)[] };
    for (const [p, value, bin] of decoded(r)) {
      assert.equal(value, plan.values[p] ?? '(missing)');
      const expected = x.nulls[p] ? '(missing)' : String([0.25, 0.5, 0.75].filter((e) => e <= x.values[p]!).length);
      assert.equal(bin, expected, `row ${p}`);
    }
  });

  it('takes the same rows, in the same order with the same values, however the window is split', function () {
    const n = 60_000;
    const whole = read(n, [], 0.1, 40);
    // About a tenth of the 48,000 labelled rows (binomial sd ≈ 66).
    assert.ok(Math.abs(whole.rows - 4800) < 400, `${whole.rows} rows taken`);
    for (let i = 1; i < whole.rows; i++) assert.ok(whole.position[i]! > whole.position[i - 1]!);
    for (const cuts of [[30_000], [1000, 1001, 25_000, 59_999], Array.from({ length: 59 }, (_, i) => 1000 * (i + 1))]) {
      assert.deepEqual(decoded(read(n, cuts, 0.1, 40)), decoded(whole), `split at ${cuts.length} places`);
    }
    // Another file's rows are another draw.
    const b = new SearchRowsBuilder(keep(0.1));
    b.addTable(table('other.parquet', 0, n, 40), undefined, 0, unlabelled(0, n));
    // A table whose label column is absent gives none.
    b.addTable(table('other.parquet', n, n + 100, 40), undefined, 0, 'all');
    assert.notDeepEqual(Array.from(b.result().position), Array.from(whole.position));
  });

  it('widens a category past 256 values to two bytes, also when parts are joined, and keeps the codes through a shard result', function () {
    const wide = read(3000, [1500], 1, 1000);
    assert.ok(wide.columns.plan!.codes instanceof Uint16Array);
    assert.ok(wide.columns.x!.codes instanceof Uint8Array);
    assert.deepEqual(decoded(wide), decoded(read(3000, [], 1, 1000)));
    // A narrow part joined after a wide one, and the reverse.
    const narrow = new SearchRowsBuilder(keep(1));
    narrow.addTable(table('n.parquet', 0, 100, 3), undefined, 0, undefined);
    const n = narrow.result();
    const joined = joinSearchRows([n, wide], [0, 100]);
    assert.equal(joined.rows, 100 + wide.rows);
    assert.deepEqual(
      decoded(joined).slice(100),
      decoded(wide).map(([p, v, b]) => [p + 100, v, b]),
    );
    assert.deepEqual(decoded(joinSearchRows([wide, n], [0, 3000])).slice(0, wide.rows), decoded(wide));
    const back = decodePartial(encodePartial({ parts: [], sketches: [], fileColumns: [], wide } as never, {}), 'shard').partial as unknown as {
      wide: SearchRows;
    };
    assert.deepEqual(back.wide, wide);
  });
});
