/**
 * An exclusive lock next to a store object, safe when a holder dies. The lock is a folder
 * `<file>.tmp-lockdir` holding one file `owner-<token>`, the token unique to the holder:
 *
 * - acquire: build `<file>.tmp-lockstage-<token>/owner-<token>` privately, then rename that
 *   folder onto the lock path. rename(2) refuses to replace a non-empty folder, so of several
 *   contenders one gets the lock; it may replace an empty folder (a lock being broken).
 * - break (the owner file is older than STALE_LOCK_MS): unlink `owner-<stale token>` by its
 *   name, then rmdir the lock folder. The unlink can only remove the stale owner's file, never a
 *   newer one (the token differs), and rmdir removes only an empty folder, so a breaker that
 *   comes late cannot take a fresh lock away.
 * - release: the same as a break of one's own token.
 *
 * The holder also checks that its owner file is still there before it commits, so a holder that
 * was paused past STALE_LOCK_MS (and lost its lock) gives up instead of writing.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** An owner file older than this is left over from a crashed process and is broken. */
export const STALE_LOCK_MS = 30_000;

const code = (err: unknown): string | undefined => (err as NodeJS.ErrnoException).code;

export const lockDirFor = (file: string): string => `${file}.tmp-lockdir`;

export interface HeldLock {
  /** True while the owner file is still in the lock folder (nobody broke the lock). */
  stillHeld(): Promise<boolean>;
}

async function ownerOf(lockDir: string): Promise<{ name: string; ageMs: number } | undefined> {
  let names: string[];
  try {
    names = await readdir(lockDir);
  } catch (err) {
    if (code(err) === 'ENOENT' || code(err) === 'ENOTDIR') return undefined;
    throw err;
  }
  const name = names.find((n) => n.startsWith('owner-'));
  if (!name) return undefined;
  const s = await stat(path.join(lockDir, name)).catch(() => undefined);
  return s ? { name, ageMs: Date.now() - s.mtimeMs } : undefined;
}

/** Removes `owner` and then the lock folder if it is empty; a no-op for any other owner's lock. */
async function removeOwner(lockDir: string, owner: string): Promise<void> {
  try {
    await unlink(path.join(lockDir, owner));
  } catch (err) {
    if (code(err) === 'ENOENT') return;
    throw err;
  }
  await rmdir(lockDir).catch((err: unknown) => {
    // Another contender already installed its lock (ENOTEMPTY/EEXIST) or removed the folder.
    if (!['ENOENT', 'ENOTEMPTY', 'EEXIST'].includes(code(err) ?? '')) throw err;
  });
}

export async function withLock<T>(file: string, fn: (lock: HeldLock) => Promise<T>, opts: { dirMode?: number; fileMode?: number } = {}): Promise<T> {
  const lockDir = lockDirFor(file);
  const token = `${process.pid}-${randomBytes(8).toString('hex')}`;
  const owner = `owner-${token}`;
  const stage = `${file}.tmp-lockstage-${token}`;
  await mkdir(path.dirname(file), { recursive: true, mode: opts.dirMode ?? 0o700 });
  await mkdir(stage, { mode: opts.dirMode ?? 0o700 });
  try {
    await writeFile(path.join(stage, owner), '', { mode: opts.fileMode ?? 0o600 });
    for (let attempt = 0; ; attempt++) {
      try {
        await rename(stage, lockDir);
        break;
      } catch (err) {
        if (!['ENOTEMPTY', 'EEXIST', 'ENOTDIR', 'EISDIR'].includes(code(err) ?? '')) throw err;
        const held = await ownerOf(lockDir);
        if (held && held.ageMs > STALE_LOCK_MS) await removeOwner(lockDir, held.name);
        else if (attempt > 400) throw new Error(`store object ${file} is locked by another writer (${lockDir})`);
        else await delay(5 + Math.random() * 20);
      }
    }
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
  try {
    return await fn({
      stillHeld: () =>
        stat(path.join(lockDir, owner)).then(
          () => true,
          () => false,
        ),
    });
  } finally {
    await removeOwner(lockDir, owner);
  }
}
