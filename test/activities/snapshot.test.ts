import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../../engine/config/load.js';
import { createActivities } from '../../activities/index.js';
import { createFileDataSource } from '../../engine/data/source.js';
import { createEvaluationEngine } from '../../engine/evaluation/evaluate.js';
import { createFileStore } from '../../engine/store/file-store.js';
import { fixture } from '../helpers/fixtures.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { evaluateOnce } from '../../cli/one-shot.js';
import { takeSnapshot } from '../../engine/data/snapshot.js';

describe('snapshot and report activities', function () {
  let ws: Workspace;
  const engine = createEvaluationEngine();
  after(() => engine.close());
  afterEach(() => ws.remove());

  function activities() {
    return createActivities({
      loadConfig: async () => ({ ...(await loadConfig(ws.configPath)), name: 'upkeep.yaml' }),
      store: createFileStore(ws.storeDir),
      data: createFileDataSource(),
      engine,
      heartbeat: () => undefined,
    });
  }

  it('snapshots a window immutably and gives the same manifest when run twice', async function () {
    ws = createWorkspace('snap');
    ws.addDay('2026-05-01', 'data/binary.csv');
    ws.addDay('2026-05-03', 'data/binary.csv');
    const a = activities();
    const model = await a.resolveModel({ modelId: 'snap' });
    const first = await a.snapshotWindow({ model, windowEnd: '2026-05-04T06:00:00Z' });
    const second = await a.snapshotWindow({ model, windowEnd: '2026-05-04T06:00:00Z' });
    assert.deepEqual(second, first);
    assert.equal(first.rows, 2000);
    assert.deepEqual(
      first.missing.map((m) => m.date),
      ['2026-05-02'],
    );
    // Two identical daily files are stored once, under their sha256.
    assert.deepEqual(readdirSync(path.join(ws.storeDir, 'snapshots', 'snap', 'files')), [`${first.files[0]!.sha256}.csv`]);
    assert.equal(readdirSync(path.join(ws.storeDir, 'snapshots', 'snap', 'manifests')).length, 1);
  });

  it('snapshots large files in chunks (hashed and counted, then copied) to the same manifest as files read whole', async function () {
    ws = createWorkspace('streamed');
    const names = ['data/binary.csv', 'data/binary.jsonl', 'data/binary.parquet', 'data/multiclass.csv'];
    const days = names.map((rel, i) => {
      const file = path.join(ws.dataDir, `f${i}${path.extname(rel)}`);
      copyFileSync(fixture(rel), file);
      return { date: `2026-05-0${i + 1}`, uri: pathToFileURL(file).href };
    });
    const w = { firstDay: '2026-05-01', lastDay: '2026-05-04', end: '2026-05-05T00:00:00Z', timezone: 'UTC', days };
    const spec = { id: 'streamed', data: { uri: days[0]!.uri } } as Parameters<typeof takeSnapshot>[1];
    const take = (store: string, streamAbove?: number) =>
      takeSnapshot(
        { data: createFileDataSource(), store: createFileStore(path.join(ws.dir, store)), ...(streamAbove !== undefined ? { streamAbove } : {}) },
        spec,
        w,
      );
    const whole = await take('whole');
    const streamed = await take('streamed', 0);
    assert.equal(streamed.sha256, whole.sha256);
    assert.deepEqual(
      streamed.files.map(({ uri: _, ...f }) => f),
      whole.files.map(({ uri: _, ...f }) => f),
    );
    assert.deepEqual(
      whole.files.map((f) => f.rows),
      [1000, 1000, 1000, 1000],
    );
    for (const [i, f] of streamed.files.entries())
      assert.ok(readFileSync(new URL(f.uri)).equals(readFileSync(new URL(days[i]!.uri))), `${names[i]} stored as it is`);
    // Again, with every object already there: nothing is copied twice, the same manifest.
    assert.deepEqual(await take('streamed', 0), streamed);
  });

  it('gives the one-shot evaluation the same snapshot (same sha256) as the activity, without writing to the store', async function () {
    ws = createWorkspace('oneshot');
    ws.addDay('2026-05-01', 'data/binary.csv');
    ws.addDay('2026-05-03', 'data/binary.parquet');
    const a = activities();
    const model = await a.resolveModel({ modelId: 'oneshot' });
    const { report } = await evaluateOnce({
      spec: model.spec,
      modelBytes: new Uint8Array(readFileSync(new URL(model.artifactUri))),
      at: new Date('2026-05-04T06:00:00Z'),
      engine,
    });
    assert.equal(existsSync(path.join(ws.storeDir, 'snapshots')), false);
    const snapshot = await a.snapshotWindow({ model, windowEnd: '2026-05-04T06:00:00Z' });
    assert.equal(report.snapshot.sha256, snapshot.sha256);
    assert.deepEqual(
      report.snapshot.files.map(({ uri: _, ...f }) => f),
      snapshot.files.map(({ uri: _, ...f }) => f),
    );
    assert.deepEqual(report.snapshot.missing, snapshot.missing);
    assert.equal(report.snapshot.rows, snapshot.rows);
    assert.deepEqual(
      snapshot.files.map((f) => f.date),
      ['2026-05-01', '2026-05-03'],
    );
    // Another store, the same files: the same snapshot.
    const elsewhere = createActivities({
      loadConfig: async () => ({ ...(await loadConfig(ws.configPath)), name: 'upkeep.yaml' }),
      store: createFileStore(path.join(ws.dir, 'other-store')),
      data: createFileDataSource(),
      engine,
      heartbeat: () => undefined,
    });
    assert.equal((await elsewhere.snapshotWindow({ model, windowEnd: '2026-05-04T06:00:00Z' })).sha256, snapshot.sha256);
  });

  it('suggests the data pattern when the window finds no file but the folder holds dated files named otherwise', async function () {
    ws = createWorkspace('pattern');
    for (const day of ['20260501', '20260502', '20260503']) copyFileSync(fixture('data/binary.csv'), path.join(ws.dataDir, `${day}.csv`));
    const a = activities();
    const model = await a.resolveModel({ modelId: 'pattern' });
    const snapshot = await a.snapshotWindow({ model, windowEnd: '2026-05-04T06:00:00Z' });
    assert.equal(snapshot.files.length, 0);
    const expected = `no file matches {date}.csv in ${ws.dataDir}${path.sep}, which holds 3 files named like 20260501.csv — did you mean data.uri …/{yyyy}{mm}{dd}.csv?`;
    assert.equal(snapshot.hint, expected);
    // A folder that does not exist says nothing.
    const bare = await a.snapshotWindow({
      model: { ...model, spec: { ...model.spec, data: { ...model.spec.data, uri: model.spec.data.uri.replace('/data/', '/elsewhere/') } } },
      windowEnd: '2026-05-04T06:00:00Z',
    });
    assert.equal(bare.hint, undefined);
    const { report } = await evaluateOnce({
      spec: model.spec,
      modelBytes: new Uint8Array(readFileSync(new URL(model.artifactUri))),
      at: new Date('2026-05-04T06:00:00Z'),
      engine,
    });
    assert.equal(report.snapshot.sha256, snapshot.sha256);
    assert.deepEqual(report.verdict, {
      status: 'insufficient-data',
      reasons: [
        `no data files in window 2026-05-01..2026-05-03: ${expected}`,
        '3 of 3 files missing from window 2026-05-01..2026-05-03: 2026-05-01, 2026-05-02, 2026-05-03',
      ],
    });
  });

  it('snapshots several files per day by pattern, in name order, with a missing day and non-matching files left out', async function () {
    ws = createWorkspace('parts', { data: { uri: 'data/{yyyy}/{mm}/{dd}/part-*.csv', window: { days: 3 } } });
    const day = (date: string, files: Record<string, string>) => {
      const folder = path.join(ws.dataDir, ...date.split('-'));
      mkdirSync(folder, { recursive: true });
      for (const [name, text] of Object.entries(files)) writeFileSync(path.join(folder, name), text);
    };
    const csv = readFileSync(fixture('data/binary.csv'), 'utf8');
    const head = csv.split('\n').slice(0, 201).join('\n') + '\n'; // header and 200 rows
    day('2026-05-01', { 'part-1.csv': head, 'part-0.csv': csv, 'notes.txt': 'not data', 'part-2.csv.tmp': 'half written', '.part-3.csv': 'being written' });
    // 2026-05-02: no folder at all; 2026-05-03: a folder without a matching file is missing too
    day('2026-05-03', { 'part-0.csv': csv });
    day('2026-05-04', { _SUCCESS: '' });
    const a = activities();
    const model = await a.resolveModel({ modelId: 'parts' });
    const snapshot = await a.snapshotWindow({ model, windowEnd: '2026-05-05T06:00:00Z', days: 4 });
    const folder = (date: string) => pathToFileURL(path.join(ws.dataDir, ...date.split('-'))).href;
    assert.deepEqual(
      snapshot.files.map((f) => [f.date, f.sourceUri, f.rows]),
      [
        ['2026-05-01', `${folder('2026-05-01')}/part-0.csv`, 1000],
        ['2026-05-01', `${folder('2026-05-01')}/part-1.csv`, 200],
        ['2026-05-03', `${folder('2026-05-03')}/part-0.csv`, 1000],
      ],
    );
    assert.deepEqual(
      snapshot.missing.map((m) => m.date),
      ['2026-05-02', '2026-05-04'],
    );
    assert.equal(snapshot.missing[0]!.sourceUri, `${folder('2026-05-02')}/part-*.csv`);
    assert.equal(snapshot.rows, 2200);
    // The stored manifest has one entry per file with its day.
    const manifest = JSON.parse(readFileSync(new URL(snapshot.uri), 'utf8')) as { files: { date: string; sourceUri: string }[] };
    assert.deepEqual(
      manifest.files.map((f) => f.date),
      ['2026-05-01', '2026-05-01', '2026-05-03'],
    );
    // The one-shot evaluation reads the same files into the same snapshot, and evaluates all of them.
    const { report } = await evaluateOnce({
      spec: model.spec,
      modelBytes: new Uint8Array(readFileSync(new URL(model.artifactUri))),
      at: new Date('2026-05-04T06:00:00Z'),
      engine,
    });
    const same = await a.snapshotWindow({ model, windowEnd: '2026-05-04T06:00:00Z' });
    assert.equal(report.snapshot.sha256, same.sha256);
    assert.equal(report.snapshot.rows, 2200);
    assert.equal(report.evaluation!.rowsRead, 2200);
    // A training window (ending where a 1-day holdout begins) reads the parts the same way.
    const training = await a.snapshotWindow({ model, windowEnd: '2026-05-05T06:00:00Z', days: 3, skipDays: 1 });
    assert.deepEqual(
      training.files.map((f) => f.rows),
      [1000, 200, 1000],
    );
  });

  it('stores the model artifact by content, so a replaced file is a new version', async function () {
    ws = createWorkspace('artifact');
    const a = activities();
    const before = await a.resolveModel({ modelId: 'artifact' });
    assert.match(before.artifactUri, new RegExp(`/models/artifact/artifacts/${before.artifactSha256}\\.onnx$`));
    assert.equal(before.spec.owner, 'model-owners@example.com');
  });

  it('refuses an unknown model id with a non-retryable failure naming the known ones', async function () {
    ws = createWorkspace('known');
    await assert.rejects(activities().resolveModel({ modelId: 'nope' }), (err: Error & { type?: string; nonRetryable?: boolean }) => {
      assert.equal(err.type, 'UnknownModel');
      assert.equal(err.nonRetryable, true);
      assert.match(err.message, /no model with id nope \(known: known\)/);
      return true;
    });
  });
});
