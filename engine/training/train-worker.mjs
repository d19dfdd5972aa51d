// Entry of a builtin-training thread: the compiled module next to it (dist/), else the
// TypeScript implementation through tsx.
import { existsSync } from 'node:fs';

const compiled = new URL('./train-thread.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./train-thread.ts');
}
