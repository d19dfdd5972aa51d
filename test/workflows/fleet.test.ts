import assert from 'node:assert/strict';
import { loadConfig } from '../../engine/config/load.js';
import type { EvaluateModelResult } from '../../workflows/definitions.js';
import { syncSchedules } from '../../workers/schedules.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { createFleetWorkspace, evaluateFleet, fleetFigures, type FleetRun, type FleetWorkspace } from '../../scripts/bench/fleet-evaluations.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';

/** An evaluation's history: a handful of events per step, none per row, file or model in the fleet. */
const MAX_EVENTS = 60;
const MODELS = 40;

describe('a fleet of models evaluated by one worker on a real Temporal dev server', function () {
  this.timeout(120_000);
  let ws: FleetWorkspace | undefined;
  afterEach(() => ws?.remove());

  it(`evaluates ${MODELS} models from their triggered schedules, each run with a verdict and at most ${MAX_EVENTS} history events`, async function () {
    const t = await testTemporal();
    const taskQueue = uniqueTaskQueue('fleet');
    ws = createFleetWorkspace({ models: MODELS, prefix: uniqueModelId('fleet'), end: new Date(), rowsPerDay: 600 });
    const config = await loadConfig(ws.configPath);
    await syncSchedules(t.client, config, { taskQueue });
    let run: FleetRun;
    const { worker, engine } = await createUpkeepWorker({
      connection: t.connection,
      namespace: 'default',
      taskQueue,
      configPath: ws.configPath,
      workflowBundle: t.bundle,
      log: () => {},
    });
    try {
      run = await worker.runUntil(() => evaluateFleet(t.client, { taskQueue, modelIds: ws!.modelIds, timeoutMs: 90_000 }));
    } finally {
      await engine.close();
      await syncSchedules(t.client, { ...config, models: [] }, { taskQueue, prune: true });
    }
    assert.equal(run.runs.length, MODELS);
    const results = await Promise.all(run.runs.map((r) => t.client.workflow.getHandle(r.workflowId, r.runId).result() as Promise<EvaluateModelResult>));
    // One run per model, each on its own model's one-day window of 600 rows.
    assert.deepEqual(results.map((r) => r.modelId).sort(), [...ws.modelIds].sort());
    for (const r of results) {
      assert.equal(r.rows, 600, r.modelId);
      assert.equal(r.verdict.status, 'healthy', `${r.modelId}: ${r.verdict.reasons.join('; ')}`);
    }
    const f = fleetFigures(run);
    assert.equal(f.failed, 0);
    assert.deepEqual(f.verdicts, { healthy: MODELS });
    const over = run.runs.filter((r) => r.historyLength > MAX_EVENTS).map((r) => `${r.workflowId}: ${r.historyLength}`);
    assert.deepEqual(over, [], `evaluations with more than ${MAX_EVENTS} history events`);
    assert.ok(f.events.max > 0, 'history lengths were reported');
  });
});
