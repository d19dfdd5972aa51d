/**
 * The audit trail lives under audit/<model>/; stores written by earlier versions kept it under
 * ledger/<model>/. This moves such a store once, so that it still reads, verifies and takes new
 * entries:
 *
 * 1. every object under ledger/ is copied to the same key under audit/ (write-once: a copy that is
 *    already there is kept), byte for byte, so every sha256 the chain records still holds;
 * 2. every copy is read back and compared with its original by sha256 (the head hints are the
 *    exception: one already under audit/ was moved on by this version and is kept);
 * 3. only then is audit/_moved-from-ledger.json written. Nothing under ledger/ is changed or
 *    removed (unless asked: `upkeep audit migrate --remove-old`, after the copies verified).
 *
 * A crash anywhere leaves the marker unwritten and the next run copies what is missing; two
 * processes moving at once write the same bytes to the same keys. Links keep the ledger/ key of
 * the entry they name (their bytes are hashed into the chain): readers map it with
 * `currentAuditKey`. `withAuditLayout` makes sure the move happened before a process touches
 * audit/, so that nothing is read from, or appended to, a half-moved trail.
 */
import { UpkeepError, isUpkeepError } from '../errors.js';
import { mapLimit, sha256Hex } from '../util.js';
import { AUDIT_ROOT, auditMovedMarkerKey, currentAuditKey, LEGACY_AUDIT_ROOT } from './keys.js';
import type { ArtifactStore } from './store.js';

export interface AuditMove {
  /** `none`: nothing under ledger/; `marked`: moved before (not looked at again); `moved`: moved now. */
  state: 'none' | 'marked' | 'moved';
  /** Objects found under ledger/ (when looked at). */
  found: number;
  /** Of those, copied by this run (the rest were already under audit/). */
  copied: number;
  /** Originals removed (`removeOld`). */
  removed: number;
  /** The models (and `_web`) whose trail was found under ledger/. */
  models: string[];
  /** One line each: a copy that differs from its original. Nothing is marked while there is one. */
  problems: string[];
}

/** The store beneath each `withAuditLayout` store. */
const beneath = new WeakMap<ArtifactStore, ArtifactStore>();

/** The head hints: moved on by appends, so a newer one under audit/ is kept, not compared. */
const isHint = (legacyKey: string): boolean => /^ledger\/[^/]+\/(configs\/)?head\.json$/.test(legacyKey);

/**
 * Moves the audit trail from ledger/ to audit/ (see above). With `full`, looks under ledger/ even
 * when the move is marked done (objects an earlier version wrote there since are copied too);
 * with `removeOld`, removes each original whose copy verified, once everything is marked.
 */
export async function moveAuditTrail(given: ArtifactStore, opts: { full?: boolean; removeOld?: boolean; concurrency?: number } = {}): Promise<AuditMove> {
  // Given the gated store (openStore's), move through the store beneath: the caller learns what was moved.
  const store = beneath.get(given) ?? given;
  const limit = opts.concurrency ?? 16;
  const marked = await store.exists(auditMovedMarkerKey);
  if (marked && !opts.full && !opts.removeOld) return { state: 'marked', found: 0, copied: 0, removed: 0, models: [], problems: [] };
  const legacy = await store.list(LEGACY_AUDIT_ROOT);
  if (legacy.length === 0) return { state: marked ? 'marked' : 'none', found: 0, copied: 0, removed: 0, models: [], problems: [] };
  const problems: string[] = [];
  const models = [...new Set(legacy.map((k) => k.split('/')[1]!))].sort();
  // 1. Copy (write-once), keeping each original's sha256.
  const copies = await mapLimit(legacy, limit, async (key) => {
    const bytes = await store.get(key);
    const put = await store.put(currentAuditKey(key), bytes, { ifAbsent: true });
    return { key, sha256: sha256Hex(bytes), created: put.created };
  });
  // 2. Read every copy back.
  await mapLimit(copies, limit, async ({ key, sha256 }) => {
    const copy = await store.tryGet(currentAuditKey(key));
    if (!copy) problems.push(`${currentAuditKey(key)} is missing after it was copied from ${key}`);
    else if (!isHint(key) && sha256Hex(copy) !== sha256)
      problems.push(
        `${currentAuditKey(key)} differs from ${key} (sha256 ${sha256Hex(copy).slice(0, 12)} against ${sha256.slice(0, 12)}): written by two versions of upkeep at once, or altered`,
      );
  });
  problems.sort();
  const copied = copies.filter((c) => c.created).length;
  if (problems.length > 0) return { state: marked ? 'marked' : 'none', found: legacy.length, copied, removed: 0, models, problems };
  // 3. Mark it moved (after every copy verified), then remove the originals if asked.
  await store.put(
    auditMovedMarkerKey,
    `${JSON.stringify({ v: 'upkeep.audit-move/1', from: `${LEGACY_AUDIT_ROOT}/`, to: `${AUDIT_ROOT}/`, objects: legacy.length, at: new Date().toISOString() })}\n`,
  );
  let removed = 0;
  if (opts.removeOld) {
    await mapLimit(legacy, limit, async (key) => {
      await store.delete(key);
      removed++;
    });
  }
  return { state: 'moved', found: legacy.length, copied, removed, models, problems };
}

/** One line for a move that could not be marked. */
export function describeMoveProblems(store: ArtifactStore, move: AuditMove): string {
  const more = move.problems.length > 1 ? ` (and ${move.problems.length - 1} more: \`upkeep audit migrate\` lists them)` : '';
  return `the audit trail in ${store.root} is still under ${LEGACY_AUDIT_ROOT}/ and was not moved to ${AUDIT_ROOT}/: ${move.problems[0]}${more}`;
}

const touchesTrail = (key: string): boolean => key === '' || key === AUDIT_ROOT || key.startsWith(`${AUDIT_ROOT}/`);

/**
 * The store, but the first call that touches audit/ waits for `moveAuditTrail` (one `exists` once
 * the move is marked), so a process of this version never reads a trail still under ledger/ as
 * empty, nor starts a new chain beside it. A move that fails is tried again by the next call.
 */
export function withAuditLayout(store: ArtifactStore): ArtifactStore {
  let ready: Promise<void> | undefined;
  const move = async (): Promise<void> => {
    let result: AuditMove;
    try {
      result = await moveAuditTrail(store);
    } catch (err) {
      const message = `the audit trail in ${store.root} is still under ${LEGACY_AUDIT_ROOT}/ and could not be moved to ${AUDIT_ROOT}/ (run \`upkeep audit migrate\` with write access): ${(err as Error).message}`;
      throw isUpkeepError(err) ? new UpkeepError(err.type, message, { cause: err }) : new Error(message, { cause: err });
    }
    if (result.problems.length > 0) throw new UpkeepError('StoreConflict', describeMoveProblems(store, result));
  };
  const gate = (key: string): Promise<void> | undefined => {
    if (!touchesTrail(key)) return undefined;
    ready ??= move().catch((err: unknown) => {
      ready = undefined;
      throw err;
    });
    return ready;
  };
  const after = <T>(key: string, op: () => Promise<T>): Promise<T> => {
    const waiting = gate(key);
    return waiting ? waiting.then(op) : op();
  };
  const gated: ArtifactStore = {
    root: store.root,
    uriFor: (key) => store.uriFor(key),
    put: (key, data, opts) => after(key, () => store.put(key, data, opts)),
    putStream: (key, chunks, expected) => after(key, () => store.putStream(key, chunks, expected)),
    putIfMatch: (key, data, expected) => after(key, () => store.putIfMatch(key, data, expected)),
    get: (key) => after(key, () => store.get(key)),
    tryGet: (key) => after(key, () => store.tryGet(key)),
    exists: (key) => after(key, () => store.exists(key)),
    list: (prefix) => after(prefix, () => store.list(prefix)),
    delete: (key) => after(key, () => store.delete(key)),
  };
  beneath.set(gated, store);
  return gated;
}
