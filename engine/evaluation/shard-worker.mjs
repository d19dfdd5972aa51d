// Entry of an evaluation worker thread. In dist/: the thread's bundle next to it (shard.cjs, built
// by scripts/build.mjs), one file that starts the thread in about 75 ms against 230 for the ~150
// modules it holds, each resolved and compiled; else the compiled module next to it. From the
// sources: the bundle a test run built of them just before (UPKEEP_TEST_EVALUATION_WORKER, set by
// scripts/test.ts), else the TypeScript through tsx. Messages sent before the thread has loaded
// wait in the port's queue.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('./shard.cjs', import.meta.url));
const compiled = new URL('./shard.js', import.meta.url);
const built = process.env.UPKEEP_TEST_EVALUATION_WORKER;
if (existsSync(bundle)) createRequire(import.meta.url)(bundle);
else if (existsSync(compiled)) await import(compiled.href);
else if (built) createRequire(import.meta.url)(built);
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./shard.ts');
}
