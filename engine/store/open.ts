import type { UpkeepConfig } from '../../domain/config.js';
import { withAuditLayout } from './audit-layout.js';
import { createFileStore } from './file-store.js';
import { parseS3Uri, s3OptionsFor } from './s3-client.js';
import { createS3Store } from './s3-store.js';
import type { ArtifactStore } from './store.js';

/**
 * The store named in the config (a folder or an S3 prefix; the scheme was checked at load). An
 * audit trail an earlier version kept under ledger/ is moved to audit/ before the first use of it
 * (audit-layout.ts).
 */
export function openStore(config: Pick<UpkeepConfig, 'store' | 'store_mode' | 's3'>): ArtifactStore {
  if (config.store.startsWith('s3://')) return withAuditLayout(createS3Store(config.store, s3OptionsFor(config.s3, parseS3Uri(config.store).bucket)));
  return withAuditLayout(createFileStore(config.store, { fileMode: config.store_mode.files, dirMode: config.store_mode.folders }));
}
