/**
 * The Temporal dev server stopped and started again on its SQLite file while an approval waits:
 * the schedule and the waiting request survive, the worker reconnects, and a decision made after
 * the restart is accepted and the retrain goes on to the end.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { loadConfig } from '../../engine/config/load.js';
import { retrainWorkflowId, type RetrainModelResult } from '../../workflows/definitions.js';
import { freePort, portInUse, resolveTemporalCli, startDevServer, type DevServer } from '../../workers/dev-server.js';
import { scheduleOptions, syncSchedules } from '../../workers/schedules.js';
import { readSettings } from '../../workers/settings.js';
import { createDemoWorkspace, OWNER, type DemoWorkspace } from '../helpers/demo-workspace.js';
import { atStage, decide } from '../helpers/decision.js';
import { uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { waitFor } from '../helpers/wait.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-processes.js';
import { newKeyPair } from '../../domain/signature.js';

describe('faults: the Temporal server restarted on its SQLite file', function () {
  this.timeout(300_000);
  let ws: DemoWorkspace | undefined;
  let worker: WorkerProcess | undefined;
  let server: DevServer | undefined;
  let dbDir: string | undefined;
  const connections: Connection[] = [];
  afterEach(async () => {
    await worker?.kill();
    for (const c of connections.splice(0)) await c.close().catch(() => undefined);
    await server?.stop();
    ws?.remove();
    if (dbDir) rmSync(dbDir, { recursive: true, force: true });
  });

  for (const how of ['stopped (SIGTERM)', 'killed (SIGKILL)'] as const) {
    it(`${how}: keeps the schedule and the waiting approval; a decision after the restart is accepted and the retrain completes`, async function () {
      const cli = resolveTemporalCli({ settings: readSettings(process.env) });
      assert.ok(cli, 'the Temporal CLI is available (npm test installs it)');
      dbDir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-db-'));
      const dbFile = path.join(dbDir, 'temporal.db');
      const port = await freePort();
      const start = () => startDevServer({ cli, port, dbFile, startTimeoutMs: 90_000 });
      const connect = async (address: string): Promise<Client> => {
        const c = await Connection.connect({ address });
        connections.push(c);
        return new Client({ connection: c });
      };

      server = await start();
      const modelId = uniqueModelId('restart');
      const taskQueue = uniqueTaskQueue('restart');
      // Asked for by hand, so the holdout is the two days before now.
      // The owner decides with a signed decision, after the restart as before it.
      const owner = newKeyPair();
      ws = createDemoWorkspace({ modelId, end: new Date(), days: 12, drifted: true, model: { approvers: [{ id: OWNER, public_key: owner.publicKey }] } });
      const signer = { modelId, secretKey: owner.secretKey };
      let client = await connect(server.address);
      const config = await loadConfig(ws.configPath);
      await syncSchedules(client, config, { taskQueue });
      const scheduleId = scheduleOptions(config.models[0]!, taskQueue).scheduleId;
      const before = await client.schedule.getHandle(scheduleId).describe();

      worker = await startWorkerProcess({ address: server.address, taskQueue, configPath: ws.configPath, scratchDir: ws.dir });
      await worker.ready;
      let handle: WorkflowHandle = await client.workflow.signalWithStart('retrainModel', {
        taskQueue,
        workflowId: retrainWorkflowId(modelId),
        args: [{ modelId }],
        signal: 'attachEvidence',
        signalArgs: [{ source: 'manual', at: new Date().toISOString(), reason: 'quarterly refresh', requestedBy: OWNER }],
      });
      const waiting = await atStage(handle, 'awaiting-retrain-approval', 120_000);

      const stoppedAt = Date.now();
      if (how === 'killed (SIGKILL)') {
        process.kill(server.pid!, 'SIGKILL');
        await waitFor('the killed server to let go of its port', async () => ((await portInUse(port)) ? undefined : true), {
          timeoutMs: 30_000,
          intervalMs: 100,
        });
      } else {
        await server.stop();
      }
      assert.equal(await portInUse(port), false, 'the server is down');
      server = await start();
      const downMs = Date.now() - stoppedAt;

      client = await connect(server.address);
      const after = await client.schedule.getHandle(scheduleId).describe();
      assert.deepEqual(after.spec, before.spec, 'the schedule survived with its spec');
      assert.equal(after.state.paused, false);
      handle = client.workflow.getHandle(retrainWorkflowId(modelId));
      // The query is answered by the worker, which reconnected on its own.
      const status = await atStage(handle, 'awaiting-retrain-approval', 120_000);
      assert.equal(status.gate!.gate, 'retrain');
      assert.equal(status.gate!.state, 'waiting');
      assert.equal(status.gate!.openedAt, waiting.gate!.openedAt);
      assert.equal(worker.child.exitCode, null, 'the worker process kept running through the outage');

      // Unsigned is refused on a model with keys; signed is accepted.
      await assert.rejects(decide(handle, { gate: 'retrain', decision: 'approve', approver: OWNER }), (err: Error) =>
        /must be signed/.test((err.cause as Error | undefined)?.message ?? ''),
      );
      await decide(handle, { gate: 'retrain', decision: 'approve', approver: OWNER }, signer);
      await atStage(handle, 'awaiting-promotion-approval', 120_000);
      await decide(handle, { gate: 'promote', decision: 'reject', approver: OWNER, comment: 'keeping the champion' }, signer);
      const result: RetrainModelResult = await handle.result();
      assert.equal(result.outcome, 'promotion-rejected');
      assert.deepEqual(
        result.decisions.map((d) => [d.gate, d.decision, d.proof?.signer]),
        [
          ['retrain', 'approve', OWNER],
          ['promote', 'reject', OWNER],
        ],
      );
      console.log(`      (server down for ${downMs} ms)`);
    });
  }
});
