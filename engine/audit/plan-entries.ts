/**
 * The monitoring plan in the store and the trail. Whenever a command records the config
 * (config-entries.ts), it also generates each model's plan (domain/monitoring-plan.ts), stores it
 * content-addressed under audit/<model>/plans/<sha256>.json and, when it differs from the last one
 * recorded, appends a `plan-changed` entry citing it: the plan's history is the chain's
 * plan-changed entries. Idempotent like config-changed: the entry id is derived from the new plan's
 * hash and the previous one's, and the first command to record it claims it with a write-once object.
 */
import { createHash } from 'node:crypto';
import type { ModelSpec, UpkeepConfig } from '../../domain/config.js';
import type { AuditEntry } from '../../domain/maintenance.js';
import { monitoringPlan, planBytes, type MonitoringPlan } from '../../domain/monitoring-plan.js';
import type { ArtifactStore } from '../store/store.js';
import { auditLinkKey, currentAuditKey, planClaimKey, planHeadKey, planKey } from '../store/keys.js';
import { UpkeepError } from '../errors.js';
import { appendEntry, readChain, type AuditLink } from './chain.js';

const sha256 = (b: string | Uint8Array): string => createHash('sha256').update(b).digest('hex');
const decode = (b: Uint8Array): string => new TextDecoder().decode(b);

async function tryJson<T>(store: ArtifactStore, key: string): Promise<T | undefined> {
  const bytes = await store.tryGet(key);
  if (!bytes) return undefined;
  try {
    return JSON.parse(decode(bytes)) as T;
  } catch {
    return undefined;
  }
}

const planSha = (e: AuditEntry | undefined): string | undefined => {
  const p = e?.details?.plan as { sha256?: unknown } | undefined;
  return e?.kind === 'plan-changed' && typeof p?.sha256 === 'string' ? p.sha256 : undefined;
};

/** A plan from the store, checked against its hash; undefined when absent or altered. */
export async function readPlan(store: ArtifactStore, modelId: string, sha: string): Promise<MonitoringPlan | undefined> {
  const bytes = await store.tryGet(planKey(modelId, sha));
  if (!bytes || sha256(bytes) !== sha) return undefined;
  return JSON.parse(decode(bytes)) as MonitoringPlan;
}

/** Every plan-changed entry of a model, oldest first (the plan's history). */
export async function planHistory(
  store: ArtifactStore,
  modelId: string,
): Promise<{ seq: number; at: string; sha256: string; changed: string[]; by: string }[]> {
  return (await readChain(store, modelId)).flatMap(({ seq, entry }) => {
    const sha = planSha(entry);
    if (!sha) return [];
    const changed = Array.isArray(entry.details?.changed) ? (entry.details.changed as unknown[]).filter((c): c is string => typeof c === 'string') : [];
    return [{ seq, at: entry.at, sha256: sha, changed, by: entry.actor ?? '?' }];
  });
}

/** The last plan recorded: through the head hint when its link still holds the entry it names, else from the chain. */
export async function lastRecordedPlan(store: ArtifactStore, modelId: string): Promise<string | undefined> {
  const head = await tryJson<{ seq: number; entryId: string; sha256: string }>(store, planHeadKey(modelId));
  if (head && Number.isInteger(head.seq)) {
    const link = await tryJson<AuditLink>(store, auditLinkKey(modelId, head.seq));
    const entry = link ? await tryJson<AuditEntry>(store, currentAuditKey(link.entry.key)) : undefined;
    if (entry?.id === head.entryId && planSha(entry) === head.sha256) return head.sha256;
  }
  return (await planHistory(store, modelId)).at(-1)?.sha256;
}

/** The top-level sections of the plan that differ (what a plan-changed entry says changed). */
function changedSections(before: MonitoringPlan | undefined, after: MonitoringPlan): string[] {
  if (!before) return ['first plan'];
  return (Object.keys(after) as (keyof MonitoringPlan)[]).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}

/** Who ran the command that generated the plan (config-entries.ts's witness): asserted, not proven. */
export interface PlanWitness {
  user: string;
  host: string;
  author?: string;
  command: string;
}

export interface PlanRecorded {
  modelId: string;
  changed: boolean;
  sha256: string;
  uri: string;
  seq?: number;
}

/** Generates a model's plan, stores it, and records a plan-changed entry when it differs from the last one. */
export async function recordPlan(
  store: ArtifactStore,
  spec: ModelSpec,
  config: Partial<Pick<UpkeepConfig, 'notify' | 'watchdog'>>,
  o: { by: PlanWitness; at?: Date },
): Promise<PlanRecorded> {
  const modelId = spec.id;
  const plan = monitoringPlan(spec, config);
  const bytes = planBytes(plan);
  const sha = sha256(bytes);
  const put = await store.put(planKey(modelId, sha), bytes, { ifAbsent: true });
  const last = await lastRecordedPlan(store, modelId);
  if (last === sha) return { modelId, changed: false, sha256: sha, uri: put.uri };
  const changed = changedSections(last ? await readPlan(store, modelId, last) : undefined, plan);
  const id = `plan-${sha.slice(0, 20)}-${last ? last.slice(0, 20) : 'first'}`;
  const mine: AuditEntry = {
    id,
    modelId,
    at: (o.at ?? new Date()).toISOString(),
    kind: 'plan-changed',
    summary: `monitoring plan ${sha.slice(0, 12)} in force (${last ? `${changed.join(', ')} changed` : 'first plan'}), generated from the config by \`${o.by.command}\` of ${o.by.user}@${o.by.host}`,
    actor: o.by.author ?? `${o.by.user}@${o.by.host}`,
    details: { plan: { uri: put.uri, sha256: sha }, previous: last ?? null, changed, madeBy: { ...o.by } },
  };
  const claimKey = planClaimKey(modelId, id);
  const claimed = await store.put(claimKey, `${JSON.stringify(mine, null, 2)}\n`, { ifAbsent: true });
  const entry = claimed.created ? mine : await tryJson<AuditEntry>(store, claimKey);
  if (!entry || entry.id !== id || entry.modelId !== modelId || planSha(entry) !== sha || entry.details?.previous !== (last ?? null))
    throw new UpkeepError(
      'InvalidData',
      `${store.uriFor(claimKey)} does not record the monitoring plan ${sha} of ${modelId} it is named for (altered or forged): it was not linked; remove it and run the command again`,
    );
  const { seq } = await appendEntry(store, entry);
  const head = await tryJson<{ seq: number }>(store, planHeadKey(modelId));
  if (!head || !(head.seq > seq)) await store.put(planHeadKey(modelId), `${JSON.stringify({ seq, entryId: id, sha256: sha })}\n`);
  return { modelId, changed: true, sha256: sha, uri: put.uri, seq };
}
