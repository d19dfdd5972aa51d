/** Project-relative locations: the defaults of the composition root (see settings.ts). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder with package.json, from the sources (workers/) or the compiled code (dist/workers/). */
function projectDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const up = path.resolve(here, '..');
  return path.basename(up) === 'dist' && !existsSync(path.join(up, 'package.json')) ? path.dirname(up) : up;
}

export const PROJECT_DIR = projectDir();

/** The example config that ships with the project (what `npm start` runs without a config). */
export const EXAMPLE_CONFIG = path.join(PROJECT_DIR, 'upkeep.example.yaml');

/** upkeep.yaml in the current folder, else the example config. */
export function defaultConfigPath(): string {
  const local = path.resolve('upkeep.yaml');
  return existsSync(local) ? local : EXAMPLE_CONFIG;
}
