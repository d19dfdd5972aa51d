#!/usr/bin/env node
// The `upkeep` command. Runs the compiled JavaScript in dist/, compiled here on first use and
// after a source changed (scripts/build.mjs); the TypeScript sources through tsx if it cannot be.
import { ensureBuilt } from '../scripts/build.mjs';

if (await ensureBuilt()) {
  await import('../dist/scripts/cli.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../scripts/cli.ts');
}
