import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error plain JavaScript (scripts/build.mjs), no declarations
import { DIST, ensureBuilt } from '../../scripts/build.mjs';

// The CLI runs from a few bundles in dist/cli/ (scripts/build.mjs); what it finds by a path
// relative to a module must still be where the per-file build puts it.
describe('the bundled command line (dist/cli/)', function () {
  this.timeout(120_000);
  let chunks: { name: string; text: string }[] = [];

  before(async () => {
    assert.equal(await ensureBuilt(), true);
    const dir = path.join(DIST as string, 'cli');
    chunks = readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .map((name) => ({ name, text: readFileSync(path.join(dir, name), 'utf8') }));
  });

  it('imports none of our per-file modules: the entry and its chunks hold the code', () => {
    const main = chunks.find((c) => c.name === 'main.js')!;
    assert.ok(main, 'dist/cli/main.js');
    for (const { name, text } of chunks.filter((c) => c.name === 'main.js' || /-[A-Z0-9]{8}\.js$/.test(c.name))) {
      assert.doesNotMatch(text, /from "\.\.\/(engine|domain|workers|activities)\//, name);
      assert.doesNotMatch(text, /from "(zod|yaml|commander)"/, `${name}: pure-JavaScript packages are bundled`);
    }
  });

  it("carries zod's English messages only, not its other locales", () => {
    const all = chunks.map((c) => c.text).join('\n');
    assert.match(all, /zod\/v4\/locales\/en\.js/);
    assert.doesNotMatch(all, /zod\/v4\/locales\/(de|fr|ja)\.js/);
  });

  it("rewrites each module's own location to its compiled file, so the paths beside it resolve", () => {
    const found: string[] = [];
    for (const { text } of chunks) {
      for (const m of text.matchAll(/new URL\("([^"]+)", new URL\("([^"]+)", import\.meta\.url\)\.href\)/g)) {
        const at = new URL(m[2]!, `file://${path.join(DIST as string, 'cli')}/`);
        found.push(fileURLToPath(new URL(m[1]!, at)));
      }
    }
    const worker = found.find((f) => f.endsWith(path.join('engine', 'evaluation', 'shard-worker.mjs')));
    assert.ok(worker, 'the evaluation worker thread entry is found relative to engine/evaluation/engine.js');
    assert.ok(found.some((f) => f.endsWith(path.join('engine', 'training', 'train-worker.mjs'))));
    for (const f of found) assert.ok(existsSync(f), f);
  });
});
