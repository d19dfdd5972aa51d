#!/usr/bin/env node
// Front door of `npm start`, `npm test` and `npm run bench` on a fresh clone: installs the npm
// packages when they are missing or stale (plain Node, no dependencies), compiles the TypeScript
// to dist/ when it is missing or stale (scripts/build.mjs; .npmrc's ignore-scripts means no
// `prepare` on install), then runs the entry point: start and bench compiled, the tests through
// tsx (mocha loads the .ts test files). Signals reach the child (also when our parent dies), we
// wait for it, and its exit code becomes ours.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const entries = { start: 'cli/start.ts', test: 'scripts/test.ts', bench: 'scripts/bench.ts' };
const [command, ...args] = process.argv.slice(2);
if (!entries[command]) {
  console.error(`usage: node scripts/bootstrap.mjs ${Object.keys(entries).join('|')} [args]`);
  process.exit(2);
}

function ensurePackages() {
  const hash = createHash('sha256');
  for (const f of ['package.json', 'package-lock.json']) hash.update(readFileSync(path.join(root, f)));
  const want = hash.digest('hex');
  const stamp = path.join(root, 'node_modules', '.upkeep-installed');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return;
  // A node_modules that links to another project's install (a git worktree sharing one) is that
  // project's: npm ci here would empty it for everyone using it and leave a copy of our own.
  const modules = path.join(root, 'node_modules');
  if (existsSync(modules) && lstatSync(modules).isSymbolicLink()) {
    console.log(
      `upkeep: node_modules links to ${readlinkSync(modules)}, installed for other package files: not reinstalling it (run npm ci where it belongs, or remove the link)`,
    );
    return;
  }
  console.log('upkeep: installing npm packages (npm ci) ...');
  // --prefer-offline: what npm's cache holds of the lockfile's exact versions is used without asking
  // the registry whether it is still current (each is checked against the lockfile's integrity
  // hash); the rest is fetched. Half of a fresh clone's npm ci here (25-30 s against 53-60, same period).
  const r = spawnSync('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: root,
    stdio: 'inherit',
    // onnxruntime-node's install script would try to download GPU binaries; the CPU build ships in the package.
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', ONNXRUNTIME_NODE_INSTALL_CUDA: 'skip' },
  });
  if (r.status !== 0) {
    console.error('upkeep: npm ci failed; see the output above');
    process.exit(r.status ?? 1);
  }
  writeFileSync(stamp, want);
}

ensurePackages();
// Imported after the install: the build needs esbuild from node_modules.
const { ensureBuilt } = await import(pathToFileURL(path.join(root, 'scripts', 'build.mjs')).href);
const compiled = command !== 'test' && (await ensureBuilt());
const argv = compiled ? [path.join(root, 'dist', entries[command].replace(/\.ts$/, '.js'))] : ['--import', 'tsx', path.join(root, entries[command])];
// One malloc arena: with glibc's default (one per thread, up to 8 per core), buffers freed by the
// evaluation threads stay spread over their arenas and the RSS keeps them. A 10M-row window peaked
// at about 1.0 GiB instead of 1.2 GiB, in the same time. And buffers of 4 MiB or more (a row
// group's bytes, a batch's input tensor) mapped on their own and returned when freed, instead of
// glibc's threshold that rises to 32 MiB and leaves them in the arena: about 80 MiB less at that
// window's peak, for ~2% of its time (npm run bench; docs/evaluation.md "Memory allocator"). A value
// the user set is kept.
const env = { MALLOC_ARENA_MAX: '1', MALLOC_MMAP_THRESHOLD_: '4194304', ...process.env };
const child = spawn(process.execPath, [...argv, ...args], { cwd: root, stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
// npm sends SIGTERM to the `sh -c` that runs us, and the shell dies without passing it on: when
// our parent is gone, stop the child as if we had been sent SIGTERM, and wait for it.
const parent = process.ppid;
const watch = setInterval(() => {
  if (process.ppid === parent) return;
  clearInterval(watch);
  child.kill('SIGTERM');
}, 500);
watch.unref();
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
