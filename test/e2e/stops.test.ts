import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { portInUse, resolveTemporalCli } from '../../workers/dev-server.js';
import { PROJECT_DIR } from '../../workers/paths.js';
import { readSettings } from '../../workers/settings.js';
import { waitFor } from '../helpers/wait.js';
import { alive, processesOf } from '../helpers/processes.js';

describe('npm test stops everything it started', function () {
  this.timeout(120_000);

  it('on SIGTERM to npm, even when the suite ignores SIGTERM: the suite, its launcher and the dev server end', async function () {
    const cli = resolveTemporalCli({ settings: readSettings(process.env) });
    assert.ok(cli);
    // Its own process group (as a CI runner starts it); SIGTERM goes to npm alone.
    const child = spawn('npm', ['test', '--', 'test/fixtures/stops/stubborn.fixture.ts'], {
      cwd: PROJECT_DIR,
      detached: true,
      env: { ...process.env, UPKEEP_TEMPORAL_CLI: cli },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const stubborn = await waitFor('the stubborn suite to run', () => Number(/stubborn: running as (\d+)/.exec(out)?.[1]) || undefined, {
      timeoutMs: 90_000,
      intervalMs: 200,
    });
    const port = Number(/Temporal dev server at 127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
    assert.ok(port > 0, out);
    assert.equal(await portInUse(port), true);

    child.kill('SIGTERM');
    try {
      await waitFor('npm test and everything it started to end', () => (processesOf(child.pid!).length === 0 && !alive(stubborn) ? true : undefined), {
        timeoutMs: 40_000,
        intervalMs: 250,
      });
    } finally {
      for (const pid of [...processesOf(child.pid!), stubborn]) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    await waitFor('the dev server to stop', async () => ((await portInUse(port)) ? undefined : true), { timeoutMs: 20_000 });
    assert.match(out, /stubborn: SIGTERM ignored/, 'the signal reached the suite');
    assert.match(out, /upkeep test: Temporal dev server stopped/);
  });
});
