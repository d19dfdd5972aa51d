import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_DIR } from '../../workers/paths.js';

// ONNX Runtime's Linux build starts Microsoft's telemetry with its first session: a SQLite file
// under ~/.cache/Microsoft/DeveloperTools (fsync()ed) and a /tmp/mat-debug-<pid>.log per process.
// upkeep's runner turns it off unless the environment says otherwise (engine/evaluation/ort-env.ts).
describe("ONNX Runtime's telemetry in upkeep's processes", function () {
  this.timeout(60_000);
  let home = '';
  beforeEach(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'upkeep-ort-home-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  /** Scores the example model once in a fresh process; returns its pid, what its home holds, and what it printed (the
   *  telemetry setting the runner saw, then the pid). */
  function scoreOnce(env: NodeJS.ProcessEnv): { pid: number; home: string[]; stdout: string } {
    const script = `
      const { createInProcessRunner } = await import('./engine/evaluation/in-process-runner.ts');
      const { readFileSync } = await import('node:fs');
      const runner = createInProcessRunner();
      await runner.load('churn', new Uint8Array(readFileSync('examples/models/churn.onnx')));
      console.log(JSON.stringify(process.env.ORT_DISABLE_TELEMETRY));
      await runner.close();
      console.log(process.pid);`;
    const { ORT_DISABLE_TELEMETRY: _, ...rest } = process.env;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: PROJECT_DIR,
      encoding: 'utf8',
      env: { ...rest, HOME: home, XDG_CACHE_HOME: path.join(home, '.cache'), ...env },
    });
    const found: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        found.push(path.relative(home, path.join(dir, e.name)));
        if (e.isDirectory()) walk(path.join(dir, e.name));
      }
    };
    walk(home);
    return { pid: Number(out.trim().split('\n').pop()), home: found, stdout: out };
  }

  it('is off by default: nothing written to the home folder, no /tmp/mat-debug file', () => {
    const started = Date.now();
    const { pid, home: files } = scoreOnce({});
    assert.deepEqual(
      files.filter((f) => f.includes('Microsoft')),
      [],
    );
    // A file of that name from an earlier process that had the same pid is not this one's.
    const written = statSync(`/tmp/mat-debug-${pid}.log`, { throwIfNoEntry: false });
    assert.ok(!written || written.mtimeMs < started - 1000, `/tmp/mat-debug-${pid}.log was written by the scoring process`);
  });

  // Whether ONNX Runtime then writes its store is its own affair (it did not on every CI machine):
  // what upkeep owes is to leave the value the environment set, seen by the runner as set.
  it("is ONNX Runtime's to decide when the environment sets ORT_DISABLE_TELEMETRY (0 or empty kept)", () => {
    for (const value of ['0', '']) {
      const { stdout, pid } = scoreOnce({ ORT_DISABLE_TELEMETRY: value });
      rmSync(`/tmp/mat-debug-${pid}.log`, { force: true });
      assert.equal(stdout.split('\n')[0], JSON.stringify(value), `ORT_DISABLE_TELEMETRY=${JSON.stringify(value)}`);
    }
    const { stdout } = scoreOnce({});
    assert.equal(stdout.split('\n')[0], JSON.stringify('1'), 'unset: upkeep turns it off');
  });
});
