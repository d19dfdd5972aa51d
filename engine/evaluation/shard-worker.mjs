// Entry of an evaluation worker thread: the compiled module next to it (dist/), else the
// TypeScript implementation through tsx. Messages sent before the import finishes wait in the port's queue.
import { existsSync } from 'node:fs';

const compiled = new URL('./shard.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./shard.ts');
}
