/**
 * Incidents on a real server (docs/incidents.md): a degraded window opens one, recorded as
 * incident-opened by the evaluation; a healthy window after it closes it, recorded as
 * incident-closed with its times; a second run of the same window records nothing twice.
 */
import assert from 'node:assert/strict';
import { writeDemoFeed } from '../../cli/demo/feed.js';
import { readChain } from '../../engine/audit/chain.js';
import { deriveIncidents } from '../../engine/audit/incidents.js';
import { incidentEntryProblems } from '../../engine/audit/verify-incidents.js';
import { createFileStore } from '../../engine/store/file-store.js';
import type { EvaluateModelResult } from '../../workflows/definitions.js';
import { evaluateModel } from '../../workflows/index.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { createDemoWorkspace, type DemoWorkspace } from '../helpers/demo-workspace.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';

const BAD_END = '2026-11-20T06:00:00.000Z';
const GOOD_END = '2026-11-21T06:00:00.000Z';

describe('incidents: recorded by the evaluation that opens or closes one', function () {
  this.timeout(180_000);
  let ws: DemoWorkspace | undefined;
  afterEach(() => ws?.remove());

  it('a degraded window opens an incident, a healthy one closes it with its times, each recorded once', async function () {
    const modelId = uniqueModelId('incident');
    const taskQueue = uniqueTaskQueue('incident');
    ws = createDemoWorkspace({ modelId, end: new Date(GOOD_END), days: 12, drifted: true, model: { retrain: { on: 'never' } } });
    const t = await testTemporal();
    const lines: string[] = [];
    const { worker, engine } = await createUpkeepWorker({
      connection: t.connection,
      namespace: 'default',
      taskQueue,
      configPath: ws.configPath,
      workflowBundle: t.bundle,
      scratchDir: ws.dir,
      log: (line) => lines.push(line),
    });
    const evaluate = (windowEnd: string, n: number): Promise<EvaluateModelResult> =>
      t.client.workflow.execute(evaluateModel, { taskQueue, workflowId: `evaluate-${modelId}-${n}`, args: [{ modelId, windowEnd }] });
    const store = createFileStore(ws.storeDir);
    const entries = async () => (await readChain(store, modelId)).map((c) => c.entry);
    try {
      await worker.runUntil(async () => {
        assert.equal((await evaluate(BAD_END, 1)).verdict.status, 'degraded');
        const opened = (await entries()).filter((e) => e.kind === 'incident-opened');
        assert.equal(opened.length, 1, (await entries()).map((e) => `${e.kind}: ${e.summary}`).join('\n'));
        assert.match(opened[0]!.summary, /^incident inc-20261120T060000Z opened: degraded window ending 2026-11-20T06:00:00.000Z$/);
        // The same window again (a re-run): the incident was opened once.
        assert.equal((await evaluate(BAD_END, 2)).verdict.status, 'degraded');
        assert.equal((await entries()).filter((e) => e.kind === 'incident-opened').length, 1);
        assert.equal((await entries()).filter((e) => e.kind === 'incident-closed').length, 0, 'still open');

        // The next window's days are healthy again.
        writeDemoFeed({ dir: ws!.dataDir, end: new Date(GOOD_END), days: 3, drifted: false, replace: true });
        assert.equal((await evaluate(GOOD_END, 3)).verdict.status, 'healthy');
      });
    } finally {
      await engine.close();
    }
    const trail = await entries();
    const closed = trail.filter((e) => e.kind === 'incident-closed');
    assert.equal(closed.length, 1, trail.map((e) => `${e.kind}: ${e.summary}`).join('\n'));
    assert.match(
      closed[0]!.summary,
      /^incident inc-20261120T060000Z closed: healthy window ending 2026-11-21T06:00:00.000Z after 1 bad window \(degraded\); detect .+, decide —, recover .+$/,
    );
    const [incident, ...more] = deriveIncidents(modelId, trail);
    assert.equal(more.length, 0);
    assert.equal(incident!.state, 'closed');
    assert.ok(incident!.told.length > 0, 'the owner was told');
    // Detected after the window's data ended (a test runs long after it); recovered after detection.
    assert.ok(incident!.times.detectMs! > 0 && incident!.times.recoverMs! > 0, JSON.stringify(incident!.times));
    assert.deepEqual((closed[0]!.details as { times: unknown }).times, incident!.times, 'the entry keeps the times the trail gives');
    // audit verify derives them again from the evaluation entries: the entries the runs wrote agree.
    assert.deepEqual(incidentEntryProblems(modelId, await readChain(store, modelId)), []);
  });
});
