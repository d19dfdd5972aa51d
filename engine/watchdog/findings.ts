/** Reading what the watchdog keeps in the store: each open finding, and its latest report. */
import type { WatchdogFinding, WatchdogReport } from '../../domain/watchdog.js';
import { tryGetJson, type ArtifactStore } from '../store/store.js';
import { watchdogFindingsPrefix, watchdogReportKey } from '../store/keys.js';

const decode = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Every finding the store holds (each written once, when first reported). */
export async function readFindings(store: ArtifactStore, modelId?: string): Promise<WatchdogFinding[]> {
  const out: WatchdogFinding[] = [];
  for (const key of await store.list(watchdogFindingsPrefix(modelId))) {
    if (!key.endsWith('.json')) continue;
    const bytes = await store.tryGet(key);
    if (!bytes) continue;
    try {
      const f = JSON.parse(decode(bytes)) as WatchdogFinding;
      if (!modelId || f.modelId === modelId) out.push(f);
    } catch {
      // not a finding of ours (edited by hand): skipped
    }
  }
  return out.sort((a, b) => a.modelId.localeCompare(b.modelId) || a.key.localeCompare(b.key));
}

export const readWatchdogReport = (store: ArtifactStore): Promise<WatchdogReport | undefined> => tryGetJson<WatchdogReport>(store, watchdogReportKey);
