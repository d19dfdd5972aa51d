import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_DIR } from '../../workers/paths.js';

type BuildModule = { isFresh(): boolean; stampOf(): string; ensureBuilt(log?: (line: string) => void): Promise<boolean> };

/** A copy of scripts/build.mjs in a project of one source file, with dist/ stamped as built from it. */
async function project(root: string): Promise<{ build: BuildModule; source: string; stamp: string }> {
  for (const d of ['domain', 'engine', 'activities', 'workflows', 'workers', 'cli', 'scripts', 'dist']) mkdirSync(path.join(root, d), { recursive: true });
  writeFileSync(path.join(root, 'package.json'), '{"name":"p"}\n');
  const source = path.join(root, 'domain', 'a.ts');
  writeFileSync(source, 'export const a = 1;\n');
  copyFileSync(path.join(PROJECT_DIR, 'scripts', 'build.mjs'), path.join(root, 'scripts', 'build.mjs'));
  const build = (await import(pathToFileURL(path.join(root, 'scripts', 'build.mjs')).href)) as BuildModule;
  const stamp = path.join(root, 'dist', '.build-stamp');
  writeFileSync(stamp, build.stampOf());
  return { build, source, stamp };
}

// scripts/build.mjs decides at each `upkeep` start whether dist/ is the build of the sources.
describe('the dist/ stamp (scripts/build.mjs)', function () {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'upkeep-stamp-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is fresh after a touch that changed no content, and takes the new file times so the next start decides by them alone', async () => {
    const { build, source, stamp } = await project(path.join(dir, 'p'));
    assert.equal(build.isFresh(), true);
    const later = new Date(Date.now() + 60_000);
    utimesSync(source, later, later);
    const before = readFileSync(stamp, 'utf8');
    assert.equal(build.isFresh(), true, 'same content');
    const after = readFileSync(stamp, 'utf8');
    assert.notEqual(after.split('\n')[0], before.split('\n')[0], 'the new file times recorded');
    assert.equal(after, build.stampOf());
    writeFileSync(source, 'export const a = 2;\n');
    assert.equal(build.isFresh(), false, 'a changed source');
  });

  it('is trusted in an installed copy (in node_modules) without looking at the sources', async () => {
    const { build, source } = await project(path.join(dir, 'node_modules', 'upkeep'));
    writeFileSync(source, 'export const a = 2;\n');
    assert.equal(build.isFresh(), false, 'the sources did change');
    assert.equal(await build.ensureBuilt(() => assert.fail('no build')), true);
  });
});
