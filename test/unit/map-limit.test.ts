import assert from 'node:assert/strict';
import { mapLimit } from '../../engine/util.js';

describe('mapLimit: bounded parallel round trips (schedules sync)', function () {
  it('keeps at most `limit` calls in flight, uses them all, and returns results in input order', async function () {
    let inFlight = 0;
    let peak = 0;
    const items = Array.from({ length: 40 }, (_, i) => i);
    const out = await mapLimit(items, 6, async (n) => {
      peak = Math.max(peak, ++inFlight);
      // Later items finish first, so order comes from the index, not from completion.
      await new Promise((r) => setTimeout(r, 40 - n));
      inFlight--;
      return n * 2;
    });
    assert.deepEqual(
      out,
      items.map((n) => n * 2),
    );
    assert.equal(peak, 6);
  });

  it('rejects with the first failure and handles no items', async function () {
    assert.deepEqual(await mapLimit([], 4, async () => 1), []);
    await assert.rejects(
      mapLimit([1, 2, 3], 2, async (n) => {
        if (n === 2) throw new Error('schedule 2 refused');
        return n;
      }),
      /schedule 2 refused/,
    );
  });
});
