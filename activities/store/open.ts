import type { UpkeepConfig } from '../../domain/config.js';
import { createFileStore } from './file-store.js';
import type { ArtifactStore } from './store.js';

/** The store named in the config (a folder; the scheme was checked at load), with its modes. */
export function openStore(config: Pick<UpkeepConfig, 'store' | 'store_mode'>): ArtifactStore {
  return createFileStore(config.store, { fileMode: config.store_mode.files, dirMode: config.store_mode.folders });
}
