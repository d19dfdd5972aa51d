/**
 * What a command that starts from a config records of it (engine/audit/config-entries.ts): each
 * model's spec, key set and the web users file's people, with the OS user and host running the
 * command and the author it was given (--author, UPKEEP_AUTHOR).
 */
import path from 'node:path';
import type { UpkeepConfig } from '../domain/config.js';
import { recordFleetConfig, type ConfigRecorded } from '../engine/audit/config-entries.js';
import type { ArtifactStore } from '../engine/store/store.js';
import type { Settings } from '../workers/settings.js';
import { witness } from './witness.js';

export { witness };

/** The web users file's people (ids and token dates, never the hashes); null, with a warning, when it cannot be read. */
export async function webUsersOf(
  config: UpkeepConfig,
  configPath: string,
  stateDir: string,
  warn: (line: string) => void = console.warn,
): Promise<{ id: string; created?: string }[] | null> {
  const [{ usersFile }, { readUsers }] = await Promise.all([import('./commands/serve.js'), import('./web/users.js')]);
  const file = usersFile(config, configPath, stateDir);
  try {
    return readUsers(file).map((u) => ({ id: u.id, created: u.created }));
  } catch (err) {
    warn(`upkeep: the audit trail records the web users as unknown: ${(err as Error).message}`);
    return null;
  }
}

/** Records the config of every model that differs from the last one recorded; returns what changed. */
export async function recordCommandConfig(
  store: ArtifactStore,
  config: UpkeepConfig,
  o: { configPath: string; settings: Pick<Settings, 'author' | 'user' | 'stateDir'>; command: string; author?: string; warn?: (line: string) => void },
): Promise<ConfigRecorded[]> {
  const webUsers = await webUsersOf(config, o.configPath, o.settings.stateDir, o.warn);
  return recordFleetConfig(store, config, { by: witness(o.command, o.settings, o.author), webUsers, configName: path.basename(o.configPath) });
}

/** One line for the command's output, when anything was recorded. */
export function describeRecorded(recorded: readonly ConfigRecorded[]): string | undefined {
  const changed = recorded.filter((r) => r.changed);
  if (changed.length === 0) return undefined;
  return `audit trail: config change recorded for ${changed.map((r) => r.modelId).join(', ')} (config-changed entries; who ran this is recorded as asserted, not proven)`;
}
