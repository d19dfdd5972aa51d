import assert from 'node:assert/strict';
import { takeSnapshot } from '../../engine/data/snapshot.js';
import { dataWindow } from '../../engine/data/window.js';

/** A data source over an in-memory folder tree, keyed by URI. */
function memorySource(files: Record<string, string>) {
  return {
    async read(uri: string) {
      const text = files[uri];
      return text === undefined ? undefined : new TextEncoder().encode(text);
    },
    async list(folder: string) {
      const names = Object.keys(files)
        .filter((u) => u.startsWith(folder) && !u.slice(folder.length).includes('/'))
        .map((u) => u.slice(folder.length));
      return names.length > 0 ? names : undefined;
    },
  };
}

const store = { put: async (key: string) => ({ uri: `memory:///${key}`, sha256: '', size: 0, created: true }) };
const spec = (uri: string) => ({ id: 'churn', data: { uri, window: { days: 3 } } });
const CSV = 'x1,y\n1,0\n2,1\n';

describe('the snapshot identity', function () {
  it('keeps the sha256 of a one-file-per-day window as before patterns existed', async function () {
    const template = 'file:///d/{date}.csv';
    const w = dataWindow({ template, end: new Date('2026-05-04T06:00:00Z'), days: 3, timezone: 'UTC' });
    const data = memorySource({ 'file:///d/2026-05-01.csv': CSV, 'file:///d/2026-05-03.csv': CSV });
    const snap = await takeSnapshot({ data, store }, spec(template), w);
    // Pinned from the code before several files per day: existing snapshots keep their hashes.
    assert.equal(snap.sha256, 'bf78845f063455c726821d23dcbeea0e3d204e75bfa1dc26fb828199dd0c6313');
  });
});

describe('a snapshot of several files per day', function () {
  const template = 's3://labels/churn/dt={date}/part-*.csv';
  const w = dataWindow({ template, end: new Date('2026-05-04T06:00:00Z'), days: 3, timezone: 'UTC' });
  const files = {
    's3://labels/churn/dt=2026-05-01/part-1.csv': CSV,
    's3://labels/churn/dt=2026-05-01/part-0.csv': CSV + '3,0\n',
    's3://labels/churn/dt=2026-05-01/_SUCCESS': '',
    // 2026-05-02: a folder with no matching file is a missing day
    's3://labels/churn/dt=2026-05-02/other.csv': CSV,
    's3://labels/churn/dt=2026-05-03/part-0.csv': CSV,
  };

  it('lists every matching file with its day, in name order, and the days with none as missing', async function () {
    const snap = await takeSnapshot({ data: memorySource(files), store }, spec(template), w);
    assert.deepEqual(
      snap.files.map((f) => [f.date, f.sourceUri, f.rows]),
      [
        ['2026-05-01', 's3://labels/churn/dt=2026-05-01/part-0.csv', 3],
        ['2026-05-01', 's3://labels/churn/dt=2026-05-01/part-1.csv', 2],
        ['2026-05-03', 's3://labels/churn/dt=2026-05-03/part-0.csv', 2],
      ],
    );
    assert.deepEqual(snap.missing, [{ date: '2026-05-02', sourceUri: 's3://labels/churn/dt=2026-05-02/part-*.csv' }]);
    assert.equal(snap.rows, 7);
    // The same files give the same snapshot; one more file makes another.
    assert.equal((await takeSnapshot({ data: memorySource(files), store }, spec(template), w)).sha256, snap.sha256);
    const more = await takeSnapshot({ data: memorySource({ ...files, 's3://labels/churn/dt=2026-05-03/part-1.csv': CSV }), store }, spec(template), w);
    assert.notEqual(more.sha256, snap.sha256);
    assert.deepEqual(
      more.missing.map((m) => m.date),
      ['2026-05-02'],
    );
  });

  it('counts a listed file gone before it was read as absent, and its day as missing when it was the only one', async function () {
    const data = memorySource(files);
    const gone = { ...data, read: async (uri: string) => (uri.includes('dt=2026-05-03') ? undefined : data.read(uri)) };
    const snap = await takeSnapshot({ data: gone, store }, spec(template), w);
    assert.deepEqual(
      snap.missing.map((m) => m.date),
      ['2026-05-02', '2026-05-03'],
    );
    await assert.rejects(
      takeSnapshot({ data: gone, store }, spec(template), w, { allPresent: true }),
      /model churn: no data file matches s3:\/\/labels\/churn\/dt=2026-05-02\/part-\*\.csv/,
    );
  });
});
