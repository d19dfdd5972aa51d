/**
 * The windows of a model still waiting for their labels, read from its audit trail's evaluation
 * entries (domain/late-labels.ts decides which). Only entries recorded since `since` are read:
 * the scheduled run asks for the last label delay plus a year, so a model's whole history is
 * never listed and read once a day.
 */
import type { AuditEntry } from '../../domain/maintenance.js';
import { pendingLabelWindows, type PendingLabels } from '../../domain/late-labels.js';
import { auditEntriesPrefix, compactTime } from '../store/keys.js';
import type { ArtifactStore } from '../store/store.js';
import { checkTrailName } from './chain.js';

export interface PendingLabelsQuery {
  modelId: string;
  /** ISO 8601: evaluation entries recorded before it are not read. */
  since: string;
  /** Only this evaluation entry's window (a re-evaluation looking up the entry it references). */
  entry?: string;
}

export async function readPendingLabels(store: Pick<ArtifactStore, 'list' | 'tryGet'>, query: PendingLabelsQuery): Promise<PendingLabels[]> {
  checkTrailName(query.modelId);
  const prefix = auditEntriesPrefix(query.modelId, 'evaluations');
  const from = compactTime(new Date(query.since).toISOString());
  const keys = (await store.list(prefix))
    .filter((k) => k.endsWith('.json') && k.slice(prefix.length + 1) >= from)
    .sort((a, b) => a.slice(prefix.length + 1).localeCompare(b.slice(prefix.length + 1)));
  const entries: AuditEntry[] = [];
  for (const key of keys) {
    const bytes = await store.tryGet(key);
    if (!bytes) continue;
    try {
      entries.push(JSON.parse(new TextDecoder().decode(bytes)) as AuditEntry);
    } catch {
      // a damaged entry is `upkeep audit verify`'s to report; it waits for nothing here
    }
  }
  const pending = pendingLabelWindows(entries);
  return query.entry === undefined ? pending : pending.filter((p) => p.entry === query.entry);
}
