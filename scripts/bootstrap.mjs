#!/usr/bin/env node
// Front door of `npm start`, `npm test` and `npm run bench` on a fresh clone: installs the npm
// packages when they are missing or stale (plain Node, no dependencies), then runs the TypeScript
// entry point with tsx. Signals reach the child, and its exit code becomes ours.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const entries = { start: 'scripts/start.ts', test: 'scripts/test.ts', bench: 'scripts/bench.ts' };
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
  console.log('upkeep: installing npm packages (npm ci) ...');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
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
const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, entries[command]), ...args], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
