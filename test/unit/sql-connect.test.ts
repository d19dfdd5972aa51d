/**
 * connectSql (engine/data/sql/connect.ts) loads each reader with import() when a model first needs
 * it: an error the reader makes is still an UpkeepError to the code that imported errors.ts itself,
 * so the activities turn a missing column into a failure that is not retried.
 */
import assert from 'node:assert/strict';
import { connectSql } from '../../engine/data/sql/connect.js';
import { isUpkeepError, UpkeepError } from '../../engine/errors.js';

describe('a reader loaded by connectSql', function () {
  it('throws errors that are UpkeepErrors to this module graph (a missing column is not retried)', async function () {
    const conn = await connectSql('duckdb:', { model: 'churn' });
    try {
      const read = {
        text: 'select nope from range(3) where $1::timestamptz < $2::timestamptz',
        params: [new Date(0), new Date()] as [Date, Date],
        timeoutMs: 5000,
      };
      const err = await (async () => {
        for await (const _ of conn.batches(read)) void _;
      })().then(
        () => assert.fail('expected the read to fail'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof UpkeepError, 'instanceof across the dynamically imported reader');
      assert.ok(isUpkeepError(err, 'InvalidConfig'));
      assert.match((err as Error).message, /^model churn: duckdb:: column "nope" does not exist/);
      assert.equal(new Error('x') instanceof UpkeepError, false);
    } finally {
      await conn.close();
    }
  });
});
