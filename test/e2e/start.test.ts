import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { portInUse, resolveTemporalCli } from '../../workers/dev-server.js';
import { PROJECT_DIR } from '../../workers/paths.js';
import { readSettings } from '../../workers/settings.js';
import { waitFor } from '../helpers/wait.js';
import { processesOf } from '../helpers/processes.js';
import { fixedPort } from '../helpers/ports.js';

const until = <T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> =>
  waitFor(what, probe, { timeoutMs, intervalMs: 500 });

describe('npm start, the front door', function () {
  this.timeout(240_000);

  it('runs a dev server, a worker and the demo schedule, writes a report, and stops everything on SIGTERM to npm', async function () {
    const cli = resolveTemporalCli({ settings: readSettings(process.env) });
    assert.ok(cli, 'the Temporal CLI is available (npm test installs it)');
    const state = mkdtempSync(path.join(os.tmpdir(), 'upkeep-start-'));
    const port = await fixedPort();
    const uiPort = await fixedPort([port]);
    const started = new Date().toISOString();
    // Through npm, as a process manager runs it; its own process group, so that the test can tell
    // whether anything is left.
    const child = spawn('npm', ['start'], {
      cwd: PROJECT_DIR,
      detached: true,
      env: {
        ...process.env,
        HOME: '/nonexistent',
        UPKEEP_STATE_DIR: state,
        UPKEEP_TEMPORAL_CLI: cli,
        UPKEEP_DEV_PORT: String(port),
        UPKEEP_DEV_UI_PORT: String(uiPort),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await until('the ready message', () => (out.includes('upkeep is running') ? true : undefined), 150_000);
      assert.match(out, new RegExp(`Temporal UI   http://127\\.0\\.0\\.1:${uiPort}/namespaces/default/workflows`));
      assert.match(out, /upkeep-evaluate-churn +(create|unchanged)/);
      assert.equal((await fetch(`http://127.0.0.1:${uiPort}/`)).status, 200);

      // The triggered evaluation's report, from this run.
      const reports = path.join(PROJECT_DIR, '.upkeep', 'store', 'reports', 'churn');
      const report = await until(
        'a report from this run',
        () => {
          let files: string[] = [];
          try {
            files = readdirSync(reports).filter((f) => f.endsWith('.json'));
          } catch {
            return undefined;
          }
          for (const f of files) {
            const r = JSON.parse(readFileSync(path.join(reports, f), 'utf8'));
            if (r.workflow?.startedAt >= started) return r;
          }
          return undefined;
        },
        90_000,
      );
      // The demo data is drawn per calendar day from the process the model was trained on.
      assert.ok(['healthy', 'warning'].includes(report.verdict.status), report.verdict.reasons.join('; '));
      assert.equal(report.rows, 2800);
      assert.equal(report.drift.dataset_drift, false);
    } finally {
      // SIGTERM to npm alone: npm passes it to its `sh -c`, which dies without passing it on.
      child.kill('SIGTERM');
      await exited;
      const left = await until('every process of npm start to exit', () => (processesOf(child.pid!, state).length === 0 ? true : undefined), 40_000).catch(
        () => false,
      );
      const stragglers = processesOf(child.pid!, state);
      for (const pid of stragglers) process.kill(pid, 'SIGKILL');
      rmSync(state, { recursive: true, force: true });
      assert.ok(left, `left running after SIGTERM: ${stragglers.join(', ')}\n${out.slice(-2000)}`);
      assert.match(out, /upkeep: stopped/);
    }
    assert.equal(await portInUse(port), false, 'the dev server is stopped');
  });

  it('stops its dev server when upkeep itself is killed outright (SIGKILL)', async function () {
    const cli = resolveTemporalCli({ settings: readSettings(process.env) });
    assert.ok(cli);
    const port = await fixedPort();
    const script = `import { startDevServer } from './workers/dev-server.ts';
await startDevServer({ cli: ${JSON.stringify(cli)}, port: ${port}, startTimeoutMs: 90000 });
console.log('ready'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: PROJECT_DIR, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await until('the dev server', () => (out.includes('ready') ? true : undefined), 100_000);
    assert.equal(await portInUse(port), true);
    child.kill('SIGKILL');
    await until('the dev server to stop after its owner was killed', async () => ((await portInUse(port)) ? undefined : true), 30_000);
  });
});
