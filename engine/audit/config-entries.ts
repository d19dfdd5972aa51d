/**
 * Config changes in the audit chain. The config (a model's spec), the keys file and the web users
 * file change without a workflow, so nothing else records them: every command that starts from a
 * config (`schedules sync`, `npm start`, `upkeep worker`, `upkeep users add|remove`) compares what
 * it sees with the last config recorded for each model and, when it differs, appends a
 * `config-changed` entry citing the new config record, the spec and the key set in force (each
 * stored content-addressed under audit/<model>/), with who ran the command. That is asserted,
 * not proven: the entry is not signed, and says so.
 *
 * Idempotent: the same change recorded twice (a command run twice, two syncs racing) is one entry.
 * The entry id is derived from the new record's hash and the previous one's, and the first command
 * to record it claims it with a write-once object: everyone else appends the claimed entry.
 *
 * The key set in force at an instant is the one cited by the last config-changed entry at or
 * before it, in chain order (`configInForce`); docs/audit.md describes the format.
 */
import { createHash } from 'node:crypto';
import type { ModelSpec, UpkeepConfig } from '../../domain/config.js';
import type { AuditEntry } from '../../domain/maintenance.js';
import type { ArtifactStore } from '../store/store.js';
import { auditLinkKey, currentAuditKey, configClaimKey, configHeadKey, configRecordKey, keySetKey } from '../store/keys.js';
import { appendEntry, linkKeys, type AuditLink, type ChainedEntry } from './chain.js';
import { storeSpec } from './schedule-entries.js';
import { recordPlan } from './plan-entries.js';
import { UpkeepError } from '../errors.js';

/** A person of the web users file as the trail records them: never the token's hash. */
export interface WebUserInForce {
  id: string;
  /** When their current token was issued (a new token is a change). */
  created?: string;
  /** What they are for this model: owner, approver, escalation (none: they can only read). */
  roles: string[];
}

/** The public keys that decide for a model, stored at audit/<model>/keysets/<sha256>.json. */
export interface KeySet {
  v: 'upkeep.keyset/1';
  modelId: string;
  /** Whether decisions must be signed (false: nobody of the model has a key, decisions are unsigned). */
  signaturesRequired: boolean;
  /** Person id → Ed25519 public key (hex), sorted by id. */
  people: Record<string, string>;
  /** Authenticating server id → public key, sorted by id. */
  authenticators: Record<string, string>;
}

/** What a config-changed entry cites: stored at audit/<model>/configs/<sha256>.json. */
export interface ConfigRecord {
  v: 'upkeep.config/1';
  modelId: string;
  /** sha256 of audit/<model>/specs/<sha256>.json (the model as loaded, its keys included). */
  spec: string;
  /** sha256 of audit/<model>/keysets/<sha256>.json. */
  keys: string;
  /** The web users file's people and their roles for this model; null when the command could not read it. */
  webUsers: WebUserInForce[] | null;
}

/** Who ran the command that saw the change: asserted by that command, not proven. */
export interface ConfigWitness {
  /** The OS user running the command (os.userInfo()). */
  user: string;
  host: string;
  /** `--author` or UPKEEP_AUTHOR, when given: what the person running the command says. */
  author?: string;
  /** The command: `schedules sync`, `start`, `worker`, `users add`, … */
  command: string;
}

const sha256 = (b: string): string => createHash('sha256').update(b).digest('hex');
const decode = (b: Uint8Array): string => new TextDecoder().decode(b);
const sorted = (o: Readonly<Record<string, string>>): Record<string, string> => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

/** Stores a JSON object once under the key its bytes' sha256 names. */
async function putAddressed(store: ArtifactStore, key: (sha: string) => string, value: unknown): Promise<{ uri: string; sha256: string }> {
  const json = `${JSON.stringify(value, null, 2)}\n`;
  const sha = sha256(json);
  const put = await store.put(key(sha), json, { ifAbsent: true });
  return { uri: put.uri, sha256: sha };
}

export function keySetOf(spec: ModelSpec): KeySet {
  return {
    v: 'upkeep.keyset/1',
    modelId: spec.id,
    signaturesRequired: spec.keys !== undefined,
    people: sorted(spec.keys?.people ?? {}),
    authenticators: sorted(spec.keys?.authenticators ?? {}),
  };
}

/** The web users with what each is for this model (roles from the spec). */
export function webUsersFor(spec: ModelSpec, users: readonly { id: string; created?: string }[]): WebUserInForce[] {
  const roles = (id: string): string[] => [
    ...(spec.owner === id ? ['owner'] : []),
    ...(spec.approvers.includes(id) ? ['approver'] : []),
    ...(spec.approval.escalation.includes(id) ? ['escalation'] : []),
  ];
  return [...users]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((u) => ({ id: u.id, ...(u.created !== undefined ? { created: u.created } : {}), roles: roles(u.id) }));
}

/** A stored JSON object, or undefined when absent or not JSON. */
async function tryJson<T>(store: ArtifactStore, key: string): Promise<T | undefined> {
  const bytes = await store.tryGet(key);
  if (!bytes) return undefined;
  try {
    return JSON.parse(decode(bytes)) as T;
  } catch {
    return undefined;
  }
}

interface ConfigHead {
  seq: number;
  entryId: string;
  /** sha256 of the config record the entry cites. */
  sha256: string;
}

/** The config-changed entry at link `seq`, if that link holds one. */
async function configEntryAt(store: ArtifactStore, modelId: string, seq: number): Promise<{ link: AuditLink; entry: AuditEntry } | undefined> {
  const link = await tryJson<AuditLink>(store, auditLinkKey(modelId, seq));
  if (!link || link.entry.kind !== 'config-changed') return undefined;
  const entry = await tryJson<AuditEntry>(store, currentAuditKey(link.entry.key));
  return entry?.kind === 'config-changed' ? { link, entry } : undefined;
}

const recordSha = (e: AuditEntry): string | undefined => {
  const r = e.details?.record as { sha256?: unknown } | undefined;
  return typeof r?.sha256 === 'string' ? r.sha256 : undefined;
};

/**
 * The last config recorded for a model: through the head hint when its link still holds the entry
 * it names, else by reading the chain's links from the end (once, e.g. on a chain that predates
 * config entries). Undefined when none was ever recorded.
 */
export async function lastRecordedConfig(store: ArtifactStore, modelId: string): Promise<{ sha256: string; record?: ConfigRecord } | undefined> {
  const head = await tryJson<ConfigHead>(store, configHeadKey(modelId));
  let sha: string | undefined;
  if (head && Number.isInteger(head.seq)) {
    const at = await configEntryAt(store, modelId, head.seq);
    if (at && at.entry.id === head.entryId && recordSha(at.entry) === head.sha256) sha = head.sha256;
  }
  if (sha === undefined) {
    const keys = await linkKeys(store, modelId);
    for (let i = keys.length - 1; i >= 0 && sha === undefined; i--) {
      const seq = Number(keys[i]!.slice(keys[i]!.lastIndexOf('/') + 1).replace(/\.json$/, ''));
      const at = await configEntryAt(store, modelId, seq);
      if (at) sha = recordSha(at.entry);
    }
  }
  if (sha === undefined) return undefined;
  const record = await tryJson<ConfigRecord>(store, configRecordKey(modelId, sha));
  return { sha256: sha, ...(record ? { record } : {}) };
}

export interface ConfigRecorded {
  modelId: string;
  /** Whether this call found a change (false: the config in force is the one last recorded). */
  changed: boolean;
  /** sha256 of the config record in force. */
  sha256: string;
  /** The chain link of the entry, when there was a change. */
  seq?: number;
}

/**
 * Records the config of one model when it differs from the last one recorded. `webUsers`:
 * the users file's people (id and token date only), null when unreadable, undefined when the
 * command does not know (the last recorded list is kept).
 */
export async function recordConfig(
  store: ArtifactStore,
  spec: ModelSpec,
  o: { by: ConfigWitness; webUsers?: readonly { id: string; created?: string }[] | null; configName?: string; at?: Date },
): Promise<ConfigRecorded> {
  const modelId = spec.id;
  const last = await lastRecordedConfig(store, modelId);
  const specRef = await storeSpec(store, spec);
  const keySet = keySetOf(spec);
  const keysRef = await putAddressed(store, (sha) => keySetKey(modelId, sha), keySet);
  const webUsers = o.webUsers === undefined ? (last?.record?.webUsers ?? null) : o.webUsers === null ? null : webUsersFor(spec, o.webUsers);
  const record: ConfigRecord = { v: 'upkeep.config/1', modelId, spec: specRef.sha256, keys: keysRef.sha256, webUsers };
  const recordRef = await putAddressed(store, (sha) => configRecordKey(modelId, sha), record);
  if (last?.sha256 === recordRef.sha256) return { modelId, changed: false, sha256: recordRef.sha256 };

  const previous = last?.record;
  const changed = !last
    ? ['first record']
    : [
        ...(previous?.spec !== record.spec ? ['spec'] : []),
        ...(previous?.keys !== record.keys ? ['keys'] : []),
        ...(JSON.stringify(previous?.webUsers) !== JSON.stringify(record.webUsers) ? ['web users'] : []),
      ];
  const who = o.by.author ?? `${o.by.user}@${o.by.host}`;
  const id = `config-${recordRef.sha256.slice(0, 20)}-${last ? last.sha256.slice(0, 20) : 'first'}`;
  const at = (o.at ?? new Date()).toISOString();
  const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
  const keysLine = keySet.signaturesRequired
    ? `keys of ${count(Object.keys(keySet.people).length, 'person').replace(/persons$/, 'people')} and ${count(Object.keys(keySet.authenticators).length, 'authenticator')}`
    : 'no keys: decisions unsigned';
  const mine: AuditEntry = {
    id,
    modelId,
    at,
    kind: 'config-changed',
    summary: `config ${recordRef.sha256.slice(0, 12)} in force (${changed.join(', ')}${changed.length && last ? ' changed' : ''}; ${keysLine}), seen by \`${o.by.command}\` of ${o.by.user}@${o.by.host}${o.by.author ? `, author given as ${o.by.author}` : ''}: asserted, not proven`,
    actor: who,
    details: {
      record: recordRef,
      previous: last?.sha256 ?? null,
      changed,
      config: specRef,
      keys: keysRef,
      webUsers,
      ...(o.configName ? { file: o.configName } : {}),
      madeBy: {
        user: o.by.user,
        host: o.by.host,
        ...(o.by.author ? { author: o.by.author } : {}),
        command: o.by.command,
        proof: 'none: asserted by the command, not signed',
      },
    },
  };
  // The first command to record this change claims it; a second (a retry, a racing sync) appends the claimed entry.
  const claimKey = configClaimKey(modelId, id);
  const claimed = await store.put(claimKey, `${JSON.stringify(mine, null, 2)}\n`, { ifAbsent: true });
  const entry = claimed.created ? mine : await tryJson<AuditEntry>(store, claimKey);
  // A claim must say what this command saw (only who and when may differ): a claim written ahead
  // by someone with store access, citing other keys, is refused, never linked.
  const same = (k: 'record' | 'config' | 'keys') =>
    (entry?.details?.[k] as { sha256?: unknown } | undefined)?.sha256 === (mine.details![k] as { sha256: string }).sha256;
  if (
    !entry ||
    entry.id !== id ||
    entry.modelId !== modelId ||
    entry.kind !== 'config-changed' ||
    !same('record') ||
    !same('config') ||
    !same('keys') ||
    entry.details?.previous !== mine.details!.previous
  ) {
    throw new UpkeepError(
      'InvalidData',
      `${store.uriFor(claimKey)} does not record the config ${recordRef.sha256} of ${modelId} it is named for (altered or forged): it was not linked; remove it and run the command again`,
    );
  }
  const { seq } = await appendEntry(store, entry);
  const head = await tryJson<ConfigHead>(store, configHeadKey(modelId));
  if (!head || !(head.seq > seq))
    await store.put(configHeadKey(modelId), `${JSON.stringify({ seq, entryId: entry.id, sha256: recordRef.sha256 } satisfies ConfigHead)}\n`);
  return { modelId, changed: true, sha256: recordRef.sha256, seq };
}

/**
 * recordConfig for every model of a config, a few at a time. A whole config (with its notify and
 * watchdog sections) also has each model's monitoring plan generated and recorded (plan-entries.ts).
 */
export async function recordFleetConfig(
  store: ArtifactStore,
  config: Pick<UpkeepConfig, 'models'> & Partial<Pick<UpkeepConfig, 'notify' | 'watchdog'>>,
  o: { by: ConfigWitness; webUsers?: readonly { id: string; created?: string }[] | null; configName?: string; at?: Date; concurrency?: number },
): Promise<ConfigRecorded[]> {
  const out: ConfigRecorded[] = new Array(config.models.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < config.models.length; i = next++) {
      out[i] = await recordConfig(store, config.models[i]!, o);
      if (config.notify && config.watchdog) await recordPlan(store, config.models[i]!, config, { by: o.by, ...(o.at ? { at: o.at } : {}) });
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency ?? 8, config.models.length) }, lane));
  return out;
}

/** What a config-changed entry says was in force from it on. */
export interface ConfigInForce {
  /** sha256 of the config record, of the spec and of the key set. */
  record: string;
  spec: string;
  keys: string;
  since: string;
  seq: number;
  by: string;
}

/**
 * The config in force at `at` by the chain: the last config-changed entry at or before it, in
 * chain order. Null when none is (the trail then knows the spec only from entries citing one).
 */
export function configInForce(chain: readonly ChainedEntry[], at: Date): ConfigInForce | null {
  const t = at.getTime();
  let found: ConfigInForce | null = null;
  for (const { seq, entry: e } of chain) {
    if (e.kind !== 'config-changed' || Date.parse(e.at) > t) continue;
    const d = e.details ?? {};
    const ref = (v: unknown): string | undefined =>
      typeof (v as { sha256?: unknown } | undefined)?.sha256 === 'string' ? (v as { sha256: string }).sha256 : undefined;
    const record = ref(d.record);
    const spec = ref(d.config);
    const keys = ref(d.keys);
    if (record && spec && keys) found = { record, spec, keys, since: e.at, seq, by: e.actor ?? '?' };
  }
  return found;
}

/** A key set from the store, checked against its hash; undefined when absent or altered. */
export async function readKeySet(store: ArtifactStore, modelId: string, sha: string): Promise<KeySet | undefined> {
  const bytes = await store.tryGet(keySetKey(modelId, sha));
  if (!bytes || createHash('sha256').update(bytes).digest('hex') !== sha) return undefined;
  try {
    return JSON.parse(decode(bytes)) as KeySet;
  } catch {
    return undefined;
  }
}
