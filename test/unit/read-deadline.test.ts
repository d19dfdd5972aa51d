import assert from 'node:assert/strict';
import { takeSnapshot } from '../../engine/data/snapshot.js';
import type { DataSource } from '../../engine/data/source.js';
import { resolveLimits } from '../../domain/limits.js';

/** A data source that answers only when aborted (as a chunked read does between chunks). */
const slow: Pick<DataSource, 'read'> = {
  read: (_uri, opts) =>
    new Promise((_resolve, reject) => {
      opts?.signal?.addEventListener('abort', () => reject(opts.signal!.reason as Error), { once: true });
    }),
};
const store = { put: async () => ({ uri: 'memory:///x', sha256: '', bytes: 0 }) } as never;
const days = {
  firstDay: '2026-01-01',
  lastDay: '2026-01-01',
  end: '2026-01-02T00:00:00Z',
  timezone: 'UTC',
  days: [{ date: '2026-01-01', uri: 'file:///data/2026-01-01.csv' }],
};
const spec = (timeout: string) =>
  ({ id: 'churn', data: { uri: 'file:///data/{date}.csv', window: { days: 1 } }, limits: resolveLimits({ read_timeout: timeout }) }) as never;

describe('the read deadline of a data window', function () {
  it('stops reading a window after limits.read_timeout, naming the file (a retryable error)', async function () {
    const started = Date.now();
    await assert.rejects(takeSnapshot({ data: slow, store }, spec('1s'), days), (err: Error) => {
      assert.equal(err.message, 'model churn: reading the data window took longer than limits.read_timeout (1s), at 2026-01-01.csv');
      assert.equal(err.name, 'Error', 'not an UpkeepError: retried');
      return true;
    });
    assert.ok(Date.now() - started < 3000);
  });

  it('stops at once when the activity is cancelled, with the cancellation as the reason', async function () {
    const cancel = new AbortController();
    const run = takeSnapshot({ data: slow, store, signal: cancel.signal }, spec('1h'), days);
    cancel.abort(new Error('activity cancelled'));
    await assert.rejects(run, /^Error: activity cancelled$/);
  });

  it("stops after a file pattern's listing when the activity was cancelled during it", async function () {
    const cancel = new AbortController();
    const listing = { list: async () => (cancel.abort(new Error('activity cancelled')), ['part-0.csv']) };
    const hive = { ...days, days: [{ date: '2026-01-01', uri: 'file:///data/dt=2026-01-01/*.csv' }] };
    const run = takeSnapshot({ data: { ...slow, ...listing }, store, signal: cancel.signal }, spec('1h'), hive);
    await assert.rejects(run, /^Error: activity cancelled$/);
  });
});
