import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BOOTSTRAP = fileURLToPath(new URL('../../scripts/bootstrap.mjs', import.meta.url));

/**
 * scripts/bootstrap.mjs in a project of its own, with an `npm` on PATH that only notes how it was
 * called. Its stale stamp makes the front door want to install; what it does is the question.
 */
function project(modules: 'linked' | 'own'): { dir: string; shared: string; npmCalls: () => string; run: () => string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-bootstrap-'));
  mkdirSync(path.join(dir, 'scripts'));
  copyFileSync(BOOTSTRAP, path.join(dir, 'scripts', 'bootstrap.mjs'));
  writeFileSync(path.join(dir, 'package.json'), '{"name":"x","private":true}\n');
  writeFileSync(path.join(dir, 'package-lock.json'), '{}\n');
  const shared = path.join(dir, 'shared-install');
  mkdirSync(shared);
  writeFileSync(path.join(shared, '.upkeep-installed'), 'stamp of other package files');
  writeFileSync(path.join(shared, 'kept'), 'a package of the shared install');
  if (modules === 'linked') symlinkSync(shared, path.join(dir, 'node_modules'));
  else mkdirSync(path.join(dir, 'node_modules'));
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  const log = path.join(dir, 'npm-calls');
  writeFileSync(path.join(bin, 'npm'), `#!/bin/sh\necho "$@" >> '${log}'\n`);
  chmodSync(path.join(bin, 'npm'), 0o755);
  return {
    dir,
    shared,
    npmCalls: () => (existsSync(log) ? readFileSync(log, 'utf8') : ''),
    run: () => {
      // It stops after the install step: this project has no scripts/build.mjs.
      const r = spawnSync(process.execPath, [path.join(dir, 'scripts', 'bootstrap.mjs'), 'test'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      });
      return r.stdout + r.stderr;
    },
  };
}

describe('the front door installs packages only into its own node_modules', () => {
  it('leaves a node_modules that links to a shared install alone, and says so', () => {
    const p = project('linked');
    try {
      const out = p.run();
      assert.equal(p.npmCalls(), '', 'npm is not run through the link');
      assert.ok(existsSync(path.join(p.shared, 'kept')), 'the shared install keeps its packages');
      assert.match(out, /node_modules links to .*shared-install.*not reinstalling it/);
    } finally {
      rmSync(p.dir, { recursive: true, force: true });
    }
  });

  it('runs npm ci when its own node_modules is stale', () => {
    const p = project('own');
    try {
      const out = p.run();
      assert.match(p.npmCalls(), /^ci /);
      assert.match(out, /installing npm packages/);
    } finally {
      rmSync(p.dir, { recursive: true, force: true });
    }
  });
});
