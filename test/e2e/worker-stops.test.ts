/**
 * `npx upkeep worker` as a process manager runs it: SIGTERM or SIGHUP sent to npx alone (npx ends
 * the `sh -c` it runs the command in, or dies itself, and passes nothing on) stops the worker
 * instead of leaving it polling under PID 1.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { PROJECT_DIR } from '../../workers/paths.js';
import { createDemoWorkspace } from '../helpers/demo-workspace.js';
import { alive, processesOf } from '../helpers/processes.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { waitFor } from '../helpers/wait.js';

describe('npx upkeep worker stops with the process that started it', function () {
  this.timeout(120_000);

  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    it(`on ${signal} to npx alone: the worker shuts down and nothing is left`, async function () {
      const t = await testTemporal();
      const ws = createDemoWorkspace({ modelId: uniqueModelId('worker-stop'), end: new Date('2026-11-21T06:00:00.000Z'), days: 1, drifted: false });
      try {
        const npx = spawn('npx', ['upkeep', 'worker', '--config', ws.configPath], {
          cwd: PROJECT_DIR,
          detached: true,
          env: { ...process.env, TEMPORAL_ADDRESS: t.address, UPKEEP_TASK_QUEUE: uniqueTaskQueue('worker-stop'), UPKEEP_STATE_DIR: ws.dir },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        npx.stdout.on('data', (d: Buffer) => (out += d.toString()));
        npx.stderr.on('data', (d: Buffer) => (out += d.toString()));
        await waitFor('the worker to poll', () => (out.includes('worker polling') ? true : undefined), { timeoutMs: 90_000, intervalMs: 200 });
        assert.ok(processesOf(npx.pid!).length >= 3, 'npx, its shell and the worker');
        npx.kill(signal);
        try {
          await waitFor('npx upkeep worker and everything it started to end', () => (processesOf(npx.pid!).length === 0 ? true : undefined), {
            timeoutMs: 20_000,
            intervalMs: 200,
          });
        } finally {
          for (const pid of processesOf(npx.pid!)) if (alive(pid)) process.kill(pid, 'SIGKILL');
        }
        assert.doesNotMatch(out, /Error|error:/, out);
      } finally {
        ws.remove();
      }
    });
  }
});
