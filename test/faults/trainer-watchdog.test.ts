/**
 * A worker killed while a command trainer runs: the trainer's process group is stopped (SIGTERM,
 * then SIGKILL if it ignores that) and its scratch folder removed, instead of training on as an
 * orphan. No Temporal here: a process runs the command trainer and is killed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_DIR } from '../../workers/paths.js';
import { waitFor } from '../helpers/wait.js';
import { alive } from '../helpers/processes.js';

describe('faults: a command trainer whose worker is killed', function () {
  this.timeout(60_000);
  let dir: string | undefined;
  let pid: number | undefined;
  afterEach(() => {
    if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL'); // a trainer this test failed to stop
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const stubborn of [false, true]) {
    it(`is stopped and its scratch folder removed${stubborn ? ' (SIGKILL after the grace period when it ignores SIGTERM)' : ''}`, async function () {
      dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-watchdog-'));
      const scratch = path.join(dir, 'work');
      mkdirSync(scratch);
      const pidFile = path.join(dir, 'trainer.pid');
      const trainer = `${stubborn ? "process.on('SIGTERM', () => {});" : ''} require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000);`;
      const runner = path.join(dir, 'runner.mts');
      const command = pathToFileURL(path.join(PROJECT_DIR, 'engine', 'training', 'command.ts')).href;
      writeFileSync(
        runner,
        `import { runCommandTrainer } from ${JSON.stringify(command)};
await runCommandTrainer({ command: [process.execPath, '-e', ${JSON.stringify(trainer)}], cwd: ${JSON.stringify(dir)}, trainData: ${JSON.stringify(scratch)}, output: ${JSON.stringify(path.join(scratch, 'model.onnx'))}, params: ${JSON.stringify(path.join(scratch, 'params.json'))}, timeoutMs: 600000, scratchDir: ${JSON.stringify(scratch)}, onLog: () => {} });\n`,
      );
      const worker = spawn(process.execPath, ['--import', 'tsx', runner], { cwd: PROJECT_DIR, stdio: 'ignore' });
      const exited = new Promise((r) => worker.once('exit', r));
      try {
        pid = await waitFor('the trainer to start', () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined), {
          timeoutMs: 30_000,
          intervalMs: 100,
        });
        worker.kill('SIGKILL');
        await exited;
        await waitFor('the orphaned trainer to be stopped', () => (alive(pid!) ? undefined : true), { timeoutMs: 30_000, intervalMs: 100 });
        await waitFor('the scratch folder removed', () => (existsSync(scratch) ? undefined : true), { timeoutMs: 10_000, intervalMs: 100 });
      } finally {
        worker.kill('SIGKILL');
      }
    });
  }
});
