/**
 * Records workflow histories for the replay tests (test/histories/*.json): evaluateModel in its
 * three outcomes, and a degraded evaluation that takes the demo model through retrainModel to a
 * promotion. Run it after a
 * deliberate change to the workflow's commands, together with a patch marker or versioned
 * workflow where running executions must survive the change:
 *   npx tsx test/record-histories.ts
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolveTemporalCli } from '../workers/dev-server.js';
import { readSettings } from '../workers/settings.js';
import { createUpkeepWorker } from '../workers/worker.js';
import { evaluateModel } from '../workflows/index.js';
import { testTemporal, mochaHooks } from './helpers/temporal.js';
import { createWorkspace } from './helpers/workspace.js';
import { createDemoWorkspace, OWNER } from './helpers/demo-workspace.js';
import { decideUpdate, maintenanceStatusQuery, retrainWorkflowId } from '../workflows/definitions.js';
import { PROJECT_DIR } from '../workers/paths.js';

const cases = [
  { name: 'evaluate-model-healthy', days: ['2026-06-01', '2026-06-02', '2026-06-03'], data: 'data/binary.csv', windowEnd: '2026-06-04T06:00:00Z' },
  { name: 'evaluate-model-insufficient-data', days: [], data: 'data/binary.csv', windowEnd: '2026-06-04T06:00:00Z' },
  { name: 'evaluate-model-failing', days: ['2026-06-03'], data: 'data/binary_wrong_type.csv', windowEnd: '2026-06-04T06:00:00Z' },
];

const cli = resolveTemporalCli({ settings: readSettings(process.env) });
if (!cli) throw new Error('recording histories needs the Temporal CLI');
const t = await testTemporal();

/** The CLI writes the standard JSON history format that the SDK's replayer reads. */
function save(name: string, workflowId: string): void {
  const json = execFileSync(cli!, ['workflow', 'show', '--workflow-id', workflowId, '--address', t.address, '--output', 'json'], { encoding: 'utf8' });
  const file = path.join(PROJECT_DIR, 'test', 'histories', `${name}.json`);
  writeFileSync(file, json.endsWith('\n') ? json : `${json}\n`);
  console.log(`recorded ${path.relative(PROJECT_DIR, file)} (${(JSON.parse(json) as { events: unknown[] }).events.length} events)`);
}
for (const c of cases) {
  const modelId = `replay-${c.name.replace('evaluate-model-', '')}`;
  const ws = createWorkspace(modelId);
  for (const d of c.days) ws.addDay(d, c.data);
  const taskQueue = `record-${modelId}-${Date.now()}`;
  const workflowId = `${modelId}-${Date.now()}`;
  const { worker, engine } = await createUpkeepWorker({ connection: t.connection, namespace: 'default', taskQueue, configPath: ws.configPath, workflowBundle: t.bundle, log: () => {} });
  await worker.runUntil(t.client.workflow.execute(evaluateModel, { taskQueue, workflowId, args: [{ modelId, windowEnd: c.windowEnd }] }));
  await engine.close();
  save(c.name, workflowId);
  ws.remove();
}

// The maintenance loop: degraded → retrain approved → candidate → promotion approved.
{
  const modelId = 'replay-retrain';
  const ws = createDemoWorkspace({ modelId, end: new Date('2026-06-05T06:00:00Z'), days: 12, drifted: true });
  const taskQueue = `record-${modelId}-${Date.now()}`;
  const evaluateId = `${modelId}-evaluate-${Date.now()}`;
  const { worker, engine } = await createUpkeepWorker({ connection: t.connection, namespace: 'default', taskQueue, configPath: ws.configPath, workflowBundle: t.bundle, log: () => {} });
  await worker.runUntil(async () => {
    await t.client.workflow.execute(evaluateModel, { taskQueue, workflowId: evaluateId, args: [{ modelId, windowEnd: '2026-06-04T06:00:00Z' }] });
    const handle = t.client.workflow.getHandle(retrainWorkflowId(modelId));
    for (const gate of ['retrain', 'promote'] as const) {
      for (;;) {
        const s = await handle.query(maintenanceStatusQuery);
        if (s.gate?.gate === gate) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      await handle.executeUpdate(decideUpdate, { args: [{ gate, decision: 'approve', approver: OWNER }] });
    }
    await handle.result();
  });
  await engine.close();
  save('evaluate-model-degraded', evaluateId);
  save('retrain-model-promoted', retrainWorkflowId(modelId));
  ws.remove();
}
await mochaHooks.afterAll();
