/**
 * Notifications staged by a workflow, content-addressed in the store (written once), and read back
 * checked against their hash: deliverNotification takes nothing but such a reference, so someone
 * who can start workflows but not write the store cannot make the worker send, or record as sent,
 * a notification no upkeep workflow made.
 */
import { createHash } from 'node:crypto';
import { MODEL_ID_PATTERN } from '../../domain/config.js';
import type { NotificationEvent, StagedNotification } from '../../domain/maintenance.js';
import { UpkeepError } from '../errors.js';
import { stagedNotificationKey } from '../store/keys.js';
import type { ArtifactStore } from '../store/store.js';

const decode = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Keeps the event in the store and returns its reference. */
export async function stageNotification(store: ArtifactStore, event: NotificationEvent): Promise<StagedNotification> {
  const bytes = `${JSON.stringify(event)}\n`;
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  await store.put(stagedNotificationKey(event.modelId, sha256), bytes, { ifAbsent: true });
  return { modelId: event.modelId, sha256 };
}

/** A staged notification, checked against its hash; refused when there is none. */
export async function readStagedNotification(store: ArtifactStore, ref: StagedNotification): Promise<NotificationEvent> {
  const r = (ref ?? {}) as Partial<StagedNotification>;
  if (typeof r.modelId !== 'string' || !MODEL_ID_PATTERN.test(r.modelId) || typeof r.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(r.sha256)) {
    throw new UpkeepError('InvalidRequest', 'deliverNotification needs { modelId, sha256 } of a notification staged by an upkeep workflow');
  }
  const key = stagedNotificationKey(r.modelId, r.sha256);
  const bytes = await store.tryGet(key);
  if (!bytes)
    throw new UpkeepError(
      'InvalidRequest',
      `model ${r.modelId}: no notification ${r.sha256.slice(0, 12)} was staged (${key}): deliverNotification only delivers what an upkeep workflow handed to it`,
    );
  if (createHash('sha256').update(bytes).digest('hex') !== r.sha256)
    throw new UpkeepError('InvalidData', `${key} in the store does not hash to its name (altered)`);
  const event = JSON.parse(decode(bytes)) as NotificationEvent;
  if (event.modelId !== r.modelId) throw new UpkeepError('InvalidData', `${key} in the store is for model ${JSON.stringify(event.modelId)} (moved)`);
  return event;
}
