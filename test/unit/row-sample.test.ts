import assert from 'node:assert/strict';
import type { Table } from '../../engine/data/table.js';
import { mergeSamples, rowPriority, SampleBuilder, sampleMatrix, storeSample, type RowSample } from '../../engine/evaluation/row-sample.js';

/** Rows [from, to) of a file of `n` rows: a number column and a text column. */
function table(source: string, from: number, to: number): Table {
  const x = new Float64Array(to - from);
  const s: (string | null)[] = [];
  for (let r = from; r < to; r++) {
    x[r - from] = r * 0.5;
    s.push(`c${r % 7}`);
  }
  return {
    source,
    rowCount: to - from,
    firstRow: from,
    columns: new Map([
      ['x', { kind: 'number', sourceType: 'float', values: x }],
      ['s', { kind: 'string', values: s }],
    ]) as Table['columns'],
  };
}

function sampleOf(parts: { source: string; from: number; to: number }[][], cap: number): RowSample {
  // Each inner list is one part (one evaluator); parts are joined in order.
  const samples: RowSample[] = [];
  const offsets: number[] = [];
  let before = 0;
  for (const part of parts) {
    const b = new SampleBuilder(['x', 's'], [false, true], cap);
    let offset = 0;
    for (const t of part) {
      b.addTable(table(t.source, t.from, t.to), undefined, offset);
      offset += t.to - t.from;
    }
    samples.push(b.result());
    offsets.push(before);
    before += offset;
  }
  return mergeSamples(samples, offsets);
}

describe('the row sample of a window', function () {
  const files = [
    { source: 'a.csv', rows: 30_000 },
    { source: 'b.csv', rows: 12_345 },
  ];
  const whole = sampleOf([files.map((f) => ({ source: f.source, from: 0, to: f.rows }))], 1000);

  it('is the cap rows of smallest priority, in priority order', function () {
    assert.equal(whole.rows, 1000);
    for (let i = 1; i < whole.rows; i++) assert.ok(whole.priority[i - 1]! < whole.priority[i]!);
    const all: number[] = [];
    for (const f of files) for (let r = 0; r < f.rows; r++) all.push(rowPriority(hash(f.source), r));
    all.sort((a, b) => a - b);
    assert.equal(whole.priority[999], all[999]);
  });

  it('is identical however the window is split into shards and tables', function () {
    const split = sampleOf(
      [
        [
          { source: 'a.csv', from: 0, to: 7000 },
          { source: 'a.csv', from: 7000, to: 19_000 },
        ],
        [{ source: 'a.csv', from: 19_000, to: 30_000 }],
        [
          { source: 'b.csv', from: 0, to: 5 },
          { source: 'b.csv', from: 5, to: 12_345 },
        ],
      ],
      1000,
    );
    assert.deepEqual(split, whole);
  });

  it('points at each row by its position in the window and keeps its values, categories numbered in sample order', function () {
    for (let i = 0; i < whole.rows; i++) {
      const pos = whole.position[i]!;
      const row = pos < 30_000 ? pos : pos - 30_000;
      assert.equal(whole.values[2 * i], row * 0.5);
      assert.equal(whole.categories[1]![whole.values[2 * i + 1]!], `c${row % 7}`);
    }
    assert.equal(whole.values[1], 0);
  });

  it('maps categories to the reference numbering, a new one after the reference', function () {
    const stored = storeSample(whole, 100);
    assert.equal(stored.rows, 100);
    assert.deepEqual(JSON.parse(JSON.stringify(stored)), stored);
    const window = { ...stored, categories: [[], ['new', ...stored.categories[1]!]], values: stored.values.map((v, i) => (i % 2 ? v + 1 : v)) };
    window.values[1] = 0; // the first row's category: "new"
    const m = sampleMatrix(window, stored);
    assert.equal(m.values[1], stored.categories[1]!.length);
    for (let i = 1; i < 100; i++) assert.equal(m.values[2 * i + 1], stored.values[2 * i + 1]);
  });
});

function hash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
