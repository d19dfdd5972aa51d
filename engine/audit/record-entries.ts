/** Entries appended to their models' audit chains, as the workflows' trail writer hands them over. */
import type { AuditEntry } from '../../domain/maintenance.js';
import { verdictLine } from '../notify/notify.js';
import type { ArtifactStore } from '../store/store.js';
import { appendEntry } from './chain.js';

/** Appends each entry; one already written is left as it is. An evaluation's verdict is logged as it lands, once. */
export async function recordEntries(store: ArtifactStore, entries: AuditEntry[], log: (line: string) => void): Promise<void> {
  for (const e of entries) {
    const put = await appendEntry(store, e);
    // A retry finds the entry written and logs nothing.
    const line = put.created ? verdictLine(e) : undefined;
    if (line) log(line);
  }
}
