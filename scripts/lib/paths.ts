/** Project-relative locations used by the commands (the composition root's defaults). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_DIR = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The state folder: dev-server database, tools, default store. UPKEEP_STATE_DIR overrides it. */
export function stateDir(env: NodeJS.ProcessEnv): string {
  return path.resolve(env.UPKEEP_STATE_DIR ?? path.join(PROJECT_DIR, '.upkeep'));
}

/** upkeep.yaml in the current folder, else the example config that ships with the project. */
export function defaultConfigPath(): string {
  const local = path.resolve('upkeep.yaml');
  if (existsSync(local)) return local;
  return path.join(PROJECT_DIR, 'upkeep.example.yaml');
}

export function devPorts(env: NodeJS.ProcessEnv): { port: number; uiPort: number } {
  const read = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name}=${raw} is not a port number`);
    return n;
  };
  return { port: read('UPKEEP_DEV_PORT', 7233), uiPort: read('UPKEEP_DEV_UI_PORT', 8233) };
}
