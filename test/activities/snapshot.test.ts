import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../activities/config/load.js';
import { createActivities } from '../../activities/index.js';
import { createFileDataSource } from '../../activities/data/source.js';
import { createEvaluationEngine } from '../../activities/evaluation/evaluate.js';
import { createFileStore } from '../../activities/store/file-store.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

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
    assert.deepEqual(first.missing.map((m) => m.date), ['2026-05-02']);
    // Two identical daily files are stored once, under their sha256.
    assert.deepEqual(readdirSync(path.join(ws.storeDir, 'snapshots', 'snap', 'files')), [`${first.files[0]!.sha256}.csv`]);
    assert.equal(readdirSync(path.join(ws.storeDir, 'snapshots', 'snap', 'manifests')).length, 1);
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
