import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
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

  /** Scores the example model once in a fresh process; returns its pid and what its home holds. */
  function scoreOnce(env: NodeJS.ProcessEnv): { pid: number; home: string[] } {
    const script = `
      const { createInProcessRunner } = await import('./engine/evaluation/in-process-runner.ts');
      const { readFileSync } = await import('node:fs');
      const runner = createInProcessRunner();
      await runner.load('churn', new Uint8Array(readFileSync('examples/models/churn.onnx')));
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
    return { pid: Number(out.trim().split('\n').pop()), home: found };
  }

  it('is off by default: nothing written to the home folder, no /tmp/mat-debug file', () => {
    const { pid, home: files } = scoreOnce({});
    assert.deepEqual(
      files.filter((f) => f.includes('Microsoft')),
      [],
    );
    assert.equal(existsSync(`/tmp/mat-debug-${pid}.log`), false);
  });

  it("is ONNX Runtime's to decide when the environment sets ORT_DISABLE_TELEMETRY (0: on)", function () {
    if (process.platform !== 'linux') this.skip();
    const { pid, home: files } = scoreOnce({ ORT_DISABLE_TELEMETRY: '0' });
    rmSync(`/tmp/mat-debug-${pid}.log`, { force: true });
    assert.ok(
      files.some((f) => f.includes(path.join('Microsoft', 'DeveloperTools'))),
      `ONNX Runtime wrote its telemetry store (home: ${files.join(', ')})`,
    );
  });
});
