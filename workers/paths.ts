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

/** True when upkeep is an installed package (in a node_modules folder, local or global), not a clone. */
export function isInstalled(projectDir = PROJECT_DIR): boolean {
  return projectDir.split(path.sep).includes('node_modules');
}

/** `.upkeep/` of the clone; of the current folder when installed (the user's project, not node_modules). */
export function defaultStateDir(projectDir = PROJECT_DIR, cwd = process.cwd()): string {
  return path.join(isInstalled(projectDir) ? cwd : projectDir, '.upkeep');
}

/**
 * upkeep.yaml in the current folder, else (in the clone) the example config; undefined for an
 * installed copy, whose demo would keep its data inside node_modules.
 */
export function defaultConfigPath(projectDir = PROJECT_DIR, cwd = process.cwd()): string | undefined {
  const local = path.resolve(cwd, 'upkeep.yaml');
  if (existsSync(local)) return local;
  return isInstalled(projectDir) ? undefined : path.join(projectDir, 'upkeep.example.yaml');
}
