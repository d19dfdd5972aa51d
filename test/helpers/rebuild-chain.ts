/**
 * What someone with write access to the store can do that the store's own checks cannot see:
 * change or drop entries and then rebuild the whole chain consistently (every link, mark and the
 * head written again). Only an anchor kept elsewhere, or a history of the run, reveals it.
 */
import type { AuditEntry } from '../../domain/maintenance.js';
import { appendEntry } from '../../engine/audit/chain.js';
import { auditEntryKey, auditHeadKey, auditLinksPrefix } from '../../engine/store/keys.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import { readChain } from '../../engine/audit/chain.js';

export async function rebuildChain(store: ArtifactStore, modelId: string, edit: (entries: AuditEntry[]) => AuditEntry[]): Promise<void> {
  const before = (await readChain(store, modelId)).map((c) => c.entry);
  const after = edit(before.map((e) => structuredClone(e)));
  for (const e of before) await store.delete(auditEntryKey(e));
  for (const key of await store.list(auditLinksPrefix(modelId))) await store.delete(key);
  for (const key of await store.list(`audit/${modelId}/linked`)) await store.delete(key);
  await store.delete(auditHeadKey(modelId));
  for (const e of after) await appendEntry(store, e);
}
