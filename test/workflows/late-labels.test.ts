/**
 * Late labels end to end on a real dev server with the real activities (docs/late-labels.md): a
 * day whose labels are empty is evaluated with every row unlabelled; once its labels are in the
 * data and the delay has passed, the model's next run evaluates it again as a child workflow,
 * records one entry that references the first, and `upkeep audit verify`'s checks accept the trail.
 */
import { createTestWorker } from '../helpers/upkeep-worker.js';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readChain } from '../../engine/audit/chain.js';
import { verifyTrail } from '../../engine/audit/verify-trail.js';
import { createFileStore } from '../../engine/store/file-store.js';
import type { EvaluateModelResult } from '../../workflows/definitions.js';
import { evaluateModel } from '../../workflows/index.js';
import { fixture } from '../helpers/fixtures.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

describe('late labels through the real activities on a dev server', function () {
  this.timeout(180_000);
  let ws: Workspace | undefined;
  afterEach(() => ws?.remove());

  it('evaluates a day again once its labels came and the delay passed, once, referencing the first, and the trail verifies', async function () {
    const t = await testTemporal();
    const modelId = uniqueModelId('late');
    const taskQueue = uniqueTaskQueue('late');
    ws = createWorkspace(modelId, { label: { column: 'y', positive: 1, delay: '30d' }, data: { uri: 'data/{date}.csv', window: { days: 1 } } });
    const labelled = readFileSync(fixture('data/binary.csv'), 'utf8');
    // 2026-10-01: the rows, their labels not known yet (the label column empty).
    const day = path.join(ws.dataDir, '2026-10-01.csv');
    writeFileSync(day, labelled.replace(/,[^,\n]*$/gm, ',').replace(/^x1,x2,x3,x4,$/m, 'x1,x2,x3,x4,y'));
    const run = (windowEnd: string): Promise<EvaluateModelResult> =>
      t.client.workflow.execute(evaluateModel, { taskQueue, workflowId: `${modelId}-${windowEnd}`, args: [{ modelId, windowEnd }] });
    const { worker, engine } = await createTestWorker(t, taskQueue, ws.configPath);
    const [first, before, after, later] = await worker
      .runUntil(async () => {
        const first = await run('2026-10-02T06:00:00.000Z');
        // The labels land in the data; 29 days on they are not due yet, 30 days on they are.
        writeFileSync(day, labelled);
        const before = await run('2026-10-31T06:00:00.000Z');
        const after = await run('2026-11-01T06:00:00.000Z');
        const later = await run('2026-11-02T06:00:00.000Z');
        return [first, before, after, later] as const;
      })
      .finally(() => engine.close());
    assert.equal(first.rows, 0, 'no labelled row');
    assert.equal(before.matured, undefined);
    assert.deepEqual(after.matured, ['2026-10-02T06:00:00.000Z']);
    assert.equal(later.matured, undefined, 'evaluated again once');

    const store = createFileStore(ws.storeDir);
    const entries = (await readChain(store, modelId)).map((c) => c.entry).filter((e) => e.kind === 'evaluation' && e.details?.verdict);
    const firstEntry = entries.find((e) => e.details!.windowEnd === '2026-10-02T06:00:00.000Z' && !e.details!.matured)!;
    assert.deepEqual(firstEntry.details!.labels, { labelled: 0, unlabelled: 1000, delay: '30d' });
    const again = entries.filter((e) => e.details!.matured);
    assert.equal(again.length, 1);
    assert.equal(again[0]!.id, `matured-${firstEntry.id}`);
    assert.equal((again[0]!.details!.matured as { entry: string }).entry, firstEntry.id);
    assert.deepEqual(again[0]!.details!.labels, { labelled: 1000, unlabelled: 0, delay: '30d' });
    assert.equal(again[0]!.details!.verdict, 'healthy');
    const verified = await verifyTrail(store, modelId);
    assert.deepEqual(verified.problems, []);
  });
});
