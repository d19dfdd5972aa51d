/**
 * A store as an earlier upkeep version wrote it, its audit trail under ledger/
 * (test/fixtures/ledger-store/README.md), put into any store at its keys.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ArtifactStore } from '../../engine/store/store.js';

export const LEDGER_FIXTURE_DIR = fileURLToPath(new URL('../fixtures/ledger-store/', import.meta.url));
/** The root the fixture's URIs were written under. */
export const LEDGER_FIXTURE_ROOT = 'file:///upkeep-fixture/store';
/** sha256 of each chain's last link, as the earlier version left it. */
export const LEDGER_FIXTURE_HEADS = {
  churn: 'd00ccb68fc6aea08a46eac25496217863582c880abf03b6c52cedc52882f04be',
  _web: '30b3d720a5ef67b7cc760a575fdb67202cd488f2f61b95594e54f7a9f72270a9',
} as const;
export const LEDGER_FIXTURE_LINKS = { churn: 6, _web: 1 } as const;

/** Every object of the fixture: key and bytes (the README aside). */
export function ledgerFixture(): { key: string; bytes: Buffer }[] {
  const out: { key: string; bytes: Buffer }[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (full !== path.join(LEDGER_FIXTURE_DIR, 'README.md'))
        out.push({ key: path.relative(LEDGER_FIXTURE_DIR, full).split(path.sep).join('/'), bytes: readFileSync(full) });
    }
  };
  walk(LEDGER_FIXTURE_DIR);
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

/** Writes the fixture into `store` at its keys (the store as the earlier version left it). */
export async function putLedgerFixture(store: ArtifactStore): Promise<void> {
  for (const { key, bytes } of ledgerFixture()) await store.put(key, bytes);
}

/** The store, under the root the fixture's URIs name (so that they resolve to its keys). */
export function atFixtureRoot(store: ArtifactStore): ArtifactStore {
  const uri = <T extends { uri: string }>(key: string, r: T): T => ({ ...r, uri: `${LEDGER_FIXTURE_ROOT}/${key}` });
  return {
    root: LEDGER_FIXTURE_ROOT,
    uriFor: (key) => `${LEDGER_FIXTURE_ROOT}/${key}`,
    put: async (key, data, opts) => uri(key, await store.put(key, data, opts)),
    putStream: async (key, chunks, expected) => uri(key, await store.putStream(key, chunks, expected)),
    putIfMatch: async (key, data, expected) => {
      const r = await store.putIfMatch(key, data, expected);
      return r.ok ? { ok: true, result: uri(key, r.result) } : r;
    },
    get: (key) => store.get(key),
    tryGet: (key) => store.tryGet(key),
    exists: (key) => store.exists(key),
    list: (prefix) => store.list(prefix),
    delete: (key) => store.delete(key),
  };
}
