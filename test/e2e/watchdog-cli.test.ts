import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import type { WatchdogReport } from '../../domain/watchdog.js';
import { watchdogScheduleId } from '../../workflows/definitions.js';
import { createUpkeepWorker } from '../../workers/worker.js';
import { testTemporal, uniqueModelId, uniqueTaskQueue } from '../helpers/temporal.js';
import { waitFor } from '../helpers/wait.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

const BIN = fileURLToPath(new URL('../../bin/upkeep.mjs', import.meta.url));

/** The CLI in a child process, without blocking this one (its worker must keep polling meanwhile). */
function upkeep(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, HOME: '/nonexistent', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

describe('the watchdog on the command line', function () {
  this.timeout(180_000);
  let ws: Workspace | undefined;
  afterEach(() => ws?.remove());

  it('syncs its schedule, runs it now and prints the findings, shows the latest report, and names a malformed directory in one line', async function () {
    const t = await testTemporal();
    const taskQueue = uniqueTaskQueue('watchdog-cli');
    const modelId = uniqueModelId('cli');
    ws = createWorkspace(modelId, { owner: 'owner@example.com', approvers: ['left@example.com'], schedule: { every: '1d', paused: true } });
    const config = parse(readFileSync(ws.configPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(
      ws.configPath,
      stringify({ ...config, watchdog: { paused_longer_than: '1s', directory: 'people.yaml', platform: ['platform@example.com'] } }),
    );
    writeFileSync(path.join(ws.dir, 'people.yaml'), 'people: [owner@example.com]\n');
    const env = { TEMPORAL_ADDRESS: t.address, TEMPORAL_NAMESPACE: 'default', UPKEEP_TASK_QUEUE: taskQueue, UPKEEP_CONFIG: ws.configPath };
    const scheduleId = watchdogScheduleId(taskQueue);

    const sync = await upkeep(['schedules', 'sync'], env);
    assert.equal(sync.status, 0, sync.stderr);
    assert.match(sync.stdout, new RegExp(`^\\+ ${scheduleId} +create +the watchdog \\(models nobody is watching\\): every 1d UTC$`, 'm'));
    assert.match(sync.stdout, /^create 1, update 0, pause 0, delete 0; 0 unchanged$/m);
    const list = await upkeep(['schedules', 'list'], env);
    assert.match(list.stdout, new RegExp(`^${scheduleId} +every 86400s +active`, 'm'));
    assert.match((await upkeep(['check'], env)).stdout, /^ok watchdog\.directory people\.yaml: 1 person$/m);
    const before = await upkeep(['watchdog', 'show'], env);
    assert.match(before.stdout, /the watchdog has not run yet/);
    await new Promise((r) => setTimeout(r, 1100)); // the schedule has been paused longer than 1s

    const { worker, engine } = await createUpkeepWorker({
      connection: t.connection,
      client: t.client,
      namespace: 'default',
      taskQueue,
      configPath: ws.configPath,
      workflowBundle: t.bundle,
      scratchDir: ws.dir,
      log: () => {},
    });
    try {
      await worker.runUntil(async () => {
        const run = await upkeep(['watchdog', 'run'], env);
        assert.equal(run.status, 0, run.stderr);
        const lines = run.stdout.trim().split('\n');
        assert.match(lines[0]!, new RegExp(`^watchdog \\S+ \\(${scheduleId}-now-\\S+\\): 2 open findings$`));
        assert.match(
          run.stdout,
          new RegExp(
            `^new paused +${modelId}: its evaluation schedule has been paused since \\S+ \\(paused in upkeep\\.yaml\\), longer than 1s  \\(told owner@example\\.com, left@example\\.com, platform@example\\.com at \\S+\\)$`,
            'm',
          ),
        );
        assert.match(run.stdout, new RegExp(`^new unknown-person +${modelId}: approver left@example\\.com is not in the directory of current people`, 'm'));

        // Triggered through its schedule: the same findings, nothing new.
        const trigger = await upkeep(['schedules', 'trigger', 'watchdog'], env);
        assert.equal(trigger.status, 0, trigger.stderr);
        assert.equal(trigger.stdout.trim(), `triggered ${scheduleId}`);
        const report = await waitFor(
          "the scheduled run's report",
          async () => {
            const show = await upkeep(['watchdog', 'show', '--format', 'json'], env);
            const r = JSON.parse(show.stdout) as WatchdogReport;
            return r.workflowId.startsWith(`${scheduleId}-now-`) ? undefined : r;
          },
          { timeoutMs: 60_000, intervalMs: 500 },
        );
        assert.deepEqual(report.findings.map((f) => f.kind).sort(), ['paused', 'unknown-person']);
        const shown = await upkeep(['watchdog', 'show'], env);
        assert.match(shown.stdout, /^ {4}paused /m, 'no longer new');

        writeFileSync(path.join(ws!.dir, 'people.yaml'), 'people: [owner@example.com, { id: left@example.com }]\n');
        const check = await upkeep(['check'], env);
        assert.match(check.stdout, /^FAIL watchdog\.directory people\.yaml: people\[1\]: expected a person's id/m, 'upkeep check reads the directory too');
        assert.equal(check.status, 1);
        const bad = await upkeep(['watchdog', 'run'], env);
        assert.equal(bad.status, 2);
        assert.match(
          bad.stderr,
          /^upkeep: the watchdog run \S+ failed: watchdog\.directory people\.yaml: people\[1\]: expected a person's id \(a non-empty string\), not \{"id":"left@example\.com"\}\n$/,
        );
      });
    } finally {
      await engine.close();
      await t.client.schedule
        .getHandle(scheduleId)
        .delete()
        .catch(() => undefined);
    }
  });
});
