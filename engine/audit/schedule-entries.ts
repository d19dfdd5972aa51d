/**
 * Schedule changes in the audit chain: created, changed, paused and resumed, by whom, with the
 * config in force. Recorded by the commands that make them (`schedules sync`, `npm start`,
 * `schedules pause|resume`), so "was anyone watching?" can be answered from the store alone.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ModelSpec } from '../../domain/config.js';
import type { AuditEntry } from '../../domain/maintenance.js';
import type { ArtifactStore } from '../store/store.js';
import { compactTime, specKey } from '../store/keys.js';
import { appendEntry } from './chain.js';

export type ScheduleChange = 'create' | 'update' | 'pause' | 'resume' | 'delete';

/** Stores a model's spec content-addressed (as evaluations cite it) and returns its reference. */
export async function storeSpec(store: ArtifactStore, spec: ModelSpec): Promise<{ uri: string; sha256: string }> {
  const json = `${JSON.stringify(spec, null, 2)}\n`;
  const put = await store.put(specKey(spec.id, createHash('sha256').update(json).digest('hex')), json, { ifAbsent: true });
  return { uri: put.uri, sha256: put.sha256 };
}

export async function recordScheduleChange(
  store: ArtifactStore,
  change: { modelId: string; change: ScheduleChange; paused: boolean; summary: string; actor: string; note?: string; spec?: ModelSpec; at?: Date },
): Promise<void> {
  const at = (change.at ?? new Date()).toISOString();
  const config = change.spec ? await storeSpec(store, change.spec) : undefined;
  const entry: AuditEntry = {
    id: `schedule-${compactTime(at)}-${randomBytes(6).toString('hex')}`,
    modelId: change.modelId,
    at,
    kind: 'schedule',
    summary: change.summary,
    actor: change.actor,
    details: { change: change.change, paused: change.paused, ...(change.note ? { note: change.note } : {}), ...(config ? { config } : {}) },
  };
  await appendEntry(store, entry);
}
