import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, portInUse, resolveTemporalCli } from '../../workers/dev-server.js';
import { PROJECT_DIR } from '../../workers/paths.js';
import { readSettings } from '../../workers/settings.js';
import { waitFor } from '../helpers/wait.js';

const until = <T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> => waitFor(what, probe, { timeoutMs, intervalMs: 500 });

describe('npm start, the front door', function () {
  this.timeout(240_000);

  it('runs a dev server, a worker and the demo schedule, writes a report, and stops everything on Ctrl-C', async function () {
    const cli = resolveTemporalCli({ settings: readSettings(process.env) });
    assert.ok(cli, 'the Temporal CLI is available (npm test installs it)');
    const state = mkdtempSync(path.join(os.tmpdir(), 'upkeep-start-'));
    const [port, uiPort] = [await freePort(), await freePort()];
    const started = new Date().toISOString();
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: PROJECT_DIR,
      env: { ...process.env, HOME: '/nonexistent', UPKEEP_STATE_DIR: state, UPKEEP_TEMPORAL_CLI: cli, UPKEEP_DEV_PORT: String(port), UPKEEP_DEV_UI_PORT: String(uiPort) },
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
      child.kill('SIGINT');
      const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
      if (code === 'hung') child.kill('SIGKILL');
      rmSync(state, { recursive: true, force: true });
      assert.equal(code, 0, `npm start stops cleanly on Ctrl-C:\n${out.slice(-2000)}`);
    }
    assert.equal(await portInUse(port), false, 'the dev server is stopped');
  });
});
