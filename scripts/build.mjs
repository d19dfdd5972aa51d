#!/usr/bin/env node
// Compiles the TypeScript sources to JavaScript in dist/ (esbuild, no type-check: `npm run
// typecheck` does that), so that the CLI and `npm start` run without compiling at every start.
// ensureBuilt() recompiles only when a source is newer than the last build, or one was added or
// removed: a stat of each source file, a few milliseconds. A copy whose file times changed is fresh
// when the sources' contents hash the same. An installed copy (in node_modules; npm pack's prepack
// builds it) is fresh when it has a stamp.
// Plain Node, no TypeScript here.
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const DIST = path.join(ROOT, 'dist');
const SOURCE_DIRS = ['domain', 'engine', 'activities', 'workflows', 'workers', 'cli', 'scripts'];
const STAMP = '.build-stamp';

// Every command in a working tree walks the sources (bin/upkeep.mjs): names are joined by hand,
// path.join's normalising of each of ~400 names was most of the walk's time.
function sources() {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const name = e.name;
      if (e.isDirectory()) walk(dir + path.sep + name);
      else if ((name.endsWith('.ts') && !name.endsWith('.d.ts')) || name.endsWith('.mjs')) out.push(dir + path.sep + name);
    }
  };
  for (const d of SOURCE_DIRS) walk(ROOT + path.sep + d);
  return out;
}

/** Newest modification time and number of the sources (and package.json): what the build is of. */
function fingerprint(files) {
  let newest = statSync(path.join(ROOT, 'package.json')).mtimeMs;
  for (const f of files) newest = Math.max(newest, statSync(f).mtimeMs);
  return `${files.length}:${newest}`;
}

/** A hash of the sources' paths and contents (and package.json): the same wherever they are unpacked. */
function contentHash(files) {
  // node:crypto is loaded only here: a fresh build's check (every command's start) needs no hash.
  const h = createRequire(import.meta.url)('node:crypto').createHash('sha256');
  for (const f of [path.join(ROOT, 'package.json'), ...files].sort()) h.update(`${path.relative(ROOT, f)}\0`).update(readFileSync(f));
  return h.digest('hex');
}

/**
 * The stamp is `<fingerprint>\n<content hash>`: the fingerprint decides at once, the hash when file
 * times changed (a checkout or copy of the same sources). Then the stamp takes the new fingerprint,
 * so that the next run decides at once again (where the folder may be written).
 */
export function isFresh(files = sources()) {
  const stamp = path.join(DIST, STAMP);
  if (!existsSync(stamp)) return false;
  const [times, hash] = readFileSync(stamp, 'utf8').split('\n');
  const now = fingerprint(files);
  if (times === now) return true;
  if (hash !== contentHash(files)) return false;
  try {
    writeFileSync(`${stamp}.${process.pid}.tmp`, `${now}\n${hash}`);
    renameSync(`${stamp}.${process.pid}.tmp`, stamp);
  } catch {
    // read-only: the hash decides again next time
  }
  return true;
}

/**
 * An installed copy (a package in a node_modules folder) is fresh when it has a stamp: npm puts
 * the sources and their dist/ in place together (npm pack's prepack builds it) and nobody edits
 * them, so a command need not look at ~300 sources at every start. A working tree checks them.
 */
const INSTALLED = ROOT.split(path.sep).includes('node_modules');

function writable(dir) {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Compiles everything into a fresh folder, then swaps it in (a concurrent run keeps a whole dist/). */
/** What the stamp of a build of the sources as they are now says. */
export function stampOf(files = sources()) {
  return `${fingerprint(files)}\n${contentHash(files)}`;
}

export async function build() {
  const files = sources();
  const want = stampOf(files);
  const { build: esbuild } = await import('esbuild');
  const tmp = `${DIST}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    await esbuild({
      entryPoints: files.filter((f) => f.endsWith('.ts')),
      outdir: tmp,
      outbase: ROOT,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'error',
    });
    await bundle(esbuild, tmp, 'cli/main.ts', CLI_BUNDLE);
    await bundle(esbuild, tmp, 'engine/evaluation/shard.ts', WORKER_BUNDLE);
    writeFileSync(path.join(tmp, CLIENT_PROTO_ROOT), JSON.stringify(clientProtoRoot()));
    // Worker-thread entries are plain JavaScript: copied as they are (they load the compiled module next to them).
    for (const f of files.filter((f) => f.endsWith('.mjs') && !f.startsWith(path.join(ROOT, 'scripts')))) {
      const to = path.join(tmp, path.relative(ROOT, f));
      mkdirSync(path.dirname(to), { recursive: true });
      copyFileSync(f, to);
    }
    writeFileSync(path.join(tmp, STAMP), want);
    const old = `${DIST}.old-${process.pid}`;
    if (existsSync(DIST)) renameSync(DIST, old);
    renameSync(tmp, DIST);
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Where the client's protobuf root is written, next to the module that reads it (cli/client/proto-root.ts). */
export const CLIENT_PROTO_ROOT = path.join('cli', 'client', 'temporal-client-root.json');
/** The namespaces of the Temporal SDK's protobuf root a client never reaches: the worker's core protocol, Temporal Cloud's operations API. */
export const CLIENT_UNUSED_NAMESPACES = [['coresdk'], ['temporal', 'api', 'cloud']];

/**
 * The Temporal SDK's protobuf root without CLIENT_UNUSED_NAMESPACES, as protobufjs's JSON, and the
 * size of the SDK module it was made from (cli/client/proto-root.ts uses it only with that module).
 */
export function clientProtoRoot() {
  const require = createRequire(import.meta.url);
  const file = require.resolve('@temporalio/proto/protos/json-module');
  const root = require(file).toJSON();
  for (const names of CLIENT_UNUSED_NAMESPACES) {
    const parent = names.slice(0, -1).reduce((ns, name) => ns.nested[name], root);
    if (!parent?.nested?.[names.at(-1)]) throw new Error(`the Temporal SDK's protobuf root has no ${names.join('.')}`);
    delete parent.nested[names.at(-1)];
  }
  return { sourceBytes: statSync(file).size, root };
}

// Pure-JavaScript packages the CLI loads, compiled into its bundle (hysnappy, hyparquet-compressors'
// Snappy decoder and hyparquet-writer, which writes a query window's days, because they are ES
// modules only, which a CommonJS bundle cannot require).
// The others stay require()s of node_modules: native code (onnxruntime-node), Temporal's packages
// (their workflow bundler and proto descriptors expect to be themselves), and everything not on
// the start-up path.
const BUNDLED_PACKAGES = new Set(['commander', 'zod', 'yaml', 'hyparquet', 'hysnappy', 'fzstd', '@noble/curves', '@noble/hashes', 'hyparquet-writer']);
const packageOf = (spec) =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');

/** The CLI's bundle, over the per-file build. */
export const CLI_BUNDLE = path.join(DIST, 'cli', 'main.cjs');
/** The evaluation worker thread's bundle (engine/evaluation/shard-worker.mjs loads it). */
export const WORKER_BUNDLE = path.join(DIST, 'engine', 'evaluation', 'shard.cjs');

/**
 * The CLI as one CommonJS file, dist/cli/main.cjs (a lazily imported command's modules run when it
 * is imported, as before), over the per-file build (which worker threads, the workflow bundler,
 * `npm start` and the bench still run). One file instead of ~140 modules and their packages to
 * resolve and compile is most of a command's start-up; and CommonJS, because on Node 20 only a
 * script can be given V8's code cache of an earlier run (bin/compile-cache.mjs), which ES modules
 * cannot: compiling the bundle was a third of `upkeep evaluate`'s start-up. A module's
 * `import.meta.url` is rewritten to its per-file compiled place, so paths relative to it
 * (worker-thread entries, the workflows, the project folder) stay what they are.
 */
async function bundle(esbuild, outRoot, entry, target) {
  const outfile = path.join(outRoot, path.relative(DIST, target));
  await esbuild({
    entryPoints: [path.join(ROOT, entry)],
    outfile,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
    // The bundle's own location, for the modules' rewritten import.meta.url.
    banner: { js: "const __upkeepBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
    define: { 'import.meta.url': '__upkeepBundleUrl' },
    // import() of a package becomes a require() (all it imports so are CommonJS): on Node 20, V8
    // drops a script's import() callback when the script comes from cached code.
    supported: { 'dynamic-import': false },
    plugins: [
      {
        name: 'upkeep-cli',
        setup(b) {
          // engine/data/parquet/inflate.ts takes only hyparquet-compressors' Snappy decoder (it
          // decodes the other codecs itself), and the package builds every codec's tables when it
          // is loaded (~10 ms of a command's start-up): the bundle gets the Snappy decoder alone,
          // its WebAssembly instantiated at first use.
          b.onResolve({ filter: /^hyparquet-compressors$/ }, () => ({ path: 'hyparquet-compressors', namespace: 'snappy-only' }));
          b.onLoad({ filter: /.*/, namespace: 'snappy-only' }, () => ({
            contents:
              "import { snappyUncompressor } from 'hysnappy'; let snappy; export const compressors = { get SNAPPY() { return (snappy ??= snappyUncompressor()); } };",
            loader: 'js',
            resolveDir: path.dirname(createRequire(import.meta.url).resolve('hyparquet-compressors')),
          }));
          b.onResolve({ filter: /^[^./]/ }, (args) => {
            if (args.path.startsWith('node:')) return { path: args.path, external: true };
            return BUNDLED_PACKAGES.has(packageOf(args.path)) ? undefined : { path: args.path, external: true };
          });
          // zod's namespace object carries its ~60 message locales; upkeep uses the default (English) one.
          b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
            /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)
              ? { path: path.join(path.dirname(args.importer), '..', 'locales', 'en.js'), namespace: 'zod-locales' }
              : undefined,
          );
          b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
            contents: `export { default as en } from ${JSON.stringify(args.path)};`,
            loader: 'js',
            resolveDir: path.dirname(args.path),
          }));
          b.onLoad({ filter: /\.ts$/ }, async (args) => {
            let contents = await readFile(args.path, 'utf8');
            if (contents.includes('import.meta.url')) {
              const compiled = path.join(DIST, path.relative(ROOT, args.path)).replace(/\.ts$/, '.js');
              const rel = path.relative(path.dirname(target), compiled).split(path.sep).join('/');
              contents = contents.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`);
            }
            return { contents, loader: 'ts' };
          });
        },
      },
    ],
  });
  writeFileSync(outfile, asciiOnly(readFileSync(outfile, 'utf8')));
}

/**
 * The bundle with every character past ASCII written as a \u escape. esbuild escapes them in
 * strings already, but leaves comments and tagged templates (the web pages' html``, which read
 * the cooked strings, where an escape is the same character) as they are, and one such character
 * makes Node read the whole 2.4 MB file as a two-byte string: its slower decoding (~9 ms) and
 * twice the memory at every start of a command.
 */
export function asciiOnly(code) {
  return code.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Builds when dist/ is missing or older than the sources; false when it cannot (the caller runs the sources). */
export async function ensureBuilt(log = (line) => console.error(line)) {
  if (INSTALLED && existsSync(path.join(DIST, STAMP))) return true;
  const files = sources();
  if (isFresh(files)) return true;
  if (!writable(ROOT)) {
    log(
      `upkeep: ${DIST} is ${existsSync(DIST) ? 'older than the sources' : 'missing'} and ${ROOT} is read-only; running the TypeScript sources (slower start)`,
    );
    return false;
  }
  try {
    await build();
    return true;
  } catch (err) {
    log(`upkeep: could not compile to ${path.relative(process.cwd(), DIST) || DIST} (${err.message}); running the TypeScript sources`);
    return false;
  }
}

// `node scripts/build.mjs` builds; with --if-stale (npm's `prepare`, so `npm pack`) only when
// dist/ is missing or older than the sources, as every command checks: the tarball test packs
// the tree `npm test` has just built, and rebuilt dist/ under the running suite's commands.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  if (process.argv.includes('--if-stale') && isFresh()) console.log('upkeep: dist/ is up to date');
  else {
    await build();
    console.log(`upkeep: compiled to dist/ in ${Date.now() - started} ms`);
  }
}
