import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error plain JavaScript (scripts/build.mjs), no declarations
import { DIST, ensureBuilt } from '../../scripts/build.mjs';

// The CLI runs from one CommonJS bundle, dist/cli/main.cjs (scripts/build.mjs); what it finds by
// a path relative to a module must still be where the per-file build puts it.
describe('the bundled command line (dist/cli/main.cjs)', function () {
  this.timeout(120_000);
  let bundle = '';
  let file = '';

  before(async () => {
    assert.equal(await ensureBuilt(), true);
    file = path.join(DIST as string, 'cli', 'main.cjs');
    bundle = readFileSync(file, 'utf8');
  });

  it('requires none of our per-file modules: the bundle holds the code', () => {
    assert.doesNotMatch(bundle, /require\("\.\.\/(engine|domain|workers|activities)\//);
    assert.doesNotMatch(bundle, /require\("(zod|yaml|commander|hyparquet|hysnappy)"\)/, 'pure-JavaScript packages are bundled');
  });

  it('requires only CommonJS packages, with no import() left (Node 20 loses it in a script run from cached code)', () => {
    const required = new Set([...bundle.matchAll(/require\("([^".][^"]*)"\)/g)].map((m) => m[1]!).filter((p) => !isBuiltin(p)));
    assert.ok(required.has('@temporalio/client') && required.has('onnxruntime-node') && required.has('@aws-sdk/client-s3'), [...required].join(', '));
    const requireHere = createRequire(file);
    for (const p of required) {
      const resolved = requireHere.resolve(p);
      let dir = path.dirname(resolved);
      while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
      const type = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { type?: string }).type;
      assert.ok(
        resolved.endsWith('.cjs') || resolved.endsWith('.node') || (!resolved.endsWith('.mjs') && type !== 'module'),
        `${p} is an ES module: ${resolved}`,
      );
    }
    // Comments aside (a few packages name import() in their JSDoc).
    const code = bundle.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    assert.doesNotMatch(code, /\bimport\(/);
  });

  it('is ASCII only, so that Node reads it as a one-byte string (non-ASCII characters written as escapes)', () => {
    const at = bundle.search(/[^\x00-\x7f]/);
    assert.equal(at, -1, `a non-ASCII character at ${at}: ${bundle.slice(Math.max(0, at - 60), at + 20)}`);
    // The web pages' html`` templates keep their characters: the escape is the same cooked string.
    assert.match(bundle, /html`\\u2014`/);
  });

  it("carries hyparquet-compressors' Snappy decoder only (the Parquet reader decodes the other codecs itself)", () => {
    assert.match(bundle, /snappyUncompressor/);
    assert.doesNotMatch(bundle, /decompressBrotli|brotli\.dictionary/);
  });

  it("carries zod's English messages only, not its other locales", () => {
    assert.match(bundle, /zod\/v4\/locales\/en\.js/);
    assert.doesNotMatch(bundle, /zod\/v4\/locales\/(de|fr|ja)\.js/);
  });

  it("rewrites each module's own location to its compiled file, so the paths beside it resolve", () => {
    const found: string[] = [];
    for (const m of bundle.matchAll(/new URL\("([^"]+)", new URL\("([^"]+)", __upkeepBundleUrl\)\.href\)/g)) {
      const at = new URL(m[2]!, `file://${path.join(DIST as string, 'cli')}/`);
      found.push(fileURLToPath(new URL(m[1]!, at)));
    }
    const worker = found.find((f) => f.endsWith(path.join('engine', 'evaluation', 'shard-worker.mjs')));
    assert.ok(worker, 'the evaluation worker thread entry is found relative to engine/evaluation/engine.js');
    assert.ok(found.some((f) => f.endsWith(path.join('engine', 'training', 'train-worker.mjs'))));
    for (const f of found) assert.ok(existsSync(f), f);
  });
});
