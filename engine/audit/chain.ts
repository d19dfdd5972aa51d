/**
 * The audit chain: a model's audit entries (write-once files under audit/<model>/, one per event)
 * linked in the order they were appended by links that each carry the entry's sha256 and the
 * sha256 of the link before. Removing, reordering or altering an entry or a link breaks the chain
 * (`verifyChain`). Appends from several workers at once cannot fork it: link <seq> is written
 * with if-absent, so exactly one entry takes each place; an append that runs twice links once.
 *
 * How an append stays idempotent without a lock: after writing a link, the appender marks its
 * entry linked (audit/<model>/linked/<id>.json) and only then moves the head hint past it, and
 * anyone who steps over a link on the way to a free place marks that link's entry first. So a
 * head hint at or past a link means its entry is marked, and a retried append that finds no mark
 * finds its own link past the hint, if it wrote one.
 */
import { createHash } from 'node:crypto';
import type { AuditEntry } from '../../domain/maintenance.js';
import type { ArtifactStore } from '../store/store.js';
import { UpkeepError } from '../errors.js';
import { MODEL_ID_PATTERN } from '../../domain/config.js';
import {
  AUDIT_TRAIL_PARTS,
  currentAuditKey,
  auditHeadKey,
  auditLinkedKey,
  auditLinkKey,
  auditLinksPrefix,
  auditEntryKey,
  auditEntriesPrefix,
} from '../store/keys.js';

export interface AuditLink {
  v: 'upkeep.audit-link/1';
  seq: number;
  /** The linked entry: its key in the store, id, time, kind and the sha256 of its bytes. */
  entry: { key: string; id: string; at: string; kind: string; sha256: string };
  /** sha256 of link seq − 1's bytes; null for the first link. */
  prev: string | null;
}

interface Head {
  seq: number;
  /** sha256 of link `seq`'s bytes. */
  sha256: string;
}

const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');
const decode = (b: Uint8Array): string => new TextDecoder().decode(b);
const parse = <T>(b: Uint8Array, key?: string): T => {
  try {
    return JSON.parse(decode(b)) as T;
  } catch {
    throw new UpkeepError('InvalidData', `${key ?? 'an audit object'} in the store is not valid JSON: run \`upkeep audit verify\` on its model`);
  }
};

async function readHead(store: ArtifactStore, modelId: string): Promise<Head | undefined> {
  const bytes = await store.tryGet(auditHeadKey(modelId));
  return bytes ? parse<Head>(bytes) : undefined;
}

const markLinked = (store: ArtifactStore, modelId: string, entryId: string, seq: number) =>
  store.put(auditLinkedKey(modelId, entryId), `${JSON.stringify({ seq })}\n`, { ifAbsent: true });

/** Links an entry already written at `key`; returns its place (the same place when run again). */
async function linkEntry(store: ArtifactStore, modelId: string, entry: AuditEntry, key: string, entrySha: string, hint?: Head): Promise<number> {
  // The hint is read before the mark (a hint read earlier is as good: it only moves forward past marked entries).
  const head = hint ?? (await readHead(store, modelId));
  const marked = await store.tryGet(auditLinkedKey(modelId, entry.id));
  if (marked) return parse<{ seq: number }>(marked).seq;
  let seq = head?.seq ?? 0;
  let prev: string | null = head?.sha256 ?? null;
  for (;;) {
    const at = seq + 1;
    const existing = await store.tryGet(auditLinkKey(modelId, at));
    if (existing) {
      const link = parse<AuditLink>(existing);
      await markLinked(store, modelId, link.entry.id, at);
      if (link.entry.id === entry.id) {
        await store.put(auditHeadKey(modelId), JSON.stringify({ seq: at, sha256: sha256(existing) } satisfies Head));
        return at;
      }
      seq = at;
      prev = sha256(existing);
      continue;
    }
    const link: AuditLink = { v: 'upkeep.audit-link/1', seq: at, entry: { key, id: entry.id, at: entry.at, kind: entry.kind, sha256: entrySha }, prev };
    const bytes = `${JSON.stringify(link)}\n`;
    const put = await store.put(auditLinkKey(modelId, at), bytes, { ifAbsent: true });
    if (!put.created) continue; // another appender took this place: read it and go on past it
    await markLinked(store, modelId, entry.id, at);
    await store.put(auditHeadKey(modelId), JSON.stringify({ seq: at, sha256: sha256(bytes) } satisfies Head));
    return at;
  }
}

/**
 * A chain's name: a model id as the config allows it, or `_web` (the web inbox's access log). A
 * name with `/` would write inside another model's chain (`churn/chain` is under `audit/churn/chain`):
 * an entry's model id reaches this writer from workflow inputs anyone with namespace access chooses.
 */
export function checkTrailName(modelId: unknown): asserts modelId is string {
  if (modelId !== '_web' && (typeof modelId !== 'string' || !MODEL_ID_PATTERN.test(modelId))) {
    throw new UpkeepError(
      'InvalidRequest',
      `${JSON.stringify(modelId)?.slice(0, 100)} is not a model id (lowercase letters, digits, ".", "_" or "-"): nothing is recorded under it`,
    );
  }
}

/** The objects directly under `prefix` whose last part matches `name` (not those in folders below it). */
async function childrenOf(store: ArtifactStore, prefix: string, name: RegExp): Promise<string[]> {
  return (await store.list(prefix)).filter((k) => k.startsWith(`${prefix}/`) && name.test(k.slice(prefix.length + 1)));
}

/** Entry files written before the chain existed, oldest first (linked once, before anything new). */
async function unchainedEntries(store: ArtifactStore, modelId: string): Promise<string[]> {
  if (await store.exists(auditLinkKey(modelId, 1))) return [];
  const keys: string[] = [];
  for (const part of AUDIT_TRAIL_PARTS) keys.push(...(await childrenOf(store, auditEntriesPrefix(modelId, part), /^[^/]+\.json$/)));
  return keys.sort((a, b) => a.slice(a.lastIndexOf('/')).localeCompare(b.slice(b.lastIndexOf('/'))));
}

/**
 * Writes an entry (once, under its stable id) and links it to the end of its model's chain.
 * Returns whether the entry was new. Safe to run twice and from many workers at once.
 */
export async function appendEntry(store: ArtifactStore, entry: AuditEntry): Promise<{ created: boolean; seq: number }> {
  checkTrailName(entry.modelId);
  const key = auditEntryKey(entry);
  const head = await readHead(store, entry.modelId);
  if (!head) {
    for (const old of await unchainedEntries(store, entry.modelId)) {
      if (old === key) continue;
      const bytes = await store.get(old);
      await linkEntry(store, entry.modelId, parse<AuditEntry>(bytes), old, sha256(bytes));
    }
  }
  const put = await store.put(key, `${JSON.stringify(entry, null, 2)}\n`, { ifAbsent: true });
  // A retry finds the entry written: link what is stored, whatever this call carried.
  const stored = put.created ? undefined : await store.get(key);
  const seq = await linkEntry(store, entry.modelId, stored ? parse<AuditEntry>(stored) : entry, key, stored ? sha256(stored) : put.sha256, head);
  return { created: put.created, seq };
}

/** Keys of the chain's links, in order: `<seq>.json` directly under the chain (not another chain nested below it). */
export const linkKeys = (store: ArtifactStore, modelId: string): Promise<string[]> => childrenOf(store, auditLinksPrefix(modelId), /^\d{10}\.json$/);

export interface ChainedEntry {
  seq: number;
  entry: AuditEntry;
  uri: string;
}

/** A model's last `n` entries in chain order, and how many there are in all (a page of the timeline). */
export async function readChainTail(store: ArtifactStore, modelId: string, n: number): Promise<{ entries: ChainedEntry[]; total: number }> {
  const keys = await linkKeys(store, modelId);
  return { entries: await readLinks(store, keys.slice(Math.max(0, keys.length - n))), total: keys.length };
}

/** A model's entries in chain order (no verification: `verifyChain` does that). */
export async function readChain(store: ArtifactStore, modelId: string, opts: { concurrency?: number } = {}): Promise<ChainedEntry[]> {
  return readLinks(store, await linkKeys(store, modelId), opts.concurrency);
}

async function readLinks(store: ArtifactStore, keys: string[], concurrency = 16): Promise<ChainedEntry[]> {
  const out: ChainedEntry[] = new Array(keys.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < keys.length; i = next++) {
      const link = parse<AuditLink>(await store.get(keys[i]!), keys[i]);
      const key = currentAuditKey(link.entry.key);
      const bytes = await store.tryGet(key);
      if (bytes) out[i] = { seq: link.seq, entry: parse<AuditEntry>(bytes, key), uri: store.uriFor(key) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(keys.length, concurrency) }, worker));
  return out.filter((e) => e !== undefined);
}

/** The bytes of each key, read 16 at a time, in order. */
async function readAll(store: ArtifactStore, keys: string[], concurrency = 16): Promise<Uint8Array[]> {
  const out: Uint8Array[] = new Array(keys.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < keys.length; i = next++) out[i] = await store.get(keys[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(keys.length, concurrency) }, worker));
  return out;
}

export interface ChainVerification {
  modelId: string;
  links: number;
  ok: boolean;
  /** One line each, naming the link or entry. */
  problems: string[];
  /** sha256 of the last link: quote it (e.g. in a ticket) to detect a later truncation. */
  headSha256: string | null;
  /** The entries whose bytes match their link, in chain order (what a reader may go on to check); with `rehashLast`, of the last links only. */
  entries: ChainedEntry[];
}

/**
 * Checks every link against the one before it and against its entry's bytes, that every entry
 * file is linked exactly once, and the head hint (head.json) against the link it names: a hint
 * past the last link means the end was removed, a hint whose sha256 differs from its link's
 * bytes means that link was rewritten. Each kind of damage is named once: a removed link is
 * "missing", and the link after it is not also blamed for not following it.
 *
 * `rehashLast: n` (a page showing the last n entries): every link and the head are checked as
 * above and every entry must be there (listed) and linked once, but only the last n entries are
 * read and re-hashed; an older entry edited in place goes unseen (`upkeep audit verify` sees it).
 */
export async function verifyChain(store: ArtifactStore, modelId: string, opts: { rehashLast?: number } = {}): Promise<ChainVerification> {
  const problems: string[] = [];
  const keys = await linkKeys(store, modelId);
  // Every entry file there is (also what the links are checked against for inserted entries).
  const stored = new Set<string>();
  for (const part of AUDIT_TRAIL_PARTS) for (const key of await store.list(auditEntriesPrefix(modelId, part))) stored.add(key);
  // With rehashLast, older entries are only checked to be there (listed), not re-read and re-hashed.
  const rehashFrom = opts.rehashLast === undefined ? 0 : Math.max(0, keys.length - opts.rehashLast);
  const linkBytes = await readAll(store, keys);
  const linked = new Map<string, number>();
  /** sha256 of each link's bytes, by the number in its file name. */
  const hashes = new Map<number, string>();
  const entries: ChainedEntry[] = [];
  let prevSha: string | null = null;
  let expected = 1;
  let last = 0;
  for (const [index, key] of keys.entries()) {
    const bytes = linkBytes[index]!;
    const name = key.slice(key.lastIndexOf('/') + 1);
    const seq = Number(name.replace(/\.json$/, ''));
    const gap = seq > expected;
    if (gap) problems.push(seq - 1 === expected ? `link ${expected} is missing (removed)` : `links ${expected}..${seq - 1} are missing (removed)`);
    else if (seq < expected) problems.push(`link ${name} is out of order`);
    if (Number.isInteger(seq)) {
      hashes.set(seq, sha256(bytes));
      last = Math.max(last, seq);
    }
    let link: AuditLink;
    try {
      link = parse<AuditLink>(bytes);
    } catch {
      problems.push(`link ${seq} is not valid JSON (altered)`);
      prevSha = sha256(bytes);
      expected = seq + 1;
      continue;
    }
    // A link written before the trail moved to audit/ names its entry under ledger/.
    const entryKey = currentAuditKey(link.entry.key);
    if (link.seq !== seq) problems.push(`link ${seq} says it is link ${link.seq} (moved or altered)`);
    // After a removed link there is nothing to compare `prev` with: the gap is the damage.
    if (!gap && link.prev !== prevSha) problems.push(`link ${seq} does not follow link ${seq - 1}: a link before it was removed, reordered or altered`);
    if (index < rehashFrom) {
      if (!stored.has(entryKey)) problems.push(`link ${seq}: entry ${link.entry.id} (${entryKey}) is missing (removed)`);
      const twice = linked.get(entryKey);
      if (twice !== undefined) problems.push(`link ${seq}: entry ${link.entry.id} is also link ${twice}`);
      linked.set(entryKey, seq);
      prevSha = sha256(bytes);
      expected = seq + 1;
      continue;
    }
    const entryBytes = await store.tryGet(entryKey);
    if (!entryBytes) problems.push(`link ${seq}: entry ${link.entry.id} (${entryKey}) is missing (removed)`);
    else if (sha256(entryBytes) !== link.entry.sha256) problems.push(`link ${seq}: entry ${link.entry.id} (${entryKey}) was altered (sha256 differs)`);
    else {
      try {
        entries.push({ seq, entry: parse<AuditEntry>(entryBytes, entryKey), uri: store.uriFor(entryKey) });
      } catch {
        problems.push(`link ${seq}: entry ${link.entry.id} (${entryKey}) is not valid JSON`);
      }
    }
    const twice = linked.get(entryKey);
    if (twice !== undefined) problems.push(`link ${seq}: entry ${link.entry.id} is also link ${twice}`);
    linked.set(entryKey, seq);
    prevSha = sha256(bytes);
    expected = seq + 1;
  }
  const headBytes = await store.tryGet(auditHeadKey(modelId));
  let head: Head | undefined;
  try {
    head = headBytes ? parse<Head>(headBytes) : undefined;
  } catch {
    problems.push(`the head (${auditHeadKey(modelId)}) is not valid JSON (altered)`);
  }
  if (head) {
    const at = hashes.get(head.seq);
    if (head.seq > last)
      problems.push(
        `the head (${auditHeadKey(modelId)}) names link ${head.seq}, but the chain ends at link ${last}: ${head.seq - last === 1 ? `link ${head.seq}` : `links ${last + 1}..${head.seq}`} at the end of the chain ${head.seq - last === 1 ? 'was' : 'were'} removed`,
      );
    else if (at !== undefined && at !== head.sha256)
      problems.push(
        `link ${head.seq} does not hash to the sha256 the head (${auditHeadKey(modelId)}) recorded for it: link ${head.seq} was rewritten after it was appended`,
      );
  } else if (keys.length > 0 && headBytes === undefined)
    problems.push(`the head (${auditHeadKey(modelId)}) is missing: removed, or the first append has not finished`);
  for (const key of stored) {
    if (!linked.has(key)) problems.push(`entry ${key} is not in the chain (inserted, or an append that never finished)`);
  }
  return { modelId, links: keys.length, ok: problems.length === 0, problems, headSha256: prevSha, entries };
}
