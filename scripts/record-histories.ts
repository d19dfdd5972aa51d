/**
 * Records evaluateModel histories for the replay tests (test/histories/*.json). Run it after a
 * deliberate change to the workflow's commands, together with a patch marker or versioned
 * workflow where running executions must survive the change:
 *   npx tsx scripts/record-histories.ts
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolveTemporalCli } from '../workers/dev-server.js';
import { stateDir } from './lib/paths.js';
import { createUpkeepWorker } from '../workers/worker.js';
import { evaluateModel } from '../workflows/index.js';
import { testTemporal, mochaHooks } from '../test/helpers/temporal.js';
import { createWorkspace } from '../test/helpers/workspace.js';
import { PROJECT_DIR } from './lib/paths.js';

const cases = [
  { name: 'evaluate-model-healthy', days: ['2026-06-01', '2026-06-02', '2026-06-03'], data: 'data/binary.csv', windowEnd: '2026-06-04T06:00:00Z' },
  { name: 'evaluate-model-insufficient-data', days: [], data: 'data/binary.csv', windowEnd: '2026-06-04T06:00:00Z' },
  { name: 'evaluate-model-failing', days: ['2026-06-03'], data: 'data/binary_wrong_type.csv', windowEnd: '2026-06-04T06:00:00Z' },
];

const cli = resolveTemporalCli({ env: process.env, stateDir: stateDir(process.env) });
if (!cli) throw new Error('recording histories needs the Temporal CLI');
const t = await testTemporal();
for (const c of cases) {
  const modelId = `replay-${c.name.replace('evaluate-model-', '')}`;
  const ws = createWorkspace(modelId);
  for (const d of c.days) ws.addDay(d, c.data);
  const taskQueue = `record-${modelId}-${Date.now()}`;
  const workflowId = `${modelId}-${Date.now()}`;
  const { worker, engine } = await createUpkeepWorker({ connection: t.connection, namespace: 'default', taskQueue, configPath: ws.configPath, workflowBundle: t.bundle });
  await worker.runUntil(t.client.workflow.execute(evaluateModel, { taskQueue, workflowId, args: [{ modelId, windowEnd: c.windowEnd }] }));
  await engine.close();
  // The CLI writes the standard JSON history format that the SDK's replayer reads.
  const json = execFileSync(cli, ['workflow', 'show', '--workflow-id', workflowId, '--address', t.address, '--output', 'json'], { encoding: 'utf8' });
  const file = path.join(PROJECT_DIR, 'test', 'histories', `${c.name}.json`);
  writeFileSync(file, json.endsWith('\n') ? json : `${json}\n`);
  console.log(`recorded ${path.relative(PROJECT_DIR, file)} (${(JSON.parse(json) as { events: unknown[] }).events.length} events)`);
  ws.remove();
}
await mochaHooks.afterAll();
