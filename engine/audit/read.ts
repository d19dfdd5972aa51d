/** Reading a model's audit trail entries back from the store. */
import type { AuditEntry } from '../../domain/maintenance.js';
import type { ArtifactStore } from '../store/store.js';
import { auditEntriesPrefix } from '../store/keys.js';

const decode = (b: Uint8Array): string => new TextDecoder().decode(b);

/**
 * Evaluations (one per scheduled run) are kept apart from the maintenance entries (requests,
 * decisions, promotions), so the card reads the few that matter without listing every run.
 */

/** A model's audit trail, oldest first; with `evaluations`, every evaluation's entry too; with `notifications`, every notified entry. */
export async function readAuditTrail(
  store: ArtifactStore,
  modelId: string,
  opts: { evaluations?: boolean; notifications?: boolean } = {},
): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  const keys = [
    ...(await store.list(auditEntriesPrefix(modelId, 'maintenance'))),
    ...(opts.evaluations ? await store.list(auditEntriesPrefix(modelId, 'evaluations')) : []),
    ...(opts.notifications ? await store.list(auditEntriesPrefix(modelId, 'notifications')) : []),
  ];
  for (const key of keys) {
    const bytes = await store.tryGet(key);
    if (bytes) out.push(JSON.parse(decode(bytes)) as AuditEntry);
  }
  return out.sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
}
