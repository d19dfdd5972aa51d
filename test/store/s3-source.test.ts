import assert from 'node:assert/strict';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createS3DataSource } from '../../engine/data/s3-source.js';
import { isUpkeepError } from '../../engine/errors.js';
import { useS3Server } from '../helpers/s3-server.js';

describe('data in S3 (versitygw)', function () {
  this.timeout(60_000);
  const s3 = useS3Server();
  before(async function () {
    await s3().createBucket('labels');
    const client = s3().client();
    for (const [key, body] of [
      ['churn/dt=2026-11-20/part-0.csv', 'x,y\n1,0\n'],
      ['churn/dt=2026-11-20/part-1.csv', 'x,y\n2,1\n'],
      ['churn/2026-11-21.csv', 'x,y\n3,1\n'],
    ] as const) {
      await client.send(new PutObjectCommand({ Bucket: 'labels', Key: key, Body: body }));
    }
    client.destroy();
  });

  it('reads an object into shared memory, and a missing one as undefined (a missing day)', async () => {
    const source = createS3DataSource({ client: s3().client() });
    const bytes = await source.read('s3://labels/churn/2026-11-21.csv');
    assert.ok(bytes!.buffer instanceof SharedArrayBuffer);
    assert.equal(Buffer.from(bytes!).toString(), 'x,y\n3,1\n');
    assert.equal(await source.read('s3://labels/churn/2026-11-22.csv'), undefined);
  });

  it('lists the objects directly in a folder, by name', async () => {
    const source = createS3DataSource({ client: s3().client() });
    assert.deepEqual(await source.list('s3://labels/churn/'), ['2026-11-21.csv']);
    assert.deepEqual(await source.list('s3://labels/churn/dt=2026-11-20/'), ['part-0.csv', 'part-1.csv']);
  });

  it('tells refused credentials (not retried) from a missing object', async () => {
    const wrong = new S3Client({
      endpoint: s3().endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'upkeeptest', secretAccessKey: 'wrong' },
    });
    const source = createS3DataSource({ client: wrong });
    await assert.rejects(
      source.read('s3://labels/churn/2026-11-21.csv'),
      (err: unknown) => isUpkeepError(err, 'StoreAccessDenied') && /^reading s3:\/\/labels\/churn\/2026-11-21\.csv: access denied/.test(err.message),
    );
  });
});
