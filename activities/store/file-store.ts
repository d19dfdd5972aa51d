import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile, link } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { assertKey, type ArtifactStore, type CasResult, type PutResult } from './store.js';

/** A lock older than this is left over from a crashed process and is broken. */
const STALE_LOCK_MS = 30_000;

/**
 * Runs `fn` holding an exclusive lock file next to `file` (created with O_EXCL, so only one
 * process holds it). Lock names contain ".tmp-", so listings never show them.
 */
async function withLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${file}.tmp-lock`;
  await mkdir(path.dirname(file), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lock, 'wx');
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > STALE_LOCK_MS) {
        // Renaming is atomic: of several writers that find the same stale lock, one breaks it.
        const broken = `${lock}-broken-${randomBytes(6).toString('hex')}`;
        await rename(lock, broken).then(() => rm(broken, { force: true }), () => undefined);
      }
      else if (attempt > 400) throw new Error(`store object ${file} is locked by another writer (${lock})`);
      else await delay(5 + Math.random() * 20);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A store in a local folder. Writes go to a temporary file that is renamed into place. */
export function createFileStore(rootUri: string): ArtifactStore {
  const rootDir = rootUri.startsWith('file://') ? fileURLToPath(rootUri) : path.resolve(rootUri);
  const root = pathToFileURL(rootDir).href;
  const fileFor = (key: string): string => {
    assertKey(key);
    return path.join(rootDir, ...key.split('/'));
  };
  const exists = async (key: string): Promise<boolean> => {
    try {
      await stat(fileFor(key));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  };

  return {
    root,
    uriFor: (key) => pathToFileURL(fileFor(key)).href,
    exists,
    async put(key, data, opts = {}): Promise<PutResult> {
      const file = fileFor(key);
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      const result = { uri: pathToFileURL(file).href, sha256: sha256Hex(bytes), size: bytes.byteLength };
      await mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
      await writeFile(tmp, bytes);
      try {
        if (opts.ifAbsent) {
          // link() fails with EEXIST instead of replacing: first writer wins, atomically.
          try {
            await link(tmp, file);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
              const existing = await readFile(file);
              return { ...result, sha256: sha256Hex(existing), size: existing.byteLength, created: false };
            }
            throw err;
          }
          return { ...result, created: true };
        }
        await rename(tmp, file);
        return { ...result, created: true };
      } finally {
        await rm(tmp, { force: true });
      }
    },
    async putIfMatch(key, data, expected): Promise<CasResult> {
      const file = fileFor(key);
      return withLock(file, async () => {
        const current = await readFile(file).then((b) => sha256Hex(b), (err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return null;
          throw err;
        });
        if (current !== expected) return { ok: false, current };
        const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
        const tmp = `${file}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
        await writeFile(tmp, bytes);
        await rename(tmp, file);
        return { ok: true, result: { uri: pathToFileURL(file).href, sha256: sha256Hex(bytes), size: bytes.byteLength, created: true } };
      });
    },
    async get(key) {
      return new Uint8Array(await readFile(fileFor(key)));
    },
    async tryGet(key) {
      try {
        return new Uint8Array(await readFile(fileFor(key)));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    async list(prefix) {
      const base = prefix ? fileFor(prefix.replace(/\/$/, '')) : rootDir;
      const out: string[] = [];
      const walk = async (dir: string): Promise<void> => {
        let entries;
        try {
          entries = await readdir(dir, { withFileTypes: true });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
          throw err;
        }
        for (const e of entries) {
          const full = path.join(dir, e.name);
          if (e.isDirectory()) await walk(full);
          else if (!e.name.includes('.tmp-')) out.push(path.relative(rootDir, full).split(path.sep).join('/'));
        }
      };
      await walk(base);
      return out.sort();
    },
  };
}
