/**
 * The artifact store: snapshots, reports, model versions, profiles, the audit trail and cards.
 * Keys are '/'-separated relative paths, all built in keys.ts (docs/storage.md). Implementations
 * must make every write atomic (a reader never sees half a file) so that an activity that runs
 * twice leaves the same state.
 */
export interface PutResult {
  uri: string;
  sha256: string;
  size: number;
  /** false when `ifAbsent` found the key already present (the existing object is kept). */
  created: boolean;
}

export type CasResult = { ok: true; result: PutResult } | { ok: false; current: string | null };

export interface ArtifactStore {
  /** URI of the store's root, e.g. file:///srv/upkeep/store. */
  readonly root: string;
  uriFor(key: string): string;
  /** Writes atomically. With `ifAbsent`, an existing object is left untouched (immutable keys). */
  put(key: string, data: Uint8Array | string, opts?: { ifAbsent?: boolean }): Promise<PutResult>;
  /**
   * Writes an immutable object (first writer wins, as `put` with ifAbsent) from chunks, without
   * holding it whole. The chunks must hash to `sha256` (a source that changed since it was hashed
   * is refused before anything becomes visible); an existing object is taken to be that content.
   */
  putStream(key: string, chunks: () => AsyncIterable<Uint8Array>, expected: { sha256: string; size: number }): Promise<PutResult>;
  /**
   * Compare-and-swap: writes only when the object's current sha256 is `expected` (null: the key
   * must not exist). Returns the current sha256 instead of writing when it is not.
   */
  putIfMatch(key: string, data: Uint8Array | string, expected: string | null): Promise<CasResult>;
  get(key: string): Promise<Uint8Array>;
  /** undefined when the key does not exist. */
  tryGet(key: string): Promise<Uint8Array | undefined>;
  exists(key: string): Promise<boolean>;
  /** Keys under a prefix (recursively), sorted. */
  list(prefix: string): Promise<string[]>;
  /** Removes an object; one that is not there is no error (a retried removal succeeds). */
  delete(key: string): Promise<void>;
}

const SAFE_KEY = /^[A-Za-z0-9._=-]+(\/[A-Za-z0-9._=-]+)*$/;

export function assertKey(key: string): void {
  if (!SAFE_KEY.test(key) || key.split('/').some((part) => part === '..' || part === '.')) {
    throw new Error(`invalid store key ${JSON.stringify(key)}`);
  }
}

/** The JSON document at `key`, or undefined when there is none; one that does not parse is an error naming the key. */
export async function tryGetJson<T>(store: Pick<ArtifactStore, 'tryGet'>, key: string): Promise<T | undefined> {
  const bytes = await store.tryGet(key);
  if (!bytes) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch (err) {
    throw new Error(`${key} in the store is not valid JSON: ${(err as Error).message}`);
  }
}
