/**
 * A Hive-partitioned window in S3 (labels/<model>/dt=YYYY-MM-DD/part-*.parquet) on a real S3
 * server (versitygw): each day's folder is listed, every matching part is read, in name order,
 * and other objects (_SUCCESS, checksums) are left out. Evaluated end to end by a worker, by the
 * one-shot `upkeep evaluate` and checked by `upkeep check`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { stringify } from 'yaml';
import { loadConfig } from '../../engine/config/load.js';
import { createDataSource } from '../../engine/data/sources.js';
import { createEvaluationEngine } from '../../engine/evaluation/evaluate.js';
import { evaluateOnce } from '../../cli/one-shot.js';
import { evaluateModel } from '../../workflows/index.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { fixture } from '../helpers/fixtures.js';
import { useS3Server } from '../helpers/s3-server.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';

const BIN = fileURLToPath(new URL('../../bin/upkeep.mjs', import.meta.url));

describe('a Hive-partitioned window in S3: several files per day by pattern (versitygw)', function () {
  this.timeout(120_000);
  const s3 = useS3Server({ credentialsInEnv: true });
  let dir: string | undefined;
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('evaluates every matching part of each day, lists them in the manifest, and keeps a day without parts as missing', async function () {
    const t = await testTemporal();
    const modelId = uniqueModelId('hive');
    const taskQueue = uniqueTaskQueue('hive');
    await s3().createBucket('labels');
    await s3().createBucket('upkeep');
    const client = s3().client();
    const now = new Date();
    const day = (back: number) => new Date(now.getTime() - back * 86_400_000).toISOString().slice(0, 10);
    const put = (key: string, file: string | Uint8Array) =>
      client.send(new PutObjectCommand({ Bucket: 'labels', Key: key, Body: typeof file === 'string' ? readFileSync(fixture(file)) : file }));
    await put(`models/${modelId}.onnx`, 'models/binary.onnx');
    // Oldest day: two parts, written out of name order, beside a marker and a checksum.
    await put(`${modelId}/dt=${day(3)}/part-00001.parquet`, 'data/binary.zstd.parquet');
    await put(`${modelId}/dt=${day(3)}/part-00000.parquet`, 'data/binary.parquet');
    await put(`${modelId}/dt=${day(3)}/_SUCCESS`, new Uint8Array());
    await put(`${modelId}/dt=${day(3)}/part-00000.parquet.crc`, new Uint8Array([1, 2, 3]));
    // Middle day: the job wrote only its marker, so the day is missing.
    await put(`${modelId}/dt=${day(2)}/_SUCCESS`, new Uint8Array());
    // Newest day: one part; a folder of another day's prefix must not be listed with it.
    await put(`${modelId}/dt=${day(1)}/part-00000.parquet`, 'data/binary.gzip.parquet');
    await put(`${modelId}/dt=${day(1)}/nested/part-00009.parquet`, 'data/binary.parquet');
    dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-hive-'));
    const configPath = path.join(dir, 'upkeep.yaml');
    const template = `s3://labels/${modelId}/dt={date}/part-*.parquet`;
    writeFileSync(
      configPath,
      stringify({
        version: 1,
        store: 's3://upkeep/prod',
        s3: { region: 'us-east-1', endpoint: s3().endpoint },
        models: [
          {
            id: modelId,
            owner: 'model-owners@example.com',
            task: 'binary',
            artifact: `s3://labels/models/${modelId}.onnx`,
            inputs: [{ name: 'input', columns: ['x1', 'x2', 'x3', 'x4'] }],
            label: { column: 'y', positive: 1 },
            data: { uri: template, window: { days: 3 } },
            schedule: { cron: '0 6 * * *', timezone: 'UTC' },
            thresholds: { metric: 'roc_auc', min: 0.7 },
            min_rows: 100,
          },
        ],
      }),
    );
    const expectedFiles = [
      [day(3), `s3://labels/${modelId}/dt=${day(3)}/part-00000.parquet`],
      [day(3), `s3://labels/${modelId}/dt=${day(3)}/part-00001.parquet`],
      [day(1), `s3://labels/${modelId}/dt=${day(1)}/part-00000.parquet`],
    ];
    const expectedMissing = [{ date: day(2), sourceUri: `s3://labels/${modelId}/dt=${day(2)}/part-*.parquet` }];
    const { worker, engine } = await createUpkeepWorker({
      connection: t.connection,
      namespace: 'default',
      taskQueue,
      configPath,
      workflowBundle: t.bundle,
      scratchDir: dir,
    });
    try {
      const result = await worker.runUntil(
        t.client.workflow.execute(evaluateModel, { taskQueue, workflowId: `${modelId}-once`, args: [{ modelId, windowEnd: now.toISOString() }] }),
      );
      assert.equal(result.rows, 3 * 1000);
      assert.equal(result.snapshot.files, 3);
      assert.equal(result.snapshot.missing, 1);
      // The manifest in the bucket lists every file with its day.
      const key = result.snapshot.uri.replace('s3://upkeep/', '');
      const manifest = JSON.parse(await (await client.send(new GetObjectCommand({ Bucket: 'upkeep', Key: key }))).Body!.transformToString()) as {
        files: { date: string; sourceUri: string; rows: number }[];
        missing: unknown[];
      };
      assert.deepEqual(
        manifest.files.map((f) => [f.date, f.sourceUri, f.rows]),
        expectedFiles.map(([d, u]) => [d, u, 1000]),
      );
      assert.deepEqual(manifest.missing, expectedMissing);

      // The one-shot evaluation reads the same window into the same snapshot.
      const config = await loadConfig(configPath);
      const spec = config.models[0]!;
      const data = createDataSource(config.s3);
      const oneShotEngine = createEvaluationEngine();
      try {
        const modelBytes = (await data.read(spec.artifact))!;
        const { report } = await evaluateOnce({ spec, modelBytes, at: now, engine: oneShotEngine, data });
        assert.equal(report.snapshot.sha256, result.snapshot.sha256);
        assert.equal(report.snapshot.rows, 3000);
      } finally {
        await oneShotEngine.close();
      }

      // upkeep check reads the newest day's last part and counts the files.
      const checked = spawnSync(process.execPath, [BIN, 'check', '--config', configPath], {
        encoding: 'utf8',
        env: { ...process.env, HOME: '/nonexistent' },
        timeout: 60_000,
      });
      assert.equal(checked.status, 0, checked.stdout + checked.stderr);
      assert.match(checked.stdout, new RegExp(`3 files on 2 of 3 days in ${day(3)}\\.\\.${day(1)}; part-00000\\.parquet: 1000 rows`));
    } finally {
      await engine.close();
      client.destroy();
    }
  });
});
