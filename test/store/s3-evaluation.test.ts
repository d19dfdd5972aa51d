/**
 * A model kept entirely in S3: its artifact, its daily data and the artifact store are s3:// URIs
 * on a real S3 server (versitygw), with the endpoint in the config and credentials from the
 * standard provider chain (environment variables here). One scheduled-style evaluation runs on a
 * worker; its snapshot, report and card land in the bucket.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { stringify } from 'yaml';
import { evaluateModel } from '../../workflows/index.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { fixture } from '../helpers/fixtures.js';
import { useS3Server } from '../helpers/s3-server.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';

describe('a model in S3: artifact, data and store (versitygw)', function () {
  this.timeout(120_000);
  // The worker finds the server's keys through the standard provider chain (the environment).
  const s3 = useS3Server({ credentialsInEnv: true });
  let dir: string | undefined;
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('evaluates the window from S3 and writes snapshot, report and card to the S3 store', async function () {
    const t = await testTemporal();
    const modelId = uniqueModelId('s3');
    const taskQueue = uniqueTaskQueue('s3');
    await s3().createBucket('ml-labels');
    await s3().createBucket('ml-upkeep');
    const client = s3().client();
    const day = (back: number) => new Date(Date.now() - back * 86_400_000).toISOString().slice(0, 10);
    await client.send(new PutObjectCommand({ Bucket: 'ml-labels', Key: `models/${modelId}.onnx`, Body: readFileSync(fixture('models/binary.onnx')) }));
    for (const back of [1, 2, 3]) {
      await client.send(
        new PutObjectCommand({ Bucket: 'ml-labels', Key: `${modelId}/dt=${day(back)}/part.csv`, Body: readFileSync(fixture('data/binary.csv')) }),
      );
    }
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-s3-'));
    const configPath = path.join(dir, 'upkeep.yaml');
    writeFileSync(
      configPath,
      stringify({
        version: 1,
        store: 's3://ml-upkeep/prod',
        s3: { region: 'us-east-1', endpoint: s3().endpoint },
        models: [
          {
            id: modelId,
            owner: 'model-owners@example.com',
            task: 'binary',
            artifact: `s3://ml-labels/models/${modelId}.onnx`,
            inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }],
            label: { column: 'y', positive: 1 },
            data: { uri: `s3://ml-labels/${modelId}/dt={date}/part.csv`, window: { days: 3 } },
            schedule: { cron: '0 6 * * *', timezone: 'UTC' },
            thresholds: { metric: 'roc_auc', min: 0.7 },
            min_rows: 100,
          },
        ],
      }),
    );
    const { worker, engine } = await createUpkeepWorker({
      connection: t.connection,
      namespace: 'default',
      taskQueue,
      configPath,
      workflowBundle: t.bundle,
      scratchDir: dir,
    });
    try {
      const result = await worker.runUntil(t.client.workflow.execute(evaluateModel, { taskQueue, workflowId: `${modelId}-once`, args: [{ modelId }] }));
      assert.equal(result.verdict.status, 'healthy', result.verdict.reasons.join('; '));
      assert.equal(result.rows, 3 * 1000);
      assert.match(result.report.jsonUri, new RegExp(`^s3://ml-upkeep/prod/reports/${modelId}/`));
      assert.match(result.snapshot.uri, new RegExp(`^s3://ml-upkeep/prod/snapshots/${modelId}/manifests/`));
      const listed = await client.send(new ListObjectsV2Command({ Bucket: 'ml-upkeep', Prefix: 'prod/' }));
      const keys = (listed.Contents ?? []).map((o) => o.Key!);
      assert.ok(
        keys.some((k) => k.startsWith(`prod/reports/${modelId}/`) && k.endsWith('.json')),
        keys.join('\n'),
      );
      assert.ok(
        keys.some((k) => k === `prod/cards/${modelId}.md`),
        keys.join('\n'),
      );
      assert.equal(keys.filter((k) => k.startsWith(`prod/snapshots/${modelId}/files/`)).length, 1, 'three identical days are one stored file');
    } finally {
      await engine.close();
      client.destroy();
    }
  });
});
