#!/usr/bin/env node
// The `upkeep` command. Runs the compiled JavaScript in dist/, compiled here on first use and
// after a source changed (scripts/build.mjs); the TypeScript sources through tsx if it cannot be.
import module, { createRequire } from 'node:module';
import { ensureBuilt } from '../scripts/build.mjs';
import { useCompileCache } from './compile-cache.mjs';

// Node ≥ 22 keeps compiled module code between runs (most of a command's start-up); on Node 20,
// bin/compile-cache.mjs does it for the CommonJS packages and the CLI's bundle (CommonJS for that).
module.enableCompileCache?.();
useCompileCache();

if (await ensureBuilt()) {
  createRequire(import.meta.url)('../dist/cli/main.cjs');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
