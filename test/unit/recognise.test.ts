/**
 * Date, time and identifier columns: recognised on the reference, recorded in its profile, neither
 * drift-tested nor watched as categories, reported once as what they are.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Column, Table } from '../../engine/data/table.js';
import { buildReferenceProfile, detectTimeColumns, parseReferenceProfile, recognisedColumns } from '../../engine/drift/profile.js';
import { assessDrift } from '../../engine/drift/assess.js';
import { checkQuality } from '../../engine/drift/quality.js';
import { recogniseColumn } from '../../engine/drift/recognise.js';
import { sketchColumn } from '../../engine/drift/sketch.js';
import { createEvaluationEngine } from '../../engine/evaluation/evaluate.js';
import { profileReferenceData, referenceFromProfile } from '../../engine/evaluation/reference.js';
import { sha256Hex } from '../../engine/util.js';
import { lcg, num, str } from '../helpers/columns.js';
import { fixture, specFor } from '../helpers/fixtures.js';

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 1);

/** A daily feed: `days` days from `from` (days after 2026-01-01), 30 rows a day. */
function feed(from: number, days: number, seed: number): Table {
  const next = lcg(seed);
  const n = days * 30;
  const day = (i: number) => START + (from + Math.floor(i / 30)) * DAY;
  const columns = new Map<string, Column>([
    ['date', str(Array.from({ length: n }, (_, i) => new Date(day(i)).toISOString().slice(0, 10)))],
    ['at', str(Array.from({ length: n }, (_, i) => new Date(day(i) + (i % 30) * 60_000).toISOString()))],
    [
      'epoch',
      num(
        Array.from({ length: n }, (_, i) => (day(i) + (i % 30) * 1000) / 1000),
        'int',
      ),
    ],
    [
      'order_id',
      num(
        Array.from({ length: n }, (_, i) => 100_000 + from * 30 + i),
        'int',
      ),
    ],
    ['customer', str(Array.from({ length: n }, (_, i) => `c-${(from * 30 + i) * 7919}`))],
    ['amount', num(Array.from({ length: n }, () => Math.round(next() * 10_000) / 100))],
    ['plan', str(Array.from({ length: n }, () => ['basic', 'pro', 'team'][Math.floor(next() * 3)]!))],
    [
      'y',
      num(
        Array.from({ length: n }, () => (next() < 0.3 ? 1 : 0)),
        'int',
      ),
    ],
  ]);
  return { columns, rowCount: n, source: `feed-${from}.csv` };
}

const spec = specFor({ task: 'binary', inputs: [{ name: 'input', columns: ['amount'] }], label: { column: 'y', positive: 1 } });

describe('date, time and identifier columns', () => {
  const profile = buildReferenceProfile({ data: feed(0, 30, 1), label: { column: 'y', kind: 'categorical' }, createdAt: 't' });

  it('recognises ISO dates and timestamps, rising Unix times and ids, and records them in the profile', () => {
    assert.deepEqual(
      profile.recognised!.map((r) => [r.column, r.kind]),
      [
        ['date', 'date'],
        ['at', 'timestamp'],
        ['epoch', 'timestamp'],
        ['order_id', 'identifier'],
        ['customer', 'identifier'],
      ],
    );
    assert.equal(profile.recognised![0]!.why, 'every value is an ISO 8601 date (2026-01-01 … 2026-01-30)');
    assert.equal(profile.recognised![2]!.why, 'values rise with the rows and read as Unix time in seconds (2026-01-01 … 2026-01-30)');
    assert.deepEqual(detectTimeColumns(profile), ['date', 'at', 'epoch']);
    // The profile read back keeps them; the label and ordinary columns are never recognised.
    assert.deepEqual(recognisedColumns(parseReferenceProfile(JSON.parse(JSON.stringify(profile)))), profile.recognised);
  });

  it('leaves measurements alone: distinct floats, a rising float outside Unix time, few-valued integers, a shuffled sparse integer', () => {
    const next = lcg(7);
    const n = 500;
    assert.equal(recogniseColumn('x', num(Array.from({ length: n }, () => next()))), undefined);
    assert.equal(recogniseColumn('sorted', num(Array.from({ length: n }, (_, i) => i * 1.5))), undefined);
    assert.equal(
      recogniseColumn(
        'code',
        num(
          Array.from({ length: n }, (_, i) => i % 7),
          'int',
        ),
      ),
      undefined,
    );
    assert.equal(
      recogniseColumn(
        'income',
        num(
          Array.from({ length: n }, () => Math.floor(next() * 1e9)),
          'int',
        ),
      ),
      undefined,
    );
    assert.equal(recogniseColumn('dates?', str(Array.from({ length: n }, (_, i) => (i === 3 ? 'soon' : '2026-01-01')))), undefined);
    assert.equal(recogniseColumn('bad', str(Array.from({ length: n }, () => '2026-02-30'))), undefined);
    assert.equal(recogniseColumn('few', str(Array.from({ length: 10 }, (_, i) => `id${i}`))), undefined, 'too few values to tell');
  });

  it('reads a profile written before recognition, guessing only what it shows (text dates and ids)', () => {
    const old = JSON.parse(JSON.stringify(profile));
    delete old.recognised;
    const parsed = parseReferenceProfile(old);
    assert.deepEqual(
      recognisedColumns(parsed).map((r) => [r.column, r.kind]),
      [
        ['date', 'date'],
        ['at', 'timestamp'],
        ['customer', 'identifier'],
      ],
    );
    assert.throws(
      () => parseReferenceProfile({ ...old, recognised: [{ column: 'date', kind: 'day', why: '' }] }, 'p.json'),
      /^UpkeepError: p\.json: recognised\[0\] must be \{ column, kind: 'date' \| 'timestamp' \| 'identifier', why \}$/,
    );
  });

  it('neither drift-tests nor checks the values of recognised columns in a later window, and reports them once', () => {
    const reference = referenceFromProfile(profile, spec);
    assert.deepEqual(reference.watch, ['amount', 'plan']);
    assert.deepEqual(
      reference.recognised!.map((r) => r.column),
      ['date', 'at', 'epoch', 'order_id', 'customer'],
    );
    // A week later: every date, time and id is new and outside the reference's range.
    const later = feed(60, 7, 2);
    const current = Object.fromEntries(reference.watch.map((c) => [c, sketchColumn(later.columns.get(c)!, later.rowCount, c === 'plan')]));
    const drift = assessDrift({
      reference: reference.columns,
      current,
      columns: reference.watch,
      settings: spec.monitor.drift,
      recognised: reference.recognised,
    });
    assert.deepEqual(Object.keys(drift.columns), ['amount', 'plan']);
    assert.deepEqual(drift.recognised, reference.recognised);
    assert.equal(drift.alarm!.raised, false);
    const quality = checkQuality(profile, later, { requiredColumns: ['amount', 'y'] });
    assert.deepEqual(
      quality.issues.filter((i) => i.severity !== 'info'),
      [],
    );
    assert.deepEqual(quality.outOfRange, []);
    assert.deepEqual(quality.newCategories, []);
    // Absent is still absent.
    later.columns.delete('date');
    assert.deepEqual(checkQuality(profile, later, { requiredColumns: [] }).missingColumns, [{ column: 'date', required: false }]);
  });

  it('leaves a column the owner watches by name to the owner', () => {
    const watched = specFor({ ...spec, monitor: { categorical: ['date'] } } as never);
    const byName = buildReferenceProfile({
      data: feed(0, 30, 1),
      label: { column: 'y', kind: 'categorical' },
      categorical: ['date'],
      recognise: { except: ['order_id'] },
      createdAt: 't',
    });
    assert.deepEqual(
      byName.recognised!.map((r) => r.column),
      ['at', 'epoch', 'customer'],
    );
    assert.ok(referenceFromProfile(profile, watched).watch.includes('date'));
  });
});

describe('a daily feed through the evaluation engine', function () {
  this.timeout(60_000);

  it('profiles the date and id columns as what they are and raises nothing for a later week of new dates and ids', async () => {
    const [header, ...rows] = readFileSync(fixture('data/binary.csv'), 'utf8').trimEnd().split('\n');
    // 1000 rows over 50 days from 2026-01-01, then the same rows again 60 days later with new order ids.
    const csv = (from: number, name: string) => {
      const body = rows.map((r, i) => `${new Date(START + (from + Math.floor(i / 20)) * DAY).toISOString().slice(0, 10)},${50_000 + from * 20 + i},${r}`);
      const bytes = new TextEncoder().encode([`day,order_id,${header}`, ...body].join('\n') + '\n');
      return { name, format: 'csv' as const, load: async () => bytes };
    };
    const binary = specFor({ task: 'binary', inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }], label: { column: 'y', positive: 1 } });
    const modelBytes = new Uint8Array(readFileSync(fixture('models/binary.onnx')));
    const model = { spec: binary, modelBytes, modelKey: sha256Hex(modelBytes), artifactName: 'binary.onnx' };
    const engine = createEvaluationEngine({ threads: 1 });
    try {
      const { profile: stored } = await profileReferenceData({ ...model, files: [csv(0, 'jan.csv')], engine, createdAt: 't', source: 'jan.csv' });
      assert.deepEqual(
        stored.recognised!.map((r) => [r.column, r.kind]),
        [
          ['day', 'date'],
          ['order_id', 'identifier'],
        ],
      );
      // Read back as an evaluation reads it from the store.
      const reference = referenceFromProfile(parseReferenceProfile(JSON.parse(JSON.stringify(stored))), binary);
      const summary = await engine.evaluate({ ...model, files: [csv(60, 'march.csv')], reference });
      assert.deepEqual(Object.keys(summary.drift!.columns), ['x1', 'x2', 'x3', 'x4']);
      assert.deepEqual(
        summary.drift!.recognised!.map((r) => r.column),
        ['day', 'order_id'],
      );
      assert.equal(summary.drift!.alarm!.raised, false);
      assert.deepEqual(
        summary.quality!.issues.filter((i) => i.severity !== 'info'),
        [],
      );
      assert.deepEqual(summary.quality!.missingColumns, []);
    } finally {
      await engine.close();
    }
  });
});
