/**
 * What `upkeep audit verify` checks outside the store (docs/audit.md#anchors): the chain against
 * its anchors and the trail against the completed evaluation runs, from Temporal when it answers
 * (else, and also, from the exported histories).
 */
import type { ChainedEntry } from '../../engine/audit/chain.js';
import { anchorsFromGit, anchorsFromStore, verifyOutsideStore, type OutsideCheck } from '../../engine/audit/anchor.js';
import { loadConfig } from '../../engine/config/load.js';
import { openStore } from '../../engine/store/open.js';
import { commandConfig, settings } from '../context.js';
import type { ArtifactStore } from '../../engine/store/store.js';
import { anchorTrailScheduleId } from '../../workflows/definitions.js';

/** A server that does not answer within this is taken as away: the exported histories answer instead. */
const CONNECT_TIMEOUT_MS = 3_000;

async function connect() {
  const [{ clientTarget, connectClient }, { payloadCodecs }] = await Promise.all([import('../../workers/temporal.js'), import('../../workers/codec.js')]);
  return connectClient(clientTarget(settings()), payloadCodecs(settings()), { connectTimeoutMs: CONNECT_TIMEOUT_MS });
}

/** `temporal: false` (`--no-temporal`): the exported histories only. */
export async function checkOutside(
  store: ArtifactStore,
  model: string,
  entries: readonly ChainedEntry[],
  o: { temporal?: boolean; config?: string },
): Promise<OutsideCheck> {
  // The copies kept in a second store and a git repository (audit.anchor_store, audit.anchor_git).
  const config = await loadConfig(commandConfig(o.config));
  const copies = [
    ...(config.audit.anchor_store ? await anchorsFromStore(openStore({ ...config, store: config.audit.anchor_store }), 'second store') : []),
    ...(config.audit.anchor_git ? await anchorsFromGit(config.audit.anchor_git) : []),
  ];
  const taskQueue = settings().taskQueue;
  const anchorSchedule = anchorTrailScheduleId(taskQueue);
  const unreachable: string[] = [];
  const client =
    o.temporal === false
      ? undefined
      : await connect().catch((err: unknown) => {
          unreachable.push(`Temporal did not answer (${(err as Error).message.split('\n')[0]}): anchors and completed runs from the exported histories only`);
          return undefined;
        });
  try {
    const temporal = client ? (await import('../../workers/temporal-port.js')).createTemporalPort(client) : undefined;
    const r = await verifyOutsideStore(store, model, entries, {
      ...(temporal ? { temporal } : {}),
      temporalQuery: `TaskQueue = '${taskQueue}'`,
      anchorSchedule,
      more: copies,
    });
    return { ...r, notes: [...unreachable, ...r.notes] };
  } finally {
    await client?.connection.close();
  }
}
