// Entry of the binary objective's helper thread: the compiled module next to it (dist/), else the
// TypeScript implementation through tsx.
import { existsSync } from 'node:fs';

const compiled = new URL('./pass-helper.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./pass-helper.ts');
}
